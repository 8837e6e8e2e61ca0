import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import TestSupport
import Testing

/// `/v2/Services`: create, list (paged as Twilio pages), fetch, update, delete.
@Suite("Services API")
struct ServiceAPITests {
    @Test("create answers 201 with every setting it was given")
    func create() async throws {
        try await withAPI { _, api in
            let response = try await api.post(
                APIClient.services(),
                [
                    "FriendlyName": "Acme Login", "CodeLength": "8", "DoNotShareWarningEnabled": "true",
                    "CustomCodeEnabled": "True", "DtmfInputRequired": "true", "LookupEnabled": "true",
                    "SkipSmsToLandlines": "true", "CodeValiditySeconds": "900", "MaxCheckAttempts": "7",
                    "MaxSendAttempts": "3",
                ])
            #expect(response.status == .created)
            let json = try response.json()
            #expect(json["friendly_name"] as? String == "Acme Login")
            #expect(json["code_length"] as? Int == 8)
            for key in [
                "do_not_share_warning_enabled", "custom_code_enabled", "dtmf_input_required", "lookup_enabled",
                "skip_sms_to_landlines",
            ] {
                #expect(json[key] as? Bool == true, "\(key)")
            }
            #expect(json["code_validity_seconds"] as? Int == 900)
            #expect(json["max_check_attempts"] as? Int == 7)
            #expect(json["max_send_attempts"] as? Int == 3)
        }
    }

    @Test(
        "an invalid setting is 400 / 60200 naming the parameter",
        arguments: [
            ("CodeLength", "3"), ("CodeLength", "11"), ("CodeLength", "six"), ("FriendlyName", ""),
            ("FriendlyName", "Call 555-123-4567"), ("FriendlyName", "See https://evil.example"),
            ("FriendlyName", String(repeating: "a", count: 31)), ("CodeValiditySeconds", "119"),
            ("CodeValiditySeconds", "86401"), ("MaxCheckAttempts", "0"), ("MaxSendAttempts", "101"),
            ("CustomCodeEnabled", "maybe"),
        ])
    func invalidSetting(name: String, value: String) async throws {
        try await withAPI { fixture, api in
            var form: [(String, String)] = [(name, value)]
            if name != "FriendlyName" { form.append(("FriendlyName", "Valid Name")) }
            let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                .joined(separator: "&")
            let response = try await api.request(
                .post, APIClient.services(), body: body, contentType: "application/x-www-form-urlencoded")
            try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: \(name)")
            let services: Int = try await fixture.scalar("SELECT count(*) FROM services")
            #expect(services == 0)
        }
    }

    @Test("a service without FriendlyName is 60200 naming it")
    func missingName() async throws {
        try await withAPI { _, api in
            let response = try await api.post(APIClient.services(), ["CodeLength": "6"])
            try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: FriendlyName")
        }
    }

    @Test("listing with PageSize=2 and following next_page_url visits every service once")
    func paging() async throws {
        try await withAPI { _, api in
            var created: [String] = []
            for index in 0..<5 { created.append(try await api.createService(["FriendlyName": "Paged \(index)"])) }
            var path: String? = APIClient.services() + "?PageSize=2"
            var seen: [String] = []
            var pages = 0
            while let current = path, pages < 10 {
                let response = try await api.get(current)
                #expect(response.status == .ok)
                let json = try response.json()
                let services = try #require(json["services"] as? [[String: Any]])
                seen += services.compactMap { $0["sid"] as? String }
                let meta = try #require(json["meta"] as? [String: Any])
                #expect(meta["key"] as? String == "services")
                #expect(meta["page_size"] as? Int == 2)
                #expect(meta["page"] as? Int == pages)
                #expect((meta["first_page_url"] as? String)?.hasPrefix(HTTPFixture.publicURL) == true)
                pages += 1
                if let next = meta["next_page_url"] as? String {
                    #expect(next.hasPrefix(HTTPFixture.publicURL + "/v2/Services?"))
                    path = String(next.dropFirst(HTTPFixture.publicURL.count))
                } else {
                    #expect(meta["next_page_url"] is NSNull)
                    path = nil
                }
            }
            #expect(pages == 3)
            #expect(seen == created)
        }
    }

    @Test(
        "a malformed paging parameter is 60200 naming it",
        arguments: [
            ("PageSize=0", "PageSize"), ("PageSize=1001", "PageSize"), ("PageSize=two", "PageSize"),
            ("Page=-1", "Page"),
            ("PageToken=PAnot_a_token", "PageToken"), ("PageToken=xyz", "PageToken"),
            // Page × PageSize is an offset: a page number whose offset overflows must be refused, not trap.
            ("Page=9223372036854775807", "Page"), ("PageSize=1&Page=9223372036854775807", "Page"),
        ])
    func invalidPaging(query: String, name: String) async throws {
        try await withAPI { _, api in
            let response = try await api.get(APIClient.services() + "?" + query)
            try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: \(name)")
        }
    }

    @Test("fetch, update, delete: 204, and then fetch is 404")
    func lifecycle() async throws {
        try await withAPI { _, api in
            let sid = try await api.createService(["FriendlyName": "Lifecycle", "CodeLength": "6"])
            let path = APIClient.services() + "/" + sid
            let fetched = try await api.get(path)
            #expect(fetched.status == .ok)
            #expect(try fetched.json()["friendly_name"] as? String == "Lifecycle")
            let updated = try await api.post(path, ["FriendlyName": "Renamed", "CodeLength": "10"])
            #expect(updated.status == .ok)
            #expect(try updated.json()["friendly_name"] as? String == "Renamed")
            #expect(try updated.json()["code_length"] as? Int == 10)
            #expect(try await api.get(path).json()["code_length"] as? Int == 10)
            try await api.post(path, ["CodeLength": "2"]).expectTwilioError(
                .badRequest, code: 60200, message: "Invalid parameter: CodeLength")
            let deleted = try await api.delete(path)
            #expect(deleted.status == .noContent)
            #expect(deleted.body.readableBytes == 0)
            try await api.get(path).expectTwilioError(
                .notFound, code: 20404, message: "The requested resource /Services/\(sid) was not found")
            try await api.delete(path).expectTwilioError(.notFound, code: 20404)
            try await api.post(path, ["FriendlyName": "Ghost"]).expectTwilioError(.notFound, code: 20404)
        }
    }

    @Test("a malformed service SID is 404, not 500")
    func malformedSid() async throws {
        try await withAPI { _, api in
            try await api.get(APIClient.services() + "/VAnothex").expectTwilioError(.notFound, code: 20404)
            try await api.post(APIClient.verifications("VA123"), ["To": "+14155550127", "Channel": "sms"])
                .expectTwilioError(.notFound, code: 20404)
        }
    }

    @Test("an unknown path under /v2 is 404 / 20404 in Twilio's error shape")
    func unknownRoute() async throws {
        try await withAPI { _, api in
            let sid = try await api.createService()
            for path in ["/v2/Services/\(sid)/Webhooks", "/v2/Nothing"] {
                let response = try await api.get(path)
                #expect(response.status == .notFound)
                try response.expectTwilioError(.notFound, code: 20404)
            }
        }
    }
}
