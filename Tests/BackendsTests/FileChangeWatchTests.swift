@testable import Backends
import Dispatch
import Foundation
import Glibc
import NIOConcurrencyHelpers
import Testing

/// `poll()` tells a check whether the in-memory sasldb copy is still exact. If draining the
/// inotify queue and counting what was drained were two steps, a poll that found the queue
/// already drained by another (not yet counted) would report no change, and the check would be
/// answered once from the old copy after `saslpasswd2` had changed the file.
///
/// The watch's test hook holds the first poll between the two steps; a second poll made then
/// must wait for the first to count, and see the change.
@Suite("File change watch")
struct FileChangeWatchTests {
    @Test func aPollWhileAnotherIsDrainingSeesTheChange() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = "\(directory)/sasldb2"
        try "before".write(toFile: file, atomically: false, encoding: .utf8)

        let armed = NIOLockedValueBox(false)
        let drained = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let hold: @Sendable () -> Void = {
            guard armed.withLockedValue({ state in defer { state = false }; return state }) else { return }
            drained.signal()
            release.wait()
        }
        let watch = try #require(FileChangeWatch(path: file, afterDrain: hold))
        #expect(watch.poll() == 0)

        let handle = try #require(FileHandle(forWritingAtPath: file))
        handle.seekToEndOfFile()
        handle.write(Data("after".utf8))
        try handle.close()

        armed.withLockedValue { $0 = true }
        let first = NIOLockedValueBox<Int?>(nil)
        let second = NIOLockedValueBox<Int?>(nil)
        let firstDone = DispatchSemaphore(value: 0)
        let secondDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            first.withLockedValue { $0 = watch.poll() }
            firstDone.signal()
        }
        drained.wait()
        // The first poll has taken the change off the queue and not counted it yet.
        Thread.detachNewThread {
            second.withLockedValue { $0 = watch.poll() }
            secondDone.signal()
        }
        // Gives an unguarded second poll time to finish with its wrong answer; a correct one
        // waits for the first, whatever the time allowed here.
        let secondFinishedEarly = secondDone.wait(timeout: .now() + .seconds(2)) == .success
        release.signal()
        firstDone.wait()
        if !secondFinishedEarly { secondDone.wait() }
        #expect(first.withLockedValue { $0 } == 1)
        // At least the first's count: an unguarded poll returns 0 here. More is possible and
        // harmless (CI once saw 2): a process another test forks in those two seconds can
        // inherit this test's descriptor for the file, and its close then queues one more
        // IN_CLOSE_WRITE.
        #expect((second.withLockedValue { $0 } ?? 0) >= 1, "a poll during another's drain missed the change")
    }

    /// A writer is "writing" from its first write (a truncation counts) to its close, as the
    /// directory reports them by name; a complete file renamed into place is never half-written,
    /// whatever the file watch on the inode it replaced reports later.
    @Test func aWriterIsSeenBetweenItsFirstWriteAndItsClose() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = "\(directory)/passwd"
        try "alice:x\n".write(toFile: file, atomically: false, encoding: .utf8)
        let watch = try #require(FileChangeWatch(path: file))
        #expect(watch.observe().writing == false)

        let fd = open(file, O_WRONLY | O_TRUNC)
        #expect(fd >= 0)
        let truncated = watch.observe()
        #expect(truncated.writing, "truncated, not closed: half-written")
        _ = "alice:y\n".withCString { Glibc.write(fd, $0, 8) }
        #expect(watch.observe().writing)
        close(fd)
        let closed = watch.observe()
        #expect(!closed.writing && closed.count > truncated.count)

        // An editor's write-and-rename: the new file is complete when it appears.
        let reader = open(file, O_RDONLY)
        try "alice:z\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(!watch.observe().writing)
        close(reader)  // the replaced inode's last close: nothing about the file now at the path
        #expect(!watch.observe().writing)
    }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/amx-watch-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
