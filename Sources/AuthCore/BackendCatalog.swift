/// The backend kinds this build knows, by `type:` name.
public struct BackendCatalog: Sendable {
    public let kinds: [String: any BackendKind]

    public init(_ kinds: [any BackendKind]) {
        self.kinds = Dictionary(kinds.map { ($0.type, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var typeNames: [String] { kinds.keys.sorted() }

    public func kind(_ type: String) -> (any BackendKind)? { kinds[type] }
}
