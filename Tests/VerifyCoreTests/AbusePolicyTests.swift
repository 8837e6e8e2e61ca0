import Testing
import VerifyCore

@Suite("Abuse policy")
struct AbusePolicyTests {
    @Test(
        "the prefix rule blocks at 20 prior starts with under 10 % approved",
        arguments: [
            (starts: 19, approved: 0, blocks: false), (starts: 20, approved: 0, blocks: true),
            (starts: 20, approved: 1, blocks: true), (starts: 20, approved: 2, blocks: false),
            (starts: 100, approved: 9, blocks: true), (starts: 100, approved: 10, blocks: false),
        ])
    func prefixThreshold(row: (starts: Int, approved: Int, blocks: Bool)) {
        #expect(PrefixRule().blocks(starts: row.starts, approved: row.approved) == row.blocks)
        #expect(!PrefixRule.off.blocks(starts: row.starts, approved: row.approved))
    }

    @Test("the prefix is the number without its last three digits")
    func prefix() {
        #expect(PrefixRule().prefix(of: PhoneNumber(e164: "+447700900123")!) == "+447700900")
        #expect(PrefixRule().prefix(of: PhoneNumber(e164: "+1234")!) == nil)
    }

    @Test(
        "a send costs the longest matching prefix's units, else 1 unit as country other",
        arguments: [
            ("+18765550100", "1876", 25), ("+14155550100", "1", 2), ("+447700900123", "44", 3),
            ("+33612345678", "other", 1),
        ])
    func costs(phone: String, country: String, units: Int) throws {
        let costs = try #require(SpendCosts(list: "1=2, 1876=25,44=3"))
        let cost = costs.cost(of: PhoneNumber(e164: phone)!)
        #expect(cost.country == country)
        #expect(cost.units == units)
    }

    @Test(
        "a cost table with an entry that is not digits = a positive integer is refused",
        arguments: ["44", "x=1", "44=0", "44=-1", "+44=1"])
    func badCosts(list: String) {
        #expect(SpendCosts(list: list) == nil)
    }

    @Test("a blocked prefix and full counters are refused; record-only rules are listed after and refuse nothing")
    func judge() {
        let meter = AbuseMeter(rule: .deviceIP, subject: "x", units: 1, limit: 5, shards: 1)
        let tally = AbuseTally(
            meters: [AbuseTally.Meter(meter: meter, took: false, total: 5, secondsUntilWindowEnds: 42)],
            prefix: AbuseTally.Prefix(prefix: "+447700900", blockedFor: nil, starts: 20, approved: 0))
        let enforced = AbusePolicy.judge(tally, settings: AbuseSettings(prefix: PrefixRule()))
        #expect(enforced.map(\.rule) == [.prefix, .deviceIP])
        #expect(enforced.allSatisfy { $0.enforced })
        #expect(enforced[0].blocksPrefix == "+447700900")
        #expect(enforced[0].error == VerifyError(.phoneBlocked, rule: RefusalRule(.prefix)))
        #expect(enforced[1].error == VerifyError(.rateLimitExceeded, retryAfter: 42, rule: RefusalRule(.deviceIP)))
        #expect(enforced[1].figures == ["count": 5, "limit": 5])
        let trial = AbusePolicy.judge(tally, settings: AbuseSettings(prefix: PrefixRule(), recordOnly: [.prefix]))
        #expect(trial.map(\.rule) == [.deviceIP, .prefix])
        #expect(trial.map(\.enforced) == [true, false])
        #expect(trial[1].blocksPrefix == nil)
    }
}
