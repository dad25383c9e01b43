import AuthCore
import Backends
import SQLBackend

/// The composition root: the one place the daemon names the backend kinds compiled in. Everything
/// else receives the catalog, so the daemon knows nothing of PAM, LDAP, sasldb or SQL.
enum Composition {
    static let catalog = BackendCatalog(BuiltinBackends.kinds + [SQLBackendKind()])
}
