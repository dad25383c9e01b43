import AuthWire
import Testing

/// The one place untrusted fields are refused (`FieldRules`, `CheckRequest.validate`): every
/// front door goes through it, so these cases hold for saslauthd, pwcheck and authdaemond alike.
@Suite("Request field rules")
struct FieldRulesTests {
    static func validate(login: String = "alice", password: [UInt8] = Array("pw".utf8), service: String = "imap", realm: String = "",
                         clientAddress: String? = nil) -> Result<CheckRequest, RequestRefusal> {
        password.withUnsafeBytes { bytes in
            CheckRequest.validate(
                login: Array(login.utf8), password: bytes, service: Array(service.utf8), realm: Array(realm.utf8),
                clientAddress: clientAddress.map { Array($0.utf8) })
        }
    }

    static func refusal(_ result: Result<CheckRequest, RequestRefusal>) -> RequestRefusal? {
        if case .failure(let refusal) = result { return refusal }
        return nil
    }

    @Test("NUL and control characters in names", arguments: ["fo\u{0}o", "foo\n", "\u{7F}foo", "fo\u{85}o", "foo\tbar", "\u{9B}x"])
    func controlCharactersInLogin(_ login: String) {
        let refusal = Self.refusal(Self.validate(login: login))
        #expect(refusal == .field("login", login.utf8.contains(0) ? .nul : .controlCharacter))
    }

    @Test("invisible formatting characters", arguments: [
        ("al\u{200B}ice", UInt32(0x200B)), ("\u{202E}ecila", 0x202E), ("alice\u{2028}", 0x2028), ("alice\u{2029}x", 0x2029),
        ("\u{FEFF}alice", 0xFEFF), ("al\u{AD}ice", 0xAD), ("a\u{2066}b", 0x2066),
    ])
    func formatCharacters(_ login: String, _ codePoint: UInt32) {
        #expect(Self.refusal(Self.validate(login: login)) == .field("login", .formatCharacter(codePoint)))
        #expect(Self.refusal(Self.validate(realm: "example.com" + login)) == .field("realm", .formatCharacter(codePoint)))
        #expect(Self.refusal(Self.validate(service: login)) == .field("service", .formatCharacter(codePoint)))
        #expect(Self.refusal(Self.validate(clientAddress: login)) == .field("client address", .formatCharacter(codePoint)))
    }

    @Test func theReasonNamesTheCodePointWithoutEchoingTheName() {
        let reason = RequestRefusal.field("login", .formatCharacter(0x202E)).reason
        #expect(reason == "login contains an invisible character (U+202E)")
        #expect(RequestRefusal.field("realm", .formatCharacter(0xAD)).reason == "realm contains an invisible character (U+00AD)")
    }

    @Test func aNULAnywhereInThePasswordIsRefused() {
        #expect(Self.refusal(Self.validate(password: [0])) == .field("password", .nul))
        #expect(Self.refusal(Self.validate(password: Array("secret\0junk".utf8))) == .field("password", .nul))
        #expect(Self.refusal(Self.validate(password: Array("secret\0".utf8))) == .field("password", .nul))
        #expect(Self.refusal(Self.validate(password: [])) == .emptyPassword)
    }

    @Test func passwordsMayHoldAnyOtherByte() throws {
        let password: [UInt8] = [0xFF, 0x01, 0x0A, 0xC3, 0x28, 0x7F, 0xE2, 0x80, 0xAE]
        let request = try Self.validate(password: password).get()
        #expect(request.password.withUnsafeBytes { Array($0) } == password)
    }

    @Test func ordinaryInternationalNamesPass() throws {
        let request = try Self.validate(login: "jos\u{E9}@b\u{FC}cher.example", service: "imap", realm: "\u{212A}.example").get()
        #expect(request.login.bytes == Array("jos\u{E9}@b\u{FC}cher.example".utf8))
        #expect(FieldRules.nameProblem(Array("\u{5F20}\u{4F1F}".utf8)) == nil)
        #expect(FieldRules.nameProblem(Array("jose\u{301}".utf8)) == nil, "combining marks are letters' parts, not format characters")
    }

    @Test func invalidUTF8IsRefused() {
        #expect(FieldRules.nameProblem([0x66, 0xC3, 0x28]) == .notUTF8)
        #expect(FieldRules.nameProblem([0xED, 0xA0, 0x80]) == .notUTF8, "an encoded surrogate")
    }

    @Test func emptyLoginIsRefusedAfterItsBytesAreChecked() {
        #expect(Self.refusal(Self.validate(login: "")) == .emptyLogin)
    }
}
