public import NIOCore

/// The saslauthd wire format, shared by the daemon and `authtest` so both sides agree byte for
/// byte: counted strings (two-byte big-endian length, then the bytes) for login, password,
/// service, realm and optionally the client address; one counted answer `OK…` or `NO reason`.
public enum SaslauthdCodec {
    /// saslauthd's own per-field cap; a longer field is refused, never truncated.
    public static let maxFieldLength = 256
    public static let fieldNames = ["login", "password", "service", "realm", "client address"]

    // MARK: Requests (server side)

    /// Classifies what has arrived so far without consuming it.
    public static func scan(_ buffer: ByteBuffer) -> SaslauthdScan {
        var offset = buffer.readerIndex
        let end = buffer.writerIndex
        var fields = 0
        while fields < 5 {
            guard end - offset >= 2, let length = buffer.getInteger(at: offset, as: UInt16.self) else {
                return .incomplete(completeFields: fields)
            }
            if Int(length) > maxFieldLength { return .fieldTooLong(field: fields) }
            guard end - offset - 2 >= Int(length) else { return .incomplete(completeFields: fields) }
            offset += 2 + Int(length)
            fields += 1
            if fields == 4 && offset == end { return .fourFields }
        }
        return offset == end ? .fiveFields : .trailingBytes
    }

    /// Decodes the first `fieldCount` (4 or 5) fields, which `scan` has found complete, and
    /// validates them (`CheckRequest.validate`). The password is copied into a `Secret`;
    /// callers wipe `buffer` afterwards.
    public static func decodeRequest(_ buffer: ByteBuffer, fieldCount: Int) -> Result<CheckRequest, SaslauthdRequestError> {
        precondition(fieldCount == 4 || fieldCount == 5)
        // The fields are read where they lie: through ByteBufferView every byte of every field
        // paid an index check and a storage load twice (the field rules, then the copy), about
        // a tenth of a check's instructions.
        return buffer.withUnsafeReadableBytes { bytes in
            withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 5) { fields in
                var offset = 0
                for index in 0..<fieldCount {
                    // Counted strings: a 16-bit length in network byte order, then the bytes.
                    guard offset + 2 <= bytes.count else { return .failure(.incomplete) }
                    let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
                    offset += 2
                    guard offset + length <= bytes.count else { return .failure(.incomplete) }
                    fields.initializeElement(at: index, to: offset..<(offset + length))
                    offset += length
                }
                return CheckRequest.validate(
                    login: bytes[fields[0]], password: UnsafeRawBufferPointer(rebasing: bytes[fields[1]]), service: bytes[fields[2]],
                    realm: bytes[fields[3]], clientAddress: fieldCount == 5 ? Array(bytes[fields[4]]) : nil
                ).mapError { .refused($0) }
            }
        }
    }

    // MARK: Requests (client side)

    /// Encodes a request; throws when a field exceeds the cap, as the server would refuse it.
    public static func encodeRequest(
        login: String, password: Secret, service: String, realm: String, clientAddress: String?,
        into buffer: inout ByteBuffer
    ) throws(SaslauthdRequestError) {
        let texts = [login, "", service, realm] + (clientAddress.map { [$0] } ?? [])
        for (index, text) in texts.enumerated() {
            if index == 1 {
                guard password.count <= maxFieldLength else { throw .fieldTooLong(field: 1) }
                buffer.writeInteger(UInt16(password.count))
                password.withUnsafeBytes { _ = buffer.writeBytes($0) }
                continue
            }
            let count = text.utf8.count
            guard count <= maxFieldLength else { throw .fieldTooLong(field: index) }
            buffer.writeInteger(UInt16(count))
            buffer.writeString(text)
        }
    }

    // MARK: Answers

    /// Writes `text` (`OK` or `NO reason`) as one counted string; overlong reasons are cut.
    public static func encodeAnswer(_ text: String, into buffer: inout ByteBuffer) {
        var bytes = Array(text.utf8.prefix(1024))
        if bytes.isEmpty { bytes = Array("NO".utf8) }
        buffer.writeInteger(UInt16(bytes.count))
        buffer.writeBytes(bytes)
    }

    /// Reads one counted answer; nil until it is complete.
    public static func decodeAnswer(_ buffer: inout ByteBuffer) -> String? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length)
        else { return nil }
        buffer.moveReaderIndex(forwardBy: 2)
        return buffer.readString(length: Int(length)) ?? String(decoding: buffer.readBytes(length: Int(length)) ?? [], as: UTF8.self)
    }

    /// Whether an answer means success: saslauthd's clients look at the first two bytes only.
    public static func isSuccess(_ answer: String) -> Bool {
        answer.hasPrefix("OK")
    }
}
