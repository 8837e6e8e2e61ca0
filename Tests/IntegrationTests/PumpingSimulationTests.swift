import FakeTwilio
import Foundation
import TestSupport
import Testing

/// Issue 9's proof: an SMS-pumping script against two real `verifyd serve` processes delivering through the fake
/// Twilio. 10,000 starts across 1,000 numbers in two prefixes, from 100 end-user addresses.
@Suite("Pumping simulation")
struct PumpingSimulationTests {
    static let budget = 60

    @Test("10,000 pumping starts send no more than the budget, block both prefixes, and every refusal names its rule")
    func pumping() async throws {
        // The spend ceiling is per hour: in a new one the budget would allow as much again.
        try await waitForRoomInTheHour(.seconds(300))
        let twilio = try await TwilioFixture.make([
            "VERIFYD_SPEND_CEILING_PER_HOUR": "\(Self.budget)", "VERIFYD_DB_POOL_SIZE": "8",
            "VERIFYD_DB_LOCK_TIMEOUT_MS": "15000",
        ])
        let one = try await twilio.serve()
        let two = try await twilio.serve()
        do {
            let service = try #require(
                try await one.post("/v2/Services", [("FriendlyName", "Pumped")]).json["sid"] as? String)
            let path = "/v2/Services/\(service)/Verifications"
            let answers = try await withThrowingTaskGroup(of: [String: Int].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var seen: [String: Int] = [:]
                        for index in stride(from: worker, to: 10_000, by: 8) {
                            let number = index % 1_000
                            let to = "+44791112" + (number < 500 ? "3" : "4") + String(format: "%03d", number % 500)
                            let reply = try await (index.isMultiple(of: 2) ? one : two).post(
                                path, [("To", to), ("Channel", "sms"), ("DeviceIp", "198.51.100.\(index % 100)")])
                            let code = reply.status == 201 ? 0 : (reply.json["code"] as? Int ?? -1)
                            seen["\(reply.status)/\(code)", default: 0] += 1
                        }
                        return seen
                    }
                }
                return try await group.reduce(into: [:]) { $0.merge($1, uniquingKeysWith: +) }
            }
            let refusedByRules = (answers["403/60410"] ?? 0) + (answers["429/20429"] ?? 0)
            #expect(answers.values.reduce(0, +) == 10_000)
            // Only rule refusals and the per-number send cap (60203) answer anything but 201.
            #expect(Set(answers.keys).isSubset(of: ["201/0", "403/60410", "429/20429", "429/60203"]), "\(answers)")
            #expect(twilio.fake.messages.count <= Self.budget, "\(answers)")
            #expect(twilio.fake.messages.count == answers["201/0"] ?? 0)
            let blocks = try await IntegrationFixture.scalar(
                twilio.database, "SELECT count(*) FROM prefix_blocks WHERE blocked_until > now()")
            #expect(blocks == "2")
            let recorded = try await IntegrationFixture.scalar(
                twilio.database, "SELECT sum(refusals) FROM abuse_refusals WHERE enforced")
            #expect(recorded == "\(refusedByRules)", "\(answers)")
            let rules = try await IntegrationFixture.scalar(
                twilio.database, "SELECT string_agg(DISTINCT rule, ',' ORDER BY rule) FROM abuse_refusals")
            #expect(rules.map { Set($0.split(separator: ",")).isSubset(of: ["prefix", "device_ip", "spend"]) } == true)
            #expect(rules?.contains("prefix") == true)
            // The figures the monitoring check reads: this hour's spend.
            let spent = try await IntegrationFixture.scalar(
                twilio.database, "SELECT coalesce(sum(hits), 0) FROM abuse_counters WHERE rule = 'spend'")
            #expect(spent == "\(twilio.fake.messages.count)")
        } catch {
            try await twilio.finish(one, two)
            throw error
        }
        try await twilio.finish(one, two)
    }
}
