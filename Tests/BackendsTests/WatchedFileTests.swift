@testable import Backends
import Foundation
import Glibc
import NIOPosix
import Testing

/// `WatchedFile.consistently` against a read torn by a write in flight. A real torn read
/// needs a write and a read to overlap inside the kernel within microseconds, which no test
/// can arrange; so the read here is a closure that reports, the first time, what a torn page
/// could have shown (a right password that is no longer in the file), and, from then on, the
/// file as it is. The file, its stamp and the inotify watch are real.
@Suite("Watched file")
struct WatchedFileTests {
    final class Copy: FileCopy {
        let version: FileVersion
        init(version: FileVersion) { self.version = version }
    }

    struct Failure: FileReadFailure, Equatable {
        static func unreachable(path: String, code: Int32) -> Failure { Failure() }
        static func busy(path: String) -> Failure { Failure() }
    }

    enum Read: Equatable { case rightPassword, wrongPassword }

    /// What the test's read reports: `first`, then `later` on every read after it.
    final class Reads: @unchecked Sendable {
        private(set) var count = 0
        let first: Read
        let later: Read
        init(first: Read, later: Read) {
            self.first = first
            self.later = later
        }

        func next() -> Result<Read, Failure> {
            count += 1
            return .success(count == 1 ? first : later)
        }
    }

    /// Only a wrong password needs the file to settle, as for the sasldb and passwd-file
    /// backends (whose right passwords are those the file verifies).
    static func needsSettling(_ result: Result<Read, Failure>) -> Bool {
        result != .success(.rightPassword)
    }

    @Test func aRightPasswordFromAYoungFileIsReadAgainBeforeItIsTrusted() throws {
        let (directory, file) = try Self.file(modifiedIn: 3600)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let watched = Self.watched(file)
        let reads = Reads(first: .rightPassword, later: .wrongPassword)

        let answer = watched.consistently(settle: Self.needsSettling) { _ in reads.next() }

        // The torn read's right password is not what counts: the file, read again, says wrong.
        #expect(answer == .success(.wrongPassword))
        #expect(reads.count == 2)
    }

    @Test func aRightPasswordFoundTwiceIsTrusted() throws {
        let (directory, file) = try Self.file(modifiedIn: 3600)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let watched = Self.watched(file)
        let reads = Reads(first: .rightPassword, later: .rightPassword)

        #expect(watched.consistently(settle: Self.needsSettling) { _ in reads.next() } == .success(.rightPassword))
        #expect(reads.count == 2)
    }

    @Test func aRightPasswordFromAnOldFileIsReadOnce() throws {
        let (directory, file) = try Self.file(modifiedIn: -3600)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Setting the time moved the inode's change time to now; once that is older than
        // `settleAge` (waiting longer only makes it older), no write can be in its clock tick.
        usleep(UInt32(2 * WatchedFile<Copy, Failure>.settleAge / 1_000))
        let watched = Self.watched(file)
        let reads = Reads(first: .rightPassword, later: .wrongPassword)

        #expect(watched.consistently(settle: Self.needsSettling) { _ in reads.next() } == .success(.rightPassword))
        #expect(reads.count == 1)
    }

    /// `consistently` alone is under test: the pool (never started) and the whole read are not used.
    static func watched(_ file: String) -> WatchedFile<Copy, Failure> {
        WatchedFile(path: file, rereadAfter: .seconds(1), pool: NIOThreadPool(numberOfThreads: 1)) { .success(Copy(version: $0)) }
    }

    /// A file whose modification time is `seconds` from now. An hour ahead keeps its stamp
    /// young however long the test takes to get to its read (a stamp from a clock stepped
    /// back counts as young), where "written just now" would age past `settleAge` on a slow
    /// machine.
    static func file(modifiedIn seconds: Int) throws -> (directory: String, file: String) {
        let directory = try FileChangeWatchTests.temporaryDirectory()
        let file = "\(directory)/sasldb2"
        try "alice:secret\n".write(toFile: file, atomically: false, encoding: .utf8)
        let when = timeval(tv_sec: time(nil) + seconds, tv_usec: 0)
        var times = [when, when]
        guard utimes(file, &times) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return (directory, file)
    }
}
