#if canImport(Glibc)
import Glibc
#endif

/// Writes bytes to a file descriptor completely, retrying short writes and EINTR. Used for the
/// terminal and the log, where buffered stdio would reorder the two streams.
enum DescriptorWriter {
    static func writeAll(_ bytes: [UInt8], to fd: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
