import AuthWire

/// What `authmux_build_info` and `--version` report as the running version.
enum BuildInfo {
    /// From `AuthmuxVersion`, the one place the version is written.
    static let version = AuthmuxVersion.version
}
