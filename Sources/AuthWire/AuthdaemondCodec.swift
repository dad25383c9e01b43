public import NIOCore

/// The part of Courier authdaemond's protocol that libsasl2 speaks, shared by the daemon and
/// `authtest`.
///
/// Facts from Cyrus SASL (`lib/checkpw.c`, `authdaemon_build_query`/`authdaemon_talk`) and
/// Courier authlib (`README_authlib`, the authpipe protocol, which is authdaemond's; and
/// `authdaemond.c`):
/// - libsasl2 writes `AUTH <n>\n<service>\nlogin\n<user>\n<password>\n\n` in one write, where
///   `n` (at most four digits) counts `<service>\nlogin\n<user>\n<password>\n` and the final
///   empty line is outside it. The user is libsasl2's canonical one: `user@realm` as typed, or
///   with `@<user_realm>` appended when the consumer set a realm.
/// - It then reads until the server closes and scans the lines: one holding only `.` is
///   success, `FAIL` is a wrong password, anything else (or nothing) "could not verify".
/// - Courier answers success with the account's `NAME=value` lines then `.`; failure with
///   `FAIL`; a temporary failure by closing without an answer. One request per connection.
/// - Other commands are single lines: `PRE . <service> <user>`, `PASSWD <tab-separated>`,
///   `ENUMERATE`; Courier's daemon caps a request at 8191 bytes and reads with a 10 s timeout.
public enum AuthdaemondCodec {
    /// The longest `AUTH` payload accepted: three fields at the saslauthd cap, `login` and
    /// newlines fit well inside it.
    public static let maxPayloadLength = 1024
    /// The longest first line looked at before refusing.
    public static let maxCommandLineLength = 1024

    // MARK: Requests (server side)

    /// Classifies what has arrived so far. Bytes after the announced payload (libsasl2's
    /// trailing empty line) are not a second request: one request per connection.
    /// The password is copied into a `Secret`; callers wipe `buffer` afterwards.
    public static func scan(_ buffer: ByteBuffer) -> FrontDoorScan {
        let bytes = buffer.readableBytesView
        guard let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
            return bytes.count > maxCommandLineLength ? .refused(.malformed("command line too long")) : .incomplete
        }
        let line = bytes[bytes.startIndex..<lineEnd]
        if line.count > maxCommandLineLength { return .refused(.malformed("command line too long")) }
        let space = line.firstIndex(of: UInt8(ascii: " ")) ?? line.endIndex
        let command = line[line.startIndex..<space]
        guard command.elementsEqual("AUTH".utf8) else {
            return .refused(.unsupportedCommand(printable(command)))
        }
        let digits = line[space...].drop { $0 == UInt8(ascii: " ") }
        guard (1...5).contains(digits.count), digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let length = Int(String(decoding: digits, as: UTF8.self)), length > 0
        else { return .refused(.malformed("bad length")) }
        guard length <= maxPayloadLength else { return .refused(.tooLong(field: "request", limit: maxPayloadLength)) }
        let payloadStart = lineEnd + 1
        guard bytes.endIndex - payloadStart >= length else { return .incomplete }
        return decodePayload(bytes[payloadStart..<(payloadStart + length)])
    }

    /// `<service>\n<type>\n<user>\n<password>[\n]`: the final newline is optional in Courier's
    /// description, libsasl2 always sends it.
    static func decodePayload(_ payload: ByteBufferView.SubSequence) -> FrontDoorScan {
        var body = payload
        if body.last == UInt8(ascii: "\n") { body = body.dropLast() }
        let lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.count >= 4 else { return .refused(.malformed("missing lines: expected service, type, user and password")) }
        guard lines.count == 4 else { return .refused(.malformed("more lines than service, type, user and password")) }
        guard lines[1].elementsEqual("login".utf8) else { return .refused(.unsupportedAuthType(printable(lines[1]))) }
        let validated = lines[3].withUnsafeBytes { password in
            CheckRequest.validate(login: lines[2], password: password, service: lines[0], realm: [UInt8]())
        }
        switch validated {
        case .success(let request): return .request(request)
        case .failure(let refusal): return .refused(.refused(refusal))
        }
    }

    /// A command word fit for a log line: printable ASCII only, cut short.
    static func printable<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if bytes.isEmpty { return "(empty line)" }
        let shown = bytes.prefix(16).map { (0x21...0x7E).contains($0) ? Character(UnicodeScalar($0)) : "?" }
        return String(shown) + (bytes.count > 16 ? "…" : "")
    }

    // MARK: Requests (client side)

    /// Encodes a login request byte for byte as libsasl2 does, trailing empty line included.
    public static func encodeRequest(service: String, login: String, password: Secret, into buffer: inout ByteBuffer) throws(FrontDoorRequestError) {
        for (name, text) in [("service", service), ("login", login)] where text.utf8.contains(UInt8(ascii: "\n")) {
            throw .malformed("a newline in the \(name)")
        }
        guard !password.withUnsafeBytes({ $0.contains(UInt8(ascii: "\n")) }) else { throw .malformed("a newline in the password") }
        let length = service.utf8.count + "login".utf8.count + login.utf8.count + password.count + 4
        guard length <= maxPayloadLength else { throw .tooLong(field: "request", limit: maxPayloadLength) }
        buffer.writeString("AUTH \(length)\n\(service)\nlogin\n\(login)\n")
        password.withUnsafeBytes { _ = buffer.writeBytes($0) }
        buffer.writeString("\n\n")
    }

    // MARK: Answers

    /// The account lines for an accepted check. authmux is a password checker, not an account
    /// database: it names the user and address, and none of the `UID`/`GID`/`HOME` lines
    /// Courier's own mail servers need to switch to a mailbox owner.
    public static func successAnswer(user: ByteString, address: ByteString) -> String {
        "USERNAME=\(user.text)\nADDRESS=\(address.text)\n.\n"
    }

    public static let failAnswer = "FAIL\n"

    /// Reads an answer the way libsasl2 does: the first line that is `.` or `FAIL` decides.
    public static func decodeAnswer(_ text: String) -> AuthdaemondAnswer {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "." { return .accepted }
            if line == "FAIL" { return .failed }
        }
        return .noVerdict
    }
}
