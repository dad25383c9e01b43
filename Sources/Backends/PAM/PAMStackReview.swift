import AuthCore

/// The judgement on every stack a pam backend can reach, made at start, on SIGHUP and by
/// check-config: a stack that lets a wrong password through is a refusal (a warning with
/// `allow_passwordless_stacks: true`), located at the setting that makes it reachable.
///
/// A stack that cannot be judged (unreadable, or with a line libpam would refuse, fail on or
/// crash on) is a refusal too: libpam, reading the same file, would fail every check through it
/// or take the daemon down, so serving it would only look healthy; and a stack nobody can read
/// is one nobody has shown to check passwords.
struct PAMStackReview: Sendable {
    let refusals: [ConfigError]
    let warnings: [String]

    init(backend: String, settings: PAMSettings, analyzer: PAMStackAnalyzer) {
        var refusals: [ConfigError] = []
        var warnings: [String] = []
        var judged = Set<String>()
        for reachable in settings.reachableServices where judged.insert(reachable.name).inserted {
            let fix = settings.service == .fromRequest
                ? "take \"\(reachable.name)\" out of services, fix the stack, or set allow_passwordless_stacks: true if that is meant"
                : "use a service whose stack checks the password, or set allow_passwordless_stacks: true if that is meant"
            let defaultNote = settings.service == .fromRequest && settings.services.isDefault ? " (one of the default services)" : ""
            var refusal = reachable.origin
            do {
                let analysis = try analyzer.analyze(service: reachable.name)
                guard let path = analysis.wrongPasswordPath else { continue }
                let finding = "PAM service \"\(reachable.name)\"\(defaultNote), stack \(analysis.stack.file), accepts a wrong password: \(path)"
                if settings.allowPasswordlessStacks {
                    warnings.append("\(finding) (served anyway: allow_passwordless_stacks is true)")
                    continue
                }
                refusal.message = "backend \"\(backend)\": \(finding); \(fix)"
            } catch {
                refusal.message = "backend \"\(backend)\": the stack of PAM service \"\(reachable.name)\"\(defaultNote) cannot be judged: \(error)"
            }
            refusals.append(refusal)
        }
        self.refusals = refusals
        self.warnings = warnings
    }
}
