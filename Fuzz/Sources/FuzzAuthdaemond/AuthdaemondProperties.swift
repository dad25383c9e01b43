import AuthWire
import FuzzSupport
import NIOCore

/// What must hold for any bytes on an authdaemond connection: the scan never traps, never waits
/// for more than a capped command line and payload, and a request it accepts is the one that
/// libsasl2's encoding of it would produce.
enum AuthdaemondProperties {
    static func check(_ bytes: [UInt8]) {
        let scan = AuthdaemondCodec.scan(ByteBuffer(bytes: bytes))
        switch scan {
        case .incomplete:
            let bound = AuthdaemondCodec.maxCommandLineLength + 1 + AuthdaemondCodec.maxPayloadLength
            Invariant.require(bytes.count < bound, "still incomplete after \(bytes.count) bytes")
        case .request(let request):
            FrontDoorInvariants.checkRequest(request, cap: AuthdaemondCodec.maxPayloadLength)
            for text in [request.login, request.service] {
                Invariant.require(!text.bytes.contains(UInt8(ascii: "\n")), "a newline inside a field")
            }
            Invariant.require(!request.password.withUnsafeBytes { $0.contains(UInt8(ascii: "\n")) }, "a newline inside the password")
            checkReencoded(request, sent: bytes)
        case .refused(let error):
            FrontDoorInvariants.checkRefusal(error)
        }
        if !bytes.isEmpty {
            FrontDoorInvariants.checkPrefix(full: scan, shorter: AuthdaemondCodec.scan(ByteBuffer(bytes: bytes.dropLast())))
        }
        // The client reads whatever the server sent until it closes.
        _ = AuthdaemondCodec.decodeAnswer(String(decoding: bytes, as: UTF8.self))
    }

    /// The wire allows spellings libsasl2 never sends (leading zeros, several spaces, no final
    /// newline), so the check is that libsasl2's encoding scans back to the same request.
    static func checkReencoded(_ request: CheckRequest, sent: [UInt8]) {
        var encoded = ByteBuffer()
        do {
            try AuthdaemondCodec.encodeRequest(service: request.service.text, login: request.login.text, password: request.password, into: &encoded)
        } catch {
            // The final newline is optional on the wire but counted by the encoder, so a payload
            // at the cap without it is one byte too long to re-encode; anything else is a bug.
            let payload = request.service.count + 5 + request.login.count + request.password.count + 3
            Invariant.require(payload == AuthdaemondCodec.maxPayloadLength && error == .tooLong(field: "request", limit: payload),
                              "a decoded request does not encode: \(error.reason)")
            return
        }
        guard case .request(let again) = AuthdaemondCodec.scan(encoded) else {
            Invariant.require(false, "libsasl2's encoding of a decoded request does not scan")
            return
        }
        Invariant.require(again.login == request.login && again.service == request.service, "login or service changed on re-encoding")
        Invariant.require(again.password.constantTimeEquals(request.password), "password changed on re-encoding")
    }
}
