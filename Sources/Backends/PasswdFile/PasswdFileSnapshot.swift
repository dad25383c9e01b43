/// One passwd-file as it was at one moment, parsed, immutable, shared by every check until the
/// file changes (kept exact by `WatchedFile`, as the sasldb backend's copy is).
final class PasswdFileSnapshot: FileCopy {
    let contents: PasswdFileContents
    let version: FileVersion

    init(contents: PasswdFileContents, version: FileVersion) {
        self.contents = contents
        self.version = version
    }
}
