import AuthWire
import NIOCore

/// A machine's actions as plain values a test can compare: what was sent as text, which checks
/// were asked for, timers, closes.
enum Step: Equatable, CustomStringConvertible {
    case check(UInt32, login: String, service: String, realm: String, address: String?)
    case cancel(UInt32)
    case send(String)
    case refused(String)
    case timer(TimeAmount?)
    case closeOutput
    case close

    var description: String {
        switch self {
        case .check(let id, let login, let service, let realm, let address): return "check(\(id), \(login), \(service), \(realm), \(address ?? "-"))"
        case .cancel(let id): return "cancel(\(id))"
        case .send(let text): return "send(\(text.debugDescription))"
        case .refused(let reason): return "refused(\(reason))"
        case .timer(let amount): return "timer(\(amount.map { "\($0.nanoseconds / 1_000_000)ms" } ?? "off"))"
        case .closeOutput: return "closeOutput"
        case .close: return "close"
        }
    }
}

extension Step {
    /// `action` as a step; a saslauthd answer's two-byte prefix is dropped when `counted`.
    init(_ action: DoorAction, counted: Bool = false) {
        switch action {
        case .check(let id, let request):
            self = .check(id.value, login: request.login.text, service: request.service.text, realm: request.realm.text, address: request.clientAddress?.text)
        case .cancel(let id): self = .cancel(id.value)
        case .send(var bytes):
            if counted { bytes.moveReaderIndex(forwardBy: 2) }
            self = .send(String(buffer: bytes))
        case .refused(let reason): self = .refused(reason)
        case .timer(let amount): self = .timer(amount)
        case .closeOutput: self = .closeOutput
        case .close: self = .close
        }
    }
}

extension DoorMachine {
    /// Every queued action, as steps; a saslauthd answer's two-byte prefix is dropped.
    mutating func steps(counted: Bool = false) -> [Step] {
        var out: [Step] = []
        while let action = nextAction() { out.append(Step(action, counted: counted)) }
        return out
    }
}

enum Bytes {
    static func counted(_ fields: [String]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for field in fields {
            buffer.writeInteger(UInt16(field.utf8.count))
            buffer.writeString(field)
        }
        return buffer
    }

    static let verdictOK = DoorVerdict(result: .ok, user: "foo", realm: "example.com")
    static let verdictNO = DoorVerdict(result: .failed, user: "foo", realm: "example.com")
    static let verdictDown = DoorVerdict(result: .unavailable, user: "foo", realm: "example.com")
}
