#if canImport(Glibc)
import Glibc
#endif

/// Messages for the person at the terminal (not log lines), written straight to the file
/// descriptors so they are never reordered with or buffered behind log output.
enum Console {
    static func error(_ text: String) {
        write(to: 2, text + "\n")
    }

    static func out(_ text: String) {
        write(to: 1, text + "\n")
    }

    private static func write(to fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
