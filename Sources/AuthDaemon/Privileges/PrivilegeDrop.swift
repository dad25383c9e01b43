import AuthCore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Gives up root for the `run_as` account once every socket is bound: supplementary groups,
/// then the group, then the user — in that order, because after `setuid` the process may no
/// longer change its groups — and then proves that root cannot be regained.
///
/// glibc applies `setgroups`, `setgid` and `setuid` to every thread of the process (the
/// setxid broadcast), so the event loops and the backends' thread pools started before the
/// drop run as the account too; threads started later inherit it.
struct PrivilegeDrop: Sendable {
    let account: RunAsAccount
    /// Files the backends read after start: checked again with the kernel's own `access` once
    /// the process runs as the account (the prediction from mode bits ignores ACLs).
    let filesRead: [String]
    /// The configuration file, re-read on SIGHUP.
    let configPath: String

    func perform(logger: Logger) throws {
        if getuid() == account.uid && geteuid() == account.uid {
            // Started as the account already (checked at start): nothing to give up.
            logger.notice("already running as user \(account.userName): run_as needs no switch")
            return
        }
        guard initgroups(account.userName, account.gid) == 0 else {
            throw PrivilegeError(description: "initgroups(\(account.userName), \(account.gid)) failed: \(Self.errorText())")
        }
        guard setgid(account.gid) == 0 else {
            throw PrivilegeError(description: "setgid(\(account.gid)) failed: \(Self.errorText())")
        }
        guard setuid(account.uid) == 0 else {
            throw PrivilegeError(description: "setuid(\(account.uid)) failed: \(Self.errorText())")
        }
        try verify()
        // The kernel has just reset the dumpable flag to fs.suid_dumpable (see CoreDumpGuard).
        do {
            try CoreDumpGuard.engage()
        } catch {
            throw PrivilegeError(description: "after switching to user \(account.userName): \(error)")
        }
        logger.notice("dropped privileges to user \(account.userName) group \(account.groupName)", metadata: [
            "uid": "\(account.uid)", "gid": "\(account.gid)", "groups": "\(account.groups.map(String.init).joined(separator: ","))",
        ])
        // A missing file is the backend's own warning, as without run_as.
        for file in filesRead where access(file, R_OK) != 0 && errno != ENOENT {
            throw PrivilegeError(description: "user \(account.userName) cannot read \(file): \(Self.errorText())", configProblem: true)
        }
        if access(configPath, R_OK) != 0 {
            logger.warning("user \(account.userName) cannot read the configuration file: SIGHUP reloads will fail", metadata: [
                "config": "\(configPath)", "error": "\(Self.errorText())",
            ])
        }
    }

    /// Real and effective ids are the account's, the groups are the account's, and asking for
    /// root back fails. `seteuid(0)` and `setegid(0)` failing also prove the saved ids are not
    /// root's: an unprivileged process may switch to its saved id.
    private func verify() throws {
        let ids = (getuid(), geteuid(), getgid(), getegid())
        guard ids == (account.uid, account.uid, account.gid, account.gid) else {
            throw PrivilegeError(description: "ids after the drop are uid \(ids.0)/\(ids.1) gid \(ids.2)/\(ids.3), expected \(account.uid) and \(account.gid)")
        }
        var groups = [gid_t](repeating: 0, count: Int(max(getgroups(0, nil), 0)))
        let count = getgroups(Int32(groups.count), &groups)
        guard count >= 0, Set(groups.prefix(Int(count))).isSubset(of: Set(account.groups + [account.gid])) else {
            throw PrivilegeError(description: "supplementary groups after the drop are \(groups), expected a subset of \(account.groups)")
        }
        let regained = setuid(0) == 0 || seteuid(0) == 0 || (account.gid != 0 && (setgid(0) == 0 || setegid(0) == 0))
        guard !regained else {
            throw PrivilegeError(description: "root could be regained after switching to user \(account.userName); refusing to run")
        }
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
