import App
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing

@Suite("Health routes")
struct HealthTests {
    @Test("/healthz answers 200 without touching the database")
    func healthz() async throws {
        try await withAPI { _, api in
            let response = try await api.get("/healthz")
            #expect(response.status == .ok)
            #expect(response.text == "ok\n")
            #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
        }
    }

    @Test("/readyz answers 200 while the schema is current, and 503 once it is not")
    func readyz() async throws {
        try await withAPI { fixture, api in
            let ready = try await api.get("/readyz")
            #expect(ready.status == .ok)
            #expect(ready.text == "ready\n")
            #expect(ready.headers[.contentType] == "text/plain; charset=utf-8")
            // A migration this binary expects but the database lacks makes the instance unready.
            try await fixture.client.query("DELETE FROM schema_migrations")
            let unready = try await api.get("/readyz")
            #expect(unready.status == .serviceUnavailable)
            #expect(unready.headers[.contentType] == "text/plain; charset=utf-8")
        }
    }
}

@Suite("Readiness under load and faults")
struct ReadinessUnderLoadTests {
    @Test("/readyz stays 200 while every request connection is busy: a busy instance is not a broken one")
    func saturatedPoolStaysReady() async throws {
        try await HTTPFixture.run(environment: ["VERIFYD_DB_POOL_SIZE": "1"]) { _, app in
            // The probe connection is opened first, so that the check under test is a round trip on it: on a
            // loaded machine, connecting could take longer than the probe's 2 s deadline, which is not what this
            // test is about.
            #expect(await eventually { await app.readiness.check() })
            let held = await HeldConnection.hold(app.postgres)
            let ready = try await withTimeLimit(.seconds(60)) { await app.readiness.check() }
            try await held.release()
            #expect(ready)
        }
    }

    @Test("a silent path to the database makes the instance unready within the probe's deadline, not minutes")
    func silentDatabaseIsUnready() async throws {
        try await HTTPFixture.run { fixture, _ in
            let proxy = try await TCPProxy.start(forwardingTo: "127.0.0.1", port: try fixture.database.port)
            let app = try await fixture.makeApp(
                environment: ["DATABASE_URL": fixture.database.connectionString(through: proxy)])
            #expect(await app.readiness.check())
            proxy.setMode(.blackHole)
            // The probe's deadline is 2 s; the bound leaves room for a busy machine.
            let ready = try await withTimeLimit(.seconds(30)) { await app.readiness.check() }
            #expect(!ready)
            proxy.setMode(.forward)
            #expect(await eventually { await app.readiness.check() })
            await app.postgres.close()
            await proxy.close()
        }
    }
}
