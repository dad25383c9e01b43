import AuthWire
import FuzzSupport
import NIOCore

/// What must hold for any bytes, cut into any reads, on the Dovecot door: it never answers OK
/// to a request whose check did not say yes, never more OKs than checks, every line it sends is
/// one of the protocol's and ends in LF, and the connection always ends. The codec's parts
/// round-trip on the same bytes: base64 decodes what it encodes, and unescaping undoes escaping.
///
/// Input layout: the first byte picks the verdict every check gets, the second how the rest is
/// cut into reads (0: one read), the rest is what the client sends.
enum DovecotProperties {
    static func check(_ input: [UInt8]) {
        guard input.count >= 2 else { return }
        let results: [DoorVerdict.Result] = [.ok, .failed, .unavailable]
        let result = results[Int(input[0]) % results.count]
        let stream = Array(input.dropFirst(2))
        var machine = DovecotDoor(
            settings: .init(readTimeout: .seconds(5), serverPID: 1, cookie: "00000000000000000000000000000000", maxRequests: 4),
            connectionID: 1, allocator: ByteBufferAllocator())
        let transcript = DoorTranscript.drive(&machine, chunks: ReadCuts.cut(stream, seed: input[1]), result: result)
        for request in transcript.checks { NameInvariants.checkAccepted(request) }

        Invariant.require(transcript.sent.last == UInt8(ascii: "\n"), "something sent that does not end a line")
        let lines = transcript.sent.split(separator: UInt8(ascii: "\n"))
        let commands: Set<String> = ["VERSION", "MECH", "SPID", "CUID", "COOKIE", "DONE", "OK", "FAIL", "CONT"]
        var oks = 0
        for line in lines {
            let command = String(decoding: line.prefix { $0 != UInt8(ascii: "\t") }, as: UTF8.self)
            Invariant.require(commands.contains(command), "an unknown line sent: \(String(decoding: line, as: UTF8.self).debugDescription)")
            if command == "OK" { oks += 1 }
        }
        Invariant.require(oks == 0 || result == .ok, "OK sent for a check that did not say yes")
        Invariant.require(oks <= transcript.checks.count, "\(oks) OKs for \(transcript.checks.count) checks")

        var encoded: [UInt8] = []
        SASLBase64.encode(stream, into: &encoded)
        let decoded = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, SASLBase64.maxDecodedCount(encoded.count)), alignment: 1)
        defer { decoded.deallocate() }
        let count = SASLBase64.decode(encoded, into: decoded)
        Invariant.require(count.map { Array(decoded[0..<$0]) } == stream, "base64 does not round-trip")
        // Whatever it makes of arbitrary text, the decoder stays inside its buffer and says no
        // rather than guess when the length is not a multiple of four.
        let loose = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, SASLBase64.maxDecodedCount(stream.count)), alignment: 1)
        defer { loose.deallocate() }
        if stream.count % 4 != 0 { Invariant.require(SASLBase64.decode(stream, into: loose) == nil, "base64 of a length not a multiple of 4 accepted") }
        else { _ = SASLBase64.decode(stream, into: loose) }

        var escaped: [UInt8] = []
        DovecotEscaping.escape(stream, into: &escaped)
        Invariant.require(!escaped.contains(UInt8(ascii: "\t")) && !escaped.contains(UInt8(ascii: "\n")) && !escaped.contains(0), "escaping left a framing byte")
        Invariant.require(DovecotEscaping.unescape(escaped) == stream, "escaping does not round-trip")
    }
}
