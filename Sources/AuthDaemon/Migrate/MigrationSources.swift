import Foundation

/// Finds and reads what `migrate` translates: the files named on its command line, or where
/// Debian and the RedHat family keep saslauthd's settings when none is named.
struct MigrationSources {
    var instances: [SaslauthdInstance] = []
    var consumers: [SaslKeyValueFile] = []
    /// Files that were named but could not be read, for an error.
    var unreadable: [String] = []

    static let debianDirectory = "/etc/default"
    static let sysconfigFile = "/etc/sysconfig/saslauthd"
    static let postfixConsumer = "/etc/postfix/sasl/smtpd.conf"

    /// Debian's init script starts one instance per `/etc/default/saslauthd[_a-zA-Z0-9-]*`,
    /// in sorted order; the same files, in the same order.
    static func debianInstanceFiles(in directory: String = debianDirectory) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let allowed = Set("_-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return names.filter { $0.hasPrefix("saslauthd") && $0.dropFirst("saslauthd".count).allSatisfy(allowed.contains) }
            .sorted().map { directory + "/" + $0 }
    }

    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `debian`, `sysconfig` and `consumers` as given; with no saslauthd source at all
    /// (`arguments` empty too), this host's files.
    init(debian: [String], sysconfig: [String], arguments: [String], consumers: [String]) {
        var debianFiles = debian
        var sysconfigFiles = sysconfig
        var consumerFiles = consumers
        let discover = debian.isEmpty && sysconfig.isEmpty && arguments.isEmpty
        if discover {
            debianFiles = Self.debianInstanceFiles()
            if debianFiles.isEmpty && FileManager.default.fileExists(atPath: Self.sysconfigFile) { sysconfigFiles = [Self.sysconfigFile] }
            if consumers.isEmpty && FileManager.default.fileExists(atPath: Self.postfixConsumer) { consumerFiles = [Self.postfixConsumer] }
        }
        for file in debianFiles {
            guard let text = Self.read(file) else { unreadable.append(file); continue }
            instances.append(SaslauthdInstance(debianDefaults: text, file: file))
        }
        for file in sysconfigFiles {
            guard let text = Self.read(file) else { unreadable.append(file); continue }
            instances.append(SaslauthdInstance(sysconfig: text, file: file))
        }
        if !arguments.isEmpty { instances.append(SaslauthdInstance(arguments: arguments)) }
        for file in consumerFiles {
            guard let text = Self.read(file) else { unreadable.append(file); continue }
            self.consumers.append(SaslKeyValueFile(text: text, path: file))
        }
    }

    /// The saslauthd.conf files the LDAP instances read (`override` replaces every one).
    func saslauthdConfs(override: String?) -> [String: SaslKeyValueFile] {
        var confs: [String: SaslKeyValueFile] = [:]
        for instance in instances {
            guard let path = SaslauthdTranslation.ldapConfPath(of: instance) else { continue }
            let source = override ?? path
            if let text = Self.read(source) { confs[path] = SaslKeyValueFile(text: text, path: source) }
        }
        return confs
    }
}
