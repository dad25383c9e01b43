import AuthCore
import AuthWire
import Backends
import Foundation
import Glibc
import Logging
import NIOCore
import NIOPosix
import Testing

/// An empty password makes a simple bind an unauthenticated one that servers accept, so it
/// must be refused before any connection is made. The "server" here is a listening socket
/// of the test's own: after the check, nothing may be waiting in its accept queue.
@Suite("LDAP backend: an empty password never reaches the network")
struct LDAPEmptyPasswordTests {
    @Test func anEmptyPasswordIsRejectedWithoutConnecting() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        try #require(listening)
        let port = UInt16(bigEndian: address.sin_port)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)

        var settings = LDAPSettings()
        settings.servers = ["ldap://127.0.0.1:\(port)/"]
        settings.searchBase = try LDAPTemplate("dc=example,dc=com")
        for method in LDAPAuthMethod.allCases {
            settings.authMethod = method
            let backend = LDAPBackend(name: "directory", settings: settings, logger: Logger(label: "test"))
            let verdict = await backend.verdict(user: "alice", realm: "example.com", password: Secret(""))
            #expect(verdict == .rejected(reason: "empty password (never sent to the directory)"))
            await backend.shutdown()
        }
        // Nothing connected: accept finds an empty queue.
        let accepted = accept(fd, nil, nil)
        if accepted >= 0 { close(accepted) }
        #expect(accepted < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), "the backend connected to the directory")
    }
}
