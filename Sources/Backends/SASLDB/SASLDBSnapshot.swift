/// The passwords of one sasldb file as they were at one moment, immutable, shared by all
/// checks until the file changes. Reading the whole file once and answering from memory is
/// what makes the sasldb path fast; the version is what keeps it exact.
final class SASLDBSnapshot: FileCopy {
    let table: SASLDBTable
    let version: FileVersion

    init(table: SASLDBTable, version: FileVersion) {
        self.table = table
        self.version = version
    }
}
