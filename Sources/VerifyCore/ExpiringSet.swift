import Synchronization

/// Keys remembered until an instant each, at most `capacity` of them: a per-instance cache that forgets on its own.
/// When it is full of keys that are all still remembered, a new key is not remembered, which only costs its owner
/// the lookup the cache would have saved.
final class ExpiringSet<Key: Hashable & Sendable>: Sendable {
    private let entries = Mutex<[Key: ContinuousClock.Instant]>([:])
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Until when `key` is remembered, if it still is at `now`.
    func expiry(of key: Key, at now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        entries.withLock { entries in
            guard let until = entries[key] else { return nil }
            if now < until { return until }
            entries[key] = nil
            return nil
        }
    }

    func insert(_ key: Key, until: ContinuousClock.Instant, at now: ContinuousClock.Instant) {
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil { entries = entries.filter { now < $0.value } }
            guard entries.count < capacity || entries[key] != nil else { return }
            entries[key] = max(entries[key] ?? until, until)
        }
    }
}
