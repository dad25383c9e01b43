import AuthWire
import FuzzSupport
import NIOCore

/// What must hold for any bytes on a saslauthd connection: the daemon scans every read's worth
/// of input and decodes once the scan says the request is whole, so neither may trap, a decoded
/// request must be exactly what was sent, and no amount of input may keep the scan waiting
/// beyond five capped fields.
enum SaslauthdProperties {
    static let cap = SaslauthdCodec.maxFieldLength

    static func check(_ bytes: [UInt8]) {
        let buffer = ByteBuffer(bytes: bytes)
        let scan = SaslauthdCodec.scan(buffer)
        switch scan {
        case .fourFields:
            checkDecoded(bytes, fieldCount: 4)
        case .fiveFields:
            checkDecoded(bytes, fieldCount: 5)
        case .incomplete(let fields):
            Invariant.require((0...4).contains(fields), "incomplete with \(fields) complete fields")
            Invariant.require(bytes.count < 5 * (2 + cap), "still incomplete after \(bytes.count) bytes")
        case .fieldTooLong(let field):
            Invariant.require((0..<5).contains(field), "field index \(field)")
            checkReason(SaslauthdRequestError.fieldTooLong(field: field).reason)
        case .trailingBytes:
            Invariant.require(bytes.count > 5 * 2, "trailing bytes after \(bytes.count) bytes")
            Invariant.require(!isIncomplete(SaslauthdCodec.decodeRequest(buffer, fieldCount: 5)), "five scanned fields do not decode")
        }
        checkPrefix(of: bytes, scan: scan)
        // The daemon only decodes scanned buffers, but decoding anything must still not trap.
        for fieldCount in [4, 5] {
            if case .failure(let error) = SaslauthdCodec.decodeRequest(buffer, fieldCount: fieldCount) { checkReason(error.reason) }
        }
        checkAnswer(bytes)
    }

    /// A scan-complete buffer decodes to a request that re-encodes to the same bytes, or to a
    /// refusal that is not about the framing the scan already accepted.
    static func checkDecoded(_ bytes: [UInt8], fieldCount: Int) {
        switch SaslauthdCodec.decodeRequest(ByteBuffer(bytes: bytes), fieldCount: fieldCount) {
        case .success(let request):
            NameInvariants.checkAccepted(request)
            Invariant.require(request.password.count <= cap, "password of \(request.password.count) bytes")
            for text in [request.login, request.service, request.realm, request.clientAddress ?? .empty] {
                Invariant.require(text.count <= cap, "field of \(text.count) bytes")
            }
            Invariant.require((request.clientAddress != nil) == (fieldCount == 5), "client address present with \(fieldCount) fields")
            var encoded = ByteBuffer()
            do {
                try SaslauthdCodec.encodeRequest(
                    login: request.login.text, password: request.password, service: request.service.text, realm: request.realm.text,
                    clientAddress: request.clientAddress?.text, into: &encoded)
            } catch {
                Invariant.require(false, "a decoded request does not encode: \(error.reason)")
            }
            Invariant.require(Array(encoded.readableBytesView) == bytes, "re-encoded request differs from the bytes sent")
        case .failure(let error):
            switch error {
            case .incomplete, .trailingBytes, .fieldTooLong:
                Invariant.require(false, "scan said complete, decode said \(error)")
            case .refused(let refusal):
                checkReason(error.reason)
                checkRefusalIsDeserved(refusal, bytes: bytes, fieldCount: fieldCount)
            }
        }
    }

    /// One byte less is never further along: a refusal is final (however many bytes follow, the
    /// answer stays NO), and a whole request was incomplete until its last byte.
    static func checkPrefix(of bytes: [UInt8], scan: SaslauthdScan) {
        guard !bytes.isEmpty else { return }
        let shorter = SaslauthdCodec.scan(ByteBuffer(bytes: bytes.dropLast()))
        switch shorter {
        case .fieldTooLong:
            Invariant.require(scan == shorter, "refused as \(shorter) but one byte more is \(scan)")
        case .trailingBytes:
            Invariant.require(scan == .trailingBytes, "trailing bytes but one byte more is \(scan)")
        case .fourFields:
            // Four whole fields and then the first byte of a fifth.
            Invariant.require(scan == .incomplete(completeFields: 4), "four fields, then one byte more is \(scan)")
        case .fiveFields:
            Invariant.require(scan == .trailingBytes, "five fields, then one byte more is \(scan)")
        case .incomplete:
            break
        }
    }

    /// Whatever the server sends, the client's answer reader does not trap, and a well-formed
    /// answer is read back exactly as it was encoded.
    static func checkAnswer(_ bytes: [UInt8]) {
        var buffer = ByteBuffer(bytes: bytes)
        guard let text = SaslauthdCodec.decodeAnswer(&buffer) else {
            let announced = bytes.count >= 2 ? Int(bytes[0]) << 8 | Int(bytes[1]) : 0
            Invariant.require(bytes.count < 2 + announced || bytes.count < 2, "a whole answer was not read")
            return
        }
        let consumed = bytes.count - buffer.readableBytes
        Invariant.require(consumed == 2 + (Int(bytes[0]) << 8 | Int(bytes[1])), "answer read \(consumed) bytes")
        let body = Array(bytes[2..<consumed])
        guard !body.isEmpty, body.count <= 1024, String(validating: body, as: UTF8.self) != nil else { return }
        var encoded = ByteBuffer()
        SaslauthdCodec.encodeAnswer(text, into: &encoded)
        Invariant.require(Array(encoded.readableBytesView) == Array(bytes[0..<consumed]), "answer does not round-trip")
        _ = SaslauthdCodec.isSuccess(text)
    }

    /// A refusal's reason goes on the wire and into the log: it must not be able to forge a line.
    static func checkReason(_ reason: String) {
        Invariant.require(!reason.isEmpty && !NameInvariants.breaksNameRule(Array(reason.utf8)), "bad reason \(reason.debugDescription)")
    }

    /// A refused request really breaks the rule it was refused for: no valid request is ever
    /// turned away as "contains a NUL" or "invisible character".
    static func checkRefusalIsDeserved(_ refusal: RequestRefusal, bytes: [UInt8], fieldCount: Int) {
        var fields: [[UInt8]] = []
        var offset = 0
        for _ in 0..<fieldCount {
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            fields.append(Array(bytes[(offset + 2)..<(offset + 2 + length)]))
            offset += 2 + length
        }
        switch refusal {
        case .emptyLogin: Invariant.require(fields[0].isEmpty, "refused as empty login")
        case .emptyPassword: Invariant.require(fields[1].isEmpty, "refused as empty password")
        case .field("password", _): Invariant.require(fields[1].contains(0), "password refused without a NUL")
        case .field(let name, _):
            let index = ["login": 0, "service": 2, "realm": 3, "client address": 4][name] ?? 0
            Invariant.require(NameInvariants.breaksNameRule(fields[index]), "\(name) refused but keeps the rule")
        }
    }

    static func isIncomplete(_ result: Result<CheckRequest, SaslauthdRequestError>) -> Bool {
        if case .failure(.incomplete) = result { return true }
        return false
    }
}
