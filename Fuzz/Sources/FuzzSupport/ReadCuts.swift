/// How a fuzz input is cut into the reads a door receives, so a machine meets its requests in
/// every split a socket could deliver.
public enum ReadCuts {
    /// Cuts `bytes` into reads of 1 to `seed % 32 + 1` bytes, sizes drawn from the seed; seed 0
    /// is one read.
    public static func cut(_ bytes: [UInt8], seed: UInt8) -> [[UInt8]] {
        guard seed != 0 else { return [bytes] }
        var chunks: [[UInt8]] = []
        var state = UInt32(seed) &* 2_654_435_761
        var offset = 0
        while offset < bytes.count {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            let size = Int(state % (UInt32(seed) % 32 + 1)) + 1
            chunks.append(Array(bytes[offset..<min(offset + size, bytes.count)]))
            offset += size
        }
        return chunks
    }
}
