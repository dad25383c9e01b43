public import NIOCore

/// One line a Dovecot auth client sends, as the door acts on it. A line the protocol does not
/// allow is `.violation`: Dovecot disconnects such a client, and so does the door.
public enum DovecotLine {
    /// `VERSION`; whether its major version is the one spoken here.
    case version(supported: Bool)
    /// `CPID`: the client's process id, used by Dovecot only for its master requests.
    case cpid
    case auth(DovecotAuthRequest)
    /// `CONT`: the client's answer (base64) to a challenge.
    case cont(id: UInt32, data: ByteBufferView)
    case cancel(id: UInt32)
    case empty
    case violation(String)

    static let majorVersion: [UInt8] = Array("1".utf8)

    /// Splits `line` (without its LF) at TABs and reads the command.
    public static func parse(_ line: ByteBufferView) -> DovecotLine {
        if line.isEmpty { return .empty }
        let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
        let command = fields[0]
        if command.elementsEqual("VERSION".utf8) {
            guard fields.count >= 3 else { return .violation("VERSION without its two numbers") }
            return .version(supported: fields[1].elementsEqual(majorVersion))
        }
        if command.elementsEqual("CPID".utf8) {
            guard fields.count >= 2 else { return .violation("CPID without a process id") }
            return .cpid
        }
        if command.elementsEqual("AUTH".utf8) {
            return auth(fields)
        }
        if command.elementsEqual("CONT".utf8) {
            guard fields.count >= 2, let id = requestID(fields[1]) else { return .violation("CONT without a request id") }
            return .cont(id: id, data: fields.count >= 3 ? fields[2] : ByteBufferView())
        }
        if command.elementsEqual("CANCEL".utf8) {
            guard fields.count >= 2, let id = requestID(fields[1]) else { return .violation("CANCEL without a request id") }
            return .cancel(id: id)
        }
        return .violation("unknown command \(printable(command))")
    }

    private static func auth(_ fields: [ByteBufferView]) -> DovecotLine {
        guard fields.count >= 3, let id = requestID(fields[1]) else { return .violation("AUTH without a request id and mechanism") }
        guard let mechanism = DovecotMechanism(name: fields[2]) else {
            return .violation("unsupported mechanism \(printable(fields[2]))")
        }
        var request = DovecotAuthRequest(id: id, mechanism: mechanism)
        var remoteIP: [UInt8]?
        var remotePort: [UInt8]?
        for parameter in fields.dropFirst(3) {
            // Flags (`secured`, `nologin`, `no-penalty`, …) and parameters the door has no use
            // for are ignored, as the protocol asks.
            guard let equals = parameter.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = parameter[parameter.startIndex..<equals]
            let value = parameter[(equals + 1)...]
            if key.elementsEqual("resp".utf8) {
                request.response = value.isEmpty ? nil : value
            } else if key.elementsEqual("service".utf8) {
                request.service = DovecotEscaping.unescape(value)
            } else if key.elementsEqual("rip".utf8) {
                remoteIP = DovecotEscaping.unescape(value)
            } else if key.elementsEqual("rport".utf8) {
                remotePort = DovecotEscaping.unescape(value)
            }
        }
        if var address = remoteIP, !address.isEmpty {
            if let remotePort, !remotePort.isEmpty { address += [UInt8(ascii: ";")] + remotePort }
            request.clientAddress = address
        }
        return .auth(request)
    }

    /// A request id: decimal digits that fit 32 bits.
    static func requestID(_ field: ByteBufferView) -> UInt32? {
        guard !field.isEmpty, field.count <= 10 else { return nil }
        var value: UInt64 = 0
        for digit in field {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }

    /// A client's word for a log line: printable ASCII, at most 32 bytes, the rest as `?`.
    static func printable(_ field: ByteBufferView) -> String {
        let shown = field.prefix(32).map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "?" }
        return "\"" + String(shown) + (field.count > 32 ? "…" : "") + "\""
    }
}
