import AuthCore
import AuthWire
import CMariaDB
import NIOCore

/// One MariaDB connection with the password query prepared on it. Used by one pool thread at a
/// time (the pool hands it out); every call blocks.
final class MariaDBConnection: BlockingSQLConnection, @unchecked Sendable {
    private let mysql: UnsafeMutablePointer<MYSQL>
    private let statement: UnsafeMutablePointer<MYSQL_STMT>
    let hostIndex: Int
    let opened: NIODeadline
    private let queryTimeout: TimeAmount

    private init(mysql: UnsafeMutablePointer<MYSQL>, statement: UnsafeMutablePointer<MYSQL_STMT>, hostIndex: Int, queryTimeout: TimeAmount) {
        self.mysql = mysql
        self.statement = statement
        self.hostIndex = hostIndex
        self.opened = .now()
        self.queryTimeout = queryTimeout
    }

    /// libmariadb's timeouts are whole seconds; a part of one counts as one.
    static func seconds(_ amount: TimeAmount) -> UInt32 {
        UInt32(max(1, (amount.nanoseconds + 999_999_999) / 1_000_000_000))
    }

    /// Connects to `host` within the timeouts and prepares the query.
    static func open(host: SQLHost, hostIndex: Int, settings: SQLSettings) -> Result<MariaDBConnection, SQLFailure> {
        guard let mysql = mysql_init(nil) else { return .failure(SQLFailure("mysql_init: out of memory")) }
        // Connect, and every read and write after: a firewalled host costs connect_timeout, a
        // stalled one query_timeout, never longer.
        _ = authmux_mysql_set_uint(mysql, MYSQL_OPT_CONNECT_TIMEOUT, seconds(settings.connectTimeout))
        _ = authmux_mysql_set_uint(mysql, MYSQL_OPT_READ_TIMEOUT, seconds(settings.queryTimeout))
        _ = authmux_mysql_set_uint(mysql, MYSQL_OPT_WRITE_TIMEOUT, seconds(settings.queryTimeout))
        _ = authmux_mysql_set_string(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        // Never read ~/.my.cnf or /etc/mysql: the backend's settings are all there is.
        switch settings.sslMode {
        case .disable:
            break
        case .require, .verifyFull:
            _ = authmux_mysql_set_bool(mysql, MYSQL_OPT_SSL_ENFORCE, 1)
            if let ca = settings.sslCAFile { _ = authmux_mysql_set_string(mysql, MYSQL_OPT_SSL_CA, ca) }
            if let cert = settings.sslCertFile { _ = authmux_mysql_set_string(mysql, MYSQL_OPT_SSL_CERT, cert) }
            if let key = settings.sslKeyFile { _ = authmux_mysql_set_string(mysql, MYSQL_OPT_SSL_KEY, key) }
            _ = authmux_mysql_set_bool(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, settings.sslMode == .verifyFull ? 1 : 0)
        }
        let connected: UnsafeMutablePointer<MYSQL>?
        if let password = settings.password {
            // A NUL-terminated copy for the C call, wiped right after.
            var bytes = password.withUnsafeBytes { Array($0) } + [0]
            defer { bytes.withUnsafeMutableBytes { Secret.wipe($0) } }
            connected = bytes.withUnsafeBufferPointer { pointer in
                pointer.withMemoryRebound(to: CChar.self) { text in
                    mysql_real_connect(mysql, host.host, settings.user, text.baseAddress, settings.database, UInt32(host.port), host.socketPath, 0)
                }
            }
        } else {
            connected = mysql_real_connect(mysql, host.host, settings.user, nil, settings.database, UInt32(host.port), host.socketPath, 0)
        }
        guard connected != nil else {
            let failure = SQLFailure("\(host): \(Self.message(mysql))", dropsConnection: true, triesNextHost: true)
            mysql_close(mysql)
            return .failure(failure)
        }
        guard let statement = mysql_stmt_init(mysql) else {
            let failure = SQLFailure("\(host): \(Self.message(mysql))", dropsConnection: true, triesNextHost: true)
            mysql_close(mysql)
            return .failure(failure)
        }
        let sql = Array(settings.query.sql.utf8)
        let prepared = sql.withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { mysql_stmt_prepare(statement, $0.baseAddress, UInt(sql.count)) }
        }
        guard prepared == 0 else {
            // A mistake in the query: the same on every host.
            let failure = SQLFailure("\(host): \(Self.message(statement))")
            mysql_stmt_close(statement)
            mysql_close(mysql)
            return .failure(failure)
        }
        return .success(MariaDBConnection(mysql: mysql, statement: statement, hostIndex: hostIndex, queryTimeout: settings.queryTimeout))
    }

    /// One query after the other: libmariadb has no pipelining in its prepared-statement API.
    func run(_ batch: [[String]], host: SQLHost) -> Result<[Result<SQLRows, SQLFailure>], SQLFailure> {
        var results: [Result<SQLRows, SQLFailure>] = []
        for parameters in batch {
            let result = run(parameters, host: host)
            if case .failure(let failure) = result, failure.dropsConnection { return .failure(failure) }
            results.append(result)
        }
        return .success(results)
    }

    /// Executes the prepared query with `parameters` bound as strings.
    private func run(_ parameters: [String], host: SQLHost) -> Result<SQLRows, SQLFailure> {
        let started = NIODeadline.now()
        let result = execute(parameters, host: host)
        guard case .failure(var failure) = result, failure.dropsConnection else { return result }
        // libmariadb says "lost connection" for a read timeout and for a server that went away
        // alike; only the first takes the whole timeout.
        failure.stalled = NIODeadline.now() - started >= .seconds(Int64(Self.seconds(queryTimeout)))
        return .failure(failure)
    }

    private func execute(_ parameters: [String], host: SQLHost) -> Result<SQLRows, SQLFailure> {
        // The bind array points into these buffers until the execution ends: allocated here so
        // that no pointer outlives the memory it names.
        let count = parameters.count
        let binds = UnsafeMutablePointer<MYSQL_BIND>.allocate(capacity: max(count, 1))
        binds.initialize(repeating: MYSQL_BIND(), count: max(count, 1))
        let lengths = UnsafeMutablePointer<UInt>.allocate(capacity: max(count, 1))
        var buffers: [UnsafeMutableRawBufferPointer] = []
        defer {
            for buffer in buffers { buffer.deallocate() }
            lengths.deallocate()
            binds.deallocate()
        }
        for (index, value) in parameters.enumerated() {
            let bytes = Array(value.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            buffers.append(buffer)
            lengths[index] = UInt(bytes.count)
            binds[index].buffer_type = MYSQL_TYPE_STRING
            binds[index].buffer = buffer.baseAddress
            binds[index].buffer_length = UInt(bytes.count)
            binds[index].length = lengths + index
        }
        guard mysql_stmt_bind_param(statement, binds) == 0, mysql_stmt_execute(statement) == 0 else {
            return .failure(statementFailure(host))
        }
        return fetchRows(host)
    }

    /// Reads the first column of at most two rows, then drains the rest (counting them).
    private func fetchRows(_ host: SQLHost) -> Result<SQLRows, SQLFailure> {
        var buffer = [UInt8](repeating: 0, count: 1024)
        var length: UInt = 0
        var isNull: my_bool = 0
        var truncated: my_bool = 0
        var rows = SQLRows(values: [], count: 0)
        let outcome: SQLFailure? = buffer.withUnsafeMutableBytes { storage in
            var result = MYSQL_BIND()
            result.buffer_type = MYSQL_TYPE_STRING
            result.buffer = storage.baseAddress
            result.buffer_length = UInt(storage.count)
            return withUnsafeMutablePointer(to: &length) { lengthPointer in
                withUnsafeMutablePointer(to: &isNull) { nullPointer in
                    withUnsafeMutablePointer(to: &truncated) { truncatedPointer in
                        result.length = lengthPointer
                        result.is_null = nullPointer
                        result.error = truncatedPointer
                        guard mysql_stmt_field_count(statement) >= 1 else {
                            return SQLFailure("\(host): password_query returns no column")
                        }
                        guard mysql_stmt_bind_result(statement, &result) == 0 else { return self.statementFailure(host) }
                        while true {
                            let code = mysql_stmt_fetch(statement)
                            if code == MYSQL_NO_DATA { break }
                            if code == 1 { return self.statementFailure(host) }
                            rows.count += 1
                            guard rows.values.count < 2 else { continue }
                            if nullPointer.pointee != 0 {
                                rows.values.append(nil)
                            } else if code == MYSQL_DATA_TRUNCATED || Int(lengthPointer.pointee) > storage.count {
                                // A longer value than any hash: read it whole.
                                var whole = [UInt8](repeating: 0, count: Int(lengthPointer.pointee))
                                var column = MYSQL_BIND()
                                column.buffer_type = MYSQL_TYPE_STRING
                                let fetched = whole.withUnsafeMutableBytes { wholeStorage -> Int32 in
                                    column.buffer = wholeStorage.baseAddress
                                    column.buffer_length = UInt(wholeStorage.count)
                                    return mysql_stmt_fetch_column(statement, &column, 0, 0)
                                }
                                guard fetched == 0 else { return self.statementFailure(host) }
                                rows.values.append(whole)
                            } else {
                                rows.values.append(Array(storage[0..<Int(lengthPointer.pointee)]))
                            }
                        }
                        return nil
                    }
                }
            }
        }
        mysql_stmt_free_result(statement)
        if let outcome { return .failure(outcome) }
        return .success(rows)
    }

    private func statementFailure(_ host: SQLHost) -> SQLFailure {
        let code = mysql_stmt_errno(statement)
        // 2000-2999 are the client library's own errors: the connection is gone or timed out.
        let client = code >= 2000 && code < 3000
        return SQLFailure("\(host): \(Self.message(statement))", dropsConnection: client, triesNextHost: client)
    }

    private static func message(_ mysql: UnsafeMutablePointer<MYSQL>) -> String {
        "\(mysql_errno(mysql)) (\(String(cString: mysql_sqlstate(mysql)))): \(String(cString: mysql_error(mysql)))"
    }

    private static func message(_ statement: UnsafeMutablePointer<MYSQL_STMT>) -> String {
        "\(mysql_stmt_errno(statement)) (\(String(cString: mysql_stmt_sqlstate(statement)))): \(String(cString: mysql_stmt_error(statement)))"
    }

    func close() {
        mysql_stmt_close(statement)
        mysql_close(mysql)
    }
}
