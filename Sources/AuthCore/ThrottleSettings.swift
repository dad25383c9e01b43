public import NIOCore

/// The `throttle:` section: a delay on failed answers that grows with a user's (and a client
/// address's) recent failures and fades when they stop, after Dovecot's auth penalty.
public struct ThrottleSettings: Sendable, Equatable {
    public var enabled: Bool
    /// Recent failures answered without a throttle delay: typing mistakes cost nothing.
    public var freeFailures: Int
    /// The delay of the first failure past the free ones; each further failure doubles it.
    public var initial: TimeAmount
    /// The longest throttle delay.
    public var max: TimeAmount
    /// How fast failures are forgotten: a key's failure count halves every `halfLife`.
    public var halfLife: TimeAmount
    /// Keys (users and client addresses) tracked at most; the least recently failed go first.
    public var maxEntries: Int
    /// Checks that may ask the store at once for one key; once a key is past its free
    /// failures, one at a time, and a failed check holds its place until its answer is sent.
    public var inFlight: Int
    /// Checks that may wait for a place per key; more are refused without asking the store.
    public var queue: Int
    /// Whether an account's count is shared by every client or kept per client address.
    public var keyMode: ThrottleKeyMode

    public init(
        enabled: Bool = true, freeFailures: Int = 3, initial: TimeAmount = .seconds(1), max: TimeAmount = .seconds(15),
        halfLife: TimeAmount = .minutes(1), maxEntries: Int = 100_000, inFlight: Int = 4, queue: Int = 8,
        keyMode: ThrottleKeyMode = .user
    ) {
        self.inFlight = inFlight
        self.queue = queue
        self.keyMode = keyMode
        self.enabled = enabled
        self.freeFailures = freeFailures
        self.initial = initial
        self.max = max
        self.halfLife = halfLife
        self.maxEntries = maxEntries
    }

    /// One line for `check-config`.
    public var summary: String {
        guard enabled else { return "disabled" }
        return "free_failures \(freeFailures), initial \(ConfigNode.format(initial)), max \(ConfigNode.format(max)), "
            + "half_life \(ConfigNode.format(halfLife)), max_entries \(maxEntries), in_flight \(inFlight), queue \(queue), key \(keyMode.rawValue)"
    }
}
