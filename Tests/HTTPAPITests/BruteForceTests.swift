import App
import HTTPTypes
import HummingbirdTesting
import Postgres
import Synchronization
import TestSupport
import Testing

/// Issue 9's brute-force proof: however an attacker mixes resends, cancels and new verifications over two instances,
/// no more wrong codes are compared for one number than the per-number cap.
@Suite("Brute force")
struct BruteForceTests {
    static let cap = 10
    static let to = "+14155550177"

    @Test(
        "resends, cancels and new verifications over two instances never get more than the cap's wrong codes compared")
    func mixedAttack() async throws {
        let environment = HTTPFixture.concurrent.merging(["VERIFYD_PHONE_FAILURE_CAP": "\(Self.cap)"]) { $1 }
        try await HTTPFixture.run(environment: environment) { fixture, first in
            let second = try await fixture.makeApp(environment: environment)
            do {
                try await first.application.test(.router) { one in
                    try await second.application.test(.router) { two in
                        let compared = try await Self.attack(APIClient(client: one), APIClient(client: two))
                        #expect(compared <= Self.cap)
                        #expect(compared >= 1)
                    }
                }
            } catch {
                await second.postgres.close()
                throw error
            }
            await second.postgres.close()
            let failures: Int = try await fixture.scalar(
                "SELECT coalesce(max(consecutive_failures), 0)::integer FROM phone_check_failures")
            #expect(failures <= Self.cap)
            let attempts: Int = try await fixture.scalar(
                "SELECT coalesce(sum(check_attempts), 0)::integer FROM verifications")
            #expect(attempts <= Self.cap)
        }
    }

    /// 12 workers, 30 steps each, alternating instances: start (a resend while one is pending), two wrong checks,
    /// cancel the latest verification. Returns how many wrong codes were compared (answered 200, not valid).
    static func attack(_ one: APIClient, _ two: APIClient) async throws -> Int {
        let service = try await one.createService()
        let latest = Latest()
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<12 {
                group.addTask {
                    var compared = 0
                    for step in 0..<30 {
                        let api = (worker + step).isMultiple(of: 2) ? one : two
                        switch (worker + step) % 4 {
                        case 0:
                            let response = try await api.post(
                                APIClient.verifications(service), ["To": to, "Channel": "sms", "RiskCheck": "disable"])
                            if let sid = try? response.json()["sid"] as? String { latest.sid.withLock { $0 = sid } }
                        case 3:
                            guard let sid = latest.sid.withLock({ $0 }) else { continue }
                            _ = try await api.post(
                                APIClient.verifications(service) + "/" + sid, ["Status": "canceled"])
                        default:
                            let response = try await api.check(service, to: to, code: "00000000")
                            if response.status == .ok {
                                #expect(try response.json()["valid"] as? Bool == false)
                                compared += 1
                            }
                        }
                    }
                    return compared
                }
            }
            return try await group.reduce(0, +)
        }
    }
}

/// The SID of the latest verification a worker started, shared by the workers.
private final class Latest: Sendable {
    let sid = Mutex<String?>(nil)
}
