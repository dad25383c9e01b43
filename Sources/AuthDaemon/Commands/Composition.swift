import AuthCore
import Backends

/// The composition root: the one place the daemon names the backend kinds compiled in. Everything
/// else receives the catalog, so the daemon knows nothing of PAM, LDAP or sasldb.
enum Composition {
    static let catalog: BackendCatalog = BuiltinBackends.catalog
}
