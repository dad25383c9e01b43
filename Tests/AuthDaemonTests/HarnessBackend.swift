import AuthCore
import AuthWire
import Foundation
import NIOConcurrencyHelpers

/// A backend for the in-process server whose answering path the test chooses: at once on the
/// thread that read the request (as an unchanged sasldb does), or from a thread of its own (as
/// PAM and LDAP do), and for chosen users only when the test releases them. The password `right`
/// is accepted for every user; anything else is rejected.
final class HarnessBackend: AuthBackend {
    enum Path: Sendable {
        /// `answerNow` answers: the check is settled where the request was read.
        case answersNow
        /// Every check goes through `evaluate`, answered from a new thread.
        case ownThread
        /// As `ownThread`, but `evaluate` returns only once that thread has delivered the
        /// answer: the answer arrives while the thread that asked is still busy with the
        /// connection, the moment a fast backend can always hit.
        case answersBeforeReturning
    }

    private struct State {
        var subjects: [CheckSubject] = []
        /// Users whose checks wait for `release`, and the checks waiting.
        var heldUsers: Set<ByteString> = []
        var waiting: [(user: ByteString, answer: @Sendable () -> Void)] = []
    }

    let name = "harness"
    let settings: HarnessSettings
    let path: Path
    private let state = NIOLockedValueBox(State())

    init(path: Path, usesClientAddress: Bool = false, holding held: Set<ByteString> = []) {
        self.path = path
        self.settings = HarnessSettings(usesClientAddress: usesClientAddress)
        state.withLockedValue { $0.heldUsers = held }
    }

    /// What reached the store, in order.
    var subjects: [CheckSubject] { state.withLockedValue { $0.subjects } }
    var waitingCount: Int { state.withLockedValue { $0.waiting.count } }

    /// Answers every held check of `user` (each from its own thread) and stops holding it.
    func release(_ user: ByteString) {
        let due = state.withLockedValue { state -> [@Sendable () -> Void] in
            state.heldUsers.remove(user)
            let due = state.waiting.filter { $0.user == user }.map(\.answer)
            state.waiting.removeAll { $0.user == user }
            return due
        }
        for answer in due { Thread { answer() }.start() }
    }

    func evaluate(_ subject: CheckSubject, password: Secret, then: @escaping @Sendable (BackendAnswer) -> Void) {
        let answer = verdict(for: subject, password: password)
        let held = state.withLockedValue { state -> Bool in
            guard state.heldUsers.contains(subject.identity.user) else { return false }
            state.waiting.append((subject.identity.user, { then(answer) }))
            return true
        }
        guard !held else { return }
        guard path == .answersBeforeReturning else { return Thread { then(answer) }.start() }
        let delivered = DispatchSemaphore(value: 0)
        Thread {
            then(answer)
            delivered.signal()
        }.start()
        delivered.wait()
    }

    func answerNow(_ subject: CheckSubject, password: Secret) -> BackendAnswer? {
        guard path == .answersNow, !state.withLockedValue({ $0.heldUsers.contains(subject.identity.user) }) else { return nil }
        return verdict(for: subject, password: password)
    }

    private func verdict(for subject: CheckSubject, password: Secret) -> BackendAnswer {
        state.withLockedValue { $0.subjects.append(subject) }
        return BackendAnswer(verdict: password.constantTimeEquals(Secret("right")) ? .accepted : .rejected(reason: "wrong password"))
    }

    func problems() async -> [String] { [] }
    func shutdown() async {}
}
