#if canImport(Glibc)
import Glibc
#endif

/// Output for the person at the terminal, written straight to the file descriptors.
enum Console {
    static func error(_ text: String) { write(to: 2, text + "\n") }
    static func out(_ text: String) { write(to: 1, text + "\n") }

    private static func write(to fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
