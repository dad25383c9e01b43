/// What `authmux_build_info` reports as the running version.
enum BuildInfo {
    /// authmux has no tagged releases yet; raised when one is made.
    static let version = "0.1.0-dev"
}
