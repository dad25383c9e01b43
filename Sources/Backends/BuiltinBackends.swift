public import AuthCore

/// The backend kinds of this target. The daemon's catalog adds the sql backend, a target of
/// its own (see Package.swift), so that what links only this target does not build its drivers.
public enum BuiltinBackends {
    public static let kinds: [any BackendKind] = [SASLDBBackendKind(), PasswdFileBackendKind(), PAMBackendKind(), LDAPBackendKind()]
    public static let catalog = BackendCatalog(kinds)
}
