public import NIOCore

extension ByteBuffer {
    /// Overwrites every byte ever written (the request, password included) and empties the
    /// buffer, so the memory reused for the next connection holds no secret.
    public mutating func wipe() {
        moveReaderIndex(to: 0)
        let written = writerIndex
        if written > 0 { setRepeatingByte(0, count: written, at: 0) }
        clear()
    }
}
