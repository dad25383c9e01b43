import AuthWire
import FuzzSupport
import NIOCore

/// What must hold for any bytes on a pwcheck connection: the scan never traps, never waits for
/// more than two capped fields, and a request it accepts is exactly what was sent.
enum PwcheckProperties {
    static let service: ByteString = "imap"
    static let cap = PwcheckCodec.maxFieldLength

    static func check(_ bytes: [UInt8]) {
        let scan = PwcheckCodec.scan(ByteBuffer(bytes: bytes), service: service)
        switch scan {
        case .incomplete:
            Invariant.require(bytes.count <= 2 * cap + 1, "still incomplete after \(bytes.count) bytes")
            Invariant.require(bytes.filter { $0 == 0 }.count < 2, "two NULs and still incomplete")
        case .request(let request):
            FrontDoorInvariants.checkRequest(request, cap: cap)
            Invariant.require(request.service == service, "service \(request.service) instead of the listener's")
            var encoded = ByteBuffer()
            do {
                try PwcheckCodec.encodeRequest(login: request.login.text, password: request.password, into: &encoded)
            } catch {
                Invariant.require(false, "a decoded request does not encode: \(error.reason)")
            }
            Invariant.require(Array(encoded.readableBytesView) == bytes, "re-encoded request differs from the bytes sent")
        case .refused(let error):
            FrontDoorInvariants.checkRefusal(error)
        }
        if !bytes.isEmpty {
            FrontDoorInvariants.checkPrefix(full: scan, shorter: PwcheckCodec.scan(ByteBuffer(bytes: bytes.dropLast()), service: service))
        }
        // The client reads whatever the server sent until it closes.
        _ = PwcheckCodec.isSuccess(PwcheckCodec.decodeAnswer(bytes))
    }
}
