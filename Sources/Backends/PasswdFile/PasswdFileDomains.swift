#if canImport(Glibc)
import Glibc
#endif

/// The files a per-domain path (`/etc/authmux/%d/passwd`) names today, for check-config: the
/// directory entries that fit the component holding `%d`.
enum PasswdFileDomains {
    static func existingFiles(template: String) -> [String] {
        let components = template.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let index = components.firstIndex(where: { $0.contains("%d") }) else { return [template] }
        let directory = components[..<index].joined(separator: "/")
        let pattern = components[index].split(separator: "%d", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard pattern.count == 2, let handle = opendir(directory.isEmpty ? "/" : directory) else { return [] }
        defer { closedir(handle) }
        var files: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix(pattern[0]), name.hasSuffix(pattern[1]), name.count > pattern[0].count + pattern[1].count else { continue }
            let realm = String(name.dropFirst(pattern[0].count).dropLast(pattern[1].count))
            guard !realm.hasPrefix("."), !realm.contains("/") else { continue }
            let path = template.replacing("%d", with: realm)
            if FileStamp.of(path: path) != nil { files.append(path) }
        }
        return files.sorted()
    }
}
