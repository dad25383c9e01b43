import CLinuxSocket
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where an `AcceptLane` parks a connection that it accepted before the client had written
/// anything, for a few milliseconds, instead of handing it to SwiftNIO at once.
///
/// libsasl2 connects and then writes, so a lane thread that is idle when the connection comes
/// in often wins that race. Handing every such connection over would make the costlier path
/// the common one whenever the daemon is not busy; waiting on the lane thread would let
/// clients that never write stall it. Here one thread watches all parked connections with
/// epoll (written by hand for the same reason as the lane: NIO registers only its own
/// channels) and gives each back to the lane when its first bytes arrive, or to SwiftNIO, with
/// nothing read, once `patience` has passed. Nothing blocks on a parked connection.
final class LaneWaitingRoom: Sendable {
    /// What the lane knew of a connection when it parked it.
    struct Guest: Sendable {
        var current: ActiveEngine.Current
        var started: NIODeadline
        var deadline: NIODeadline
    }

    private let epollFD: CInt
    private let patience: TimeAmount
    private let guests = NIOLockedValueBox<[CInt: Guest]>([:])
    private let stopping = Atomic<Bool>(false)
    private let running = DispatchGroup()

    init(patience: TimeAmount) throws {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SocketSetupError(description: "cannot create an epoll instance: \(SocketPreparer.errorText())") }
        self.epollFD = fd
        self.patience = patience
    }

    /// - Parameter resume: the lane's way back in, on this room's thread: the connection is
    ///   readable (`timedOut` false) or has waited long enough (`timedOut` true).
    func start(name: String, resume: @escaping @Sendable (CInt, Guest, _ timedOut: Bool) -> Void) {
        running.enter()
        let thread = Thread { [self] in
            watch(resume: resume)
            running.leave()
        }
        thread.name = name
        thread.start()
    }

    /// Parks `connection` until its first bytes arrive or `patience` passes. Returns false when it
    /// cannot be watched; the caller then hands it on as it is.
    func park(_ connection: CInt, current: ActiveEngine.Current, started: NIODeadline) -> Bool {
        guests.withLockedValue { $0[connection] = Guest(current: current, started: started, deadline: .now() + patience) }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue
        event.data.fd = connection
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, connection, &event) == 0 else {
            _ = guests.withLockedValue { $0.removeValue(forKey: connection) }
            return false
        }
        return true
    }

    /// Stops watching and returns the connections still parked, so that none is lost.
    func stop() async -> [(CInt, Guest)] {
        stopping.store(true, ordering: .sequentiallyConsistent)
        await running.finished()
        let left = guests.withLockedValue { guests in
            defer { guests = [:] }
            return guests
        }
        close(epollFD)
        return left.map { ($0.key, $0.value) }
    }

    private func watch(resume: @Sendable (CInt, Guest, Bool) -> Void) {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var nextDeadline: NIODeadline?
        while !stopping.load(ordering: .relaxed) {
            // Woken at least every 50 ms so a stop is noticed, and at the next deadline. A guest
            // parked since the last pass has a later deadline than any seen then (same patience).
            let wait = min(nextDeadline.map { max(0, ($0 - .now()).nanoseconds / 1_000_000 + 1) } ?? 50, 50)
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(epollFD, $0.baseAddress, Int32($0.count), Int32(wait)) }
            for index in 0..<Int(max(count, 0)) {
                let connection = events[index].data.fd
                guard let guest = guests.withLockedValue({ $0.removeValue(forKey: connection) }) else { continue }
                _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, connection, nil)
                resume(connection, guest, false)
            }
            let now = NIODeadline.now()
            let expired = guests.withLockedValue { guests -> [(CInt, Guest)] in
                let due = guests.filter { $0.value.deadline <= now }
                for key in due.keys { guests.removeValue(forKey: key) }
                nextDeadline = guests.values.map(\.deadline).min()
                return due.map { ($0.key, $0.value) }
            }
            for (connection, guest) in expired {
                _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, connection, nil)
                resume(connection, guest, true)
            }
        }
    }
}
