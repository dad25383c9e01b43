public import AuthCore

/// The backend kinds compiled into this build.
public enum BuiltinBackends {
    public static let catalog = BackendCatalog([SASLDBBackendKind(), PasswdFileBackendKind(), PAMBackendKind(), LDAPBackendKind(), SQLBackendKind()])
}
