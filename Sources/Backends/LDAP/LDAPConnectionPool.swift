import AuthCore
import CLDAP
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Idle connections of one backend, by role, and the failover logic that makes new ones.
///
/// Only the backend's own threads call in, so at most `threads` connections of a role are in
/// use at once and at most that many are kept idle. A connection whose operation failed at the
/// connection level is closed, never returned; a pooled connection found broken (the server
/// restarted since it was last used) is replaced by a fresh one within the same check.
final class LDAPConnectionPool: Sendable {
    let settings: LDAPSettings
    let servers: ServerFailover
    private let idle: NIOLockedValueBox<[[LDAPConnection]]>
    private let logger: Logger
    private let backendName: String

    init(settings: LDAPSettings, backendName: String, logger: Logger) {
        self.settings = settings
        self.servers = ServerFailover(uris: settings.servers)
        self.idle = NIOLockedValueBox(Array(repeating: [], count: LDAPConnectionRole.allCases.count))
        self.logger = logger
        self.backendName = backendName
    }

    /// Runs `operation` on a connection of `role`: a pooled one first, and on a connection-level
    /// failure fresh ones, server by server in failover order. Blocks; pool threads only.
    func run<T>(_ role: LDAPConnectionRole, _ operation: (LDAPConnection) -> Result<T, LDAPFailure>) -> Result<T, LDAPFailure> {
        if let pooled = take(role) {
            switch operation(pooled) {
            case .success(let value):
                giveBack(pooled, role: role)
                return .success(value)
            case .failure(let failure) where failure.dropsConnection:
                // Broken since its last use (server restarted, idle connection cut): replace it.
                // The server is not marked failed for that: a fresh connection tells whether it
                // is down, and a restarted server should keep its traffic.
                pooled.close()
                if failure.code == LDAP_TIMEOUT {
                    // An established connection that stops answering: the server is stalled,
                    // and a new connection to it would wait just as long.
                    note(failure, serverIndex: pooled.serverIndex)
                } else {
                    logger.debug("LDAP pooled connection broken; opening a new one", metadata: [
                        "backend": "\(backendName)", "server": "\(pooled.server)", "reason": "\(failure.message)",
                    ])
                }
            case .failure(let failure):
                giveBack(pooled, role: role)
                return .failure(failure)
            }
        }
        var lastFailure: LDAPFailure?
        for index in servers.order() {
            let connection: LDAPConnection
            switch open(role, serverIndex: index) {
            case .success(let opened):
                connection = opened
            case .failure(let failure):
                lastFailure = failure
                if failure.triesNextServer {
                    note(failure, serverIndex: index)
                    continue
                }
                return .failure(failure)
            }
            switch operation(connection) {
            case .success(let value):
                servers.markWorking(index)
                giveBack(connection, role: role)
                return .success(value)
            case .failure(let failure):
                if failure.dropsConnection { connection.close() } else { giveBack(connection, role: role) }
                guard failure.triesNextServer else { return .failure(failure) }
                // A fresh connection that stalls or drops: this server is the problem.
                note(failure, serverIndex: index)
                lastFailure = failure
            }
        }
        return .failure(lastFailure ?? LDAPFailure(code: -1, message: "no server to try", server: nil))
    }

    /// A new connection to one server, bound as the service identity for searches.
    private func open(_ role: LDAPConnectionRole, serverIndex: Int) -> Result<LDAPConnection, LDAPFailure> {
        let connection: LDAPConnection
        switch LDAPConnection.open(server: servers.uris[serverIndex], serverIndex: serverIndex, settings: settings) {
        case .success(let opened): connection = opened
        case .failure(let failure): return .failure(failure)
        }
        guard role == .search, let bindDN = settings.bindDN else { return .success(connection) }
        switch connection.bind(dn: bindDN, password: settings.bindPassword) {
        case .success(let code) where code == LDAP_SUCCESS:
            return .success(connection)
        case .success(let code):
            connection.close()
            // A wrong bind_dn or bind_password is a configuration problem, never the user's.
            return .failure(LDAPFailure(code: code, message: "bind as \(bindDN) refused: \(LDAPFailure.text(of: code))", server: connection.server))
        case .failure(let failure):
            connection.close()
            return .failure(failure)
        }
    }

    private func note(_ failure: LDAPFailure, serverIndex: Int) {
        servers.markFailed(serverIndex)
        logger.warning("LDAP server failed; trying the next one", metadata: [
            "backend": "\(backendName)", "server": "\(servers.uris[serverIndex])", "reason": "\(failure.message)",
        ])
    }

    /// An idle connection of `role`. Connections to a server that has failed since they were
    /// pooled are closed instead: a hung server would cost each of them a timeout.
    private func take(_ role: LDAPConnectionRole) -> LDAPConnection? {
        while let connection = idle.withLockedValue({ $0[role.rawValue].popLast() }) {
            guard servers.isFailed(connection.serverIndex) else { return connection }
            connection.close()
        }
        return nil
    }

    private func giveBack(_ connection: LDAPConnection, role: LDAPConnectionRole) {
        if servers.shouldRetire(serverIndex: connection.serverIndex, opened: connection.opened) {
            connection.close()
            return
        }
        let kept = idle.withLockedValue { lists -> Bool in
            guard lists[role.rawValue].count < settings.threads else { return false }
            lists[role.rawValue].append(connection)
            return true
        }
        if !kept { connection.close() }
    }

    /// Closes every idle connection (at shutdown, after the last check).
    func closeAll() {
        let all = idle.withLockedValue { lists -> [LDAPConnection] in
            let flat = lists.flatMap { $0 }
            lists = Array(repeating: [], count: lists.count)
            return flat
        }
        for connection in all { connection.close() }
    }
}
