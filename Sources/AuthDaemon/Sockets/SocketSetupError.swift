/// Why a listener's socket could not be set up; printed as is, exit status 1.
struct SocketSetupError: Error, CustomStringConvertible {
    var description: String
}
