public import AuthWire

extension CheckOutcome.Result {
    /// What a front door needs of the result to answer.
    public var doorResult: DoorVerdict.Result {
        switch self {
        case .ok: return .ok
        case .failed: return .failed
        case .unavailable: return .unavailable
        }
    }
}
