import Synchronization
import VerifyCore

/// Units of a counter that this instance took from PostgreSQL ahead of the requests that spend them. A credential's
/// counters (and the spend guard's) are written by every check or start; taken a request at a time, their rows
/// became a queue at high rates, each request waiting for another's commit. A request that finds no units here
/// takes a block of them (`verifyd_take_block`, migration 0012), and the requests after it spend the block without
/// writing the counter. A block is kept only once the transaction that took it committed.
///
/// The limit still holds across instances: every unit spent was taken from the counter in PostgreSQL, and a block is
/// spent only within the hour it was taken for. What a block costs is precision on the safe side: units an instance
/// took but did not spend before the hour ended (or before it stopped), and units a start spent before something
/// else refused it, count against the limit; at most a block per counter and instance is left unspent. Small limits
/// have blocks no larger than one request's units, so they are taken exactly as before.
final class CounterLeases: Sendable {
    private struct Key: Hashable {
        let rule: AbuseRule
        let subject: String
    }

    private struct Lease {
        var units: Int
        let until: ContinuousClock.Instant
    }

    private let leases = Mutex<[Key: Lease]>([:])
    /// Counters remembered at most: one per credential that checks. Past it a check takes its unit itself.
    let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// Units one take asks for: a sixteenth of a shard's share of the limit, so that the blocks of several
    /// instances leave room in the shards for one another and a block is a small part of the limit.
    static func block(for meter: AbuseMeter) -> Int {
        max(1, meter.limit / max(meter.shards, 1) / 16)
    }

    /// Spends `meter.units` of `meter`'s block, if this instance holds that many for the current hour.
    func spend(_ meter: AbuseMeter, at now: ContinuousClock.Instant = .now) -> Bool {
        let key = Key(rule: meter.rule, subject: meter.subject)
        return leases.withLock { leases in
            guard var lease = leases[key] else { return false }
            guard now < lease.until else {
                leases[key] = nil
                return false
            }
            guard lease.units >= meter.units else { return false }
            lease.units -= meter.units
            leases[key] = lease.units > 0 ? lease : nil
            return true
        }
    }

    /// Keeps `units` of `meter`, taken from the counter's hour that ends in `secondsLeft`, for the next requests.
    func keep(
        _ units: Int, of meter: AbuseMeter, secondsLeft: Int, at now: ContinuousClock.Instant = .now
    ) {
        guard units > 0, secondsLeft > 1 else { return }
        let key = Key(rule: meter.rule, subject: meter.subject)
        // A second early: this clock and the database's may disagree on when the hour ends by that much.
        let until = now.advanced(by: .seconds(secondsLeft - 1))
        leases.withLock { leases in
            if leases.count >= capacity, leases[key] == nil { leases = leases.filter { now < $0.value.until } }
            guard leases.count < capacity || leases[key] != nil else { return }
            // Two checks that found no unit may both take a block. Units of the same hour add up; a lease of
            // another hour (ends more than half an hour apart) is never extended into this one.
            if let held = leases[key], now < held.until, abs((held.until - until) / .seconds(1)) < 1800 {
                leases[key] = Lease(units: held.units + units, until: min(held.until, until))
            } else {
                leases[key] = Lease(units: units, until: until)
            }
        }
    }
}
