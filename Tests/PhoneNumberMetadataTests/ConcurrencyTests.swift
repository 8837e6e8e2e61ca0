import PhoneNumberMetadata
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
        let disagreements = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<2_000 {
                        let index = round % numbers.count
                        if intelligence.facts(for: numbers[index]) != expected[index] { wrong += 1 }
                        let parsed = intelligence.parse("(415) 555-0100", defaultRegion: RegionCode("US"))
                        if parsed?.e164 != "+14155550100" { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(disagreements == 0)
    }
}
