import Synchronization

/// The prefix rule's approvals that this instance counted but has not yet written (`flushApprovals`). Written by
/// the check that approved, each approval was a second counter row locked and logged in the check's transaction,
/// a fifth of what a right-code check cost PostgreSQL; written every quarter second, they are one statement for
/// every prefix an instance saw approved meanwhile.
///
/// What that costs is on the safe side: this instance's starts judge on its unwritten approvals too, but another
/// instance's reach the rule up to a flush late, and those of an instance killed before its last flush are lost,
/// so the rule may find a prefix's share of approvals lower than it was and block it sooner, never later. Starts
/// are counted in their own transaction, as before.
final class ApprovalTally: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    /// Prefixes remembered at most between two flushes; past it a new prefix's approvals are not counted (the safe
    /// side again), so a database away for long cannot grow this without bound.
    let capacity: Int

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    func record(_ prefix: String, approvals: Int = 1) {
        counts.withLock { counts in
            guard counts.count < capacity || counts[prefix] != nil else { return }
            counts[prefix, default: 0] += approvals
        }
    }

    /// The approvals of `prefix` not yet taken for a flush: a start judges on them as well as on PostgreSQL's, so
    /// the flush delays only other instances' approvals.
    func unwritten(_ prefix: String) -> Int {
        counts.withLock { $0[prefix] ?? 0 }
    }

    /// Everything counted since the last take, in prefix order (the order flushes lock the rows in).
    func take() -> [(prefix: String, approvals: Int)] {
        counts.withLock { counts in
            defer { counts = [:] }
            return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }
}
