public import NIOCore

extension ByteBuffer {
    /// Overwrites every byte ever written (the request, password included) and empties the
    /// buffer, so the memory reused for the next connection holds no secret.
    public mutating func wipe() {
        // Nothing ever written: nothing to wipe, and a buffer that was never given storage of
        // its own must not be made to allocate some now.
        guard writerIndex > 0 else { return }
        moveReaderIndex(to: 0)
        let written = writerIndex
        if written > 0 { setRepeatingByte(0, count: written, at: 0) }
        clear()
    }
}
