/// A system call that failed while opening a connection, and its errno.
struct SocketCallFailure: Error {
    var call: String
    var code: Int32
}
