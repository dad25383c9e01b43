import Foundation

/// Every password the integration tests hand to a store or send to a daemon, so that each
/// daemon's log can be searched for all of them when it stops (see `TestDaemon.with`).
///
/// Only passwords of eight bytes or more are searched for: a short one such as `pw` or
/// `wrong` also occurs in ordinary log text ("wrong password"), and would prove nothing.
public enum TestSecrets {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var known = Set<String>()

    public static let minimumLength = 8

    public static func register(_ password: String) {
        guard password.utf8.count >= minimumLength else { return }
        lock.lock()
        known.insert(password)
        lock.unlock()
    }

    public static var all: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return known
    }

    /// The registered passwords that occur in `text`.
    public static func leaked(in text: String) -> [String] {
        all.filter { text.contains($0) }.sorted()
    }
}
