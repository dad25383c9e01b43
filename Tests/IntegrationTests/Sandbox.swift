import Foundation
import Glibc
import SocketTestSupport

/// A private temporary directory for one test: its config, sasldb, socket and logs.
///
/// The path is short on purpose (`/tmp/amx-XXXXXX`): a Unix socket path must fit in the
/// 108 bytes of `sun_path`, and `$TMPDIR` on some machines is already longer than that.
final class Sandbox {
    let path: String

    /// Where the standard daemon of this sandbox listens.
    var socketPath: String { file("mux") }
    /// Where the sandbox's pwcheck and authdaemond listeners go when a test adds them.
    var pwcheckPath: String { file("pwcheck") }
    var authdaemondPath: String { file("authdaemon") }
    /// Where the standard sasldb of this sandbox lives.
    var sasldbPath: String { file("sasldb2") }

    init() throws {
        var template = Array("/tmp/amx-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            mkdtemp(buffer.baseAddress!)
        }
        guard created != nil else {
            throw IntegrationError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs `body` with a fresh sandbox and removes it afterwards, whether `body` succeeded or
    /// not (set `AUTHMUX_KEEP_TEMP=1` to keep it).
    static func with<T>(_ body: (Sandbox) async throws -> T) async throws -> T {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        return try await body(sandbox)
    }

    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Writes `contents` to `name` inside the sandbox and returns the full path.
    @discardableResult
    func write(_ contents: String, to name: String) throws -> String {
        let target = file(name)
        try contents.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    /// Creates the directory `name` inside the sandbox and returns its full path.
    func makeDirectory(_ name: String) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        return target
    }

    func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: file(name))
    }

    /// Deletes the sandbox, unless `AUTHMUX_KEEP_TEMP=1` asks to keep it for a post-mortem
    /// (`evenIfKept` is for scratch space whose contents the caller has already collected).
    func remove(evenIfKept: Bool = false) {
        if IntegrationEnvironment.keepTemporaryDirectories && !evenIfKept {
            print("keeping \(path)")
            return
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
