@testable import AuthDaemon
import AuthCore
import AuthWire
import Foundation
import Logging
import NIOCore
import NIOPosix
import SocketTestSupport

/// One listener served in this process by the daemon's own serving code (`DoorListener`,
/// `DoorSession`, the doors `DoorServer` builds), over a `HarnessBackend`, so a test can see
/// which path each connection took through `ServingCounters`. Everything the daemon adds
/// around it (configuration, socket staging, privileges, signals) is left out; the
/// IntegrationTests run the real daemon for those.
final class InProcessServer: Sendable {
    struct Options: Sendable {
        var protocolName = ListenerProtocol.saslauthd
        var limits = LimitsConfig(readTimeout: .seconds(30), acceptThreads: 1)
        var failureDelay = FailureDelay(floor: .zero)
        var policy: PeerPolicy?
        /// Long by default: a client here writes right after connecting, and a busy test machine
        /// must not turn "answered on the accept thread" into "handed to an event loop". Tests
        /// with clients that stay silent shorten it, so the silent one reaches an event loop.
        var acceptPatience: Int32 = 10_000
        /// Long by default for the same reason: a held connection's client asks again at once,
        /// and one held while the test opens others stays held however slow the machine is.
        /// (No test stops the server while a held client is silent, which would wait this.)
        var holdPatience: TimeAmount = .seconds(30)
        /// Where check lines and the daemon's other lines go: nowhere, unless a test looks.
        var logger = Logger(label: "door-test", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    let path: String
    let context: ServerContext
    let backend: HarnessBackend
    var counters: ServingCounters { context.counters }
    /// The listener's open connections, as `authmux_open_connections` reports them.
    let tally: ListenerConnections
    /// A Dovecot listener's slots for held connections (nil for the other doors).
    let held: HeldConnections?
    private let listener: DoorListener
    private let group: MultiThreadedEventLoopGroup
    private let directory: String

    /// - Parameter machine: the door every connection runs; by default the listener's own, as
    ///   `DoorServer` builds it.
    init(_ options: Options = Options(), backend: HarnessBackend, machine: (@Sendable () -> any DoorMachine)? = nil) throws {
        var template = Array("/tmp/authmux-door-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw IntegrationError("mkdtemp: \(String(cString: strerror(errno)))") }
        directory = String(cString: made)
        path = directory + "/socket"
        self.backend = backend
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let route = Route(number: 1, match: nil, chain: [backend.name], line: 1)
        let engine = AuthEngine(
            rules: RealmRules(defaultRealm: "example.com"), router: Router(routes: [route]), backends: [backend], failureDelay: options.failureDelay)
        context = ServerContext(
            active: ActiveEngine(engine: engine, limits: options.limits), logger: options.logger,
            traceNormalization: false, group: group, budget: ConnectionBudget(limit: options.limits.maxConnections), tracker: ConnectionTracker(),
            counters: ServingCounters(), acceptPatience: options.acceptPatience, holdPatience: options.holdPatience)
        let config = ListenerConfig(protocolName: options.protocolName, path: path)
        tally = ListenerConnections(listener: config)
        let fd = try SocketPreparer.listen(on: path, for: path, backlog: 64)
        let serve: DoorListener.Serve
        let held = DoorServer.heldConnections(for: config, limits: options.limits)
        self.held = held
        if let machine {
            let context = context
            let tally = tally
            serve = { fd, scratch in Self.serve(machine(), fd: fd, scratch: &scratch, context: context, tally: tally) }
        } else {
            serve = DoorServer.sessions(for: config, context: context, tally: tally, held: held)
        }
        listener = DoorListener(
            listener: config, fd: fd, threads: DoorServer.threads(for: config, limits: options.limits), context: context, policy: options.policy,
            tally: tally, held: held, serve: serve)
        listener.start()
    }

    /// A session for a door the daemon does not ship (the opened existential is the session's
    /// generic machine).
    private static func serve(_ machine: some DoorMachine, fd: CInt, scratch: inout ByteBuffer, context: ServerContext, tally: ListenerConnections) -> Bool {
        DoorSession(machine: machine, fd: fd, context: context, current: context.active.current, protocolName: .saslauthd, tally: tally)
            .serveOnAcceptThread(scratch: &scratch)
    }

    /// What the daemon does on SIGTERM: no new connections, then every open one asked to finish
    /// and waited for.
    func stop() async throws {
        await listener.stop()
        await context.tracker.drain()
        await context.active.current.engine.shutdown()
        try await group.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` against a fresh server and stops it afterwards, whether `body` threw or not.
    static func with<T>(
        _ options: Options = Options(), backend: HarnessBackend, machine: (@Sendable () -> any DoorMachine)? = nil,
        _ body: (InProcessServer) async throws -> T
    ) async throws -> T {
        let server = try InProcessServer(options, backend: backend, machine: machine)
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    /// Polls until `condition` holds, for state the client cannot see (a connection marked
    /// idle). Bounded, so a broken server fails the test instead of hanging it; the bound is a
    /// safety net, not a measured expectation.
    func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        for _ in 0..<1000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw IntegrationError("never happened: \(what)")
    }

    /// The same, for a client on a thread of its own (which must not leave that thread).
    func waitUntil(_ what: String, _ condition: () -> Bool) throws {
        for _ in 0..<1000 {
            if condition() { return }
            usleep(10_000)
        }
        throw IntegrationError("never happened: \(what)")
    }
}
