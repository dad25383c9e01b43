/// The wire protocol a listener speaks. Only saslauthd's exists today; pwcheck and authdaemond
/// arrive with their own front doors.
public enum ListenerProtocol: String, Sendable, CaseIterable {
    case saslauthd
}
