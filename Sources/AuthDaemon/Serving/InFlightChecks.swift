import AuthCore
import AuthWire

/// The checks a connection has asked and not yet had answered, by request. One-shot doors have
/// at most one, which lives inline: a dictionary would allocate storage on every connection.
struct InFlightChecks {
    private var only: (id: RequestID, check: Check)?
    private var more: [RequestID: Check] = [:]

    var isEmpty: Bool { only == nil && more.isEmpty }

    mutating func insert(_ check: Check, for id: RequestID) {
        if only == nil && more.isEmpty {
            only = (id, check)
        } else {
            more[id] = check
        }
    }

    /// The check asked under `id`, which is no longer in flight; nil when it was not (withdrawn,
    /// or already answered).
    @discardableResult
    mutating func remove(_ id: RequestID) -> Check? {
        if let only, only.id == id {
            self.only = nil
            return only.check
        }
        return more.removeValue(forKey: id)
    }
}
