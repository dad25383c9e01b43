import Foundation
import SocketTestSupport

/// Runs the real Cyrus `saslpasswd2` (Debian's sasl2-bin) to write sasldb files for the tests.
enum Saslpasswd2 {
    static func set(_ user: String, password: String, realm: String? = nil, file: String) throws {
        var arguments = ["-f", file, "-p", "-c"]
        if let realm { arguments += ["-u", realm] }
        try run(arguments + [user], input: password)
    }

    static func delete(_ user: String, realm: String? = nil, file: String) throws {
        var arguments = ["-f", file, "-d"]
        if let realm { arguments += ["-u", realm] }
        try run(arguments + [user], input: "")
    }

    /// `sasldblistusers2` lines: `user@realm: userPassword`.
    static func list(file: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/sasldblistusers2")
        process.arguments = ["-f", file]
        // Made while no other child starts, which could otherwise inherit its write end.
        var output: Pipe?
        try ChildProcess.start {
            output = Pipe()
            process.standardOutput = output
            try process.run()
        }
        let data = output?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    private static func run(_ arguments: [String], input: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/saslpasswd2")
        process.arguments = arguments
        try ChildProcess.start {
            let stdin = Pipe()
            process.standardInput = stdin
            try process.run()
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "saslpasswd2", code: Int(process.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "saslpasswd2 \(arguments) failed"])
        }
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "authmux-backends-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
