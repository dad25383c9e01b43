import Backends
import CPAM
import Foundation
import Testing

/// The evaluator against the real libpam: random stacks of modules whose answers are known in
/// advance (pam_permit, pam_deny, and pam_debug, which returns the code it is told), with random
/// controls, jumps, includes, substacks and Debian `@include`s. libpam runs each through
/// pam_start_confdir and pam_authenticate; the evaluator must predict success exactly. Any
/// difference in control semantics (ok after a failure, done in a substack, reset, jump counting,
/// bad jumps, PAM_IGNORE with bad) shows up here as a stack that one accepts and the other not.
@Suite("PAM stack evaluator against libpam")
struct PAMStackDifferentialTests {
    /// A fixed-seed generator, so a failure names a stack that can be rebuilt.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let codes = ["success", "auth_err", "user_unknown", "ignore", "new_authtok_reqd", "perm_denied", "abort"]
    /// done and reset twice: their interplay with a failed stack is where a reading of the
    /// rules most easily goes wrong.
    static let actions = ["ignore", "ok", "done", "done", "bad", "die", "reset", "reset", "1", "2", "3"]

    static func control(_ random: inout SplitMix) -> String {
        if Bool.random(using: &random) {
            return ["required", "requisite", "sufficient", "optional"].randomElement(using: &random)!
        }
        let pairs = (0..<Int.random(in: 1...3, using: &random)).map { _ in
            "\((codes + ["default"]).randomElement(using: &random)!)=\(actions.randomElement(using: &random)!)"
        }
        return "[\(pairs.joined(separator: " "))]"
    }

    static func moduleLine(_ random: inout SplitMix) -> String {
        let module: String
        switch Int.random(in: 0..<4, using: &random) {
        case 0: module = "pam_permit.so"
        case 1: module = "pam_deny.so"
        default: module = "pam_debug.so auth=\(codes.randomElement(using: &random)!)"
        }
        return "auth \(control(&random)) \(module)"
    }

    /// Whether the real libpam's pam_authenticate succeeds for `service` in `directory`.
    static func libpamAccepts(service: String, directory: String) -> Bool? {
        var conversation = pam_conv(conv: { _, _, _, _ in PAM_CONV_ERR }, appdata_ptr: nil)
        var handle: OpaquePointer?
        guard pam_start_confdir(service, "nobody", &conversation, directory, &handle) == PAM_SUCCESS, let handle else { return nil }
        let result = pam_authenticate(handle, 0)
        pam_end(handle, result)
        return result == PAM_SUCCESS
    }

    static let rounds = 1500

    @Test func randomStacksGetLibpamsVerdict() throws {
        var random = SplitMix(state: 14)
        var accepted = 0
        for round in 0..<Self.rounds {
            try PAMStackFolder.with { folder in
                for name in ["s1", "s2"] {
                    try folder.write(name, (0..<Int.random(in: 1...3, using: &random)).map { _ in Self.moduleLine(&random) }.joined(separator: "\n"))
                }
                let main = (0..<Int.random(in: 1...7, using: &random)).map { _ -> String in
                    switch Int.random(in: 0..<10, using: &random) {
                    // Full paths: this libpam looks for included names in /etc/pam.d even when
                    // pam_start_confdir names another folder for the service.
                    case 0: return "auth include \(folder.path)/s\(Int.random(in: 1...2, using: &random))"
                    case 1: return "auth substack \(folder.path)/s\(Int.random(in: 1...2, using: &random))"
                    case 2: return "@include \(folder.path)/s\(Int.random(in: 1...2, using: &random))"
                    default: return Self.moduleLine(&random)
                    }
                }
                try folder.write("mail", main.joined(separator: "\n"))
                guard let real = Self.libpamAccepts(service: "mail", directory: folder.path) else {
                    Issue.record("pam_start_confdir failed, round \(round)")
                    return
                }
                let predicted = try folder.analyzer.analyze(service: "mail").acceptsWrongPasswords
                if real { accepted += 1 }
                let files = ["mail", "s1", "s2"].map { name in
                    "--- \(name)\n" + ((try? String(contentsOfFile: "\(folder.path)/\(name)", encoding: .utf8)) ?? "")
                }.joined()
                #expect(predicted == real, "round \(round): libpam \(real ? "accepts" : "refuses"), the evaluator says the opposite\n\(files)")
            }
        }
        // The generator must exercise both outcomes to prove anything.
        #expect(accepted > Self.rounds / 10 && accepted < Self.rounds * 9 / 10, "\(accepted) of \(Self.rounds) accepted")
    }
}
