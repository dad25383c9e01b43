/// The actions a machine has queued, taken in order. Backed by one small array that is reused,
/// so a connection's few actions cost one allocation at most.
public struct DoorActions: Sendable {
    private var items: [DoorAction] = []
    private var next = 0

    public init() {}

    public mutating func append(_ action: DoorAction) {
        if next == items.count && next > 0 {
            items.removeAll(keepingCapacity: true)
            next = 0
        }
        // Room for a connection's usual few at once: grown from empty, the array was
        // reallocated twice on every saslauthd connection.
        if items.capacity == 0 { items.reserveCapacity(4) }
        items.append(action)
    }

    /// Moves the next action out, leaving a payload-free `.close` in its slot (never taken
    /// again): a copy retained every reference a check's request holds, and the slot released
    /// them all again later.
    public mutating func pop() -> DoorAction? {
        guard next < items.count else { return nil }
        var taken = DoorAction.close
        swap(&taken, &items[next])
        next += 1
        return taken
    }

    /// Drops queued sends (their bytes may hold nothing secret, but a machine that wipes leaves
    /// nothing behind) and everything else not yet taken.
    public mutating func clear() {
        items.removeAll(keepingCapacity: false)
        next = 0
    }
}
