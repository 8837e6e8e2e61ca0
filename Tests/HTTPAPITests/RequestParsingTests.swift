import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore

/// What the Verify API accepts and how it refuses the rest: 400 with Twilio's error shape, never a 500.
@Suite("Verify API request parsing")
struct RequestParsingTests {
    static let to = "+14155550125"

    @Test("JSON bodies with Twilio's PascalCase names work like forms")
    func jsonBodies() async throws {
        try await withAPI { fixture, api in
            let created = try await api.post(
                APIClient.services(),
                json: #"{"FriendlyName": "Json Test", "CodeLength": 8, "CustomCodeEnabled": true}"#)
            #expect(created.status == .created)
            #expect(try created.json()["code_length"] as? Int == 8)
            #expect(try created.json()["custom_code_enabled"] as? Bool == true)
            let service = try #require(try created.json()["sid"] as? String)
            let started = try await api.post(
                APIClient.verifications(service), json: #"{"To": "\#(Self.to)", "Channel": "sms"}"#)
            #expect(started.status == .created)
            let code = try #require(fixture.sender.messages.first?.code.revealed)
            #expect(code.count == 8)
            let checked = try await api.post(
                APIClient.check(service), json: #"{"To": "\#(Self.to)", "Code": "\#(code)"}"#)
            #expect(try checked.json()["status"] as? String == "approved")
        }
    }

    /// A JSON number, boolean, object or array where verifyd reads text would pass as the text a form carries:
    /// `false` would name a service "false", `{}` would be a rate limit's description, and `"Code": 012345` cannot
    /// even be written. Only parameters read as numbers, booleans or objects take them (found by schemathesis).
    @Test(
        "a JSON number, boolean, object or array for a text parameter is 60200 naming it",
        arguments: [
            ("/v2/Services", #"{"FriendlyName": false}"#, "FriendlyName"),
            ("/v2/Services", #"{"FriendlyName": 1234}"#, "FriendlyName"),
            ("/v2/Services", #"{"FriendlyName": "Acme", "TtsName": true}"#, "TtsName"),
            (
                "{VA}/Verifications", #"{"To": "+14155550125", "Channel": "sms", "CustomFriendlyName": 12}"#,
                "CustomFriendlyName"
            ),
            ("{VA}/Verifications", #"{"To": "+14155550125", "Channel": "sms", "Locale": true}"#, "Locale"),
            ("{VA}/VerificationCheck", #"{"To": "+14155550125", "Code": 123456}"#, "Code"),
            ("/sms", #"{"number": 14155550125}"#, nil),
            ("/v2/Services", #"{"FriendlyName": {}}"#, "FriendlyName"),
            ("/v2/Services", #"{"FriendlyName": ["Acme"]}"#, "FriendlyName"),
            ("{VA}/RateLimits", #"{"UniqueName": "user_id", "Description": {}}"#, "Description"),
        ])
    func jsonScalarForText(path: String, json: String, name: String?) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let response = try await api.post(
                path.replacingOccurrences(of: "{VA}", with: "/v2/Services/\(service)"), json: json)
            if let name {
                try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: \(name)")
            } else {
                #expect(response.status == .badRequest)
            }
            #expect(fixture.sender.messages.isEmpty)
            #expect(try await fixture.scalar("SELECT count(*)::int FROM services", as: Int.self) == 1)
        }
    }

    /// The other side of the rule above: a parameter read as a number takes a JSON number (found by schemathesis:
    /// a bucket's `Max` and `Interval` were read as text, so `{"Max": 5}` was 60200).
    @Test("a JSON number for a numeric parameter is read as the number")
    func jsonNumberForNumber() async throws {
        try await withAPI { _, api in
            let service = try await api.createService(["FriendlyName": "Acme", "CodeLength": "8"])
            let limit = try await api.post("/v2/Services/\(service)/RateLimits", json: #"{"UniqueName": "ip"}"#)
            let rateLimit = try #require(try limit.json()["sid"] as? String)
            let buckets = "/v2/Services/\(service)/RateLimits/\(rateLimit)/Buckets"
            let created = try await api.post(buckets, json: #"{"Max": 5, "Interval": 60}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(try created.json()["max"] as? Int == 5)
            let bucket = try #require(try created.json()["sid"] as? String)
            let updated = try await api.post("\(buckets)/\(bucket)", json: #"{"Max": 7}"#)
            #expect(try updated.json()["max"] as? Int == 7, "\(updated.text)")
            let outside = try await api.post("\(buckets)/\(bucket)", json: #"{"Interval": 0}"#)
            try outside.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: Interval")
        }
    }

    @Test("parameters Twilio defines but verifyd does not use, and unknown ones, are ignored")
    func unknownParameters() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let response = try await api.post(
                APIClient.verifications(service),
                [
                    "To": Self.to, "Channel": "sms", "SendDigits": "1234", "RiskCheck": "enable", "Whatever": "x",
                    "Locale": "fr", "CustomFriendlyName": "Acme", "Tags": #"{"k": "v"}"#, "DeviceIp": "192.0.2.1",
                ])
            #expect(response.status == .created)
            #expect(fixture.sender.messages.first?.serviceName == "Acme")
        }
    }

    @Test(
        "an invalid To is 400 / 60200 Invalid parameter: To",
        arguments: [
            "4155550125", "+1234567890123456", "+1415abc0125", "", "+0415550125", "++14155550125",
        ])
    func invalidTo(to: String) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let response = try await api.post(APIClient.verifications(service), ["To": to, "Channel": "sms"])
            try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: To")
            let check = try await api.post(APIClient.check(service), ["To": to, "Code": "123456"])
            try check.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: To")
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    @Test(
        "a channel other than sms or call is 400 / 60200 Invalid parameter: Channel",
        arguments: [
            "email", "whatsapp", "SMSS", "",
        ])
    func invalidChannel(channel: String) async throws {
        try await withAPI { _, api in
            let service = try await api.createService()
            let response = try await api.post(APIClient.verifications(service), ["To": Self.to, "Channel": channel])
            try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: Channel")
        }
    }

    @Test("CustomCode is 403 / 60204 unless the service enables it, and then it is the code sent and checked")
    func customCode() async throws {
        try await withAPI { fixture, api in
            let plain = try await api.createService()
            let refused = try await api.post(
                APIClient.verifications(plain), ["To": Self.to, "Channel": "sms", "CustomCode": "4711"])
            try refused.expectTwilioError(.forbidden, code: 60204)
            #expect(fixture.sender.messages.isEmpty)

            let custom = try await api.createService(["FriendlyName": "Custom", "CustomCodeEnabled": "true"])
            let started = try await api.post(
                APIClient.verifications(custom), ["To": Self.to, "Channel": "sms", "CustomCode": "4711"])
            #expect(started.status == .created)
            #expect(fixture.sender.messages.map(\.code.revealed) == ["4711"])
            #expect(try await api.check(custom, to: Self.to, code: "4712").json()["status"] as? String == "pending")
            #expect(try await api.check(custom, to: Self.to, code: "4711").json()["status"] as? String == "approved")
        }
    }

    @Test(
        "a malformed body is 400 with Twilio's error shape",
        arguments: [
            ("application/x-www-form-urlencoded", "To=%ZZ&Channel=sms"),
            ("application/x-www-form-urlencoded", "To=%2&Channel=sms"),
            ("application/json", #"{"To": "+14155550125", "Channel": "#),
            ("application/json", #"["To", "Channel"]"#),
            ("application/json", "not json at all"),
        ])
    func malformedBody(contentType: String, body: String) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let response = try await api.request(
                .post, APIClient.verifications(service), body: body, contentType: contentType)
            try response.expectTwilioError(.badRequest, code: 60200)
            let check = try await api.request(.post, APIClient.check(service), body: body, contentType: contentType)
            try check.expectTwilioError(.badRequest, code: 60200)
            let create = try await api.request(.post, APIClient.services(), body: body, contentType: contentType)
            try create.expectTwilioError(.badRequest, code: 60200)
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    @Test("a check without Code is 60200 naming Code, and counts no attempt")
    func missingCode() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            _ = try await api.start(service, to: Self.to)
            let response = try await api.post(APIClient.check(service), ["To": Self.to])
            try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: Code")
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 0)
        }
    }

    @Test("a check with neither To nor VerificationSid is 60200 naming To")
    func missingTarget() async throws {
        try await withAPI { _, api in
            let service = try await api.createService()
            let response = try await api.post(APIClient.check(service), ["Code": "123456"])
            try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: To")
        }
    }

    @Test("an oversized body is refused with Twilio's error shape, not a 500")
    func oversizedBody() async throws {
        try await withAPI { _, api in
            let service = try await api.createService()
            let body = "To=%2B14155550125&Channel=sms&Pad=" + String(repeating: "x", count: 70_000)
            let response = try await api.request(
                .post, APIClient.verifications(service), body: body, contentType: "application/x-www-form-urlencoded")
            try response.expectTwilioError(.contentTooLarge, code: 60200)
        }
    }
}
