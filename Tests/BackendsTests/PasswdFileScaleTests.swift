import AuthCore
import AuthWire
@testable import Backends
import Foundation
import Glibc
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// A passwd-file of 50,000 users changed while the backend serves it, by `authmuxd user`'s
/// editor (write and rename) and by an editor writing the file in place: every change is seen
/// by the next check, and a half-written file never costs a valid user its answer. Counted,
/// never timed.
@Suite("passwd-file at scale, changed while serving", .timeLimit(.minutes(5)))
struct PasswdFileScaleTests {
    static let users = 50_000
    let directory: String
    let file: String
    let filler: String
    let alice: String

    init() throws {
        directory = try Saslpasswd2.temporaryDirectory()
        file = directory + "/passwd"
        filler = try PasswdFileBackendTests.mkpasswd("filler-pw")
        alice = try PasswdFileBackendTests.mkpasswd("Alice-pass")
        var text = "alice@example.com:\(alice)\n"
        for index in 0..<Self.users { text += "user\(index)@example.com:\(filler)\n" }
        try text.write(toFile: file, atomically: true, encoding: .utf8)
    }

    func backend(rereadAfter: TimeAmount) -> PasswdFileBackend {
        PasswdFileBackend(name: "scale", settings: PasswdFileSettings(path: file, rereadAfter: rereadAfter), logger: Logger(label: "test"))
    }

    func lookup(_ user: String) -> PasswdFileLookup {
        PasswdFileLookup(path: file, user: ByteString("\(user)@example.com"))
    }

    func check(_ backend: PasswdFileBackend, _ user: String, _ password: String) async -> BackendVerdict {
        await PasswdFileBackendTests.evaluate(backend, lookup(user), password)
    }

    func setField(_ user: String, _ field: String) throws {
        _ = try PasswdFileEditor(path: file).update { lines in
            if let index = lines.index(ofUser: ByteString("\(user)@example.com")) {
                lines.setPasswordField(Array(field.utf8), at: index)
            } else {
                lines.append(user: ByteString("\(user)@example.com"), passwordField: Array(field.utf8))
            }
            return true
        }
    }

    /// What an editor that saves in place does: truncate, then write the new text in pieces.
    func rewriteInPlace(_ text: String) throws {
        let fd = open(file, O_WRONLY | O_TRUNC)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let piece = min(65536, bytes.count - offset)
            let written = bytes[offset..<(offset + piece)].withUnsafeBytes { write(fd, $0.baseAddress, piece) }
            guard written > 0 else { throw CocoaError(.fileWriteUnknown) }
            offset += written
        }
    }

    @Test func changesAreSeenOnTheNextCheckWithoutParsingTheWholeFile() async throws {
        let backend = backend(rereadAfter: .hours(1))
        #expect(await check(backend, "alice", "Alice-pass") == .accepted)
        #expect(await check(backend, "user7", "filler-pw") == .accepted)
        let newSeven = try PasswdFileBackendTests.mkpasswd("seven-pw")
        try setField("user7", newSeven)
        #expect(await check(backend, "user7", "seven-pw") == .accepted)
        #expect(await check(backend, "user7", "filler-pw") == .rejected(reason: "wrong password"))
        try setField("newcomer", newSeven)
        #expect(await check(backend, "newcomer", "seven-pw") == .accepted)
        _ = try PasswdFileEditor(path: file).update { lines in
            guard let index = lines.index(ofUser: ByteString("user8@example.com")) else { return false }
            lines.remove(at: index)
            return true
        }
        #expect(await check(backend, "user8", "filler-pw") == .unknownUser)
        // A user written twice is refused while pending, as after a whole parse.
        try setField("user9", filler)
        try FileHandle(forWritingAtPath: file).map { handle in
            handle.seekToEndOfFile()
            handle.write(Data("user9@example.com:\(newSeven)\n".utf8))
            try handle.close()
        }
        guard case .unavailable = await check(backend, "user9", "filler-pw") else {
            Issue.record("a duplicated user must be refused")
            return
        }
        #expect(await check(backend, "alice", "Alice-pass") == .accepted)
        #expect(backend.wholeReads == 1, "each change cost its checks one pass over the bytes, not a parse of the file")
        await backend.shutdown()
    }

    @Test func aWriterRewritingTheFileNeverCostsAValidUserItsAnswer() async throws {
        let backend = backend(rereadAfter: .milliseconds(30))
        #expect(await check(backend, "alice", "Alice-pass") == .accepted)
        let done = NIOLockedValueBox(false)
        let base = try String(contentsOfFile: file, encoding: .utf8)
        let rounds = 40
        let writer = Task.detached { [self] in
            defer { done.withLockedValue { $0 = true } }
            for round in 0..<rounds {
                if round % 2 == 0 {
                    try setField("user\(100 + round)", alice)
                } else {
                    // In place: between the truncation and the last write the file is partial.
                    try rewriteInPlace(base + "extra\(round)@example.com:\(filler)\n")
                }
                // An administrator's or a tool's pace: a writer that never pauses for as long as
                // one read of the file takes would be refused as "changed on every read".
                usleep(20_000)
            }
        }
        var right = 0, wrong: [String] = []
        while !done.withLockedValue({ $0 }) {
            let good = await check(backend, "alice", "Alice-pass")
            let bad = await check(backend, "alice", "not-the-password")
            if good == .accepted, bad == .rejected(reason: "wrong password") {
                right += 1
            } else {
                wrong.append("\(good) / \(bad)")
            }
            // These checks answer without suspending: without a yield this loop would hold one of
            // the few threads every test shares for as long as the writer runs.
            await Task.yield()
        }
        try await writer.value
        #expect(wrong.isEmpty, "\(wrong.count) wrong or unavailable answers among \(right + wrong.count) rounds: \(wrong.prefix(5))")
        #expect(right > 0)
        #expect(await check(backend, "extra39", "filler-pw") == .accepted)
        await backend.shutdown()
    }
}
