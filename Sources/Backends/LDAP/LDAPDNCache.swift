import AuthCore
import AuthWire
import NIOConcurrencyHelpers
import NIOCore

/// The DNs searches found, keyed by exactly what the search asked (its base and filter, as
/// bytes), LRU-bounded, each for `ttl`. A remembered DN turns a check into one bind; the
/// backend forgets it whenever a bind with it fails (see `LDAPBackend.verify`).
final class LDAPDNCache: Sendable {
    private let ttl: TimeAmount
    private let table: NIOLockedValueBox<LRUTable<ByteString, LDAPRememberedDN>>
    /// Checks that used a remembered DN, and checks that had to search: for metrics and tests.
    private let counts = NIOLockedValueBox((hits: 0, misses: 0))

    init(settings: LDAPDNCacheSettings) {
        ttl = settings.ttl
        table = NIOLockedValueBox(LRUTable(capacity: max(1, settings.maxEntries)))
    }

    static func key(for lookup: LDAPLookup) -> ByteString {
        ByteString(Array("\(lookup.searchBase)\u{0}\(lookup.filter)".utf8))
    }

    /// The DN remembered for `key` if its time is not up (an expired one is dropped).
    func remembered(_ key: ByteString) -> LDAPRememberedDN? {
        let now = NIODeadline.now()
        let found: LDAPRememberedDN? = table.withLockedValue { table in
            guard let entry = table.touch(key) else { return nil }
            guard entry.expires > now else {
                table.remove(key)
                return nil
            }
            return entry
        }
        counts.withLockedValue { counts in
            if found == nil { counts.misses += 1 } else { counts.hits += 1 }
        }
        return found
    }

    func remember(_ key: ByteString, dn: String, uid: [UInt8]?) {
        let entry = LDAPRememberedDN(dn: dn, uid: uid, expires: .now() + ttl)
        table.withLockedValue { _ = $0.set(entry, for: key) }
    }

    func forget(_ key: ByteString) {
        table.withLockedValue { $0.remove(key) }
    }

    var statistics: (hits: Int, misses: Int, entries: Int) {
        let (hits, misses) = counts.withLockedValue { $0 }
        return (hits, misses, table.withLockedValue { $0.count })
    }
}
