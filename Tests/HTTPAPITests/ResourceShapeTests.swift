import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing
import VerifyCore

/// JSON exactly as Twilio serialises its resources.
@Suite("Resource JSON shapes")
struct ResourceShapeTests {
    static let to = "+14155550124"

    static let verificationKeys: Set<String> = [
        "sid", "service_sid", "account_sid", "to", "channel", "status", "valid", "date_created", "date_updated",
        "lookup", "amount", "payee", "send_code_attempts", "sna", "url",
    ]

    static func isSid(_ value: Any?, prefix: String) -> Bool {
        guard let text = value as? String, text.hasPrefix(prefix) else { return false }
        return text.wholeMatch(of: /(VE|VA|VL|AC)[0-9a-f]{32}/) != nil
    }

    static func isDate(_ value: Any?) -> Bool {
        (value as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil
    }

    @Test("a verification has exactly Twilio's keys, with lookup {}, nulls, Twilio dates and SIDs, and a public url")
    func verification() async throws {
        try await withAPI { _, api in
            let service = try await api.createService()
            let json = try await api.start(service, to: Self.to)
            #expect(Set(json.keys) == Self.verificationKeys)
            #expect((json["lookup"] as? [String: Any])?.isEmpty == true)
            for key in ["sna", "amount", "payee"] { #expect(json[key] is NSNull, "\(key)") }
            #expect(Self.isSid(json["sid"], prefix: "VE"))
            #expect(json["service_sid"] as? String == service)
            #expect(Self.isSid(json["service_sid"], prefix: "VA"))
            #expect(json["account_sid"] as? String == HTTPFixture.accountSid)
            #expect(Self.isSid(json["account_sid"], prefix: "AC"))
            #expect(json["to"] as? String == Self.to)
            #expect(json["channel"] as? String == "sms")
            #expect(json["valid"] as? Bool == false)
            #expect(Self.isDate(json["date_created"]) && Self.isDate(json["date_updated"]))
            let sid = try #require(json["sid"] as? String)
            #expect(json["url"] as? String == "\(HTTPFixture.publicURL)/v2/Services/\(service)/Verifications/\(sid)")
            let attempts = try #require(json["send_code_attempts"] as? [[String: Any]])
            #expect(attempts.count == 1)
            let attempt = try #require(attempts.first)
            #expect(Set(attempt.keys) == ["time", "channel", "attempt_sid", "delivery_status", "error_code"])
            #expect(Self.isSid(attempt["attempt_sid"], prefix: "VL"))
            #expect(Self.isDate(attempt["time"]))
            #expect(attempt["channel"] as? String == "SMS")
            #expect(attempt["delivery_status"] as? String == "sent")
            #expect(attempt["error_code"] is NSNull)
        }
    }

    @Test("a check response has no lookup, send_code_attempts, sna or url")
    func check() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            _ = try await api.start(service, to: Self.to)
            let code = try #require(fixture.sender.messages.first?.code.revealed)
            let json = try await api.check(service, to: Self.to, code: code).json()
            for key in ["lookup", "send_code_attempts", "sna", "url"] { #expect(json[key] == nil, "\(key)") }
            for key in ["sid", "service_sid", "account_sid", "to", "channel", "status", "valid", "amount", "payee"] {
                #expect(json[key] != nil, "\(key)")
            }
            #expect(Self.isDate(json["date_created"]) && Self.isDate(json["date_updated"]))
            #expect(json["status"] as? String == "approved")
        }
    }

    /// Every key `ResourceJSON.service` writes (Sources/HTTPAPI/ResourceJSON.swift).
    static let serviceKeys: Set<String> = [
        "sid", "account_sid", "friendly_name", "code_length", "lookup_enabled", "psd2_enabled",
        "skip_sms_to_landlines", "dtmf_input_required", "tts_name", "do_not_share_warning_enabled",
        "custom_code_enabled", "push", "totp", "default_template_sid", "whatsapp", "passkeys",
        "verify_event_subscription_enabled", "code_validity_seconds", "max_check_attempts", "max_send_attempts",
        "date_created", "date_updated", "url", "links",
    ]

    @Test("a service has every key of its resource, its links under the public URL, and Twilio dates")
    func service() async throws {
        try await withAPI { _, api in
            let response = try await api.post(APIClient.services(), ["FriendlyName": "Shape Test"])
            let json = try response.json()
            #expect(Set(json.keys) == Self.serviceKeys)
            let sid = try #require(json["sid"] as? String)
            #expect(Self.isSid(sid, prefix: "VA"))
            let url = "\(HTTPFixture.publicURL)/v2/Services/\(sid)"
            #expect(json["url"] as? String == url)
            let links = try #require(json["links"] as? [String: String])
            #expect(links["verifications"] == url + "/Verifications")
            #expect(links["verification_checks"] == url + "/VerificationCheck")
            #expect(links.values.allSatisfy { $0.hasPrefix(url + "/") })
            #expect(Self.isDate(json["date_created"]) && Self.isDate(json["date_updated"]))
            #expect(json["tts_name"] is NSNull)
            #expect(json["default_template_sid"] is NSNull)
            #expect(json["code_length"] as? Int == 6)
            #expect(json["code_validity_seconds"] as? Int == 600)
            #expect(response.headers[.contentType] == "application/json")
        }
    }
}
