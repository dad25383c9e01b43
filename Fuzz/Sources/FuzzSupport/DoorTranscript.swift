public import AuthWire
import NIOCore

/// What one connection's machine did when driven to its end: every check it asked, every byte it
/// sent, and whether it closed. The driver is the daemon's order of events without its sockets:
/// the input in the chunks given, then its end, then the armed timer while the machine has one.
public struct DoorTranscript {
    public var checks: [CheckRequest] = []
    public var sent: [UInt8] = []
    public var closed = false

    /// Runs `machine` over `chunks`, answering each check with `result` as soon as it is asked.
    public static func drive(_ machine: inout some DoorMachine, chunks: [[UInt8]], result: DoorVerdict.Result) -> DoorTranscript {
        var transcript = DoorTranscript()
        var outputClosed = false
        var timerArmed = false
        var answering: [RequestID] = []

        func pump() {
            while true {
                while let action = machine.nextAction() {
                    Invariant.require(!transcript.closed, "an action after close: \(action)")
                    switch action {
                    case .check(let id, let request):
                        Invariant.require(!machine.isOneShot || transcript.checks.isEmpty, "a second check on a one-shot door")
                        transcript.checks.append(request)
                        answering.append(id)
                    case .send(let bytes):
                        Invariant.require(!outputClosed, "bytes sent after the output was closed")
                        transcript.sent += Array(bytes.readableBytesView)
                    case .refused(let reason):
                        Invariant.require(!reason.isEmpty && !NameInvariants.breaksNameRule(Array(reason.utf8)), "bad reason \(reason.debugDescription)")
                    case .timer(let duration):
                        timerArmed = duration != nil
                    case .closeOutput:
                        outputClosed = true
                    case .close:
                        transcript.closed = true
                    case .cancel:
                        break
                    }
                }
                guard !answering.isEmpty else { return }
                let due = answering
                answering = []
                for id in due {
                    machine.finished(id, DoorVerdict(result: result, user: "user", realm: "realm"))
                }
            }
        }

        machine.start()
        pump()
        for chunk in chunks where !transcript.closed {
            machine.receive(ByteBuffer(bytes: chunk))
            pump()
        }
        if !transcript.closed {
            machine.inputEnded()
            pump()
        }
        // A machine waiting on its timer (a read deadline, a grace period, a drain) must end when
        // it fires; a few rounds allow a deadline that arms the next one.
        var rounds = 0
        while !transcript.closed && timerArmed && rounds < 4 {
            timerArmed = false
            machine.timerFired()
            pump()
            rounds += 1
        }
        Invariant.require(transcript.closed, "the connection never closed after its input ended")
        machine.wipe()
        return transcript
    }
}
