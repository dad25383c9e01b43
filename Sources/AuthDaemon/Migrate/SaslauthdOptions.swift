/// A saslauthd command line, read as saslauthd's own `getopt` reads it (saslauthd-main.c,
/// Cyrus SASL 2.1.28: `a:cdhlO:m:n:rs:t:vTH:`), so that every flag an administrator set is
/// either translated or named as having no counterpart.
struct SaslauthdOptions: Equatable {
    /// `-a`: saslauthd serves exactly one mechanism, the last `-a` given.
    var mechanism: String?
    /// `-O`: the mechanism's option (LDAP's configuration file, rimap's host); the last one.
    var mechanismOption: String?
    /// `-H`: rimap's host, the deprecated spelling of `-O`.
    var rimapHost: String?
    /// `-m`: the socket directory; saslauthd listens on `<dir>/mux`.
    var socketDirectory: String?
    /// `-n`: worker processes (0 forks one per connection).
    var threads: String?
    /// `-c`: the credential cache is on; `-t` its timeout in seconds, `-s` its table in KiB.
    var cache = false
    var cacheTimeout: String?
    var cacheSize: String?
    /// `-r`: the realm is appended to the login (`foo` + `bar` → `foo@bar`) for the mechanism.
    var realmOnLogin = false
    /// `-l`: no lock file around accept().
    var noLockFile = false
    /// `-T`: time-of-day login restrictions (shadow on some systems).
    var timeOfDay = false
    /// `-d`: foreground and debug output.
    var debug = false
    /// `-v`, `-h`: print and exit; meaningless in a service's configuration.
    var informational: [String] = []
    /// Flags saslauthd does not know, and words that are not options (a second mechanism
    /// after Debian's unquoted `-a $MECHANISMS`, which getopt sets aside).
    var unknown: [String] = []
    var strays: [String] = []

    private static let withValue: Set<Character> = ["a", "O", "H", "m", "n", "s", "t"]
    private static let flags: Set<Character> = ["c", "d", "h", "l", "r", "v", "T"]

    /// Reads `arguments` (without the program name; a leading `saslauthd` or path to it is
    /// skipped, so a line copied from `ps` works). GNU getopt permutes, so options after a
    /// stray word still count; `--` ends the options.
    init(arguments: [String]) {
        var rest = arguments[...]
        if let first = rest.first, first == "saslauthd" || first.hasSuffix("/saslauthd") { rest = rest.dropFirst() }
        var afterTerminator = false
        while let word = rest.popFirst() {
            if afterTerminator || !word.hasPrefix("-") || word == "-" {
                strays.append(word)
                continue
            }
            if word == "--" {
                afterTerminator = true
                continue
            }
            var letters = word.dropFirst()[...]
            while let letter = letters.popFirst() {
                if Self.withValue.contains(letter) {
                    let value: String?
                    if !letters.isEmpty {
                        value = String(letters)
                        letters = ""
                    } else {
                        value = rest.popFirst()
                    }
                    guard let value else {
                        unknown.append("-\(letter) (without its value)")
                        break
                    }
                    set(letter, value)
                } else if Self.flags.contains(letter) {
                    set(letter)
                } else {
                    unknown.append("-\(letter)")
                }
            }
        }
    }

    private mutating func set(_ letter: Character, _ value: String) {
        switch letter {
        case "a": mechanism = value
        case "O": mechanismOption = value
        case "H": rimapHost = value
        case "m": socketDirectory = value
        case "n": threads = value
        case "s": cacheSize = value
        case "t": cacheTimeout = value
        default: break
        }
    }

    private mutating func set(_ letter: Character) {
        switch letter {
        case "c": cache = true
        case "d": debug = true
        case "l": noLockFile = true
        case "r": realmOnLogin = true
        case "T": timeOfDay = true
        default: informational.append("-\(letter)")
        }
    }
}
