import AuthWire
#if canImport(Glibc)
import Glibc
#endif

/// Reads a new password for the user tool: from the terminal with echo off (asked twice), or
/// one line of standard input with `--stdin`. Never from the command line, where `ps` and
/// shell history would show it. The bytes go straight into a `Secret`; the read buffer is
/// wiped before it is freed.
enum PasswordInput {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let maximumLength = 4096

    static func read(fromStandardInput: Bool, confirm: Bool) throws(Failure) -> Secret {
        if fromStandardInput {
            guard let secret = readLine(fd: 0) else { throw Failure(description: "no password on standard input") }
            guard !secret.isEmpty else { throw Failure(description: "the password is empty") }
            return secret
        }
        let tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard tty >= 0 else { throw Failure(description: "no terminal to ask for the password on; pass it on standard input with --stdin") }
        defer { close(tty) }
        guard let first = prompt("New password: ", tty: tty), !first.isEmpty else { throw Failure(description: "the password is empty") }
        if confirm {
            guard let second = prompt("Retype new password: ", tty: tty), second.constantTimeEquals(first) else {
                throw Failure(description: "the passwords do not match")
            }
        }
        return first
    }

    private static func prompt(_ text: String, tty: Int32) -> Secret? {
        var saved = termios()
        guard tcgetattr(tty, &saved) == 0 else { return nil }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ECHONL)
        _ = text.withCString { Glibc.write(tty, $0, strlen($0)) }
        tcsetattr(tty, TCSAFLUSH, &quiet)
        defer { tcsetattr(tty, TCSAFLUSH, &saved) }
        return readLine(fd: tty)
    }

    /// One line without its `\n` (and a `\r` before it); nil at end of input with nothing read.
    private static func readLine(fd: Int32) -> Secret? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumLength, alignment: 1)
        defer {
            Secret.wipe(buffer)
            buffer.deallocate()
        }
        var count = 0
        var sawAnything = false
        while count < maximumLength {
            let got = Glibc.read(fd, buffer.baseAddress! + count, 1)
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            sawAnything = true
            if buffer[count] == UInt8(ascii: "\n") { break }
            count += 1
        }
        guard sawAnything else { return nil }
        if count > 0 && buffer[count - 1] == UInt8(ascii: "\r") { count -= 1 }
        return Secret(copying: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
}
