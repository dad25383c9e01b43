/// The `auth` stack Linux-PAM runs for one service, laid out as libpam lays it out.
public struct PAMAuthStack: Sendable {
    /// The service as asked for, lowercased as `pam_start` lowercases it.
    public var service: String
    /// The file the stack starts in: the service's own, or `other` when the service has no file
    /// or its file holds no auth lines (libpam then runs other's).
    public var file: String
    public var entries: [PAMStackEntry]

    public init(service: String, file: String, entries: [PAMStackEntry]) {
        self.service = service
        self.file = file
        self.entries = entries
    }
}
