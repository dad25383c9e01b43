import Foundation

/// Where Linux-PAM finds service files, as Debian 12's libpam (1.5.2) looks for them (each rule
/// checked against the real library).
///
/// A service, and `other`, is looked for in each of `serviceDirectories` in turn: /etc/pam.d,
/// then /usr/lib/pam.d, or only the folder an application hands to pam_start_confdir, as
/// pam_wrapper does in the tests. An include named without a `/` (`include`, `substack`, and
/// Debian's `@include`) is opened in /etc/pam.d whatever that folder is: this libpam builds the
/// path from a fixed `/etc/pam.d/%s`.
public struct PAMConfigLocations: Sendable, Equatable {
    public var serviceDirectories: [String]
    public var includeDirectory: String

    public init(serviceDirectories: [String], includeDirectory: String) {
        self.serviceDirectories = serviceDirectories
        self.includeDirectory = includeDirectory
    }

    /// What a daemon using the host's libpam reads.
    public static let system = PAMConfigLocations(serviceDirectories: ["/etc/pam.d", "/usr/lib/pam.d"], includeDirectory: "/etc/pam.d")

    /// `system`, or pam_wrapper's folder for services when the process runs under it (the
    /// integration tests).
    public static func current() -> PAMConfigLocations {
        current(environment: ProcessInfo.processInfo.environment)
    }

    public static func current(environment: [String: String]) -> PAMConfigLocations {
        if environment["PAM_WRAPPER"] == "1", let directory = environment["PAM_WRAPPER_SERVICE_DIR"] {
            return PAMConfigLocations(serviceDirectories: [directory], includeDirectory: system.includeDirectory)
        }
        return system
    }

    /// The file libpam opens for the service `name`: the first folder holding it, or nil.
    public func serviceFile(named name: String) -> String? {
        serviceDirectories.map { "\($0)/\(name)" }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The file an include line names, whether or not it exists.
    public func includeFile(named name: String) -> String {
        name.hasPrefix("/") ? name : "\(includeDirectory)/\(name)"
    }

    /// The folders a service is looked for in, for messages.
    public var searched: String { serviceDirectories.joined(separator: " and ") }
}
