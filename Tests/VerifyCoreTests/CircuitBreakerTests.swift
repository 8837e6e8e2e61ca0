import Testing
import VerifyCore

@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    /// A clock for the breaker that tests move by hand.
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    static let zero = Instant(offset: .zero)

    @Test("it stays closed below the threshold and opens at it")
    func opensAtThreshold() {
        var breaker = CircuitBreaker<Instant>(threshold: 3, cooldown: .seconds(30))
        for _ in 0..<2 {
            #expect(breaker.admit(at: Self.zero) == nil)
            breaker.recordFailure(at: Self.zero)
        }
        #expect(breaker.admit(at: Self.zero) == nil)
        breaker.recordFailure(at: Self.zero)
        #expect(breaker.admit(at: Self.zero) == .seconds(30))
        #expect(breaker.retryAfter(at: Self.zero.advanced(by: .seconds(10))) == .seconds(20))
    }

    @Test("a success resets the count of consecutive failures")
    func successResets() {
        var breaker = CircuitBreaker<Instant>(threshold: 2, cooldown: .seconds(30))
        breaker.recordFailure(at: Self.zero)
        breaker.recordSuccess()
        breaker.recordFailure(at: Self.zero)
        #expect(breaker.admit(at: Self.zero) == nil)
    }

    @Test("after the cool-down exactly one probe goes out; its success closes the breaker")
    func probeCloses() {
        var breaker = CircuitBreaker<Instant>(threshold: 1, cooldown: .seconds(5))
        breaker.recordFailure(at: Self.zero)
        let later = Self.zero.advanced(by: .seconds(5))
        #expect(breaker.admit(at: later) == nil, "the probe")
        #expect(breaker.admit(at: later) != nil, "no second request while the probe is out")
        breaker.recordSuccess()
        #expect(breaker.admit(at: later) == nil)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
    }

    @Test("a failed probe opens the breaker for another cool-down")
    func probeFails() {
        var breaker = CircuitBreaker<Instant>(threshold: 1, cooldown: .seconds(5))
        breaker.recordFailure(at: Self.zero)
        let later = Self.zero.advanced(by: .seconds(6))
        #expect(breaker.admit(at: later) == nil)
        breaker.recordFailure(at: later)
        #expect(breaker.admit(at: later.advanced(by: .seconds(1))) == .seconds(4))
        #expect(breaker.admit(at: later.advanced(by: .seconds(5))) == nil)
    }
}
