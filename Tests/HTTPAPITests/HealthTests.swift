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
