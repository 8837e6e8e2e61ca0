import App
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import Twilio
import VerifyCore
import VerifyStore

/// Issue 9's limits beyond the destination number: per end-user IP (`DeviceIp`), per API key, per number prefix, and
/// the spend ceiling; each counted in PostgreSQL and tried through two instances on one database at once.
@Suite("Abuse limits")
struct AbuseLimitTests {
    /// A number in a prefix of its own (the prefix drops the last 3 digits), so the prefix rule stays out of the way.
    static func spread(_ index: Int) -> String {
        "+1415" + String(200 + index) + "0100"
    }

    /// What a concurrent run left: each answer's status and Twilio error code (0 for a success), the codes sent,
    /// and the first column of each of `queries` afterwards.
    struct Outcome {
        var answers: [(status: HTTPResponse.Status, code: Int)]
        var sent: Int
        var figures: [Int]
        /// `PostgresAbuseStore.spend`, the reading the monitoring check uses, with the environment's ceilings.
        var spend: [SpendReading]

        func count(_ status: HTTPResponse.Status, code: Int = 0) -> Int {
            answers.filter { $0.status == status && $0.code == code }.count
        }
    }

    /// Starts `count` verifications at once, alternating between two instances on one database.
    static func startConcurrently(
        count: Int, environment: [String: String], queries: [PostgresQuery] = [], safeListed: [String] = [],
        form: @escaping @Sendable (Int) -> [String: String]
    ) async throws -> Outcome {
        try await waitForRoomInTheHour(.seconds(180))
        var merged = HTTPFixture.concurrent
        merged.merge(environment) { _, new in new }
        let settings = merged
        return try await HTTPFixture.run(environment: settings) { fixture, first in
            let second = try await fixture.makeApp(environment: settings)
            do {
                let answers = try await first.application.test(.router) { one in
                    try await second.application.test(.router) { two in
                        for number in safeListed {
                            let listed = try await APIClient(client: one).post(
                                "/v2/SafeList/Numbers", ["PhoneNumber": number])
                            #expect(listed.status == .created)
                        }
                        return try await startAll(count: count, clients: (one, two), form: form)
                    }
                }
                await second.postgres.close()
                // A refusal is an answer; an internal error is a defect, whose log line says what it was.
                #expect(
                    !answers.contains { $0.status == .internalServerError },
                    "\(fixture.logs.all.filter { $0.contains("error") }.prefix(3))")
                var figures: [Int] = []
                for query in queries { figures.append(try await fixture.scalar(query)) }
                let ceilings = AbuseSettings(
                    spendCeilingPerHour: Int(environment["VERIFYD_SPEND_CEILING_PER_HOUR"] ?? "") ?? 0)
                let spend = try await PostgresAbuseStore(client: fixture.client).spend(settings: ceilings)
                return Outcome(answers: answers, sent: fixture.sender.messages.count, figures: figures, spend: spend)
            } catch {
                await second.postgres.close()
                throw error
            }
        }
    }

    private static func startAll(
        count: Int, clients: (any TestClientProtocol, any TestClientProtocol),
        form: @escaping @Sendable (Int) -> [String: String]
    ) async throws -> [(status: HTTPResponse.Status, code: Int)] {
        let service = try await APIClient(client: clients.0).createService()
        return try await withThrowingTaskGroup(of: (status: HTTPResponse.Status, code: Int).self) { group in
            for index in 0..<count {
                let client = APIClient(client: index.isMultiple(of: 2) ? clients.0 : clients.1)
                let pairs = form(index).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                group.addTask {
                    let response = try await client.request(
                        .post, APIClient.verifications(service), body: URLEncodedForm.encode(pairs),
                        contentType: "application/x-www-form-urlencoded")
                    if response.status == .tooManyRequests {
                        #expect(response.headers[.retryAfter].flatMap { Int($0) } ?? 0 >= 1)
                    }
                    let code = response.status == .created ? 0 : (try response.json()["code"] as? Int ?? -1)
                    return (response.status, code)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    static func refusals(_ rule: String) -> PostgresQuery {
        "SELECT coalesce(sum(refusals), 0)::integer FROM abuse_refusals WHERE rule = \(rule)"
    }

    @Test(
        "starts from one end user past the hourly limit are 429 / 20429 through two instances, and the total holds",
        arguments: [
            ["203.0.113.7"],
            // One /64: rotating addresses within a subscriber's own allocation counts as one user.
            ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2::abcd"],
        ])
    func perDeviceIP(addresses: [String]) async throws {
        let outcome = try await Self.startConcurrently(
            count: 14, environment: ["VERIFYD_DEVICE_IP_STARTS_PER_HOUR": "5"], queries: [Self.refusals("device_ip")]
        ) { ["To": Self.spread($0), "Channel": "sms", "DeviceIp": addresses[$0 % addresses.count]] }
        #expect(outcome.count(.created) == 5, "\(outcome.answers)")
        #expect(outcome.count(.tooManyRequests, code: 20429) == 9, "\(outcome.answers)")
        #expect(outcome.sent == 5)
        #expect(outcome.figures == [9])
    }

    @Test("end users in different /64s and IPv4 addresses count apart")
    func deviceIPsApart() async throws {
        let outcome = try await Self.startConcurrently(
            count: 8, environment: ["VERIFYD_DEVICE_IP_STARTS_PER_HOUR": "1"]
        ) { index in
            let address = index < 4 ? "2001:db8:\(index)::1" : "198.51.100.\(index)"
            return ["To": Self.spread(index), "Channel": "sms", "DeviceIp": address]
        }
        #expect(outcome.count(.created) == 8, "\(outcome.answers)")
    }

    @Test("starts with one API key past its hourly limit are 429 / 20429 through two instances")
    func perAPIKey() async throws {
        let outcome = try await Self.startConcurrently(
            count: 16, environment: ["VERIFYD_API_KEY_STARTS_PER_HOUR": "7"], queries: [Self.refusals("api_key")]
        ) { ["To": Self.spread($0), "Channel": "sms"] }
        #expect(outcome.count(.created) == 7, "\(outcome.answers)")
        #expect(outcome.count(.tooManyRequests, code: 20429) == 9, "\(outcome.answers)")
        #expect(outcome.sent == 7)
        #expect(outcome.figures == [9])
    }

    /// Every shard holds one start, the case where a start most often finds the shard it chose filled by a commit
    /// after its snapshot. On main such a start kept that shard's lock while it waited for another, and two of them
    /// deadlocked (40P01, a 500) about once a run in CI.
    @Test("64 concurrent starts on one key whose 16 shards hold one start each: 16 created, the rest 429, no 500")
    func perAPIKeyCrowded() async throws {
        let outcome = try await Self.startConcurrently(
            count: 64,
            environment: [
                "VERIFYD_API_KEY_STARTS_PER_HOUR": "16", "VERIFYD_COUNTER_SHARDS": "16", "VERIFYD_DB_POOL_SIZE": "24",
            ],
            queries: [Self.refusals("api_key")]
        ) { ["To": Self.spread($0), "Channel": "sms"] }
        #expect(outcome.count(.created) == 16, "\(outcome.answers)")
        #expect(outcome.count(.tooManyRequests, code: 20429) == 48, "\(outcome.answers)")
        #expect(outcome.figures == [48])
    }

    /// Checks are bounded by the per-number cap and by the credential's own counter, so a leaked key cannot
    /// guess across many numbers without bound; a refused check compares nothing.
    @Test("checks with one API key past its hourly limit are 429 / 20429 through two instances and compare nothing")
    func perAPIKeyChecks() async throws {
        try await waitForRoomInTheHour(.seconds(180))
        var settings = HTTPFixture.concurrent
        settings["VERIFYD_API_KEY_CHECKS_PER_HOUR"] = "5"
        let environment = settings
        try await HTTPFixture.run(environment: environment) { fixture, first in
            let second = try await fixture.makeApp(environment: environment)
            do {
                let answers = try await first.application.test(.router) { one in
                    try await second.application.test(.router) { two in
                        let service = try await APIClient(client: one).createService()
                        for index in 0..<12 {
                            _ = try await APIClient(client: one).start(service, to: Self.spread(index))
                        }
                        return try await withThrowingTaskGroup(of: (status: HTTPResponse.Status, code: Int).self) {
                            group in
                            for index in 0..<12 {
                                let client = APIClient(client: index.isMultiple(of: 2) ? one : two)
                                let phone = Self.spread(index)
                                let sent = fixture.sender.codes(to: PhoneNumber(e164: phone)!).last ?? "000000"
                                let wrong = String(sent.map { $0 == "1" ? "2" : "1" })
                                group.addTask {
                                    let response = try await client.check(service, to: phone, code: wrong)
                                    if response.status == .tooManyRequests {
                                        #expect(response.headers[.retryAfter].flatMap { Int($0) } ?? 0 >= 1)
                                    }
                                    let code = response.status == .ok ? 0 : (try response.json()["code"] as? Int ?? -1)
                                    return (response.status, code)
                                }
                            }
                            return try await group.reduce(into: []) { $0.append($1) }
                        }
                    }
                }
                await second.postgres.close()
                #expect(answers.filter { $0.status == .ok }.count == 5, "\(answers)")
                #expect(answers.filter { $0.status == .tooManyRequests && $0.code == 20429 }.count == 7, "\(answers)")
            } catch {
                await second.postgres.close()
                throw error
            }
            #expect(try await fixture.scalar("SELECT sum(check_attempts)::integer FROM verifications") == 5)
            #expect(try await fixture.scalar("SELECT count(*)::integer FROM phone_check_failures") == 5)
            #expect(try await fixture.scalar(Self.refusals("api_key_checks")) == 7)
        }
    }

    @Test("sends past the hourly spend ceiling are 429 / 20429 through two instances, and nothing more is sent")
    func spendCeiling() async throws {
        let outcome = try await Self.startConcurrently(
            count: 20, environment: ["VERIFYD_SPEND_CEILING_PER_HOUR": "9"], queries: [Self.refusals("spend")]
        ) { ["To": Self.spread($0), "Channel": "sms"] }
        #expect(outcome.count(.created) == 9, "\(outcome.answers)")
        #expect(outcome.count(.tooManyRequests, code: 20429) == 11, "\(outcome.answers)")
        #expect(outcome.sent == 9)
        #expect(outcome.figures == [11])
        #expect(
            outcome.spend.first
                == SpendReading(
                    subject: "global", spent: 9, ceiling: 9,
                    secondsUntilWindowEnds: outcome.spend.first?.secondsUntilWindowEnds ?? -1))
        #expect((1...3600).contains(outcome.spend.first?.secondsUntilWindowEnds ?? 0))
    }

    @Test("a prefix that saw 20 starts with under 10 % approved is blocked (403 / 60410) on both instances")
    func prefixBlock() async throws {
        let outcome = try await Self.startConcurrently(
            count: 30, environment: [:],
            queries: [
                "SELECT count(*)::integer FROM prefix_blocks WHERE prefix = '+447911123' AND blocked_until > now()",
                Self.refusals("prefix"),
            ]
        ) { ["To": "+447911123" + String(100 + $0), "Channel": "sms"] }
        #expect(outcome.count(.created) == 20, "\(outcome.answers)")
        #expect(outcome.count(.forbidden, code: 60410) == 10, "\(outcome.answers)")
        #expect(outcome.figures == [1, 10])
    }

    @Test("RiskCheck=disable skips the prefix rule for that start")
    func riskCheckDisabled() async throws {
        let outcome = try await Self.startConcurrently(count: 25, environment: [:]) {
            ["To": "+447911123" + String(200 + $0), "Channel": "sms", "RiskCheck": "disable"]
        }
        #expect(outcome.count(.created) == 25, "\(outcome.answers)")
    }

    @Test("Safe List numbers skip the prefix rule: their starts are neither refused nor counted")
    func safeListed() async throws {
        // 20 starts to other numbers bring the prefix to its threshold; 4 more would block it, unless they are the
        // Safe List number's.
        let outcome = try await Self.startConcurrently(
            count: 24, environment: [:],
            queries: ["SELECT coalesce(sum(hits), 0)::integer FROM abuse_counters WHERE rule = 'prefix'"],
            safeListed: ["+447911123999"]
        ) { ["To": $0 < 20 ? "+447911123" + String(100 + $0) : "+447911123999", "Channel": "sms"] }
        #expect(outcome.count(.created) == 24, "\(outcome.answers)")
        #expect(outcome.figures == [20])
    }

    @Test("in record-only mode a rule refuses nothing but records what it would have refused")
    func recordOnly() async throws {
        let outcome = try await Self.startConcurrently(
            count: 8,
            environment: ["VERIFYD_DEVICE_IP_STARTS_PER_HOUR": "2", "VERIFYD_ABUSE_RECORD_ONLY": "device_ip"],
            queries: [Self.refusals("device_ip")]
        ) { ["To": Self.spread($0), "Channel": "sms", "DeviceIp": "192.0.2.1"] }
        #expect(outcome.count(.created) == 8, "\(outcome.answers)")
        #expect(outcome.figures == [6])
    }
}
