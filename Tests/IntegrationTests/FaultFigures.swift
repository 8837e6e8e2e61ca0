import Foundation
import Testing

/// What a run through one fault shows, split at the fault's edges: failures before, during and after it, how long
/// failures went on after it ended (the error window), how long the instance took to be ready again, and the slowest
/// failed answer. Printed by every fault test; the invariants are asserted separately.
struct FaultFigures: CustomStringConvertible {
    let name: String
    let answers: [SteadyLoad.Answer]
    let began: ContinuousClock.Instant
    let ended: ContinuousClock.Instant
    let ready: ContinuousClock.Instant

    /// Answered before the fault began; one still in flight then counts as during it.
    var before: [SteadyLoad.Answer] { answers.filter { $0.sentAt + $0.took < began } }
    var during: [SteadyLoad.Answer] { answers.filter { $0.sentAt + $0.took >= began && $0.sentAt < ended } }
    var after: [SteadyLoad.Answer] { answers.filter { $0.sentAt >= ended } }

    /// From the fault's end to the end of the last failed answer; zero when none failed after it.
    var errorWindow: Duration {
        after.filter(\.failed).map { $0.sentAt + $0.took - ended }.max() ?? .zero
    }

    var timeToReady: Duration { ready - ended }
    var slowestFailure: Duration { answers.filter(\.failed).map(\.took).max() ?? .zero }

    var description: String {
        func count(_ answers: [SteadyLoad.Answer]) -> String { "\(answers.filter(\.failed).count)/\(answers.count)" }
        return "\(name): fault \(Self.seconds(ended - began)); failed/asked before \(count(before)), during "
            + "\(count(during)), after \(count(after)); error window after the fault \(Self.seconds(errorWindow)); "
            + "ready \(Self.seconds(timeToReady)) after it; slowest failed answer \(Self.seconds(slowestFailure))"
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f s", Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// The invariants every database fault must keep: nothing failed before it, every failure is a 503 with
    /// `Retry-After` (never a 500, never a dropped connection), every start answered 201 is stored, no verification
    /// was answered `approved` twice, and every `approved` answer is approved in the database. `query` runs SQL
    /// against the instance's database and returns its first column as text.
    func expectInvariants(query: (String) async throws -> String?) async throws {
        #expect(!before.contains { $0.failed }, "\(name): failures before the fault")
        let wrong = answers.filter { $0.failed && !($0.status == 503 && $0.retryAfter) }
        #expect(wrong.isEmpty, "\(name): failures that are not 503 with Retry-After: \(wrong.map(\.status))")
        let started = answers.filter { $0.step == .start && $0.status == 201 }.compactMap(\.sid)
        // A recheck may be the first approval when the check before it failed; never the second.
        let approved = answers.filter(\.approved).compactMap(\.sid)
        #expect(Set(approved).count == approved.count, "\(name): a code approved twice")
        #expect(!started.isEmpty && !approved.isEmpty, "\(name): the load did nothing")
        let stored = try await query("SELECT count(*) FROM verifications WHERE sid IN (\(Self.list(started)))")
        #expect(stored == "\(started.count)", "\(name): accepted starts lost")
        let approvedStored = try await query(
            "SELECT count(*) FROM verifications WHERE status = 'approved' AND sid IN (\(Self.list(approved)))")
        #expect(approvedStored == "\(approved.count)", "\(name): approved answers the database does not hold")
    }

    /// SIDs as a SQL list; they were checked to be SIDs by the answers' shape, and are quoted anyway.
    private static func list(_ sids: [String]) -> String {
        sids.isEmpty
            ? "NULL" : sids.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ",")
    }
}
