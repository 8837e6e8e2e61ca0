import FakeTwilio
import Foundation
import TestSupport
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("on SIGTERM readiness turns 503 at once, requests are served while draining, in-flight ones finish, exit 0")
    func gracefulShutdown() async throws {
        // The drain must outlast the in-flight start and the requests after it even on a loaded machine: at 2 s a
        // slow run found the listener already closed (connection refused).
        let fixture = try await TwilioFixture.make([
            "VERIFYD_SHUTDOWN_DRAIN_SECONDS": "10", "VERIFYD_TWILIO_TIMEOUT_MS": "5000",
        ])
        // Twilio answers slowly, so the start below is still in flight when SIGTERM arrives.
        fixture.fake.enqueue(.delay(.milliseconds(1500), then: .succeed), for: .messages)
        let api = try await fixture.serve()
        let http = TestHTTPClient()
        let service = try await api.createService()
        let inFlight = Task {
            try await api.post("/v2/Services/\(service)/Verifications", [("To", "+14155550190"), ("Channel", "sms")])
        }
        _ = try await fixture.fake.waitForRequests(count: 1, timeout: .seconds(5))
        let signalled = ContinuousClock.now
        api.process.terminate()
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await http.send("GET", api.process.baseURL + "/readyz").status == 503)
        #expect(try await http.send("GET", api.process.baseURL + "/healthz").status == 200)
        let started = try await inFlight.value
        #expect(started.status == 201)
        #expect(
            try await http.send("GET", api.process.baseURL + "/healthz").status == 200, "still serving while draining")
        let status = try await api.process.waitForExit(timeout: .seconds(30))
        let elapsed = ContinuousClock.now - signalled
        #expect(status == 0)
        #expect(elapsed >= .seconds(10), "the listener stayed open for the drain period")
        #expect(elapsed < .seconds(30))
        await #expect(throws: (any Error).self) { try await http.send("GET", api.process.baseURL + "/healthz") }
        try await fixture.finish(api)
    }

    @Test("a request in flight when the listener closes still completes before the process exits")
    func inFlightAtListenerClose() async throws {
        let fixture = try await TwilioFixture.make([
            "VERIFYD_SHUTDOWN_DRAIN_SECONDS": "0", "VERIFYD_TWILIO_TIMEOUT_MS": "5000",
        ])
        fixture.fake.enqueue(.delay(.milliseconds(1500), then: .succeed), for: .messages)
        let api = try await fixture.serve()
        let service = try await api.createService()
        let inFlight = Task {
            try await api.post("/v2/Services/\(service)/Verifications", [("To", "+14155550191"), ("Channel", "sms")])
        }
        _ = try await fixture.fake.waitForRequests(count: 1, timeout: .seconds(5))
        api.process.terminate()
        #expect(try await inFlight.value.status == 201)
        #expect(try await api.process.waitForExit(timeout: .seconds(30)) == 0)
        #expect(try await IntegrationFixture.scalar(fixture.database, "SELECT status FROM delivery_attempts") == "sent")
        try await fixture.finish(api)
    }
}
