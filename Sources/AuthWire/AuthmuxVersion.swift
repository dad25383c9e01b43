/// The one place authmux's version is written.
///
/// It lives here because AuthWire is the one target both executables link (authtest links no
/// other of ours), so `authmuxd --version`, `authtest --version`, the metrics' `authmux_build_info`
/// and `make deb` (which reads this line with sed) cannot disagree. The spelling is Debian's: `~`
/// sorts before the release it precedes, so a package built from the tree before 0.1.0 is
/// tagged is replaced by the release's package.
public enum AuthmuxVersion {
    public static let version = "0.1.0~dev"
}
