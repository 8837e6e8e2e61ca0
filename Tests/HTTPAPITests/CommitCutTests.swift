import App
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore

/// The connection to PostgreSQL cut while a check's COMMIT is on its way: the answer is in doubt, so it must not be
/// `approved`, and a retry under the same `Idempotency-Key` learns the truth.
@Suite("A connection cut during a check's COMMIT")
struct CommitCutTests {
    static let to = "+14155550185"

    @Test(
        "answers 503, never approved, and the retry with the key answers approved, approved once",
        arguments: [true, false])
    func cutDuringCommit(serverGotCommit: Bool) async throws {
        try await withAPI { fixture, direct in
            let proxy = try await TCPProxy.start(forwardingTo: "127.0.0.1", port: try fixture.database.port)
            let proxied = try await fixture.makeApp(
                environment: ["DATABASE_URL": fixture.database.connectionString(through: proxy)])
            do {
                try await proxied.application.test(.router) { client in
                    let api = APIClient(client: client)
                    let service = try await direct.createService()
                    _ = try await direct.start(service, to: Self.to)
                    let code = try #require(fixture.sender.messages.first?.code.revealed)
                    let form: KeyValuePairs = ["To": Self.to, "Code": code]
                    let key: HTTPFields = [.testIdempotencyKey: "cut-\(serverGotCommit)"]

                    let sprung = AsyncGate()
                    // The check's own COMMIT: it goes out in one write with the answer's UPDATE. A bare "COMMIT"
                    // would as well spring on the background services' transactions (retention, the sweeper).
                    proxy.cut(whenClientSends: "UPDATE idempotency_keys SET status", deliverFirst: serverGotCommit) {
                        sprung.open()
                    }
                    let cut = try await api.post(APIClient.check(service), form, headers: key)
                    // The cut comes before the answer, so it has happened by now; the bound only keeps a check
                    // that never sent COMMIT from hanging the test.
                    try await withTimeLimit(.seconds(60)) { await sprung.wait() }
                    try cut.expectTwilioError(.serviceUnavailable, code: 20503)
                    #expect(!cut.text.contains("approved"))
                    // The server runs a COMMIT it received even though nobody hears the answer; the check and its
                    // stored answer then stand. Without COMMIT the session's end rolls both back.
                    let storedAnswers: @Sendable () async throws -> Int = {
                        try await fixture.scalar("SELECT count(*)::integer FROM idempotency_keys")
                    }
                    if serverGotCommit {
                        #expect(try await eventually { try await storedAnswers() == 1 })
                    } else {
                        #expect(try await storedAnswers() == 0)
                    }
                    print(
                        "commit cut: server got COMMIT \(serverGotCommit), answers stored \(try await storedAnswers())")

                    let retry = try await api.post(APIClient.check(service), form, headers: key)
                    #expect(retry.status == .ok, "\(retry.text)")
                    #expect(try retry.json()["status"] as? String == "approved")
                    let approved: Int = try await fixture.scalar(
                        "SELECT count(*)::integer FROM verifications WHERE status = 'approved'")
                    #expect(approved == 1)
                    let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
                    #expect(attempts == 1)
                }
            } catch {
                await proxied.postgres.close()
                await proxy.close()
                throw error
            }
            await proxied.postgres.close()
            await proxy.close()
        }
    }
}
