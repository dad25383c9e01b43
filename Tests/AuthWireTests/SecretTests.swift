import AuthWire
import Testing

@Suite struct SecretTests {
    @Test func comparesContentsOnly() {
        #expect(Secret("hunter2").constantTimeEquals(Secret("hunter2")))
        #expect(!Secret("hunter2").constantTimeEquals(Secret("hunter3")))
        #expect(!Secret("hunter2").constantTimeEquals(Secret("hunter22")))
        #expect(!Secret("hunter22").constantTimeEquals(Secret("hunter2")))
        #expect(!Secret("a").constantTimeEquals(Secret("")))
    }

    @Test func neverPrintsItsBytes() {
        let secret = Secret("hunter2")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
    }

    @Test func constantTimeEqualsHandlesLengthDifferencesThatWrapAByte() {
        let short = [UInt8](repeating: 1, count: 1)
        let long = [UInt8](repeating: 1, count: 257)
        short.withUnsafeBytes { a in long.withUnsafeBytes { b in #expect(!ConstantTime.equals(a, b)) } }
        long.withUnsafeBytes { a in long.withUnsafeBytes { b in #expect(ConstantTime.equals(a, b)) } }
    }

    /// `init(bytes:)` copies from any sequence — an array, a string's UTF-8, a sequence without
    /// contiguous storage — and leaves the caller's sequence as it was.
    @Test func copiesFromAnySequenceAndLeavesTheCallersBytesAlone() {
        func bytes(of secret: Secret) -> [UInt8] { secret.withUnsafeBytes { Array($0) } }
        let array: [UInt8] = Array("hunter2".utf8)
        #expect(bytes(of: Secret(bytes: array)) == array)
        #expect(array == Array("hunter2".utf8), "the caller's array was changed")
        #expect(bytes(of: Secret("pässwörd")) == Array("pässwörd".utf8))
        let long = (0..<1000).lazy.map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(bytes(of: Secret(bytes: long)) == Array(long))
        #expect(Secret(bytes: [UInt8]()).isEmpty)
        #expect(Secret("").count == 0)
        #expect(bytes(of: Secret(bytes: array[2...])) == Array("nter2".utf8))
    }

    @Test func wipeZeroesMemory() {
        var bytes: [UInt8] = [1, 2, 3, 4]
        bytes.withUnsafeMutableBytes { Secret.wipe($0) }
        #expect(bytes == [0, 0, 0, 0])
    }
}
