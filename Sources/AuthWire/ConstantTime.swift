/// Constant-time comparison of byte strings.
///
/// Written by hand because neither the standard library nor Foundation offers one, and
/// swift-crypto only compares its own digest and MAC types in constant time.
public enum ConstantTime {
    /// True when `a` and `b` hold the same bytes. The running time depends on the longer
    /// length only, not on the contents, so a timing observer cannot find a prefix byte by byte.
    public static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count) | (a.count == b.count ? 0 : 1)
        let length = Swift.max(a.count, b.count)
        var index = 0
        while index < length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
            index += 1
        }
        return difference == 0
    }
}
