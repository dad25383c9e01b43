import Backends
import Foundation
import Testing

/// Whether a stack can succeed with a wrong password, on the host's real Debian files and on
/// stacks written for each rule of libpam's dispatcher.
@Suite("PAM stack evaluator")
struct PAMStackEvaluatorTests {
    /// The culprit's location when `lines` (the service `mail`) passes a wrong password; nil when safe.
    func culprit(_ lines: [String], files: [String: [String]] = [:]) throws -> String? {
        try PAMStackFolder.with { folder in
            for (name, content) in files { try folder.write(name, content.joined(separator: "\n")) }
            try folder.write("mail", lines.joined(separator: "\n"))
            return try folder.analyzer.analyze(service: "mail").wrongPasswordPath.map { path in
                "\(URL(fileURLWithPath: path.culprit.entry.line.file).lastPathComponent):\(path.culprit.entry.line.number)"
            }
        }
    }

    /// The line number of the first line of `file` that contains `text`.
    func lineNumber(of text: String, in file: String) throws -> Int {
        let content = try String(contentsOfFile: file, encoding: .utf8)
        let index = try #require(content.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(text) && !$0.hasPrefix("#") })
        return index + 1
    }

    @Test func suLetsAWrongPasswordThroughAtPamRootok() throws {
        let analysis = try PAMStackAnalyzer(locations: .system).analyze(service: "su")
        let path = try #require(analysis.wrongPasswordPath, "/etc/pam.d/su judged safe")
        #expect(path.culprit.entry.line.file == "/etc/pam.d/su")
        #expect(path.culprit.entry.line.number == (try lineNumber(of: "pam_rootok.so", in: "/etc/pam.d/su")))
        #expect(path.culprit.entry.moduleName == "pam_rootok" && path.culprit.result == .success && path.culprit.action == .done)
        #expect(path.description.hasPrefix("/etc/pam.d/su:"))
        #expect(path.description.contains("pam_rootok succeeds when the caller is root"))
        for service in ["chfn", "runuser"] where FileManager.default.fileExists(atPath: "/etc/pam.d/\(service)") {
            #expect(try PAMStackAnalyzer(locations: .system).analyze(service: service).wrongPasswordPath?.culprit.entry.moduleName == "pam_rootok")
        }
    }

    @Test func debiansCommonAuthOtherAndLoginRefuseAWrongPassword() throws {
        // common-auth ends in `auth required pam_permit.so`: a rule against pam_permit would
        // refuse it; the stack itself only reaches that line after pam_unix succeeded.
        let commonAuth = try PAMStackLoader(locations: .system).authEntries(inFile: "/etc/pam.d/common-auth")
        #expect(commonAuth.contains { $0.moduleName == "pam_permit" })
        #expect(try PAMStackEvaluator(entries: commonAuth).wrongPasswordPath() == nil)
        for service in ["other", "login", "amx-no-such-service"] {
            let analysis = try PAMStackAnalyzer(locations: .system).analyze(service: service)
            #expect(analysis.wrongPasswordPath == nil, "\(service): \(analysis.wrongPasswordPath.map(\.description) ?? "")")
        }
    }

    @Test func sufficientConditionsAndPermitsLetItThrough() throws {
        #expect(try culprit(["auth sufficient pam_succeed_if.so user = root", "auth required pam_unix.so"]) == "mail:1")
        #expect(try culprit(["auth sufficient /lib/x86_64-linux-gnu/security/pam_rootok.so", "auth required pam_unix.so"]) == "mail:1")
        #expect(try culprit(["auth sufficient pam_unix.so", "auth required pam_deny.so"]) == nil)
        // An unknown module is taken to check the password.
        #expect(try culprit(["auth sufficient pam_matrix.so passdb=/x", "auth required pam_deny.so"]) == nil)
    }

    @Test func debiansPatternIsSafeAndItsMutationsAreNot() throws {
        let debian = ["auth [success=1 default=ignore] pam_unix.so nullok", "auth requisite pam_deny.so", "auth required pam_permit.so"]
        #expect(try culprit(debian) == nil)
        #expect(try culprit(["auth [success=1 default=ignore] pam_unix.so", "auth optional pam_deny.so", "auth required pam_permit.so"]) == "mail:3")
        #expect(try culprit(["auth [success=1 default=ignore] pam_succeed_if.so uid >= 1000", "auth requisite pam_deny.so", "auth required pam_permit.so"]) == "mail:3")
        // Red Hat's and Gentoo's shapes.
        #expect(try culprit(["auth required pam_env.so", "auth sufficient pam_unix.so", "auth required pam_deny.so"]) == nil)
        #expect(try culprit(["auth required pam_unix.so", "auth optional pam_permit.so"]) == nil)
    }

    @Test func optionalOnlyStacksDecideNothing() throws {
        // Nothing counted: libpam ends undecided with PAM_PERM_DENIED.
        #expect(try culprit(["auth optional pam_unix.so"]) == nil)
        #expect(try culprit(["auth optional pam_unix.so", "auth optional pam_permit.so"]) == "mail:2")
    }

    @Test func doneAndDieEndTheStack() throws {
        #expect(try culprit(["auth [success=done default=die] pam_localuser.so", "auth required pam_unix.so"]) == "mail:1")
        #expect(try culprit(["auth [success=ok default=die] pam_localuser.so", "auth required pam_unix.so"]) == nil)
        // `done` after a failure does not end anything: the failure stays, and a later `reset`
        // can still forget it (libpam accepts this stack).
        #expect(try culprit(["auth required pam_unix.so", "auth sufficient pam_permit.so"]) == nil)
        #expect(try culprit(["auth required pam_deny.so", "auth sufficient pam_permit.so", "auth [default=reset] pam_localuser.so", "auth required pam_permit.so"]) == "mail:4")
        // `die` skips the rest, a `reset` after it included.
        #expect(try culprit(["auth requisite pam_deny.so", "auth [default=reset] pam_permit.so", "auth required pam_permit.so"]) == nil)
        #expect(try culprit(["auth required pam_deny.so", "auth [default=reset] pam_permit.so", "auth required pam_permit.so"]) == "mail:3")
    }

    @Test func includeAndSubstackDifferAsLibpamDefinesThem() throws {
        let sufficientPermit = ["permit": ["auth sufficient pam_permit.so", "auth required pam_deny.so"]]
        // `done` in an include ends the whole stack; in a substack, only the substack.
        #expect(try culprit(["auth include permit", "auth required pam_unix.so"], files: sufficientPermit) == "permit:1")
        #expect(try culprit(["auth substack permit", "auth required pam_unix.so"], files: sufficientPermit) == nil)
        // `die` in a substack ends only the substack, but its failure stays.
        #expect(try culprit(["auth substack deny", "auth required pam_permit.so"], files: ["deny": ["auth requisite pam_deny.so"]]) == nil)
        // `reset` forgets back to the start of the stack (include) or of the substack.
        let resetting = ["reset": ["auth [default=reset] pam_localuser.so", "auth required pam_permit.so"]]
        #expect(try culprit(["auth required pam_unix.so", "auth include reset"], files: resetting) == "reset:2")
        #expect(try culprit(["auth required pam_unix.so", "auth substack reset"], files: resetting) == nil)
    }

    @Test func jumpsCountASubstackAsOneLine() throws {
        let twoDenies = ["denies": ["auth requisite pam_deny.so", "auth requisite pam_deny.so"]]
        let jumpOne = "auth [success=1 default=ignore] pam_succeed_if.so user ingroup mail"
        #expect(try culprit([jumpOne, "auth substack denies", "auth required pam_permit.so"], files: twoDenies) == "mail:3")
        #expect(try culprit([jumpOne, "auth include denies", "auth required pam_permit.so"], files: twoDenies) == nil)
        // A jump past the end fails the stack.
        #expect(try culprit(["auth [success=3 default=ignore] pam_permit.so", "auth required pam_permit.so"]) == nil)
        #expect(try culprit(["auth substack over", "auth required pam_permit.so"], files: ["over": ["auth [success=2 default=ignore] pam_permit.so", "auth required pam_unix.so"]]) == nil)
    }

    @Test func passwordModulesThatStepAsideAreFollowed() throws {
        // With ignore_unknown_user, pam_sss answers PAM_IGNORE for users SSSD does not know, and
        // the success before it stands: anyone unknown to SSSD gets in with any password.
        #expect(try culprit(["auth required pam_env.so", "auth required pam_sss.so ignore_unknown_user"]) == "mail:1")
        #expect(try culprit(["auth required pam_env.so", "auth required pam_sss.so"]) == nil)
        // A password check's "user unknown" routed around the deny is a way in too.
        #expect(try culprit(["auth [success=ok user_unknown=ignore default=die] pam_unix.so", "auth required pam_permit.so"]) == "mail:2")
    }

    @Test func thePathNamesEveryStepOnTheWay() throws {
        try PAMStackFolder.with { folder in
            try folder.write("mail", "auth [success=1 default=ignore] pam_succeed_if.so uid >= 1000", "auth requisite pam_deny.so", "auth required pam_permit.so")
            let path = try #require(try folder.analyzer.analyze(service: "mail").wrongPasswordPath)
            #expect(path.steps.map { $0.entry.moduleName ?? "" } == ["pam_succeed_if", "pam_permit"])
            #expect(path.description == "\(folder.path)/mail:3: \"auth required pam_permit.so\" lets a wrong password through: pam_permit always succeeds (with a wrong password: \(folder.path)/mail:1 pam_succeed_if success (skip 1), \(folder.path)/mail:3 pam_permit success (ok))")
        }
    }

    @Test func aHugeStackEndsWithAnAnswer() throws {
        // Forty optional conditions in a row: every one may answer anything, yet the search
        // visits each distinct state once.
        let lines = Array(repeating: "auth optional pam_succeed_if.so uid >= 1000", count: 40) + ["auth required pam_unix.so"]
        #expect(try culprit(lines) == nil)
    }
}
