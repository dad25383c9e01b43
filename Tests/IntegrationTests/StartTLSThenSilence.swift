import Foundation
import Glibc

/// A fake LDAP server on 127.0.0.1 that answers every StartTLS request with success and then
/// says nothing more: the client starts its TLS handshake and waits for a server hello that
/// never comes. Runs on its own thread; stops accepting when released.
final class StartTLSThenSilence {
    let port: Int
    private let fd: Int32

    init() throws {
        let (fd, port) = try LocalTCP.listener(backlog: 16)
        self.fd = fd
        self.port = port
        let thread = Thread { Self.serve(fd) }
        thread.start()
    }

    var url: String { "ldap://127.0.0.1:\(port)/" }

    /// Shutting the listener down makes the blocked accept return, which ends the thread.
    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    private static func serve(_ listener: Int32) {
        var clients: [Int32] = []
        defer { for client in clients { close(client) } }
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            clients.append(client)
            var request = [UInt8](repeating: 0, count: 512)
            let count = read(client, &request, request.count)
            // LDAPMessage: 0x30 len, then messageID as 0x02 0x01 id (libldap's ids are small).
            guard count >= 5, request[0] == 0x30, request[1] < 0x80, request[2] == 0x02, request[3] == 0x01 else { continue }
            let id = request[4]
            // ExtendedResponse (APPLICATION 24): resultCode success, empty matchedDN and message.
            let answer: [UInt8] = [0x30, 0x0c, 0x02, 0x01, id, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]
            _ = answer.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
        }
    }
}
