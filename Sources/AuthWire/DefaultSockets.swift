/// Where clients look for each door when nothing says otherwise.
public enum DefaultSockets {
    /// Debian's libsasl2 connects here unless `saslauthd_path:` says otherwise.
    public static let saslauthd = "/run/saslauthd/mux"
    /// libsasl2's built-in `PWCHECKDIR/pwcheck`.
    public static let pwcheck = "/var/pwcheck/pwcheck"
}
