import CLinuxSocket
#if canImport(Glibc)
import Glibc
#endif

/// Keeps this process's memory out of core files and away from other processes of its user.
///
/// authmuxd holds every sasldb password (the file's own copy, in the clear) and each request's
/// password while it is checked; `check-config` and `explain` build the same backends. A core
/// dump would write all of it to disk (or hand it to systemd-coredump), and a dumpable process's
/// memory can be read by any process running as the same user (ptrace, /proc/PID/mem). So every
/// command does this first, and the daemon again after the run_as switch: the kernel resets the
/// dumpable flag to `fs.suid_dumpable` whenever the ids change (systemd-coredump sets it to 2,
/// which would make the switched daemon dumpable again). The core limit survives the switch,
/// but is set to 0 for the hard limit too, so nothing in the process can raise it later.
enum CoreDumpGuard {
    static func engage() throws(CoreDumpGuardError) {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        guard setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none) == 0 else {
            throw CoreDumpGuardError(description: "cannot set the core file size limit to 0: \(String(cString: strerror(errno)))")
        }
        guard authmux_set_dumpable(0) == 0 else {
            throw CoreDumpGuardError(description: "cannot make the process non-dumpable: \(String(cString: strerror(errno)))")
        }
    }
}
