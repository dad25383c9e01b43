import NIOCore

/// A DN the search found for one question, and (for memberUid groups) the entry's uid.
struct LDAPRememberedDN: Sendable {
    var dn: String
    var uid: [UInt8]?
    var expires: NIODeadline
}
