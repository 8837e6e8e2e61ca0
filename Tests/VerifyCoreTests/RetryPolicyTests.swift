import Testing
import VerifyCore

@Suite("RetryPolicy")
struct RetryPolicyTests {
    @Test("the defaults are three tries, one second base, sixty seconds at most")
    func defaults() {
        let policy = RetryPolicy()
        #expect(policy.maxTries == 3)
        #expect(policy.baseDelaySeconds == 1)
        #expect(policy.maxDelaySeconds == 60)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var policy: RetryPolicy
        var tries: Int
        /// min(max, base · 2^(tries − 1)), written out by hand.
        var ceiling: Double
        var testDescription: String {
            "base \(policy.baseDelaySeconds), max \(policy.maxDelaySeconds), after \(tries) tries: ≤ \(ceiling)"
        }
    }

    @Test(
        "the delay lies between half the ceiling and the ceiling",
        arguments: [
            Row(policy: RetryPolicy(maxTries: 5), tries: 1, ceiling: 1),
            Row(policy: RetryPolicy(maxTries: 5), tries: 2, ceiling: 2),
            Row(policy: RetryPolicy(maxTries: 5), tries: 3, ceiling: 4),
            Row(policy: RetryPolicy(maxTries: 3), tries: 1, ceiling: 1),
            Row(policy: RetryPolicy(maxTries: 3), tries: 2, ceiling: 2),
            Row(policy: RetryPolicy(maxTries: 5, baseDelaySeconds: 0.5, maxDelaySeconds: 60), tries: 3, ceiling: 2),
            Row(policy: RetryPolicy(maxTries: 5, baseDelaySeconds: 10, maxDelaySeconds: 15), tries: 1, ceiling: 10),
            Row(policy: RetryPolicy(maxTries: 5, baseDelaySeconds: 10, maxDelaySeconds: 15), tries: 2, ceiling: 15),
            Row(policy: RetryPolicy(maxTries: 5, baseDelaySeconds: 10, maxDelaySeconds: 15), tries: 3, ceiling: 15),
            Row(policy: RetryPolicy(maxTries: 40, baseDelaySeconds: 1, maxDelaySeconds: 60), tries: 30, ceiling: 60),
        ])
    func delayWithinCeiling(_ row: Row) throws {
        var generator = SplitMix64(seed: 2_024)
        var delays: [Double] = []
        for _ in 0..<500 {
            let delay = try #require(row.policy.delay(afterTries: row.tries, retryAfter: nil, using: &generator))
            #expect(delay >= row.ceiling / 2 && delay <= row.ceiling, "\(delay)")
            delays.append(delay)
        }
        // Jitter: the delays spread over the range rather than repeating one value.
        let spread = (delays.max() ?? 0) - (delays.min() ?? 0)
        #expect(spread > row.ceiling / 4)
    }

    @Test("a seeded generator gives the same delays again")
    func seededIsRepeatable() {
        let policy = RetryPolicy(maxTries: 5)
        var first = SplitMix64(seed: 99)
        var second = SplitMix64(seed: 99)
        let a = (1...4).map { policy.delay(afterTries: $0, retryAfter: nil, using: &first) }
        let b = (1...4).map { policy.delay(afterTries: $0, retryAfter: nil, using: &second) }
        #expect(a == b)
    }

    @Test(
        "no delay once the tries are used up",
        arguments: [(3, 3), (3, 4), (3, 100), (1, 1), (5, 5)])
    func exhausted(_ maxTries: Int, _ tries: Int) {
        var generator = SplitMix64(seed: 1)
        let policy = RetryPolicy(maxTries: maxTries)
        #expect(policy.delay(afterTries: tries, retryAfter: nil, using: &generator) == nil)
        #expect(policy.delay(afterTries: tries, retryAfter: 30, using: &generator) == nil)
    }

    @Test("the last try that is allowed still gets a delay")
    func lastAllowedTry() {
        var generator = SplitMix64(seed: 1)
        #expect(RetryPolicy(maxTries: 3).delay(afterTries: 2, retryAfter: nil, using: &generator) != nil)
    }

    @Test("a Retry-After longer than the backoff wins", arguments: [5, 30, 3_600])
    func retryAfterWins(_ retryAfter: Int) throws {
        var generator = SplitMix64(seed: 3)
        let policy = RetryPolicy(maxTries: 5)
        for tries in 1...3 {
            let delay = try #require(policy.delay(afterTries: tries, retryAfter: retryAfter, using: &generator))
            #expect(delay == Double(retryAfter))
        }
    }

    @Test("a Retry-After shorter than the backoff does not shorten it", arguments: [0, 1])
    func shortRetryAfter(_ retryAfter: Int) throws {
        var generator = SplitMix64(seed: 4)
        let policy = RetryPolicy(maxTries: 5, baseDelaySeconds: 8, maxDelaySeconds: 60)
        for _ in 0..<100 {
            let delay = try #require(policy.delay(afterTries: 1, retryAfter: retryAfter, using: &generator))
            #expect(delay >= 4 && delay <= 8)
        }
    }
}
