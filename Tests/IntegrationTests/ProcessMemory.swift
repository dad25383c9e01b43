import Foundation
import Glibc
import SocketTestSupport

/// Another process's writable memory, read through /proc/PID/mem: what a core dump or an
/// attacker reading freed heap would find. Needs root (authmuxd is not dumpable).
enum ProcessMemory {
    /// Where `needle` occurs in the process's private writable mappings (heap, anonymous maps
    /// and, unless `skippingStacks`, the threads' stacks): the mapping's description and the
    /// offset, at most `limit` of them.
    static func occurrences(of needle: [UInt8], in pid: pid_t, limit: Int = 8, skippingStacks: Bool = false) throws -> [String] {
        precondition(!needle.isEmpty)
        let mem = open("/proc/\(pid)/mem", O_RDONLY | O_CLOEXEC)
        guard mem >= 0 else { throw IntegrationError("open /proc/\(pid)/mem: \(String(cString: strerror(errno)))") }
        defer { close(mem) }
        var found: [String] = []
        let stackPointers = skippingStacks ? Self.stackPointers(of: pid) : []
        for line in ProcessRunner.readText("/proc/\(pid)/maps").split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[1].hasPrefix("rw"), fields[1].hasSuffix("p") else { continue }
            let bounds = fields[0].split(separator: "-").compactMap { UInt(String($0), radix: 16) }
            guard bounds.count == 2, bounds[1] > bounds[0] else { continue }
            let name = fields.count > 5 ? fields[5...].joined(separator: " ") : "[anonymous]"
            if name == "[vvar]" || name == "[vsyscall]" { continue }
            if skippingStacks && (name == "[stack]" || stackPointers.contains { bounds[0] <= $0 && $0 < bounds[1] }) { continue }
            var region = [UInt8](repeating: 0, count: Int(bounds[1] - bounds[0]))
            let read = region.withUnsafeMutableBytes { pread(mem, $0.baseAddress, $0.count, off_t(Int(bitPattern: bounds[0]))) }
            guard read > 0 else { continue }
            region.withUnsafeBytes { raw in
                var offset = 0
                while offset + needle.count <= read, found.count < limit {
                    guard let hit = memchr(raw.baseAddress! + offset, Int32(needle[0]), read - offset - needle.count + 1) else { break }
                    let at = raw.baseAddress!.distance(to: UnsafeRawPointer(hit))
                    if memcmp(hit, needle, needle.count) == 0 {
                        found.append("\(name) at 0x\(String(bounds[0] + UInt(at), radix: 16))")
                    }
                    offset = at + 1
                }
            }
        }
        return found
    }

    /// Each thread's stack pointer, from /proc/PID/task/TID/syscall (the next-to-last field);
    /// a thread's stack is the mapping that holds it.
    static func stackPointers(of pid: pid_t) -> [UInt] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { tid in
            let fields = ProcessRunner.readText("/proc/\(pid)/task/\(tid)/syscall").split(separator: " ")
            guard fields.count >= 3 else { return nil }
            return UInt(fields[fields.count - 2].dropFirst(2), radix: 16)
        }
    }
}
