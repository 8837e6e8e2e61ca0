import FakeTwilio
import Foundation
import TestSupport
import Testing

/// Twilio failing in the ways it does, one after the other, for one live instance: 500s, then 429s, then requests
/// that hang, then normal service. The outbox must drain, the circuit breaker must open on the 500s and the hangs
/// and close again (never on 429s), and no code may be sent twice.
@Suite("Twilio faults")
struct TwilioFaultTests {
    @Test("500s, then 429s, then hanging, then back: the breaker opens and closes, the outbox drains, nothing twice")
    func twilioFailsAndComesBack() async throws {
        let fixture = try await TwilioFixture.make([
            // A cooldown no pause between two starts reaches on a loaded machine, so the breaker is open when the
            // next start comes.
            "VERIFYD_BREAKER_THRESHOLD": "3", "VERIFYD_BREAKER_COOLDOWN_MS": "5000",
            "VERIFYD_TWILIO_TIMEOUT_MS": "1500",
        ])
        let api = try await fixture.serve()
        let service = try await api.createService()
        var number = 0
        var accepted: [String] = []
        var log: [String] = []
        /// Starts a verification to a new number; returns its status.
        func start() async throws -> Int {
            number += 1
            let reply = try await api.post(
                "/v2/Services/\(service)/Verifications",
                [("To", "+1415555" + String(format: "%04d", number)), ("Channel", "sms")])
            if reply.status == 201, let sid = reply.json["sid"] as? String { accepted.append(sid) }
            if reply.status == 503 { #expect(reply.header("Retry-After") != nil) }
            return reply.status
        }
        let began = ContinuousClock.now
        let cooldown = Duration.milliseconds(5200)

        // 500s: each attempt's outcome is unknown (Twilio may have sent it), and the third opens the breaker.
        let error = FakeTwilioBehavior.respond(status: 500, twilioCode: 20500, message: "Internal Server Error")
        fixture.fake.enqueue(error, error, error, for: .messages)
        var statuses = [try await start(), try await start(), try await start(), try await start()]
        #expect(statuses == [201, 201, 201, 503], "500s: the breaker opens after three")
        log.append("500s: \(statuses)")

        // 429s: back-pressure, retried after Retry-After, and the breaker stays closed (its probe meets a 429).
        try await Task.sleep(for: cooldown)
        let tooMany = FakeTwilioBehavior.respond(
            status: 429, twilioCode: 20429, message: "Too Many Requests", retryAfter: "1")
        fixture.fake.enqueue(tooMany, tooMany, tooMany, tooMany, for: .messages)
        statuses = [try await start(), try await start(), try await start(), try await start()]
        #expect(statuses == [201, 201, 201, 201], "429s never open the breaker")
        log.append("429s: \(statuses)")
        // Retried until Twilio takes them (or, on a machine slow enough to spend every try, failed): none waits.
        let waiting = try await IntegrationFixture.scalar(
            fixture.database, "SELECT count(*) FROM delivery_attempts WHERE status IN ('queued', 'sending')",
            becomes: "0", within: .seconds(60))
        #expect(waiting == "0", "the 429s are retried")

        // Hanging: past the client's timeout each attempt is unknown, and the third opens the breaker again.
        let hang = FakeTwilioBehavior.hang(for: .seconds(5))
        fixture.fake.enqueue(hang, hang, hang, for: .messages)
        statuses = [try await start(), try await start(), try await start(), try await start()]
        #expect(statuses == [201, 201, 201, 503], "hangs: the breaker opens after three")
        log.append("hangs: \(statuses)")

        // Back: the probe succeeds and closes the breaker.
        try await Task.sleep(for: cooldown)
        let back = ContinuousClock.now
        statuses = [try await start(), try await start(), try await start()]
        #expect(statuses == [201, 201, 201], "the breaker closes once Twilio answers")
        log.append("back: \(statuses)")

        let pending = try await IntegrationFixture.scalar(
            fixture.database, "SELECT count(*) FROM delivery_attempts WHERE status IN ('queued', 'sending')",
            becomes: "0", within: .seconds(60))
        #expect(pending == "0", "the outbox drains")
        let drained = ContinuousClock.now

        // Nothing lost, nothing twice: every accepted start has its verification and one attempt, each number
        // got at most one message, and every attempt Twilio took is one message the fake created.
        let outcomes = try await IntegrationFixture.scalar(
            fixture.database,
            "SELECT count(*) FILTER (WHERE status = 'unknown') || ' unknown, ' "
                + "|| count(*) FILTER (WHERE status IN ('sent', 'failed')) || ' sent or failed' FROM delivery_attempts")
        #expect(outcomes == "6 unknown, 7 sent or failed", "attempts: \(outcomes ?? "none")")
        let stored = try await IntegrationFixture.scalar(
            fixture.database, "SELECT count(DISTINCT verification_sid) FROM delivery_attempts")
        #expect(stored == "\(accepted.count)")
        #expect(try await IntegrationFixture.scalar(fixture.database, "SELECT count(*) FROM verifications") == stored)
        let messages = fixture.fake.messages
        #expect(Set(messages.map(\.to)).count == messages.count, "a number got two messages")
        let providerSids = try await IntegrationFixture.scalar(
            fixture.database, "SELECT string_agg(provider_sid, ',' ORDER BY provider_sid) FROM delivery_attempts")
        #expect(providerSids == messages.map(\.sid).sorted().joined(separator: ","))

        print(
            "Twilio faults: \(log.joined(separator: "; ")); accepted \(accepted.count) of \(number) starts; "
                + "Twilio requests \(fixture.fake.requests.count), messages \(messages.count); attempts \(outcomes ?? "")"
                + "; outbox drained \(FaultFigures.seconds(drained - back)) after Twilio came back, "
                + "\(FaultFigures.seconds(drained - began)) in all")
        try await fixture.finish(api)
    }
}
