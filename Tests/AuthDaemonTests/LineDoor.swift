import AuthWire
import NIOCore

/// A door that keeps its connection and carries many requests on it, the shape of Dovecot's
/// auth protocol without its details: each line `id user password` asks a check, answered
/// `id OK` or `id FAIL` in whatever order the checks finish. It proves `DoorSession` serves such
/// a door through the same path as the shipped ones before a real one exists.
struct LineDoor: DoorMachine {
    private var pending = ByteBuffer()
    private var actions = DoorActions()
    private var inFlight: Set<RequestID> = []
    private var ended = false

    mutating func start() {}

    mutating func receive(_ bytes: ByteBuffer) {
        var bytes = bytes
        pending.writeBuffer(&bytes)
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex
            let line = pending.readBytes(length: length) ?? []
            pending.moveReaderIndex(forwardBy: 1)
            request(line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false))
        }
        pending.discardReadBytes()
    }

    private mutating func request(_ fields: [ArraySlice<UInt8>]) {
        guard fields.count == 3, let number = UInt32(String(decoding: fields[0], as: UTF8.self)) else {
            actions.append(.refused("malformed line"))
            actions.append(.send(ByteBuffer(string: "? FAIL\n")))
            return
        }
        let id = RequestID(number)
        let made = fields[2].withUnsafeBytes { password in
            CheckRequest.validate(login: fields[1], password: password, service: "line".utf8, realm: [UInt8]())
        }
        switch made {
        case .success(let request):
            inFlight.insert(id)
            actions.append(.check(id, request))
        case .failure(let refusal):
            actions.append(.refused("\(refusal)"))
            actions.append(.send(ByteBuffer(string: "\(id) FAIL\n")))
        }
    }

    mutating func inputEnded() {
        ended = true
        closeWhenDone()
    }

    mutating func timerFired() {}

    mutating func finished(_ id: RequestID, _ verdict: DoorVerdict) {
        guard inFlight.remove(id) != nil else { return }
        actions.append(.send(ByteBuffer(string: "\(id) \(verdict.result == .ok ? "OK" : "FAIL")\n")))
        closeWhenDone()
    }

    mutating func rejected(_ id: RequestID, reason: String) {
        guard inFlight.remove(id) != nil else { return }
        actions.append(.refused(reason))
        actions.append(.send(ByteBuffer(string: "\(id) FAIL\n")))
        closeWhenDone()
    }

    mutating func quiesce() {
        ended = true
        closeWhenDone()
    }

    private mutating func closeWhenDone() {
        if ended && inFlight.isEmpty { actions.append(.close) }
    }

    mutating func nextAction() -> DoorAction? { actions.pop() }

    var isIdle: Bool { inFlight.isEmpty && pending.readableBytes == 0 }
    var isOneShot: Bool { false }

    mutating func wipe() {
        pending.wipe()
        actions.clear()
    }
}
