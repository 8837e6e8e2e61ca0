import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore

@testable import HTTPAPI

/// `/v2/Attempts`, `/v2/Attempts/{VL…}` and `/v2/Attempts/Summary`: shapes, filters, paging and refusals.
@Suite("Attempts API")
struct AttemptAPITests {
    /// Attempts made through the API, with a region and a creation time set in the database as the start path and
    /// the clock would have: what each filter should find is then known.
    struct Scenario {
        var services: [String] = []
        /// Attempt SIDs by name.
        var attempts: [String: String] = [:]
        /// Verification SIDs by name.
        var verifications: [String: String] = [:]

        func sids(_ names: [String]) -> [String] { names.map { attempts[$0]! } }
    }

    /// Two services. In the first: `gb` (+44, approved, one day old), `us` (sent twice, so two attempts `us` and
    /// `us2`, approved), `fr` (a call, pending). In the second: `de` (pending, two days old).
    static func scenario(_ fixture: HTTPFixture, _ api: APIClient) async throws -> Scenario {
        var scenario = Scenario()
        scenario.services = [try await api.createService(), try await api.createService()]
        let starts: [(String, Int, String, String, String)] = [
            ("gb", 0, "+447400123456", "sms", "GB"), ("us", 0, "+14155550170", "sms", "US"),
            ("us2", 0, "+14155550170", "sms", "US"), ("fr", 0, "+33612345678", "call", "FR"),
            ("de", 1, "+4915112345678", "sms", "DE"),
        ]
        for (name, service, to, channel, region) in starts {
            let json = try await api.start(scenario.services[service], to: to, channel: channel)
            let attempts = try #require(json["send_code_attempts"] as? [[String: Any]])
            let attempt = try #require(attempts.last?["attempt_sid"] as? String)
            scenario.attempts[name] = attempt
            scenario.verifications[name] = try #require(json["sid"] as? String)
            try await fixture.client.query(
                "UPDATE delivery_attempts SET destination_region = \(region) WHERE sid = \(attempt)")
        }
        for name in ["gb", "us"] {
            let to = name == "gb" ? "+447400123456" : "+14155550170"
            let code = try Self.lastCode(fixture, to: to)
            #expect(try await api.check(scenario.services[0], to: to, code: code).status == .ok)
        }
        // Creation times one second apart, newest last in the list above, then gb and de moved into the past.
        for (index, name) in ["gb", "us", "us2", "fr", "de"].enumerated() {
            try await fixture.client.query(
                """
                UPDATE delivery_attempts SET created_at = now() - \(5 - index) * interval '1 second'
                WHERE sid = \(scenario.attempts[name]!)
                """)
        }
        try await fixture.client.query(
            "UPDATE delivery_attempts SET created_at = created_at - interval '1 day' WHERE sid = \(scenario.attempts["gb"]!)"
        )
        try await fixture.client.query(
            "UPDATE delivery_attempts SET created_at = created_at - interval '2 days' WHERE sid = \(scenario.attempts["de"]!)"
        )
        return scenario
    }

    /// The code most recently sent to `to`.
    static func lastCode(_ fixture: HTTPFixture, to: String) throws -> String {
        let phone = try #require(PhoneNumber(e164: to))
        return try #require(fixture.sender.codes(to: phone).last)
    }

    static func sids(_ response: TestResponse) throws -> [String] {
        let attempts = try #require(try response.json()["attempts"] as? [[String: Any]], "\(response.text)")
        return attempts.compactMap { $0["sid"] as? String }
    }

    @Test("fetch answers Twilio's verification_attempt with every key, converted once its verification is approved")
    func fetch() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let to = "+447400123456"
            let started = try await api.start(service, to: to)
            let verification = try #require(started["sid"] as? String)
            let sid = try #require(
                (started["send_code_attempts"] as? [[String: Any]])?.first?["attempt_sid"] as? String)
            try await fixture.client.query("UPDATE delivery_attempts SET destination_region = 'GB'")

            let before = try await api.get("/v2/Attempts/\(sid)")
            #expect(before.status == .ok)
            let keys = JSONObjectKeys.topLevel(Array(before.text.utf8))
            #expect(
                keys == [
                    "sid", "account_sid", "service_sid", "verification_sid", "date_created", "date_updated",
                    "conversion_status", "channel", "price", "channel_data", "url",
                ])
            var json = try before.json()
            #expect(json["sid"] as? String == sid)
            #expect(json["account_sid"] as? String == HTTPFixture.accountSid)
            #expect(json["service_sid"] as? String == service)
            #expect(json["verification_sid"] as? String == verification)
            #expect(json["conversion_status"] as? String == "unconverted")
            #expect(json["channel"] as? String == "sms")
            #expect(json["price"] is NSNull)
            #expect(json["url"] as? String == "\(HTTPFixture.publicURL)/v2/Attempts/\(sid)")
            #expect((json["date_created"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil)
            var data = try #require(json["channel_data"] as? [String: Any])
            #expect(data["to"] as? String == to)
            #expect(data["verification_sid"] as? String == verification)
            #expect(data["status"] as? String == "unconfirmed")
            #expect(data["message_status"] as? String == "sent")
            #expect(data["country"] as? String == "GB")
            for key in ["error_code", "code_length", "locale", "mcc", "mnc", "carrier"] {
                #expect(data[key] is NSNull, "\(key)")
            }

            let code = try Self.lastCode(fixture, to: to)
            #expect(try await api.check(service, to: to, code: code).status == .ok)
            json = try await api.get("/v2/Attempts/\(sid)").json()
            #expect(json["conversion_status"] as? String == "converted")
            data = try #require(json["channel_data"] as? [String: Any])
            #expect(data["status"] as? String == "confirmed")
        }
    }

    @Test("every attempt of an approved verification is converted, the re-sent ones too")
    func resendsConvert() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let to = "+14155550171"
            _ = try await api.start(service, to: to)
            let again = try await api.start(service, to: to)
            let verification = try #require(again["sid"] as? String)
            let code = try Self.lastCode(fixture, to: to)
            #expect(try await api.check(service, to: to, code: code).status == .ok)
            let listed = try await api.get("/v2/Attempts?VerificationSid=\(verification)").json()
            let attempts = try #require(listed["attempts"] as? [[String: Any]])
            #expect(attempts.count == 2)
            #expect(attempts.allSatisfy { $0["conversion_status"] as? String == "converted" })
        }
    }

    @Test("an unknown attempt is 404 / 20404 naming it; a malformed SID is 404 too")
    func notFound() async throws {
        try await withAPI { _, api in
            let unknown = "VL" + String(repeating: "0", count: 32)
            try await api.get("/v2/Attempts/\(unknown)").expectTwilioError(
                .notFound, code: 20404, message: "The requested resource /Attempts/\(unknown) was not found")
            try await api.get("/v2/Attempts/VEnothex").expectTwilioError(.notFound, code: 20404)
        }
    }

    @Test("the Attempts routes ask for credentials like every Verify route")
    func credentials() async throws {
        try await withAPI { _, api in
            let anonymous = APIClient(client: api.client, authorization: nil)
            for path in ["/v2/Attempts", "/v2/Attempts/Summary", "/v2/Attempts/VL" + String(repeating: "0", count: 32)]
            {
                try await anonymous.get(path).expectTwilioError(.unauthorized, code: 20003)
            }
        }
    }

    @Test("each filter, alone and together, finds exactly its attempts, newest first")
    func filters() async throws {
        try await withAPI { fixture, api in
            let scenario = try await Self.scenario(fixture, api)
            let (first, second) = (scenario.services[0], scenario.services[1])
            let dayAgo = try await fixture.scalar(
                "SELECT to_char((now() - interval '12 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                as: String.self)
            let cases: [(String, [String])] = [
                ("", ["fr", "us2", "us", "gb", "de"]),
                ("VerifyServiceSid=\(first)", ["fr", "us2", "us", "gb"]),
                ("VerifyServiceSid=\(second)", ["de"]),
                ("VerifyServiceSid=VA" + String(repeating: "0", count: 32), []),
                ("Country=GB", ["gb"]),
                ("Country=us", ["us2", "us"]),
                ("Country=JP", []),
                ("Channel=call", ["fr"]),
                ("Channel=sms&Status=converted", ["us2", "us", "gb"]),
                ("Channel=whatsapp", []),
                ("Status=UNCONVERTED", ["fr", "de"]),
                ("ChannelData.To=%2B14155550170", ["us2", "us"]),
                ("ChannelData.To=%2B14155550199", []),
                ("VerificationSid=\(scenario.verifications["us"]!)", ["us2", "us"]),
                ("DateCreatedAfter=\(dayAgo)", ["fr", "us2", "us"]),
                ("DateCreatedBefore=\(dayAgo)", ["gb", "de"]),
                ("DateCreatedBefore=\(dayAgo)&VerifyServiceSid=\(first)", ["gb"]),
                ("DateCreatedAfter=\(dayAgo)&Country=US&Status=converted&Channel=sms", ["us2", "us"]),
            ]
            for (query, expected) in cases {
                let response = try await api.get("/v2/Attempts" + (query.isEmpty ? "" : "?" + query))
                #expect(response.status == .ok, "\(query): \(response.text)")
                #expect(try Self.sids(response) == scenario.sids(expected), "\(query)")
            }
        }
    }

    @Test("PageSize=2 and next_page_url, which keeps the filters, visit every matching attempt once, in order")
    func paging() async throws {
        try await withAPI { fixture, api in
            let scenario = try await Self.scenario(fixture, api)
            var path: String? = "/v2/Attempts?VerifyServiceSid=\(scenario.services[0])&PageSize=2"
            var seen: [String] = []
            var pages = 0
            while let current = path, pages < 10 {
                let response = try await api.get(current)
                #expect(response.status == .ok)
                seen += try Self.sids(response)
                let meta = try #require(try response.json()["meta"] as? [String: Any])
                #expect(meta["key"] as? String == "attempts")
                #expect(meta["page"] as? Int == pages)
                #expect(meta["page_size"] as? Int == 2)
                #expect(
                    meta["first_page_url"] as? String
                        == "\(HTTPFixture.publicURL)/v2/Attempts?VerifyServiceSid=\(scenario.services[0])&PageSize=2&Page=0"
                )
                #expect((pages == 0) == (meta["previous_page_url"] is NSNull))
                pages += 1
                if let next = meta["next_page_url"] as? String {
                    #expect(next.contains("VerifyServiceSid=\(scenario.services[0])"))
                    path = String(next.dropFirst(HTTPFixture.publicURL.count))
                } else {
                    path = nil
                }
            }
            #expect(pages == 2)
            #expect(seen == scenario.sids(["fr", "us2", "us", "gb"]))
            // Page alone is an offset.
            let second = try await api.get("/v2/Attempts?PageSize=2&Page=1")
            #expect(try Self.sids(second) == scenario.sids(["us", "gb"]))
        }
    }

    @Test("Summary counts attempts and conversions under its filters, with Twilio's percentage")
    func summary() async throws {
        try await withAPI { fixture, api in
            let scenario = try await Self.scenario(fixture, api)
            let cases: [(String, Int, Int, String?)] = [
                ("", 5, 3, "60.000000000"),
                ("VerifyServiceSid=\(scenario.services[0])", 4, 3, "75.000000000"),
                ("Country=US", 2, 2, "100.000000000"),
                ("Channel=call", 1, 0, "0.000000000"),
                ("DestinationPrefix=%2B4", 2, 1, "50.000000000"),
                ("DestinationPrefix=44", 1, 1, "100.000000000"),
                ("DestinationPrefix=1&Country=US&Channel=sms", 2, 2, "100.000000000"),
                ("Country=JP", 0, 0, nil),
                // Not a Summary filter: ignored, as Twilio ignores parameters it does not read.
                ("Status=converted", 5, 3, "60.000000000"),
            ]
            for (query, attempts, converted, rate) in cases {
                let response = try await api.get("/v2/Attempts/Summary" + (query.isEmpty ? "" : "?" + query))
                #expect(response.status == .ok, "\(query): \(response.text)")
                let json = try response.json()
                #expect(json["total_attempts"] as? Int == attempts, "\(query)")
                #expect(json["total_converted"] as? Int == converted, "\(query)")
                #expect(json["total_unconverted"] as? Int == attempts - converted, "\(query)")
                #expect((json["conversion_rate_percentage"] as? String) == rate, "\(query)")
                #expect(json["url"] as? String == "\(HTTPFixture.publicURL)/v2/Attempts/Summary")
            }
        }
    }

    @Test("a malformed filter or page is 400 / 60200 naming it, and changes nothing")
    func malformed() async throws {
        try await withAPI { fixture, api in
            _ = try await Self.scenario(fixture, api)
            let before = try await TableSnapshot.take(fixture.client)
            let cases: [(String, String)] = [
                ("/v2/Attempts?DateCreatedAfter=2026-13-01T00:00:00Z", "DateCreatedAfter"),
                ("/v2/Attempts?DateCreatedAfter=yesterday", "DateCreatedAfter"),
                ("/v2/Attempts?DateCreatedBefore=2026-02-30T00:00:00Z", "DateCreatedBefore"),
                ("/v2/Attempts?DateCreatedBefore=2026-01-01", "DateCreatedBefore"),
                (
                    "/v2/Attempts?DateCreatedAfter=2026-02-01T00:00:00Z&DateCreatedBefore=2026-01-01T00:00:00Z",
                    "DateCreatedBefore"
                ),
                ("/v2/Attempts?VerifyServiceSid=VE" + String(repeating: "0", count: 32), "VerifyServiceSid"),
                ("/v2/Attempts?VerifyServiceSid=VAxyz", "VerifyServiceSid"),
                ("/v2/Attempts?VerificationSid=VA" + String(repeating: "0", count: 32), "VerificationSid"),
                ("/v2/Attempts?ChannelData.To=4155550100", "ChannelData.To"),
                ("/v2/Attempts?Country=USA", "Country"),
                ("/v2/Attempts?Channel=fax", "Channel"),
                ("/v2/Attempts?Status=approved", "Status"),
                ("/v2/Attempts?Channel=sms&Channel=call", "Channel"),
                ("/v2/Attempts?PageSize=0", "PageSize"),
                ("/v2/Attempts?PageSize=1001", "PageSize"),
                ("/v2/Attempts?Page=-1", "Page"),
                ("/v2/Attempts?Page=1000001", "Page"),
                ("/v2/Attempts?PageToken=PAnot_a_token", "PageToken"),
                ("/v2/Attempts?PageToken=PA1_VA" + String(repeating: "0", count: 32), "PageToken"),
                ("/v2/Attempts/Summary?DestinationPrefix=%2B0", "DestinationPrefix"),
                ("/v2/Attempts/Summary?DestinationPrefix=1-415", "DestinationPrefix"),
                ("/v2/Attempts/Summary?Country=1", "Country"),
                ("/v2/Attempts/Summary?VerifyServiceSid=nope", "VerifyServiceSid"),
                ("/v2/Attempts/Summary?DateCreatedAfter=2026-01-01T00:00:00+01:00", "DateCreatedAfter"),
            ]
            for (path, name) in cases {
                try await api.get(path).expectTwilioError(
                    .badRequest, code: 60200, message: "Invalid parameter: \(name)")
            }
            let after = try await TableSnapshot.take(fixture.client)
            #expect(after.changes(since: before).isEmpty, "\(after.changes(since: before))")
        }
    }
}
