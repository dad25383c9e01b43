#if canImport(Glibc)
import Glibc
#endif

/// Reads a service's files and lays out its `auth` stack as libpam would: the service file, or
/// `other` when the service has none (or no auth lines in it), with `include`, `substack` and
/// Debian's `@include` followed.
///
/// Whatever would make libpam install a line that always fails (an unknown type, a missing
/// module or control, a control it cannot parse, an include target that is not there or nests
/// too deep), refuse the file (a file ending inside a continued line, a missing `@include`
/// target) or crash (`@include` without a file, or in a loop: the real library recurses until
/// the stack overflows) is an error here, located at the line. Lines of the other types are
/// skipped, as they do not decide pam_authenticate.
public struct PAMStackLoader: Sendable {
    /// libpam gives up on includes nested this deep (PAM_SUBSTACK_MAX_LEVEL).
    public static let deepestInclude = 16
    /// Far above any real service file; a guard against reading something that is not one.
    public static let largestFile = 1 << 20

    public var locations: PAMConfigLocations

    public init(locations: PAMConfigLocations) {
        self.locations = locations
    }

    public func authStack(forService requested: String) throws(PAMStackError) -> PAMAuthStack {
        let service = PAMServiceChoice.fileName(for: requested)
        if service != "other", let file = locations.serviceFile(named: service) {
            let entries = try authEntries(inFile: file)
            if !entries.isEmpty { return PAMAuthStack(service: service, file: file, entries: entries) }
        }
        guard let other = locations.serviceFile(named: "other") else {
            throw PAMStackError(
                file: "\(locations.serviceDirectories.first ?? "/etc/pam.d")/\(service)",
                message: "no stack: neither \(service) nor other is in \(locations.searched), so libpam refuses every check")
        }
        let entries = try authEntries(inFile: other)
        guard !entries.isEmpty else {
            throw PAMStackError(file: other, message: "no auth lines here nor in a file for \(service), so libpam fails every check")
        }
        return PAMAuthStack(service: service, file: other, entries: entries)
    }

    /// The auth entries of one file, includes followed, as the service's own stack (level 0).
    public func authEntries(inFile file: String) throws(PAMStackError) -> [PAMStackEntry] {
        try load(file, level: 0, chain: [file])
    }

    private func load(_ file: String, level: Int, chain: [String]) throws(PAMStackError) -> [PAMStackEntry] {
        let lines = try PAMServiceFileParser.lines(in: Self.read(file), file: file)
        var entries: [PAMStackEntry] = []
        for line in lines {
            let tokens = line.tokens
            if tokens[0].lowercased() == "@include" {
                guard tokens.count >= 2 else {
                    throw PAMStackError(at: line, "@include without a file name: Debian's libpam crashes on it")
                }
                let target = locations.includeFile(named: tokens[1])
                guard Self.exists(target) else {
                    throw PAMStackError(at: line, "@include \(target): no such file, so libpam refuses the whole stack")
                }
                entries += try follow(target, from: line, level: level, chain: chain)
                continue
            }
            let type = tokens[0].hasPrefix("-") ? String(tokens[0].dropFirst()) : tokens[0]
            switch type.lowercased() {
            case "auth": break
            case "account", "session", "password": continue
            default:
                throw PAMStackError(at: line, "\"\(tokens[0])\" is not a PAM type (auth, account, session, password): libpam makes the line an auth step that always fails")
            }
            guard tokens.count >= 2 else { throw PAMStackError(at: line, "no control: libpam makes the line a step that always fails") }
            let control = tokens[1]
            switch control.lowercased() {
            case "include", "substack":
                guard tokens.count >= 3 else {
                    throw PAMStackError(at: line, "\(control) without a file: libpam makes the line a step that always fails")
                }
                let target = locations.includeFile(named: tokens[2])
                guard Self.exists(target) else {
                    throw PAMStackError(at: line, "\(control) \(target): no such file, so libpam makes the line a step that always fails")
                }
                if control.lowercased() == "substack" {
                    entries.append(PAMStackEntry(kind: .substack(target: target), level: level, line: line))
                    entries += try follow(target, from: line, level: level + 1, chain: chain)
                } else {
                    entries += try follow(target, from: line, level: level, chain: chain)
                }
            default:
                let actions: PAMActionTable
                if let keyword = PAMActionTable(keyword: control) {
                    actions = keyword
                } else {
                    do {
                        actions = try PAMActionTable(bracketed: control)
                    } catch {
                        throw PAMStackError(at: line, "control [\(control)]: \(error.message); libpam then counts every result of the line as a failure")
                    }
                }
                guard tokens.count >= 3 else { throw PAMStackError(at: line, "no module: libpam makes the line a step that always fails") }
                entries.append(PAMStackEntry(kind: .module(path: tokens[2], arguments: Array(tokens.dropFirst(3)), actions: actions), level: level, line: line))
            }
        }
        return entries
    }

    private func follow(_ target: String, from line: PAMConfigLine, level: Int, chain: [String]) throws(PAMStackError) -> [PAMStackEntry] {
        if let start = chain.firstIndex(of: target) {
            let loop = (chain[start...] + [target]).joined(separator: " -> ")
            throw PAMStackError(at: line, "includes loop (\(loop)): libpam fails or crashes on it")
        }
        guard chain.count < Self.deepestInclude else {
            throw PAMStackError(at: line, "includes nested more than \(Self.deepestInclude) deep: libpam makes the line a step that always fails")
        }
        return try load(target, level: level, chain: chain + [target])
    }

    private static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The whole file, or why it cannot be had, in the system's words.
    private static func read(_ path: String) throws(PAMStackError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw PAMStackError(file: path, message: "cannot be read: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw PAMStackError(file: path, message: "cannot be read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            guard bytes.count <= largestFile else { throw PAMStackError(file: path, message: "larger than \(largestFile) bytes: not a PAM service file") }
        }
    }
}
