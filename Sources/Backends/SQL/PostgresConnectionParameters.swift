import AuthWire

/// The keywords and values given to libpq's `PQconnectStartParams`, as the NUL-terminated
/// arrays it takes. Every value is wiped once libpq has copied it: one of them is the
/// database password.
struct PostgresConnectionParameters {
    private var keywords: [[CChar]] = []
    private var values: [[CChar]] = []

    mutating func add(_ keyword: String, _ value: String) {
        Array(value.utf8).withUnsafeBytes { add(keyword, $0) }
    }

    /// Copies `value` straight into the array that is wiped later, with no copy in between
    /// (the database password comes this way, from its `Secret`).
    mutating func add(_ keyword: String, _ value: UnsafeRawBufferPointer) {
        keywords.append(keyword.utf8.map { CChar(bitPattern: $0) } + [0])
        var stored = [CChar](repeating: 0, count: value.count + 1)
        stored.withUnsafeMutableBytes { $0.copyMemory(from: value) }
        values.append(stored)
    }

    /// Calls `body` with the two arrays, each ended by a null pointer, then wipes the values.
    mutating func withArrays<T>(
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) -> T
    ) -> T {
        defer {
            for index in values.indices { values[index].withUnsafeMutableBytes { Secret.wipe($0) } }
        }
        return Self.pointers(keywords) { keywordPointers in
            Self.pointers(values) { valuePointers in body(keywordPointers, valuePointers) }
        }
    }

    private static func pointers<T>(_ strings: [[CChar]], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        // Each string's storage is pinned for the call by copying them into one buffer.
        let total = strings.reduce(0) { $0 + $1.count }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: max(total, 1)) { storage in
            var list: [UnsafePointer<CChar>?] = []
            var offset = 0
            for string in strings {
                _ = UnsafeMutableBufferPointer(rebasing: storage[offset..<(offset + string.count)]).initialize(from: string)
                list.append(UnsafePointer(storage.baseAddress! + offset))
                offset += string.count
            }
            list.append(nil)
            defer { Secret.wipe(UnsafeMutableRawBufferPointer(storage)) }
            return list.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
    }
}
