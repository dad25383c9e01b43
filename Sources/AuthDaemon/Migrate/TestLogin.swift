import AuthWire

/// One line of `migrate --check --logins FILE`: a login to ask both daemons, its password held
/// as a `Secret` and never printed.
struct TestLogin {
    var line: Int
    var login: String
    /// Empty for `-` in the file: the request then carries no realm.
    var realm: String
    var password: Secret
    var service: String

    /// What the report names: everything but the password.
    var label: String {
        "line \(line): \(login) realm \(realm.isEmpty ? "(none)" : realm) service \(service)"
    }
}
