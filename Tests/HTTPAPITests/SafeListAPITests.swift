import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing
import VerifyCore

/// `/v2/SafeList/Numbers`: create (201), fetch and delete by the number in the path.
@Suite("Safe List API")
struct SafeListAPITests {
    static let path = "/v2/SafeList/Numbers"

    @Test("a number is added (201), fetched by the number as Twilio's libraries and others write it, and removed")
    func lifecycle() async throws {
        try await withAPI { _, api in
            let phone = testPhone(21).e164
            let created = try await api.post(Self.path, ["PhoneNumber": phone])
            #expect(created.status == .created, "\(created.text)")
            let json = try created.json()
            #expect(Set(json.keys) == ["sid", "phone_number", "url"])
            let sid = try #require(json["sid"] as? String)
            #expect(sid.wholeMatch(of: /GN[0-9a-f]{32}/) != nil)
            #expect(json["phone_number"] as? String == phone)
            #expect(json["url"] as? String == "\(HTTPFixture.publicURL)\(Self.path)/\(phone)")

            // Twilio's libraries put the `+` in the path as it is; a percent-encoded one is the same number.
            for written in [phone, "%2B" + phone.dropFirst(), "%2b" + phone.dropFirst()] {
                let fetched = try await api.get("\(Self.path)/\(written)")
                #expect(fetched.status == .ok, "\(written): \(fetched.text)")
                #expect(try fetched.json()["sid"] as? String == sid)
            }

            let deleted = try await api.delete("\(Self.path)/\(phone)")
            #expect(deleted.status == .noContent)
            for response in [try await api.get("\(Self.path)/\(phone)"), try await api.delete("\(Self.path)/\(phone)")]
            {
                try response.expectTwilioError(
                    .notFound, code: 20404, message: "The requested resource /SafeList/Numbers/\(phone) was not found")
            }
        }
    }

    @Test("a number added twice is 400 / 60411, and stays as it was")
    func duplicate() async throws {
        try await withAPI { fixture, api in
            let phone = testPhone(22).e164
            #expect(try await api.post(Self.path, ["PhoneNumber": phone]).status == .created)
            let before = try await TableSnapshot.take(fixture.client)
            try await api.post(Self.path, ["PhoneNumber": phone]).expectTwilioError(
                .badRequest, code: 60411, message: "Phone Number already exists")
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
        }
    }

    @Test(
        "PhoneNumber that is missing or not E.164 is 400 / 60200, and nothing changes",
        arguments: ["", "14155550100", "+0123", "+1415555010a", "+1234567890123456", " +14155550100"])
    func invalidNumber(number: String) async throws {
        try await withAPI { fixture, api in
            let before = try await TableSnapshot.take(fixture.client)
            let form: KeyValuePairs<String, String> = number.isEmpty ? [:] : ["PhoneNumber": number]
            try await api.post(Self.path, form).expectTwilioError(
                .badRequest, code: 60200, message: "Invalid parameter: PhoneNumber")
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
        }
    }

    @Test("a path that is not an E.164 number names no entry (404)", arguments: ["14155550100", "%2Bx", "%zz", "+1"])
    func malformedPath(written: String) async throws {
        try await withAPI { _, api in
            try await api.get("\(Self.path)/\(written)").expectTwilioError(.notFound, code: 20404)
            try await api.delete("\(Self.path)/\(written)").expectTwilioError(.notFound, code: 20404)
        }
    }

    @Test("no log line names the number, its masked form or the entry's SID")
    func neverLogged() async throws {
        try await withAPI { fixture, api in
            let phone = testPhone(23)
            let created = try await api.post(Self.path, ["PhoneNumber": phone.e164])
            let sid = try #require(try created.json()["sid"] as? String)
            _ = try await api.get("\(Self.path)/\(phone.e164)")
            _ = try await api.delete("\(Self.path)/\(phone.e164)")
            _ = try await api.get("\(Self.path)/\(phone.e164)")
            let digits = String(phone.e164.dropFirst())
            let leaks = fixture.logs.all.filter { line in
                line.contains(digits) || line.contains(phone.masked) || line.contains(sid)
            }
            #expect(leaks.isEmpty, "\(leaks)")
            #expect(fixture.logs.lines(withMessage: "safe_list.number.added").count == 1)
        }
    }

    @Test("the Safe List needs credentials")
    func authenticated() async throws {
        try await withAPI { _, api in
            let anonymous = APIClient(client: api.client, authorization: nil)
            try await anonymous.post(Self.path, ["PhoneNumber": testPhone(24).e164]).expectTwilioError(
                .unauthorized, code: 20003)
            try await anonymous.get("\(Self.path)/\(testPhone(24).e164)").expectTwilioError(.unauthorized, code: 20003)
        }
    }
}
