import Foundation
import SocketTestSupport

/// A large sasldb written in one go with Berkeley DB's own `db5.3_load` (Debian's db5.3-util),
/// from a dump in the `bytevalue` format (every key and value in hex, so the NULs of
/// `user NUL realm NUL userPassword` pass): a hash database, as saslpasswd2 makes, which
/// saslpasswd2 then changes like any other. One saslpasswd2 call per user would take minutes.
enum GeneratedSasldb {
    static func user(_ index: Int) -> String { "user\(index)" }
    static func password(_ index: Int) -> String { "pw-user\(index)" }

    static func write(count: Int, realm: String, file: String) throws {
        var dump = "VERSION=3\nformat=bytevalue\ntype=hash\nHEADER=END\n"
        dump.reserveCapacity(count * 90)
        for index in 0..<count {
            let key = Array(user(index).utf8) + [0] + Array(realm.utf8) + [0] + Array("userPassword".utf8)
            dump += " " + hex(key) + "\n " + hex(Array(password(index).utf8)) + "\n"
        }
        dump += "DATA=END\n"
        let dumpFile = file + ".dump"
        try dump.write(toFile: dumpFile, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: dumpFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/db5.3_load")
        process.arguments = ["-f", dumpFile, file]
        try ChildProcess.start { try process.run() }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "db5.3_load", code: Int(process.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "db5.3_load -f \(dumpFile) \(file) failed"])
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
