import AuthWire
import FuzzSupport
import NIOCore

/// What must hold for any bytes, cut anywhere, on any front door: the machine asks at most one
/// check on a one-shot connection, about exactly the fields at the start of the stream (a framing
/// slip would check a password the client never sent for a user it never named); it says yes
/// only when the check said yes; it sends nothing after closing its output; and it always ends.
///
/// Input layout: the first byte picks the door and the verdict every check gets, the second how
/// the rest is cut into reads (0: one read), the rest is what the client sends.
enum DoorProperties {
    enum Door: CaseIterable {
        case saslauthd, saslauthdWithGrace, pwcheck, authdaemond
    }

    static func check(_ input: [UInt8]) {
        guard input.count >= 2 else { return }
        let door = Door.allCases[Int(input[0]) % Door.allCases.count]
        let results: [DoorVerdict.Result] = [.ok, .failed, .unavailable]
        let result = results[Int(input[0]) / Door.allCases.count % results.count]
        let stream = Array(input.dropFirst(2))
        let chunks = ReadCuts.cut(stream, seed: input[1])
        let allocator = ByteBufferAllocator()
        let transcript: DoorTranscript
        switch door {
        case .saslauthd:
            var machine = SaslauthdDoor(settings: .init(readTimeout: .seconds(5)), allocator: allocator)
            transcript = DoorTranscript.drive(&machine, chunks: chunks, result: result)
        case .saslauthdWithGrace:
            var machine = SaslauthdDoor(
                settings: .init(readTimeout: .seconds(5), addressGrace: .milliseconds(200), waitsForAddress: { _ in true }), allocator: allocator)
            transcript = DoorTranscript.drive(&machine, chunks: chunks, result: result)
        case .pwcheck:
            var machine = PlainDoor(framing: PwcheckFraming(service: "pwcheck"), readTimeout: .seconds(5), allocator: allocator)
            transcript = DoorTranscript.drive(&machine, chunks: chunks, result: result)
        case .authdaemond:
            var machine = PlainDoor(framing: AuthdaemondFraming(), readTimeout: .seconds(5), allocator: allocator)
            transcript = DoorTranscript.drive(&machine, chunks: chunks, result: result)
        }
        for request in transcript.checks {
            NameInvariants.checkAccepted(request)
            Invariant.require(isFraming(of: request, door: door, in: stream), "\(door): checked fields that are not the start of the stream")
        }
        let saidYes = saysYes(transcript.sent, door: door)
        Invariant.require(!saidYes || (result == .ok && !transcript.checks.isEmpty), "\(door): a yes without a check that said yes")
        if result == .ok && transcript.checks.count == 1 {
            Invariant.require(saidYes, "\(door): a check that said yes was not answered yes")
        }
    }

    /// Whether `stream` begins with exactly `request`, framed as `door` frames it.
    static func isFraming(of request: CheckRequest, door: Door, in stream: [UInt8]) -> Bool {
        let password = request.password.withUnsafeBytes { Array($0) }
        switch door {
        case .saslauthd, .saslauthdWithGrace:
            var fields = [request.login.bytes, password, request.service.bytes, request.realm.bytes]
            if let address = request.clientAddress { fields.append(address.bytes) }
            return stream.starts(with: fields.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xFF)] + $0 })
        case .pwcheck:
            return stream.starts(with: request.login.bytes + [0] + password + [0])
        case .authdaemond:
            // `AUTH <length>\n` (spaces before the length, leading zeros allowed), then exactly
            // that many bytes: service, type, user and password lines, the last newline optional.
            guard let lineEnd = stream.firstIndex(of: 10), stream.starts(with: Array("AUTH ".utf8)),
                  let length = Int(String(decoding: stream[5..<lineEnd].drop { $0 == 32 }, as: UTF8.self)),
                  stream.count >= lineEnd + 1 + length
            else { return false }
            let payload = Array(stream[(lineEnd + 1)..<(lineEnd + 1 + length)])
            let lines = request.service.bytes + [10] + Array("login".utf8) + [10] + request.login.bytes + [10] + password
            return payload == lines || payload == lines + [10]
        }
    }

    /// Whether what the door sent would make its client grant access.
    static func saysYes(_ sent: [UInt8], door: Door) -> Bool {
        switch door {
        case .saslauthd, .saslauthdWithGrace:
            var buffer = ByteBuffer(bytes: sent)
            while let answer = SaslauthdCodec.decodeAnswer(&buffer) {
                if SaslauthdCodec.isSuccess(answer) { return true }
            }
            return false
        case .pwcheck:
            return !sent.isEmpty && PwcheckCodec.isSuccess(PwcheckCodec.decodeAnswer(sent))
        case .authdaemond:
            return AuthdaemondCodec.decodeAnswer(String(decoding: sent, as: UTF8.self)) == .accepted
        }
    }
}
