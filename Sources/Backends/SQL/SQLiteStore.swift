import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLiteNIO

/// `driver: sqlite`: the database file opened read-only through sqlite-nio, whose blocking
/// libsqlite3 calls run on the backend's own pool.
///
/// One connection, opened on first use and kept; a failed query closes it, so the next check
/// opens the file afresh (a file replaced by a rename is then seen). Writers elsewhere (an
/// UPDATE of a password) are seen by the next query: SQLite reads the file, it keeps no copy.
final class SQLiteStore: SQLStore {
    private let uri: String
    private let query: SQLQuery
    private let pool: NIOThreadPool
    /// The loop sqlite-nio's futures complete on: one per backend, so one slow database never
    /// delays another backend's answers. Only this driver has futures, so only it has a loop.
    private let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let connection = NIOLockedValueBox<EventLoopFuture<SQLiteConnection>?>(nil)

    init(path: String, query: SQLQuery, pool: NIOThreadPool, logger: Logger) {
        self.uri = Self.readOnlyURI(path)
        self.query = query
        self.pool = pool
        self.eventLoop = loop.next()
        self.logger = logger
    }

    /// `file:` URI for `path` with `mode=ro`: sqlite-nio opens read-write, and a URI is how
    /// SQLite is told otherwise. A read-only open can never create the file nor write to it.
    static func readOnlyURI(_ path: String) -> String {
        var escaped = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                escaped += "%" + String(byte, radix: 16, uppercase: true)
            default:
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return "file:\(escaped)?mode=ro"
    }

    func fetch(_ parameters: [String], then: @escaping @Sendable (Result<SQLRows, SQLFailure>) -> Void) {
        let opened = connection.withLockedValue { current -> EventLoopFuture<SQLiteConnection> in
            if let current { return current }
            let made = SQLiteConnection.open(storage: .file(path: uri), threadPool: pool, logger: logger, on: eventLoop)
            current = made
            return made
        }
        let rows = NIOLockedValueBox(SQLRows(values: [], count: 0))
        opened.flatMap { database in
            database.query(self.query.sql, parameters.map { SQLiteData.text($0) }, logger: self.logger) { row in
                let value: [UInt8]?
                switch row.columns.first?.data ?? .null {
                case .text(let text): value = Array(text.utf8)
                case .blob(let buffer): value = Array(buffer.readableBytesView)
                case .integer(let number): value = Array(String(number).utf8)
                case .float(let number): value = Array(String(number).utf8)
                case .null: value = nil
                }
                rows.withLockedValue { rows in
                    rows.count += 1
                    if rows.values.count < 2 { rows.values.append(value) }
                }
            }
        }.whenComplete { result in
            switch result {
            case .success:
                then(.success(rows.withLockedValue { $0 }))
            case .failure(let error):
                self.drop(opened)
                then(.failure(SQLFailure("sqlite: \(error)")))
            }
        }
    }

    /// Forgets a connection that failed, so the next check opens the file again.
    private func drop(_ failed: EventLoopFuture<SQLiteConnection>) {
        let removed = connection.withLockedValue { current -> Bool in
            guard current === failed else { return false }
            current = nil
            return true
        }
        if removed { failed.whenSuccess { _ = $0.close() } }
    }

    func servers() -> [(uri: String, up: Bool)] { [] }

    func close() async {
        if let current = connection.withLockedValue({ $0 }), let database = try? await current.get() {
            try? await database.close()
        }
        try? await loop.shutdownGracefully()
    }
}
