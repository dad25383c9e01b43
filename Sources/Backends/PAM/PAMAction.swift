/// What Linux-PAM does with a module's return code: the right-hand side of `[value=action]`
/// (pam.conf(5)); `required`, `requisite`, `sufficient` and `optional` are tables of these.
public enum PAMAction: Sendable, Hashable, CustomStringConvertible {
    /// The code does not count.
    case ignore
    /// The code counts, unless the stack has already failed or holds another code.
    case ok
    /// As `ok`, and the (sub)stack ends here when it is then positive.
    case done
    /// The stack fails with this code, unless it has already failed.
    case bad
    /// As `bad`, and the (sub)stack ends here.
    case die
    /// The stack forgets everything since its start (the substack's start, for a substack).
    case reset
    /// Skip the next N lines of this (sub)stack; a whole substack counts as one line.
    case jump(Int)

    /// libpam's order of action names, matched by prefix in this order (pam_tokens.h).
    static let named: [(token: String, action: PAMAction)] = [
        ("ignore", .ignore), ("ok", .ok), ("done", .done), ("bad", .bad), ("die", .die), ("reset", .reset),
    ]

    public var description: String {
        switch self {
        case .ignore: return "ignore"
        case .ok: return "ok"
        case .done: return "done"
        case .bad: return "bad"
        case .die: return "die"
        case .reset: return "reset"
        case .jump(let count): return "skip \(count)"
        }
    }
}
