import NIOConcurrencyHelpers
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Counts changes to one file through inotify, without ever blocking.
///
/// The kernel queues an inotify event inside the writing system call, before it returns to the
/// writer. So once `saslpasswd2` has exited, its change is already waiting here, and `poll()`
/// — a non-blocking read of the queue — tells a check on the event loop whether the in-memory
/// copy is still exact, without a `stat` or a hop to another thread.
final class FileChangeWatch: Sendable {
    private let descriptor: Int32
    private let path: String
    private let directoryWatch: Int32
    private let fileName: [UInt8]
    /// Changes seen so far; written only under `drainLock`.
    private let changes = Atomic<Int>(0)
    /// Whether the last write event for the file was a write not yet followed by its close: a
    /// writer (saslpasswd2 flushing Berkeley DB pages, an editor writing in place) is between
    /// its first and last `write`, so the file may be half old and half new. Written only under
    /// `drainLock`.
    private let writing = Atomic<Bool>(false)
    /// Drains begun and ended: equal when no drain is between taking events off the queue and
    /// counting them (see `poll`).
    private let drainsStarted = Atomic<Int>(0)
    private let drainsFinished = Atomic<Int>(0)
    private let drainLock = NIOLock()
    /// Called between draining the queue and counting what was drained: a test holds a poll
    /// there to show that no other poll can answer meanwhile.
    private let afterDrain: (@Sendable () -> Void)?

    static let fileMask = UInt32(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF)
    static let directoryMask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE)

    /// nil when inotify is not available (limits reached, unsupported file system); callers
    /// then fall back to `stat` on every check.
    init?(path: String, afterDrain: (@Sendable () -> Void)? = nil) {
        self.afterDrain = afterDrain
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        let watch = inotify_add_watch(fd, directory, Self.directoryMask)
        guard watch >= 0 else {
            close(fd)
            return nil
        }
        self.descriptor = fd
        self.path = path
        self.directoryWatch = watch
        self.fileName = Array(path[path.index(after: slash)...].utf8)
        watchFile()
    }

    deinit {
        close(descriptor)
    }

    /// (Re)attaches the watch to the inode now at `path`; call before reading the file, so a
    /// replaced file is followed. A missing file is fine: the directory watch sees it appear.
    func watchFile() {
        _ = inotify_add_watch(descriptor, path, Self.fileMask)
    }

    /// The number of changes seen so far, counting every event queued before the call.
    ///
    /// Draining and counting are one critical section. Were they two, a poll could take the
    /// last event off the queue, and before it counted it another poll would find the queue
    /// empty and the count unchanged: that check would be answered from the old sasldb copy
    /// although the change was already queued.
    ///
    /// Most polls find nothing queued, and take no lock: they look at the queue with `poll(2)`
    /// (which leaves it as it is) and answer only if no drain is under way. A drain counts itself
    /// started before it reads and finished after it has counted, so a poll that saw no drain
    /// finished before it looked, an empty queue, and no more drains started than that, knows
    /// that every event queued before it was counted. Anything else takes the lock and drains.
    /// Checks on several accept threads thus no longer queue behind each other's `read`.
    func poll() -> Int {
        let finishedBefore = drainsFinished.load(ordering: .sequentiallyConsistent)
        if !hasQueuedEvents(), drainsStarted.load(ordering: .sequentiallyConsistent) == finishedBefore {
            return changes.load(ordering: .sequentiallyConsistent)
        }
        return drainLock.withLock {
            drainsStarted.add(1, ordering: .sequentiallyConsistent)
            let relevant = drain()
            afterDrain?()
            if relevant { changes.add(1, ordering: .sequentiallyConsistent) }
            drainsFinished.add(1, ordering: .sequentiallyConsistent)
            return changes.load(ordering: .sequentiallyConsistent)
        }
    }

    /// The change count (as `poll`) and whether a writer is in the middle of writing the file
    /// (as of that count): what a point look-up must know before it trusts what it reads.
    func observe() -> (count: Int, writing: Bool) {
        let count = poll()
        return (count, writing.load(ordering: .sequentiallyConsistent))
    }

    /// Whether events wait in the queue, without taking any (or when the kernel cannot say).
    private func hasQueuedEvents() -> Bool {
        var probe = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return Glibc.poll(&probe, 1, 0) != 0
    }

    /// Reads every queued event; whether one concerns the file. Call with the lock held.
    private func drain() -> Bool {
        var relevant = false
        withUnsafeTemporaryAllocation(byteCount: 4096, alignment: MemoryLayout<inotify_event>.alignment) { buffer in
            while true {
                let count = read(descriptor, buffer.baseAddress, buffer.count)
                guard count > 0 else { break }
                var offset = 0
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let event = buffer.baseAddress!.advanced(by: offset).loadUnaligned(as: inotify_event.self)
                    let nameStart = offset + MemoryLayout<inotify_event>.size
                    if event.mask & UInt32(IN_Q_OVERFLOW) != 0 || event.wd != directoryWatch {
                        relevant = true
                    } else if event.len > 0 {
                        let name = UnsafeRawBufferPointer(rebasing: buffer[nameStart..<min(count, nameStart + Int(event.len))])
                        let end = name.firstIndex(of: 0) ?? name.count
                        if name[..<end].elementsEqual(fileName) {
                            relevant = true
                            // Only the directory's events, which name the file now at the path,
                            // move the writer state: the file watch may still be on an inode a
                            // rename replaced, whose last close (IN_DELETE_SELF, long after)
                            // says nothing about a writer of the current file. Events come in
                            // the order they happened: a write opens the window; the writer's
                            // close, or a complete file renamed into place, shuts it.
                            if event.mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) != 0 {
                                writing.store(false, ordering: .sequentiallyConsistent)
                            } else if event.mask & UInt32(IN_MODIFY) != 0 {
                                writing.store(true, ordering: .sequentiallyConsistent)
                            }
                        }
                    }
                    offset = nameStart + Int(event.len)
                }
            }
        }
        return relevant
    }
}
