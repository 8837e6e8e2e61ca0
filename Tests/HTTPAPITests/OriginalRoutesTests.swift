import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import TestSupport
import Testing
import VerifyCore

/// The original flow: `POST /sms`, `POST /who`, `/auth/{number}/{token}`; statuses carry the answer.
@Suite("Original routes")
struct OriginalRoutesTests {
    static let number = "+14155550130"
    static let phone = PhoneNumber(e164: number)!

    @Test("POST /sms with a form or a JSON number answers 202 with an empty body and sends one SMS")
    func sms() async throws {
        try await withAPI { fixture, api in
            let form = try await api.post("/sms", ["number": Self.number])
            #expect(form.status == .accepted)
            #expect(form.body.readableBytes == 0)
            let json = try await api.post("/sms", json: #"{"number": "+14155550131"}"#)
            #expect(json.status == .accepted)
            #expect(json.body.readableBytes == 0)
            #expect(fixture.sender.messages.map(\.channel) == [.sms, .sms])
            #expect(fixture.sender.messages.map(\.to.e164) == [Self.number, "+14155550131"])
        }
    }

    @Test("POST /who answers 202 and places a call")
    func who() async throws {
        try await withAPI { fixture, api in
            let response = try await api.post("/who", ["number": Self.number])
            #expect(response.status == .accepted)
            #expect(response.body.readableBytes == 0)
            #expect(fixture.sender.messages.map(\.channel) == [.call])
        }
    }

    @Test("the right code is 200 once, then 403; a wrong code is 403; bodies are empty")
    func auth() async throws {
        try await withAPI { fixture, api in
            #expect(try await api.post("/sms", ["number": Self.number]).status == .accepted)
            let code = try #require(fixture.sender.codes(to: Self.phone).first)
            let wrong = try await api.request(.post, "/auth/\(Self.number)/00000000")
            #expect(wrong.status == .forbidden)
            #expect(wrong.body.readableBytes == 0)
            let right = try await api.request(.post, "/auth/\(Self.number)/\(code)")
            #expect(right.status == .ok)
            #expect(right.body.readableBytes == 0)
            let again = try await api.request(.post, "/auth/\(Self.number)/\(code)")
            #expect(again.status == .forbidden)
            #expect(again.body.readableBytes == 0)
        }
    }

    @Test("GET /auth counts an attempt like POST: attempts used up by GET refuse the right code by POST")
    func getCounts() async throws {
        try await withAPI { fixture, api in
            #expect(try await api.post("/sms", ["number": Self.number]).status == .accepted)
            let code = try #require(fixture.sender.codes(to: Self.phone).first)
            for _ in 0..<5 { #expect(try await api.get("/auth/\(Self.number)/00000000").status == .forbidden) }
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 5)
            #expect(try await api.request(.post, "/auth/\(Self.number)/\(code)").status == .forbidden)
        }
    }

    @Test("a GET with the right code approves too")
    func getApproves() async throws {
        try await withAPI { fixture, api in
            #expect(try await api.post("/sms", ["number": Self.number]).status == .accepted)
            let code = try #require(fixture.sender.codes(to: Self.phone).first)
            #expect(try await api.get("/auth/\(Self.number)/\(code)").status == .ok)
            #expect(try await api.get("/auth/\(Self.number)/\(code)").status == .forbidden)
        }
    }

    @Test(
        "a number is read as E.164, with %2B for the plus, or national with the default country code",
        arguments: [
            ("+14155550130", "+14155550130"), ("+14155550130", "%2B14155550130"), ("4155550130", "4155550130"),
            ("(415) 555-0130", "14155550130"),
        ])
    func numberForms(form: String, path: String) async throws {
        try await withAPI(environment: ["VERIFYD_DEFAULT_COUNTRY_CODE": "1"]) { fixture, api in
            #expect(try await api.post("/sms", ["number": form]).status == .accepted)
            #expect(fixture.sender.messages.map(\.to.e164) == [Self.number])
            let code = try #require(fixture.sender.codes(to: Self.phone).first)
            #expect(try await api.request(.post, "/auth/\(path)/\(code)").status == .ok)
        }
    }

    struct National: Sendable, CustomTestStringConvertible {
        let countryCode: String
        let number: String
        /// The number it is read as; nil when it is refused.
        let expected: String?
        var testDescription: String { "\(number) with \(countryCode) → \(expected ?? "400")" }
    }

    @Test(
        "national numbers are read in the default country code's main region; rewrites into another number are 400",
        arguments: [
            National(countryCode: "44", number: "07400 123456", expected: "+447400123456"),
            National(countryCode: "44", number: "0044 7400 123456", expected: "+447400123456"),
            National(countryCode: "44", number: "+1 415 555 0130", expected: "+14155550130"),
            National(countryCode: "1", number: "011 44 7400 123456", expected: "+447400123456"),
            National(countryCode: "1", number: "1 (415) 555-0130", expected: "+14155550130"),
            National(countryCode: "7", number: "8 (912) 345-67-89", expected: "+79123456789"),
            // 00 is no international prefix in the NANP (011 is); the old reader took it for one.
            National(countryCode: "1", number: "0044 7400 123456", expected: nil),
            // Letters, extensions and non-ASCII digits, which libphonenumber would rewrite.
            National(countryCode: "1", number: "1-800-FLOWERS", expected: nil),
            National(countryCode: "1", number: "+1 415 555 0130 ext 5", expected: nil),
            National(countryCode: "1", number: "+１４１５５５５０１３０", expected: nil),
            National(countryCode: "44", number: "020 7946 0000 x12", expected: nil),
        ])
    func nationalFormats(_ row: National) async throws {
        try await withAPI(environment: ["VERIFYD_DEFAULT_COUNTRY_CODE": row.countryCode]) { fixture, api in
            let response = try await api.post("/sms", ["number": row.number])
            #expect(response.status == (row.expected == nil ? .badRequest : .accepted))
            #expect(fixture.sender.messages.map(\.to.e164) == [row.expected].compactMap { $0 })
        }
    }

    @Test("an invalid number is 400 with an empty body", arguments: ["", "abc", "+0123", "4155550130"])
    func invalidNumber(number: String) async throws {
        try await withAPI { fixture, api in
            let response = try await api.post("/sms", ["number": number])
            #expect(response.status == .badRequest)
            #expect(response.body.readableBytes == 0)
            #expect(try await api.post("/who", ["number": number]).status == .badRequest)
            #expect(try await api.post("/sms").status == .badRequest)
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    @Test("a blocked number is 403 and gets nothing")
    func blocked() async throws {
        try await withAPI { fixture, api in
            try await fixture.client.query(
                """
                INSERT INTO phones (bucket, phone, blocked_at, blocked_reason)
                VALUES (\(Self.phone.bucket), \(Self.number), now(), 'test')
                """)
            let response = try await api.post("/sms", ["number": Self.number])
            #expect(response.status == .forbidden)
            #expect(response.body.readableBytes == 0)
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    @Test("after the maximum of sends /sms is 429 with Retry-After")
    func maxSends() async throws {
        try await withAPI { fixture, api in
            for _ in 0..<5 { #expect(try await api.post("/sms", ["number": Self.number]).status == .accepted) }
            let refused = try await api.post("/sms", ["number": Self.number])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter].flatMap { Int($0) }.map { $0 >= 1 } == true)
            #expect(refused.body.readableBytes == 0)
            #expect(fixture.sender.messages.count == 5)
        }
    }

    @Test("without credentials the original routes are 401")
    func unauthenticated() async throws {
        try await withAPI { fixture, api in
            let anonymous = APIClient(client: api.client, authorization: nil)
            let responses = [
                try await anonymous.post("/sms", ["number": Self.number]),
                try await anonymous.post("/who", ["number": Self.number]),
                try await anonymous.request(.post, "/auth/\(Self.number)/123456"),
                try await anonymous.get("/auth/\(Self.number)/123456"),
            ]
            #expect(responses.map(\.status) == Array(repeating: .unauthorized, count: 4))
            #expect(fixture.sender.messages.isEmpty)
        }
    }
}
