import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// Codes are never stored in plaintext: an HMAC always, a ciphertext only while pending.
@Suite("Storage hygiene")
struct StorageHygieneTests {
    let phone = testPhone(9)

    /// Every text-like and bytea column of every table of ours, with how many rows hold `code` in it: as text
    /// (for bytea, its hex form too) or as the raw UTF-8 bytes of the code.
    static func columnsContaining(_ code: String, fixture: StoreFixture) async throws -> [String] {
        let columns = try await fixture.client.query(
            """
            SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
            WHERE table_schema = 'public' AND data_type IN ('text', 'bytea', 'jsonb', 'character varying', 'json')
            ORDER BY table_name, column_name
            """)
        #expect(columns.count > 20)
        var found: [String] = []
        for column in columns {
            let table = try column.decode(0, as: String.self)
            let name = try column.decode(1, as: String.self)
            var condition = "\"\(name)\"::text LIKE '%' || $1 || '%'"
            if try column.decode(2, as: String.self) == "bytea" {
                condition += " OR position(convert_to($1, 'UTF8') IN \"\(name)\") > 0"
                condition += " OR encode(\"\(name)\", 'escape') LIKE '%' || $1 || '%'"
            }
            var bindings = PostgresBindings()
            bindings.append(code)
            let query = PostgresQuery(
                unsafeSQL: "SELECT count(*) FROM \"\(table)\" WHERE \(condition)", bindings: bindings)
            if try await fixture.client.query(query)[0].decode(0, as: Int.self) > 0 { found.append("\(table).\(name)") }
        }
        return found
    }

    @Test("after a start and a re-send, no column of any table holds the code, and the hash is 32 bytes")
    func noPlaintext() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service { $0.codeLength = 10 }
            try await fixture.start(service, phone)
            try await fixture.start(service, phone, channel: .call)
            let code = try #require(fixture.lastCode(to: phone))
            #expect(code.count == 10)
            #expect(try await Self.columnsContaining(code, fixture: fixture).isEmpty)
            let row = try await fixture.client.query(
                "SELECT length(code_hash), length(code_ciphertext), key_id FROM verifications")
            #expect(try row[0].decode(0, as: Int.self) == 32)
            #expect(try row[0].decode(1, as: Int.self) > 10)
            #expect(try row[0].decode(2, as: String.self) == fixture.keyring.currentKeyID)
        }
    }

    @Test("a custom code is not stored in plaintext either")
    func customCode() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service { $0.customCodeEnabled = true }
            try await fixture.start(service, phone, customCode: "Zq7Xw2Lp9K")
            #expect(fixture.lastCode(to: phone) == "Zq7Xw2Lp9K")
            #expect(try await Self.columnsContaining("Zq7Xw2Lp9K", fixture: fixture).isEmpty)
            #expect(try await fixture.check(service, phone, "Zq7Xw2Lp9K").status == .approved)
        }
    }

    enum Ending: String, CaseIterable, CustomTestStringConvertible {
        case approval
        case cancel
        case expiry
        case maxAttempts

        var testDescription: String { rawValue }
    }

    @Test("the ciphertext is erased when the verification ends", arguments: Ending.allCases)
    func ciphertextErased(ending: Ending) async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service { $0.maxCheckAttempts = 2 }
            let started = try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            let before: Bool = try await fixture.scalar("SELECT code_ciphertext IS NOT NULL FROM verifications")
            #expect(before)
            switch ending {
            case .approval:
                _ = try await fixture.check(service, phone, code)
            case .cancel:
                _ = try await fixture.verifier.update(service: service.sid, sid: started.sid, status: .canceled)
            case .expiry:
                try await fixture.client.query("UPDATE verifications SET expires_at = now() - interval '1 second'")
                await #expect(throws: VerifyError.self) { try await fixture.check(service, phone, code) }
            case .maxAttempts:
                for _ in 0..<2 { _ = try await fixture.check(service, phone, fixture.wrongCode(for: phone)) }
            }
            let row = try await fixture.client.query(
                "SELECT status, code_ciphertext IS NULL, length(code_hash) FROM verifications")
            #expect(try row[0].decode(0, as: String.self) != "pending")
            #expect(try row[0].decode(1, as: Bool.self))
            #expect(try row[0].decode(2, as: Int.self) == 32)
        }
    }

    @Test("the code is not in the verification the caller gets back nor in its description")
    func notInResults() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service { $0.codeLength = 10 }
            let started = try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            #expect(!String(describing: started).contains(code))
            #expect(!String(reflecting: started).contains(code))
            let message = try #require(fixture.sender.messages.first)
            #expect(!String(describing: message).contains(code))
        }
    }
}
