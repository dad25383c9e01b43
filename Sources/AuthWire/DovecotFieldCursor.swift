/// Walks the TAB-separated fields of one Dovecot protocol line in place.
///
/// A line is parsed once per request on the door's hot path; splitting it into an array of
/// views cost an allocation and a retain per field, about a seventh of a check's instructions.
/// The cursor hands out offsets into the caller's bytes instead.
struct DovecotFieldCursor {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var start = 0
    private var finished = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The next field's offsets (possibly empty), or nil after the last field.
    mutating func next() -> Range<Int>? {
        guard !finished else { return nil }
        let first = start
        var end = first
        while end < bytes.count, bytes[end] != UInt8(ascii: "\t") { end += 1 }
        if end == bytes.count { finished = true } else { start = end + 1 }
        return first..<end
    }
}
