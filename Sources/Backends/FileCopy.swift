/// What a `WatchedFile` keeps in memory: the whole file, read at one `FileVersion`.
protocol FileCopy: AnyObject, Sendable {
    var version: FileVersion { get }
}
