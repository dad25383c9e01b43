public import NIOCore

/// The Cyrus SASL v1 pwcheck wire format, shared by the daemon and `authtest`.
///
/// Facts from Cyrus SASL (`lib/checkpw.c`, `pwcheck_verify_password`, and the `pwcheck/`
/// daemon): the client writes the login and the password, each followed by one NUL, in one
/// write, then reads until the server closes (at most 1023 bytes). An answer beginning `OK` is
/// success; any other text is the failure reason, which libsasl2 hands to its caller. There is
/// no service and no realm on the wire.
public enum PwcheckCodec {
    /// The same per-field cap as saslauthd's, so one login works through every front door.
    public static let maxFieldLength = SaslauthdCodec.maxFieldLength
    /// What libsasl2 reads of an answer at most.
    public static let maxAnswerLength = 1023

    // MARK: Requests (server side)

    /// Classifies what has arrived so far; `service` is the listener's, since the wire has none.
    /// The password is copied into a `Secret`; callers wipe `buffer` afterwards.
    public static func scan(_ buffer: ByteBuffer, service: ByteString) -> FrontDoorScan {
        let bytes = buffer.readableBytesView
        guard let loginEnd = bytes.firstIndex(of: 0) else {
            return bytes.count > maxFieldLength ? .refused(.tooLong(field: "login", limit: maxFieldLength)) : .incomplete
        }
        if loginEnd - bytes.startIndex > maxFieldLength { return .refused(.tooLong(field: "login", limit: maxFieldLength)) }
        let passwordStart = loginEnd + 1
        guard let passwordEnd = bytes[passwordStart...].firstIndex(of: 0) else {
            return bytes.endIndex - passwordStart > maxFieldLength ? .refused(.tooLong(field: "password", limit: maxFieldLength)) : .incomplete
        }
        if passwordEnd - passwordStart > maxFieldLength { return .refused(.tooLong(field: "password", limit: maxFieldLength)) }
        // A pwcheck client sends nothing after the second NUL; more means it is not one.
        if passwordEnd + 1 != bytes.endIndex { return .refused(.malformed("data after the password")) }
        let validated = bytes[passwordStart..<passwordEnd].withUnsafeBytes { password in
            CheckRequest.validate(login: bytes[bytes.startIndex..<loginEnd], password: password, service: service.bytes, realm: [UInt8]())
        }
        switch validated {
        case .success(let request): return .request(request)
        case .failure(let refusal): return .refused(.refused(refusal))
        }
    }

    // MARK: Requests (client side)

    public static func encodeRequest(login: String, password: Secret, into buffer: inout ByteBuffer) throws(FrontDoorRequestError) {
        guard login.utf8.count <= maxFieldLength else { throw .tooLong(field: "login", limit: maxFieldLength) }
        guard password.count <= maxFieldLength else { throw .tooLong(field: "password", limit: maxFieldLength) }
        guard !login.utf8.contains(0) else { throw .malformed("a NUL in the login") }
        guard !password.withUnsafeBytes({ $0.contains(0) }) else { throw .malformed("a NUL in the password") }
        buffer.writeString(login)
        buffer.writeInteger(UInt8(0))
        password.withUnsafeBytes { _ = buffer.writeBytes($0) }
        buffer.writeInteger(UInt8(0))
    }

    // MARK: Answers

    /// The text for a check's result. Failure texts never begin with `OK`: that prefix alone
    /// means success to a pwcheck client.
    public static func answer(for result: DoorVerdict.Result) -> String {
        switch result {
        case .ok: return "OK"
        case .failed: return "authentication failed"
        case .unavailable: return "temporarily unavailable"
        }
    }

    /// Writes an answer as the pwcheck daemon did: the bare text, no terminator, then the
    /// server closes. Longer texts are cut to what a client reads.
    public static func encodeAnswer(_ text: String, into buffer: inout ByteBuffer) {
        let bytes = Array(text.utf8.prefix(maxAnswerLength))
        buffer.writeBytes(bytes.isEmpty ? Array("failed".utf8) : bytes)
    }

    /// The answer as text, read until the server closed; trailing NULs and line ends (which
    /// other pwcheck servers may add) are dropped.
    public static func decodeAnswer(_ bytes: [UInt8]) -> String {
        var end = bytes.endIndex
        while end > bytes.startIndex, [0, 10, 13].contains(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// libsasl2's test: more than one byte, and the first two are `OK`.
    public static func isSuccess(_ answer: String) -> Bool {
        answer.hasPrefix("OK")
    }
}
