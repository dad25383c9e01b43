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

    /// Reads the command of `line` (without its LF) and its TAB-separated fields.
    public static func parse(_ line: ByteBufferView) -> DovecotLine {
        if line.isEmpty { return .empty }
        // A ByteBufferView is always contiguous; the copy is only there to satisfy the type.
        if let parsed = line.withContiguousStorageIfAvailable({ parse($0, of: line) }) { return parsed }
        return Array(line).withUnsafeBufferPointer { parse($0, of: line) }
    }

    /// `bytes` are `line`'s bytes: fields are read from them, and a field the result keeps
    /// (a response, still base64) is cut from `line` at the same offsets.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, of line: ByteBufferView) -> DovecotLine {
        var fields = DovecotFieldCursor(bytes)
        func field(_ range: Range<Int>) -> Slice<UnsafeBufferPointer<UInt8>> { bytes[range] }
        guard let command = fields.next().map(field) else { return .empty }
        if matches(command, "VERSION") {
            guard let major = fields.next(), fields.next() != nil else { return .violation("VERSION without its two numbers") }
            return .version(supported: field(major).elementsEqual(majorVersion))
        }
        if matches(command, "CPID") {
            guard fields.next() != nil else { return .violation("CPID without a process id") }
            return .cpid
        }
        if matches(command, "AUTH") {
            return auth(&fields, bytes, line)
        }
        if matches(command, "CONT") {
            guard let id = fields.next().flatMap({ requestID(field($0)) }) else { return .violation("CONT without a request id") }
            let data = fields.next().map { view(line, $0) } ?? ByteBufferView()
            return .cont(id: id, data: data)
        }
        if matches(command, "CANCEL") {
            guard let id = fields.next().flatMap({ requestID(field($0)) }) else { return .violation("CANCEL without a request id") }
            return .cancel(id: id)
        }
        return .violation("unknown command \(printable(command))")
    }

    private static func auth(_ fields: inout DovecotFieldCursor, _ bytes: UnsafeBufferPointer<UInt8>, _ line: ByteBufferView) -> DovecotLine {
        guard let id = fields.next().flatMap({ requestID(bytes[$0]) }), let name = fields.next() else {
            return .violation("AUTH without a request id and mechanism")
        }
        guard let mechanism = DovecotMechanism(name: bytes[name]) else {
            return .violation("unsupported mechanism \(printable(bytes[name]))")
        }
        var request = DovecotAuthRequest(id: id, mechanism: mechanism)
        var remoteIP: [UInt8]?
        var remotePort: [UInt8]?
        while let parameter = fields.next() {
            // Flags (`secured`, `nologin`, `no-penalty`, …) and parameters the door has no use
            // for are ignored, as the protocol asks.
            guard let equals = bytes[parameter].firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = bytes[parameter.lowerBound..<equals]
            let value = (equals + 1)..<parameter.upperBound
            if matches(key, "resp") {
                request.response = value.isEmpty ? nil : view(line, value)
            } else if matches(key, "service") {
                request.service = DovecotEscaping.unescape(bytes[value])
            } else if matches(key, "rip") {
                remoteIP = DovecotEscaping.unescape(bytes[value])
            } else if matches(key, "rport") {
                remotePort = DovecotEscaping.unescape(bytes[value])
            }
        }
        if var address = remoteIP, !address.isEmpty {
            if let remotePort, !remotePort.isEmpty {
                address.append(UInt8(ascii: ";"))
                address.append(contentsOf: remotePort)
            }
            request.clientAddress = address
        }
        return .auth(request)
    }

    /// Whether `field` is exactly `word`. Compared byte by byte on the buffers themselves:
    /// `elementsEqual` against a String's UTF-8 view went through two iterators, about a
    /// twentieth of a request's parse for the four keys and the command.
    private static func matches(_ field: Slice<UnsafeBufferPointer<UInt8>>, _ word: StaticString) -> Bool {
        guard field.count == word.utf8CodeUnitCount else { return false }
        let letters = word.utf8Start
        var offset = 0
        for byte in field {
            guard byte == letters[offset] else { return false }
            offset += 1
        }
        return true
    }

    /// The part of `line` at `offsets` from its start.
    private static func view(_ line: ByteBufferView, _ offsets: Range<Int>) -> ByteBufferView {
        line[(line.startIndex + offsets.lowerBound)..<(line.startIndex + offsets.upperBound)]
    }

    /// A request id: decimal digits that fit 32 bits.
    static func requestID<Field: Collection>(_ field: Field) -> UInt32? where Field.Element == UInt8 {
        guard !field.isEmpty, field.count <= 10 else { return nil }
        var value: UInt64 = 0
        for digit in field {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }

    /// A client's word for a log line: printable ASCII, at most 32 bytes, the rest as `?`.
    static func printable<Field: Collection>(_ field: Field) -> String where Field.Element == UInt8 {
        let shown = field.prefix(32).map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "?" }
        return "\"" + String(shown) + (field.count > 32 ? "…" : "") + "\""
    }
}
