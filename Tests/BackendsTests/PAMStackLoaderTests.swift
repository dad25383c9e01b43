import Backends
import Foundation
import Testing

/// How the auth stack of a service is laid out: which file, which includes, which levels, and
/// which mistakes are refused rather than guessed at.
@Suite("PAM stack loader")
struct PAMStackLoaderTests {
    func modules(_ stack: PAMAuthStack) -> [String] {
        stack.entries.map { entry in "\(entry.level):\(entry.moduleName ?? "substack")" }
    }

    @Test func aDebianServiceFollowsItsIncludes() throws {
        let stack = try PAMStackLoader(locations: .system).authStack(forService: "su")
        #expect(stack.file == "/etc/pam.d/su")
        #expect(stack.entries.first?.moduleName == "pam_rootok")
        // `@include common-auth` puts common-auth's auth lines at the includer's level, located in common-auth.
        let unix = try #require(stack.entries.first { $0.moduleName == "pam_unix" })
        #expect(unix.level == 0 && unix.line.file == "/etc/pam.d/common-auth")
        // Session and account lines do not decide pam_authenticate.
        #expect(!stack.entries.contains { $0.moduleName == "pam_limits" || $0.moduleName == "pam_mail" })
    }

    @Test func aServiceWithoutAFileUsesOtherAndNamesAreLowercased() throws {
        let missing = try PAMStackLoader(locations: .system).authStack(forService: "amx-no-such-service")
        #expect(missing.file == "/etc/pam.d/other")
        let upper = try PAMStackLoader(locations: .system).authStack(forService: "SU")
        #expect(upper.file == "/etc/pam.d/su" && upper.service == "su")
    }

    @Test func aServiceFileWithoutAuthLinesFallsBackToOther() throws {
        try PAMStackFolder.with { folder in
            try folder.write("other", "auth required pam_deny.so")
            try folder.write("mail", "account required pam_permit.so", "session required pam_permit.so")
            let stack = try PAMStackLoader(locations: folder.locations).authStack(forService: "mail")
            #expect(stack.file == "\(folder.path)/other")
            #expect(modules(stack) == ["0:pam_deny"])
        }
    }

    @Test func includeSubstackAndAtIncludeSetLevels() throws {
        try PAMStackFolder.with { folder in
            try folder.write("inner", "auth required pam_unix.so", "session required pam_deny.so")
            try folder.write("deep", "auth substack inner")
            try folder.write(
                "mail",
                "-auth optional pam_faildelay.so delay=1",
                "auth include inner",
                "auth substack deep",
                "@include inner",
                "auth [default=die] /lib/x86_64-linux-gnu/security/pam_deny.so")
            let stack = try PAMStackLoader(locations: folder.locations).authStack(forService: "mail")
            #expect(modules(stack) == ["0:pam_faildelay", "0:pam_unix", "0:substack", "1:substack", "2:pam_unix", "0:pam_unix", "0:pam_deny"])
            #expect(stack.entries[1].line.location == "\(folder.path)/inner:1")
        }
    }

    @Test func includeLoopsAreAnErrorNotAHang() throws {
        try PAMStackFolder.with { folder in
            try folder.write("a", "auth required pam_unix.so", "auth include b")
            try folder.write("b", "auth substack a")
            try folder.write("c", "@include c")
            let loader = PAMStackLoader(locations: folder.locations)
            #expect {
                try loader.authStack(forService: "a")
            } throws: { error in
                "\(error)" == "\(folder.path)/b:1: includes loop (\(folder.path)/a -> \(folder.path)/b -> \(folder.path)/a): libpam fails or crashes on it"
            }
            #expect(throws: PAMStackError.self) { try loader.authStack(forService: "c") }
        }
    }

    @Test func nestingPastLibpamsLimitIsAnError() throws {
        try PAMStackFolder.with { folder in
            for level in 0..<20 { try folder.write("n\(level)", "auth include n\(level + 1)") }
            try folder.write("n20", "auth required pam_unix.so")
            #expect { try PAMStackLoader(locations: folder.locations).authStack(forService: "n0") } throws: { error in
                "\(error)".contains("nested more than 16 deep")
            }
        }
    }

    @Test func linesLibpamWouldBreakOnAreErrors() throws {
        try PAMStackFolder.with { folder in
            try folder.write("other", "auth required pam_deny.so")
            let cases: [(String, String)] = [
                ("auth include nowhere", "include \(folder.path)/nowhere: no such file"),
                ("@include nowhere", "@include \(folder.path)/nowhere: no such file"),
                ("@include", "@include without a file name"),
                ("auht required pam_unix.so", "\"auht\" is not a PAM type"),
                ("auth", "no control"),
                ("auth required", "no module"),
                ("auth sufficent pam_unix.so", "control [sufficent]"),
                ("auth [success=ok default=nonsense] pam_unix.so", "control [success=ok default=nonsense]"),
                ("auth [success=0] pam_unix.so", "a jump of 0"),
            ]
            for (line, message) in cases {
                try folder.write("mail", "auth required pam_unix.so", line)
                #expect { try PAMStackLoader(locations: folder.locations).authStack(forService: "mail") } throws: { error in
                    "\(error)".hasPrefix("\(folder.path)/mail:2: ") && "\(error)".contains(message)
                }
            }
            // The same mistakes on lines of other types do not touch the auth stack.
            try folder.write("mail", "auth required pam_unix.so", "session include nowhere", "account sufficent pam_unix.so", "password required")
            #expect(try PAMStackLoader(locations: folder.locations).authStack(forService: "mail").entries.count == 1)
        }
    }

    @Test func anUnreadableFileAndAMissingStackAreErrors() throws {
        try PAMStackFolder.with { folder in
            #expect { try PAMStackLoader(locations: folder.locations).authStack(forService: "mail") } throws: { error in
                "\(error)".contains("no stack: neither mail nor other")
            }
            let file = try folder.write("mail", "auth required pam_unix.so")
            // A folder where the file should be cannot be read as one.
            try FileManager.default.removeItem(atPath: file)
            try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: false)
            #expect { try PAMStackLoader(locations: folder.locations).authStack(forService: "mail") } throws: { error in
                "\(error)".hasPrefix("\(file): cannot be read")
            }
        }
    }

    @Test func controlsBuildLibpamsActionTables() throws {
        let required = try #require(PAMActionTable(keyword: "REQUIRED"))
        #expect(required[.success] == .ok && required[.ignore] == .ignore && required[.userUnknown] == .bad)
        let sufficient = try #require(PAMActionTable(keyword: "sufficient"))
        #expect(sufficient[.success] == .done && sufficient[.newAuthtokReqd] == .done && sufficient[.authErr] == .ignore)
        #expect(try #require(PAMActionTable(keyword: "requisite"))[.authErr] == .die)
        #expect(try #require(PAMActionTable(keyword: "optional"))[.ignore] == .ignore)
        // `default=` fills only what is not set yet; a named value always sets its own; unset
        // codes are bad.
        let bracket = try PAMActionTable(bracketed: " success = 2 default=ignore user_unknown=reset")
        #expect(bracket[.success] == .jump(2) && bracket[.authErr] == .ignore && bracket[.userUnknown] == .reset)
        let defaultFirst = try PAMActionTable(bracketed: "default=die success=ok default=ignore")
        #expect(defaultFirst[.success] == .ok && defaultFirst[.authErr] == .die)
        let partial = try PAMActionTable(bracketed: "success=done")
        #expect(partial[.authErr] == .bad && partial[.success] == .done)
        #expect(throws: PAMActionTable.SyntaxError.self) { try PAMActionTable(bracketed: "success") }
        #expect(throws: PAMActionTable.SyntaxError.self) { try PAMActionTable(bracketed: "succes=ok") }
    }
}
