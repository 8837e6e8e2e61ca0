import AsyncHTTPClient
import FakeTwilio
import Foundation
import TestSupport
import Testing

/// The deployment `docker/` describes, proven on loopback: HAProxy (the shipped configuration), three instances,
/// pgbouncer in transaction mode, PostgreSQL, and Twilio's webhooks landing on any instance. scripts/test runs this
/// suite as a step of its own (VERIFYD_TEST_DEPLOYMENT=1), after the other tests, so their load does not mix in.
@Suite(
    "The deployment on loopback", .serialized, .loopbackDeployment,
    .enabled(
        if: ProcessInfo.processInfo.environment["VERIFYD_TEST_DEPLOYMENT"] == "1",
        "scripts/test runs it in its deployment step (VERIFYD_TEST_DEPLOYMENT=1)"))
struct DeploymentTests {
    let deployment: LoopbackDeployment
    var client: DeploymentClient { deployment.client }
    var front: String { deployment.front }

    init() throws {
        deployment = try #require(LoopbackDeployment.current)
    }

    @Test("a start, a status callback and a check land on three different instances, and all agree")
    func webhooksAnywhere() async throws {
        let service = try await client.createService(front)
        let phone = client.newPhone()
        let run = VerifydEnvironment.hex(8)
        let started = try await client.start(front, service, phone, requestID: run + "-start")
        #expect(started.status == 201)
        let sid = try #require(started.json["sid"] as? String)
        let attempt = try #require(
            (started.json["send_code_attempts"] as? [[String: Any]])?.first?["attempt_sid"] as? String)
        let message = try #require(client.fake.messages.last { $0.to == phone })
        let callback = try await client.webhook(
            front, "/twilio/status/\(attempt)", [("MessageSid", message.sid), ("MessageStatus", "delivered")],
            requestID: run + "-status")
        #expect(callback.status == 200)
        // Three fetches, so each instance answers one and the check lands on the one after the callback's.
        for _ in 0..<3 {
            let fetched = try await client.get(front, "/v2/Services/\(service)/Verifications/\(sid)")
            #expect(fetched.json["status"] as? String == "pending")
            let attempts = fetched.json["send_code_attempts"] as? [[String: Any]]
            #expect(attempts?.first?["delivery_status"] as? String == "delivered")
        }
        let code = try await client.code(for: phone)
        let checked = try await client.check(front, service, phone, code, requestID: run + "-check")
        #expect(checked.status == 200)
        #expect(checked.json["status"] as? String == "approved")
        // As in Twilio Verify, an approved verification is no longer found, on any instance.
        for _ in 0..<3 {
            #expect(try await client.get(front, "/v2/Services/\(service)/Verifications/\(sid)").status == 404)
        }
        var servers: [String] = []
        for step in ["start", "status", "check"] { servers.append(try await server(answering: run + "-" + step)) }
        #expect(Set(servers).count == 3, "round robin: \(servers)")
    }

    @Test("100 concurrent checks of the right code across the instances approve exactly once, in each of 200 rounds")
    func exactlyOnceApproval() async throws {
        let service = try await client.createService(front)
        let began = ContinuousClock.now
        // Four rounds at a time: 400 checks in flight.
        let rounds = try await concurrently(200, width: 4) { _ in try await round(service) }
        let approvals = rounds.map { $0.statuses.filter { $0 == 200 }.count }
        let statuses = rounds.flatMap(\.statuses)
        // A round without an approval answer is one whose approving answer was lost with its connection.
        #expect(approvals.allSatisfy { $0 <= 1 }, "approvals per round: \(Set(approvals))")
        #expect(approvals.indices.allSatisfy { approvals[$0] == 1 || rounds[$0].lost > 0 })
        #expect(statuses.allSatisfy { $0 == 200 || $0 == 404 }, "statuses: \(Set(statuses))")
        let approved = try await deployment.sql(
            "SELECT count(*) FROM verifications WHERE service_sid = '\(service)' AND status = 'approved'")
        #expect(approved == "200")
        print(
            "deployment: 200 rounds of 100 concurrent right checks in \(ContinuousClock.now - began); "
                + "\(rounds.map(\.lost).reduce(0, +)) answers lost with their connection and asked again")
    }

    /// One verification and 100 concurrent checks of its code: the statuses they answered, and how many answers
    /// were lost before reaching an instance (asked again): on a loaded machine the test process sometimes takes
    /// longer than HAProxy's `timeout http-request` (10 s) to send a request, which HAProxy answers with 408 or by
    /// closing the connection.
    private func round(_ service: String) async throws -> (statuses: [Int], lost: Int) {
        let phone = client.newPhone()
        let started = try await client.start(front, service, phone)
        guard started.status == 201 else { throw VerifydProcessError("start answered \(started.status)") }
        let code = try await client.code(for: phone)
        let checks = try await concurrently(100, width: 100) { _ in
            var lost = 0
            while true {
                do {
                    let reply = try await client.check(front, service, phone, code)
                    // HAProxy's 408: the request did not arrive within `timeout http-request`, so no instance saw it.
                    if reply.status == 408 && lost < 2 {
                        lost += 1
                        continue
                    }
                    let status = reply.status == 200 && reply.json["status"] as? String != "approved" ? 0 : reply.status
                    return (status, lost)
                } catch let error as HTTPClientError where error == .remoteConnectionClosed && lost < 2 {
                    lost += 1
                }
            }
        }
        return (checks.map(\.0), checks.map(\.1).reduce(0, +))
    }

    @Test("50 concurrent wrong codes across the instances use exactly the 5 attempts allowed, in each of 10 rounds")
    func attemptLimit() async throws {
        let service = try await client.createService(front, [("MaxCheckAttempts", "5")])
        let rounds = try await concurrently(10, width: 2) { _ in
            let phone = client.newPhone()
            _ = try await client.start(front, service, phone)
            let code = try await client.code(for: phone)
            let wrong = code.hasPrefix("0") ? "1" + code.dropFirst() : "0" + code.dropFirst()
            return try await concurrently(50, width: 50) { _ in
                try await client.check(front, service, phone, wrong).status
            }
        }
        for statuses in rounds {
            #expect(statuses.filter { $0 == 200 }.count == 5)
            #expect(statuses.filter { $0 == 429 }.count == 45)
        }
        let attempts = try await deployment.sql(
            "SELECT string_agg(DISTINCT check_attempts::text, ',') FROM verifications WHERE service_sid = '\(service)'")
        #expect(attempts == "5")
    }

    /// The HAProxy server that answered the request with `requestID` (from its log line, written once answered).
    func server(answering requestID: String) async throws -> String {
        var found: String?
        _ = await eventually(within: .seconds(10)) {
            let line = deployment.balancer.log.split(separator: "\n").last { $0.hasSuffix("id=" + requestID) }
            found = line?.split(separator: " ").first { $0.hasPrefix("verifyd/") }.map(String.init)
            return found != nil
        }
        return try #require(found, "no HAProxy log line for \(requestID)")
    }
}

/// Runs `count` calls of `body`, at most `width` at a time, and returns their results in order.
func concurrently<Value: Sendable>(
    _ count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> Value
) async throws -> [Value] {
    try await withThrowingTaskGroup(of: (Int, Value).self) { group in
        var results = [Value?](repeating: nil, count: count)
        var next = 0
        while next < min(width, count) {
            let index = next
            group.addTask { (index, try await body(index)) }
            next += 1
        }
        while let (index, value) = try await group.next() {
            results[index] = value
            if next < count {
                let index = next
                group.addTask { (index, try await body(index)) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}
