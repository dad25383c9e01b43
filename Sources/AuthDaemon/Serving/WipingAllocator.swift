import CLinuxSocket
// The SPI is the only way to give a ByteBuffer other memory functions: SwiftNIO frees and
// reallocates receive and handler buffers itself, with plain free and realloc, and a wipe at
// the end of a connection cannot reach a block that a grown buffer has already left behind.
@_spi(CustomByteBufferAllocator) import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// SwiftNIO's `ByteBuffer` memory, overwritten before it goes back to the C heap.
///
/// A request's bytes hold its password. Handlers wipe their own buffer when a connection ends,
/// but SwiftNIO's receive buffers are freed unwiped, and a buffer that grows is moved by
/// `realloc`, which frees the old block as it is: the password stays in freed heap, for a core
/// file, a debugger or a later heap bug to find. Every accepted connection's channel gets this
/// allocator (`ChannelOptions.allocator`), so its receive buffers and the buffers its handler
/// takes from `context.channel.allocator` are wiped when freed or moved. A reallocation always
/// moves (never grows in place), so that the old block can be wiped; buffers grow rarely, as a
/// request is small.
enum WipingAllocator {
    static let allocator = ByteBufferAllocator(
        allocate: { size in malloc(size) },
        reallocate: { block, oldSize, newSize in WipingAllocator.move(block, oldSize: oldSize, newSize: newSize) { free($0) } },
        deallocate: { block in WipingAllocator.wipeThenRelease(block) { free($0) } },
        copy: { destination, source, count in destination.copyMemory(from: source, byteCount: count) }
    )

    /// Overwrites the whole block, as much as malloc gave rather than as much as was asked for,
    /// then hands it to `release` (`free`; a test looks at it first).
    static func wipeThenRelease(_ block: UnsafeMutableRawPointer, release: (UnsafeMutableRawPointer) -> Void) {
        explicit_bzero(block, usableSize(of: block))
        release(block)
    }

    /// `realloc` that wipes: a new block, the old contents copied (up to the smaller size), the
    /// old block wiped and released. nil only when malloc fails (SwiftNIO then stops, as it does
    /// when realloc fails); the old block is then left as it is, as realloc leaves it.
    static func move(
        _ block: UnsafeMutableRawPointer?, oldSize: Int, newSize: Int, release: (UnsafeMutableRawPointer) -> Void
    ) -> UnsafeMutableRawPointer? {
        guard let moved = malloc(max(newSize, 1)) else { return nil }
        guard let block else { return moved }
        moved.copyMemory(from: block, byteCount: min(oldSize, newSize))
        wipeThenRelease(block, release: release)
        return moved
    }

    static func usableSize(of block: UnsafeMutableRawPointer) -> Int {
        malloc_usable_size(block)
    }
}
