import AuthCore
import CLibpq
import Foundation
import NIOCore

/// One PostgreSQL connection through libpq, PostgreSQL's own client library, with the password
/// query prepared on it. Used by one pool thread at a time; every call blocks that thread.
///
/// libpq rather than postgres-nio: on this path postgres-nio spent about 84,000 instructions
/// per query (its row stream, futures and state machine; measured with callgrind), libpq about
/// 2 µs of CPU, which is what lets a check cost less than Dovecot's own (see BENCHMARKS.md).
///
/// The connection is in libpq's non-blocking mode and every wait is a `poll` with a deadline:
/// libpq's own `connect_timeout` is whole seconds (two at least) and it has no query timeout,
/// while a check must cost at most `connect_timeout` per host that does not answer and
/// `query_timeout` per stalled one.
final class PostgresConnection: BlockingSQLConnection, @unchecked Sendable {
    private let connection: OpaquePointer
    let hostIndex: Int
    let opened: NIODeadline
    private let queryTimeout: TimeAmount
    /// The name the query is prepared under, on every connection.
    private static let statement = "authmux_password_query"

    private init(connection: OpaquePointer, hostIndex: Int, queryTimeout: TimeAmount) {
        self.connection = connection
        self.hostIndex = hostIndex
        self.opened = .now()
        self.queryTimeout = queryTimeout
    }

    /// Connects to `host` within `connect_timeout` (TLS and authentication included) and
    /// prepares the query within `query_timeout`.
    static func open(host: SQLHost, hostIndex: Int, settings: SQLSettings) -> Result<PostgresConnection, SQLFailure> {
        let deadline = NIODeadline.now() + settings.connectTimeout
        var parameters = PostgresConnectionParameters()
        if let socket = host.socketPath {
            // libpq names a socket by its folder and the port in its file name.
            guard let split = Self.splitSocketPath(socket) else {
                return .failure(SQLFailure("\(host): not a PostgreSQL socket path (…/.s.PGSQL.PORT)"))
            }
            parameters.add("host", split.folder)
            parameters.add("port", "\(split.port)")
        } else {
            parameters.add("host", host.host)
            parameters.add("port", "\(host.port)")
        }
        parameters.add("dbname", settings.database ?? "")
        parameters.add("user", settings.user ?? "")
        if let password = settings.password { password.withUnsafeBytes { parameters.add("password", $0) } }
        // No password from root's ~/.pgpass and no Kerberos: the backend's settings are all
        // there is.
        parameters.add("passfile", "/dev/null")
        parameters.add("gssencmode", "disable")
        parameters.add("application_name", "authmuxd")
        parameters.add("client_encoding", "UTF8")
        parameters.add("keepalives", "1")
        switch settings.sslMode {
        case .disable:
            parameters.add("sslmode", "disable")
        case .require:
            parameters.add("sslmode", "require")
        case .verifyFull:
            parameters.add("sslmode", "verify-full")
            // Without a CA file, the system's trust store, as for any TLS client here.
            parameters.add("sslrootcert", settings.sslCAFile ?? "/etc/ssl/certs/ca-certificates.crt")
        }
        if let cert = settings.sslCertFile, let key = settings.sslKeyFile {
            parameters.add("sslcert", cert)
            parameters.add("sslkey", key)
        }
        guard let connection = parameters.withArrays({ PQconnectStartParams($0, $1, 0) }) else {
            return .failure(SQLFailure("\(host): libpq: out of memory", dropsConnection: true, triesNextHost: true))
        }
        let opened = PostgresConnection(connection: connection, hostIndex: hostIndex, queryTimeout: settings.queryTimeout)
        if let failure = opened.finishConnecting(host: host, deadline: deadline, timeout: settings.connectTimeout)
            ?? opened.prepare(settings.query, host: host) {
            opened.close()
            return .failure(failure)
        }
        return .success(opened)
    }

    /// `/run/postgresql/.s.PGSQL.5432` as libpq's host (the folder) and port.
    static func splitSocketPath(_ path: String) -> (folder: String, port: Int)? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let name = path[path.index(after: slash)...]
        guard name.hasPrefix(".s.PGSQL."), let port = Int(name.dropFirst(".s.PGSQL.".count)), (1...65535).contains(port) else { return nil }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, port)
    }

    /// Drives libpq's connection state machine until it is ready, failed or out of time.
    private func finishConnecting(host: SQLHost, deadline: NIODeadline, timeout: TimeAmount) -> SQLFailure? {
        guard PQstatus(connection) != CONNECTION_BAD else { return connectionFailure(host) }
        var polling = PGRES_POLLING_WRITING
        while true {
            switch polling {
            case PGRES_POLLING_OK:
                guard PQsetnonblocking(connection, 1) == 0 else { return connectionFailure(host) }
                return nil
            case PGRES_POLLING_READING, PGRES_POLLING_WRITING:
                guard wait(for: polling == PGRES_POLLING_READING ? Int16(POLLIN) : Int16(POLLOUT), until: deadline) else {
                    return SQLFailure("\(host): no answer within connect_timeout \(ConfigNode.format(timeout))", dropsConnection: true, triesNextHost: true)
                }
            default:
                return connectionFailure(host)
            }
            polling = PQconnectPoll(connection)
        }
    }

    /// Prepares the query. A server that refuses it (a typo, a missing table) fails as an SQL
    /// error, which every host would answer alike: not a reason to try the next one.
    /// Then the connection enters pipeline mode, where every check's query is sent.
    private func prepare(_ query: SQLQuery, host: SQLHost) -> SQLFailure? {
        let deadline = NIODeadline.now() + queryTimeout
        guard PQsendPrepare(connection, Self.statement, query.sql, Int32(query.parameters.count), nil) == 1 else { return connectionFailure(host) }
        if let failure = flush(host: host, until: deadline) ?? readCommand(host: host, until: deadline, { result in
            PQresultStatus(result) == PGRES_COMMAND_OK ? nil : self.resultFailure(result, host: host)
        }) {
            return failure
        }
        return PQenterPipelineMode(connection) == 1 ? nil : connectionFailure(host)
    }

    /// The batch in libpq's pipeline mode: every query sent at once, each followed by its own
    /// sync point, so that an SQL error in one (a value its column type refuses) fails that
    /// query alone; then the answers read in order.
    func run(_ batch: [[String]], host: SQLHost) -> Result<[Result<SQLRows, SQLFailure>], SQLFailure> {
        for parameters in batch {
            guard send(parameters), PQpipelineSync(connection) == 1 else { return .failure(connectionFailure(host)) }
        }
        // Each query may take query_timeout from the answer before it: a batch behind a slow
        // query is not a stalled server.
        var deadline = NIODeadline.now() + queryTimeout
        if let failure = flush(host: host, until: deadline) { return .failure(failure) }
        var results: [Result<SQLRows, SQLFailure>] = []
        results.reserveCapacity(batch.count)
        for _ in batch {
            var rows = SQLRows(values: [], count: 0)
            // The query's results, then its sync point.
            let failure = readCommand(host: host, until: deadline) { self.read($0, into: &rows, host: host) }
            if let failure, failure.dropsConnection { return .failure(failure) }
            if let broken = waitUntilReady(host: host, until: deadline) { return .failure(broken) }
            guard let sync = PQgetResult(connection) else { return .failure(connectionFailure(host)) }
            let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
            PQclear(sync)
            guard synced else { return .failure(connectionFailure(host)) }
            results.append(failure.map { .failure($0) } ?? .success(rows))
            deadline = .now() + queryTimeout
        }
        return .success(results)
    }

    /// Queues one execution of the prepared query; NUL-terminated values, which
    /// `SQLSettings.lookup` has made sure hold no NUL that would end one early.
    private func send(_ parameters: [String]) -> Bool {
        var buffer: [CChar] = []
        var offsets: [Int] = []
        for parameter in parameters {
            offsets.append(buffer.count)
            buffer.append(contentsOf: parameter.utf8.map { CChar(bitPattern: $0) })
            buffer.append(0)
        }
        return buffer.withUnsafeBufferPointer { storage -> Bool in
            let values = offsets.map { Optional(storage.baseAddress! + $0) }
            return values.withUnsafeBufferPointer {
                PQsendQueryPrepared(connection, Self.statement, Int32(parameters.count), $0.baseAddress, nil, nil, 0) == 1
            }
        }
    }

    /// The first column of a query's rows (at most two kept, all counted), or its failure.
    private func read(_ result: OpaquePointer, into rows: inout SQLRows, host: SQLHost) -> SQLFailure? {
        guard PQresultStatus(result) == PGRES_TUPLES_OK else { return resultFailure(result, host: host) }
        guard PQnfields(result) >= 1 else { return SQLFailure("\(host): password_query returns no column") }
        let count = Int(PQntuples(result))
        rows.count += count
        for row in 0..<Int32(min(count, 2)) where rows.values.count < 2 {
            if PQgetisnull(result, row, 0) != 0 {
                rows.values.append(nil)
            } else {
                let length = Int(PQgetlength(result, row, 0))
                rows.values.append(PQgetvalue(result, row, 0).map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? [])
            }
        }
        return nil
    }

    /// Sends everything libpq holds, reading meanwhile so that neither side's buffer fills.
    private func flush(host: SQLHost, until deadline: NIODeadline) -> SQLFailure? {
        while true {
            let flushed = PQflush(connection)
            if flushed == 0 { return nil }
            guard flushed > 0 else { return connectionFailure(host) }
            guard wait(for: Int16(POLLIN | POLLOUT), until: deadline) else { return stalledFailure(host) }
            guard PQconsumeInput(connection) != 0 else { return connectionFailure(host) }
        }
    }

    /// Reads until libpq can hand over its next result without blocking.
    private func waitUntilReady(host: SQLHost, until deadline: NIODeadline) -> SQLFailure? {
        while PQisBusy(connection) != 0 {
            guard wait(for: Int16(POLLIN), until: deadline) else { return stalledFailure(host) }
            guard PQconsumeInput(connection) != 0 else { return connectionFailure(host) }
        }
        return nil
    }

    /// Reads one command's results up to libpq's end-of-command null, handing each to
    /// `each`; the first failure is kept, and the rest are still read so that the connection
    /// stays in step with the server.
    private func readCommand(host: SQLHost, until deadline: NIODeadline, _ each: (OpaquePointer) -> SQLFailure?) -> SQLFailure? {
        var failure: SQLFailure?
        while true {
            if let broken = waitUntilReady(host: host, until: deadline) { return broken }
            guard let result = PQgetResult(connection) else { break }
            if failure == nil { failure = each(result) }
            PQclear(result)
        }
        // A failure that left the connection closed is the host's, whatever the result said.
        if PQstatus(connection) == CONNECTION_BAD, !(failure?.dropsConnection ?? false) { return connectionFailure(host) }
        return failure
    }

    /// Waits until the socket is ready for `events` or the deadline passes (false).
    private func wait(for events: Int16, until deadline: NIODeadline) -> Bool {
        while true {
            let left = deadline - .now()
            guard left > .zero else { return false }
            var descriptor = pollfd(fd: PQsocket(connection), events: events, revents: 0)
            let milliseconds = Int32(clamping: (left.nanoseconds + 999_999) / 1_000_000)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { return true }  // libpq's next call reports the error
        }
    }

    /// An SQL error the server answered: its severity, SQLSTATE and message, never a value.
    private func resultFailure(_ result: OpaquePointer, host: SQLHost) -> SQLFailure {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue ?? 0)).map { String(cString: $0) }
        }
        if PQstatus(connection) == CONNECTION_BAD { return connectionFailure(host) }
        let severity = field("V") ?? field("S") ?? "ERROR"
        return SQLFailure("\(host): \(severity) \(field("C") ?? "?????"): \(field("M") ?? Self.message(connection))")
    }

    /// The connection could not be made or broke: libpq's message; another host may answer.
    private func connectionFailure(_ host: SQLHost) -> SQLFailure {
        SQLFailure("\(host): \(Self.message(connection))", dropsConnection: true, triesNextHost: true)
    }

    private func stalledFailure(_ host: SQLHost) -> SQLFailure {
        SQLFailure("\(host): query timed out after \(ConfigNode.format(queryTimeout))", dropsConnection: true, triesNextHost: true, stalled: true)
    }

    /// libpq's last error on one line: it ends its messages with newlines, may give several,
    /// pads the server's severity (`FATAL:  password…`), and starts a failed connection's with
    /// the server's address, which the log line already names.
    private static func message(_ connection: OpaquePointer) -> String {
        var text = Substring(PQerrorMessage(connection).map { String(cString: $0) } ?? "")
        if text.hasPrefix("connection to server "), let failed = text.range(of: " failed: ") { text = text[failed.upperBound...] }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let lines = words.joined(separator: " ").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let message = lines.filter { !$0.isEmpty }.joined(separator: "; ")
        return message.isEmpty ? "connection lost" : message
    }

    func close() {
        PQfinish(connection)
    }
}
