/// Entries in least-recently-used order, with a fixed bound: the credential cache's table
/// (`CacheTable`) and the LDAP backend's DN cache.
///
/// A doubly linked list threaded through an array by index (no per-entry allocation beyond the
/// entry's own strings), plus a dictionary from key to slot. Every operation except the
/// filtered removal is O(1), so it can run under a lock on the event loop.
package struct LRUTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Slot: Sendable {
        var key: Key
        var entry: Value
        var newer: Int
        var older: Int
    }

    package let capacity: Int
    private var slots: [Slot?] = []
    private var vacant: [Int] = []
    private var index: [Key: Int] = [:]
    private var newest = -1
    private var oldest = -1

    package init(capacity: Int) {
        precondition(capacity > 0, "a cache needs room for one entry")
        self.capacity = capacity
    }

    package var count: Int { index.count }

    /// The entry under `key`, which becomes the most recently used.
    package mutating func touch(_ key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        unlink(slot)
        linkAsNewest(slot)
        return slots[slot]!.entry
    }

    /// The entry under `key`, leaving the order alone.
    package func peek(_ key: Key) -> Value? {
        index[key].map { slots[$0]!.entry }
    }

    /// Stores `entry` as the most recently used; returns how many entries were evicted to make
    /// room (0 or 1).
    @discardableResult
    package mutating func set(_ entry: Value, for key: Key) -> Int {
        if let slot = index[key] {
            slots[slot]!.entry = entry
            unlink(slot)
            linkAsNewest(slot)
            return 0
        }
        var evicted = 0
        if index.count >= capacity, oldest >= 0 {
            remove(slot: oldest)
            evicted = 1
        }
        let slot: Int
        if let reused = vacant.popLast() {
            slot = reused
            slots[slot] = Slot(key: key, entry: entry, newer: -1, older: -1)
        } else {
            slot = slots.count
            slots.append(Slot(key: key, entry: entry, newer: -1, older: -1))
        }
        index[key] = slot
        linkAsNewest(slot)
        return evicted
    }

    package mutating func remove(_ key: Key) {
        if let slot = index[key] { remove(slot: slot) }
    }

    /// Removes every entry `shouldRemove` picks; returns how many. O(n): for invalidations,
    /// which are rare (a store changed), never per check.
    @discardableResult
    package mutating func removeAll(where shouldRemove: (Value) -> Bool) -> Int {
        var removed = 0
        for slot in slots.indices {
            if let occupant = slots[slot], shouldRemove(occupant.entry) {
                remove(slot: slot)
                removed += 1
            }
        }
        return removed
    }

    /// Empties the table and gives its memory back.
    package mutating func removeAll() {
        slots = []
        vacant = []
        index = [:]
        newest = -1
        oldest = -1
    }

    /// Keys from most to least recently used, for tests and diagnostics.
    package var keysByRecency: [Key] {
        var keys: [Key] = []
        var slot = newest
        while slot >= 0 {
            keys.append(slots[slot]!.key)
            slot = slots[slot]!.older
        }
        return keys
    }

    /// Every entry, for tests that inspect what the cache holds.
    package var entries: [(key: Key, entry: Value)] {
        slots.compactMap { $0.map { ($0.key, $0.entry) } }
    }

    private mutating func remove(slot: Int) {
        unlink(slot)
        index[slots[slot]!.key] = nil
        // Drop the strings now rather than when the slot is reused.
        slots[slot] = nil
        vacant.append(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let newer = slots[slot]!.newer
        let older = slots[slot]!.older
        if newer >= 0 { slots[newer]!.older = older } else { newest = older }
        if older >= 0 { slots[older]!.newer = newer } else { oldest = newer }
        slots[slot]!.newer = -1
        slots[slot]!.older = -1
    }

    private mutating func linkAsNewest(_ slot: Int) {
        slots[slot]!.older = newest
        slots[slot]!.newer = -1
        if newest >= 0 { slots[newest]!.newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}

/// The credential cache's table.
package typealias CacheTable = LRUTable<CacheKey, CacheEntry>
