import Backends
import Foundation

/// A temporary folder of PAM service files written by a test, and the locations that make the
/// loader read it as it would /etc/pam.d (Debian's `@include` included).
struct PAMStackFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("amx-pamstack-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var locations: PAMConfigLocations { PAMConfigLocations(serviceDirectories: [path], includeDirectory: path) }

    var analyzer: PAMStackAnalyzer { PAMStackAnalyzer(locations: locations) }

    @discardableResult
    func write(_ name: String, _ lines: String...) throws -> String {
        let file = "\(path)/\(name)"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func writeBytes(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = "\(path)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Runs `body` with a fresh folder and removes it however `body` ends.
    static func with<T>(_ body: (PAMStackFolder) throws -> T) throws -> T {
        let folder = try PAMStackFolder()
        defer { folder.remove() }
        return try body(folder)
    }
}
