import Postgres
import TestSupport
import Testing
import VerifyCore

@testable import VerifyStore

/// A service update locks the service row while its change is applied. A start inserts a verification that
/// references the row, which takes FOR KEY SHARE on it: the update must lock in a mode that share does not conflict
/// with, or every start of the service waits for the update (and fails at lock_timeout).
@Suite("Service update lock")
struct ServiceUpdateLockTests {
    @Test("a start proceeds while an update of its service holds the row lock")
    func startDuringUpdate() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.client.withTransaction { connection in
                #expect(try await connection.query(PostgresServiceStore.lockForUpdate(service.sid)).count == 1)
                let started = try await fixture.start(service, testPhone(3))
                #expect(started.status == .pending)
            }
        }
    }
}
