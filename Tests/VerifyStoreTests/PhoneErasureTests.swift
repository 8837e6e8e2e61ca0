import Foundation
import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

@testable import App

/// `verifyd phones erase`: the number leaves no trace but a keyed hash where an opt-out must still hold.
@Suite("Phone erasure")
struct PhoneErasureTests {
    static func erase(_ phone: PhoneNumber, fixture: StoreFixture) async throws -> [String] {
        let admin = AdminCommands(
            client: fixture.client,
            environment: ["VERIFYD_CODE_KEY": Data(fixture.masterKey).base64EncodedString()])
        let output = try await admin.erase(phone.e164)
        #expect(!output.refused)
        return output.lines
    }

    @Test(
        "erasing removes verifications, attempts, counts, receipts, refusals, the Safe List entry and the phone row, and prints counts only"
    )
    func erasesEverything() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let phone = testPhone(21)
            let other = testPhone(22)
            try await fixture.start(service, phone)
            try await fixture.start(service, phone, channel: .call)
            _ = try await fixture.check(service, phone, fixture.wrongCode(for: phone))
            _ = try await fixture.phones.recordOptOutMessage(
                phone, optedOut: false, messageSid: "SM" + String(repeating: "b", count: 32))
            try await fixture.start(service, other)
            // The Safe List and the abuse refusals name the number too.
            _ = try await PostgresSafeListStore(client: fixture.client).add(phone)
            try await fixture.client.query(
                """
                INSERT INTO abuse_refusals (bucket, phone, rule, enforced, refusals, figures)
                VALUES (\(phone.bucket), \(phone.e164), 'prefix', true, 1, '{"count": 20}')
                """)
            let lines = try await Self.erase(phone, fixture: fixture)
            #expect(
                lines == [
                    #"{"erased":true,"verifications":1,"attempts":2,"failure_counts":1,"receipts":1,"refusals":1,"#
                        + #""safe_list_entries":1,"phone_rows":1,"opt_out_kept":false}"#
                ])
            #expect(!lines.joined().contains(phone.e164.dropFirst()))
            #expect(try await StorageHygieneTests.columnsContaining(phone.e164, fixture: fixture).isEmpty)
            #expect(try await fixture.scalar("SELECT count(*) FROM erased_opt_outs", as: Int.self) == 0)
            #expect(try await fixture.scalar("SELECT count(*) FROM verifications", as: Int.self) == 1)
            // Nothing holds the number back afterwards.
            #expect(try await fixture.start(service, phone).status == .pending)
        }
    }

    @Test("an opted-out number is kept only as a keyed hash, and a start to it is still refused until a new START")
    func optOutSurvives() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let phone = testPhone(23)
            _ = try await fixture.phones.recordOptOutMessage(
                phone, optedOut: true, messageSid: "SM" + String(repeating: "c", count: 32))
            let lines = try await Self.erase(phone, fixture: fixture)
            #expect(lines.first?.hasSuffix(#""phone_rows":1,"opt_out_kept":true}"#) == true)
            #expect(try await StorageHygieneTests.columnsContaining(phone.e164, fixture: fixture).isEmpty)
            #expect(try await fixture.scalar("SELECT count(*) FROM phones", as: Int.self) == 0)
            let digest = try #require(fixture.keyring.erasedPhoneDigests(of: phone).first)
            #expect(
                try await fixture.scalar(
                    "SELECT count(*) FROM erased_opt_outs WHERE phone_hmac = \(digest)", as: Int.self) == 1)
            await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            // Erasing again keeps the opt-out: it is still in force.
            #expect(try await Self.erase(phone, fixture: fixture).first?.hasSuffix(#""opt_out_kept":true}"#) == true)
            await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            _ = try await fixture.phones.recordOptOutMessage(
                phone, optedOut: false, messageSid: "SM" + String(repeating: "d", count: 32))
            #expect(try await fixture.start(service, phone).status == .pending)
        }
    }
}
