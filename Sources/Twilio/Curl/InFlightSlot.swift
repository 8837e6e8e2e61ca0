import Synchronization

/// One of a client's places for a request in flight, reserved before the request is made.
///
/// Reserving is how a caller learns at once, before it commits to anything, that the client is at its cap; the
/// place is given back when its request completes, or when the slot is dropped unused.
public final class InFlightSlot: Sendable {
    fileprivate let limit: InFlightLimit
    private let used = Atomic<Bool>(false)
    private let released = Atomic<Bool>(false)

    fileprivate init(limit: InFlightLimit) {
        self.limit = limit
    }

    deinit {
        release()
    }

    /// Marks the slot as carrying a request; false when it already carries one or belongs to another client.
    func use(in limit: InFlightLimit) -> Bool {
        self.limit === limit && !used.exchange(true, ordering: .relaxed)
    }

    /// Gives the place back; later calls do nothing.
    func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) {
            limit.giveBack()
        }
    }
}

/// The cap on a client's requests in flight: a counter that never waits.
final class InFlightLimit: Sendable {
    let capacity: Int
    private let inUse = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Places not taken right now; another thread may take one the next moment.
    var available: Int {
        capacity - inUse.load(ordering: .relaxed)
    }

    /// A slot, or nil at once when all `capacity` are taken.
    func reserve() -> InFlightSlot? {
        var current = inUse.load(ordering: .relaxed)
        while current < capacity {
            let (exchanged, original) = inUse.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                return InFlightSlot(limit: self)
            }
            current = original
        }
        return nil
    }

    fileprivate func giveBack() {
        inUse.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }
}
