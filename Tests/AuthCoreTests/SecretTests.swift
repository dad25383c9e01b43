import AuthCore
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

    @Test func wipeZeroesMemory() {
        var bytes: [UInt8] = [1, 2, 3, 4]
        bytes.withUnsafeMutableBytes { Secret.wipe($0) }
        #expect(bytes == [0, 0, 0, 0])
    }
}
