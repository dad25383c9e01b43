/// The bytes libFuzzer hands to one run, as an array every target can slice.
public enum FuzzInput {
    /// Copies libFuzzer's buffer: it is only valid during the call, and may be null when empty.
    public static func bytes(_ start: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let start, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: start, count: count))
    }
}
