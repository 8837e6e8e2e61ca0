import Dispatch
import PhoneNumberMetadata
import Synchronization
import Testing
import VerifyCore

@Suite("LibPhoneNumberIntelligence concurrency")
struct ConcurrencyTests {
    @Test("lookups from many threads at once answer as one thread does")
    func concurrentLookups() async throws {
        let intelligence = LibPhoneNumberIntelligence()
        let numbers = try ["+14155550100", "+18762101234", "+447400123456", "+449098765432", "+123456789012345"]
            .map { try #require(PhoneNumber(e164: $0)) }
        let expected = numbers.map(intelligence.facts(for:))
        // Dispatch's threads, not Swift's cooperative pool: callers of the C library are OS threads (NIO's event
        // loops, the thread pool), and blocking CPU work must not starve the other suites' async tests.
        let disagreements = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let wrong = Mutex(0)
                DispatchQueue.concurrentPerform(iterations: 8) { thread in
                    for round in 0..<500 {
                        let index = (round + thread) % numbers.count
                        if intelligence.facts(for: numbers[index]) != expected[index] { wrong.withLock { $0 += 1 } }
                        let parsed = intelligence.parse("(415) 555-0100", defaultRegion: RegionCode("US"))
                        if parsed?.e164 != "+14155550100" { wrong.withLock { $0 += 1 } }
                    }
                }
                continuation.resume(returning: wrong.withLock { $0 })
            }
        }
        #expect(disagreements == 0)
    }
}
