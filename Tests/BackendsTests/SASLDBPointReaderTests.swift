import AuthWire
@testable import Backends
import Foundation
import Testing

/// The point reader's shared libdb handle answers from libdb's page cache, not from the file:
/// that is what makes one open serve every check while the file stays the same, and why the
/// second read `WatchedFile.consistently` makes of a right password (to rule out a torn page)
/// must open the file afresh. Real files, written by the real saslpasswd2.
@Suite("sasldb point reader")
struct SASLDBPointReaderTests {
    @Test func aFreshReadSeesTheFileWhereTheSharedHandleSeesItsCache() throws {
        let directory = try Saslpasswd2.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = "\(directory)/sasldb2"
        try Saslpasswd2.set("alice", password: "first", realm: "example.com", file: file)
        let reader = SASLDBPointReader(path: file, reuseHandles: true)
        defer { reader.forget() }
        let stamp = try #require(FileStamp.of(path: file))
        // One version for every read, as for reads that a change lands between before its
        // event is queued: only `fresh` decides whether the shared handle serves them.
        let version = FileVersion(stamp: stamp, readStarted: FileVersion.now(), watchCount: 0)
        let alice = [SASLDBKey(user: "alice", realm: "example.com")]

        #expect(try Self.password(reader.passwords(for: alice, at: version, fresh: false)) == "first")
        try Saslpasswd2.set("alice", password: "second", realm: "example.com", file: file)
        #expect(try Self.password(reader.passwords(for: alice, at: version, fresh: false)) == "first")
        #expect(try Self.password(reader.passwords(for: alice, at: version, fresh: true)) == "second")
        // The fresh handle replaced the shared one.
        #expect(try Self.password(reader.passwords(for: alice, at: version, fresh: false)) == "second")
    }

    static func password(_ found: Result<[Secret?], SASLDBError>) throws -> String? {
        let stored = try found.get()
        return stored.first??.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
}
