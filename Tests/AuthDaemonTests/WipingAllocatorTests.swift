@testable import AuthDaemon
import Glibc
import NIOCore
import Testing

/// The wiping allocator's two steps that touch a block about to go back to the heap. Each takes
/// the release as a closure, so the test looks at the block while it is still allocated instead
/// of reading freed memory.
@Suite("Wiping allocator")
struct WipingAllocatorTests {
    @Test func aReleasedBlockIsOverwrittenWholeFirst() throws {
        let block = try #require(malloc(100))
        let usable = WipingAllocator.usableSize(of: block)
        #expect(usable >= 100)
        memset(block, 0xA5, usable)
        var seen: [UInt8] = []
        WipingAllocator.wipeThenRelease(block) { released in
            #expect(released == block)
            seen = Array(UnsafeRawBufferPointer(start: released, count: usable))
            free(released)
        }
        #expect(seen.count == usable && seen.allSatisfy { $0 == 0 }, "bytes left in the released block")
    }

    @Test func aMoveCopiesTheBytesThenWipesAndReleasesTheOldBlock() throws {
        let pattern = (0..<64).map { UInt8($0 + 1) }
        for newSize in [200, 16] {
            let old = try #require(malloc(64))
            let usable = WipingAllocator.usableSize(of: old)
            memset(old, 0xA5, usable)
            old.copyMemory(from: pattern, byteCount: pattern.count)
            var seen: [UInt8] = []
            var releases = 0
            let moved = try #require(WipingAllocator.move(old, oldSize: 64, newSize: newSize) { released in
                releases += 1
                #expect(released == old)
                seen = Array(UnsafeRawBufferPointer(start: released, count: usable))
                free(released)
            })
            #expect(moved != old)
            #expect(releases == 1)
            #expect(seen.allSatisfy { $0 == 0 }, "the old block was released with bytes in it")
            #expect(WipingAllocator.usableSize(of: moved) >= newSize)
            let kept = min(64, newSize)
            #expect(Array(UnsafeRawBufferPointer(start: moved, count: kept)) == Array(pattern.prefix(kept)))
            free(moved)
        }
    }

    @Test func aMoveWithoutAnOldBlockOnlyAllocates() throws {
        var releases = 0
        let fresh = try #require(WipingAllocator.move(nil, oldSize: 0, newSize: 32) { _ in releases += 1 })
        #expect(releases == 0)
        free(fresh)
    }

    /// ByteBuffer drives the allocator: growing (reallocate), copy-on-write (copy) and release.
    @Test func byteBuffersGrowCopyAndKeepTheirBytes() {
        var buffer = WipingAllocator.allocator.buffer(capacity: 4)
        let text = String(repeating: "password", count: 200)
        buffer.writeString(text)
        var copy = buffer
        copy.writeString("!")
        #expect(buffer.getString(at: 0, length: buffer.readableBytes) == text)
        #expect(copy.getString(at: 0, length: copy.readableBytes) == text + "!")
        buffer.wipe()
        #expect(buffer.readableBytes == 0)
    }
}
