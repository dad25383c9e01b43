/// What the bytes received so far on a saslauthd connection amount to.
public enum SaslauthdScan: Equatable, Sendable {
    /// Fewer than four complete fields, or a fifth field begun but not finished.
    case incomplete(completeFields: Int)
    /// Exactly the four fields of released Cyrus SASL and nothing after them (yet).
    case fourFields
    /// Five complete fields (the development branch's client address is the fifth).
    case fiveFields
    /// A length prefix above the cap; `field` is the zero-based field index.
    case fieldTooLong(field: Int)
    /// Bytes after the fifth field.
    case trailingBytes
}
