import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// Who a start may send to, through the Verify API: line types, landlines, lookup and geo permissions.
@Suite("Destination screening on start")
struct DestinationScreeningTests {
    @Test(
        "premium-rate and shared-cost numbers are refused with 60410, nothing stored, nothing sent",
        arguments: [
            "+19005550100",  // NANP 900
            "+448712345678",  // UK 087, which libphonenumber files as premium rate
            "+33810123456",  // French 0810, shared cost
        ])
    func premiumRate(_ to: String) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            for channel in ["sms", "call"] {
                let refused = try await api.post(APIClient.verifications(service), ["To": to, "Channel": channel])
                try refused.expectTwilioError(.forbidden, code: 60410)
            }
            #expect(fixture.sender.messages.isEmpty)
            #expect(try await fixture.scalar("SELECT count(*)::integer FROM verifications", as: Int.self) == 0)
        }
    }

    @Test("with SkipSmsToLandlines a fixed line gets 60205 for SMS but can be called; fixed-or-mobile gets SMS")
    func skipSmsToLandlines() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService(
                ["FriendlyName": "Landlines", "LookupEnabled": "true", "SkipSmsToLandlines": "true"])
            let london = "+442079460000"
            let refused = try await api.post(APIClient.verifications(service), ["To": london, "Channel": "sms"])
            try refused.expectTwilioError(
                .forbidden, code: 60205, message: "SMS is not supported by landline phone number")
            #expect(fixture.sender.messages.isEmpty)
            _ = try await api.start(service, to: london, channel: "call")
            _ = try await api.start(service, to: "+14155550100")
            #expect(fixture.sender.messages.count == 2)
        }
    }

    @Test("without SkipSmsToLandlines a fixed line gets its SMS")
    func landlineWithoutSkip() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            _ = try await api.start(service, to: "+442079460000")
            #expect(fixture.sender.messages.count == 1)
        }
    }

    @Test("with LookupEnabled, lookup names the line type on create and on fetch; without it lookup is {}")
    func lookup() async throws {
        try await withAPI { _, api in
            let plain = try await api.createService()
            #expect((try await api.start(plain, to: "+447400123456")["lookup"] as? [String: Any])?.isEmpty == true)

            let service = try await api.createService(["FriendlyName": "Lookups", "LookupEnabled": "true"])
            let created = try await api.start(service, to: "+447400123456")
            let carrier = try #require((created["lookup"] as? [String: Any])?["carrier"] as? [String: Any])
            #expect(carrier["type"] as? String == "mobile")
            #expect(Set(carrier.keys) == ["mobile_country_code", "type", "error_code", "mobile_network_code", "name"])
            #expect(carrier["name"] is NSNull)
            let sid = try #require(created["sid"] as? String)
            let fetched = try await api.get(APIClient.verifications(service) + "/" + sid).json()
            let fetchedCarrier = (fetched["lookup"] as? [String: Any])?["carrier"] as? [String: Any]
            #expect(fetchedCarrier?["type"] as? String == "mobile")
        }
    }

    @Test(
        "numbers that cannot exist are 400 / 60200 Invalid parameter: To",
        arguments: ["+123456789012345", "+44123", "+100447400123456", "+999123456"])
    func impossibleNumbers(_ to: String) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let refused = try await api.post(APIClient.verifications(service), ["To": to, "Channel": "sms"])
            try refused.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: To")
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    @Test("a number in a range newer than the metadata is 60200 by default, and sent to when that is turned off")
    func unknownRange() async throws {
        // 835 opened after Debian 12's metadata (see NumberFactsTests).
        let newer = "+18352345678"
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let refused = try await api.post(APIClient.verifications(service), ["To": newer, "Channel": "sms"])
            try refused.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: To")
            #expect(fixture.logs.lines(withMessage: "start.refused").contains { $0.contains("rule=line_type") })
        }
        try await withAPI(environment: ["VERIFYD_REFUSE_UNKNOWN_NUMBERS": "false"]) { fixture, api in
            let service = try await api.createService()
            _ = try await api.start(service, to: newer)
            #expect(fixture.sender.messages.count == 1)
        }
    }

    @Test("the high-risk regions are off by default for SMS and calls: 60605, nothing stored or sent")
    func highRiskDefault() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            for to in ["+2348021234567", "+923012345678"] {
                for channel in ["sms", "call"] {
                    let refused = try await api.post(APIClient.verifications(service), ["To": to, "Channel": channel])
                    try refused.expectTwilioError(
                        .forbidden, code: 60605, message: "Verification delivery attempt blocked by geo permissions")
                }
            }
            #expect(fixture.sender.messages.isEmpty)
            #expect(try await fixture.scalar("SELECT count(*)::integer FROM verifications", as: Int.self) == 0)
            let refusals = fixture.logs.lines(withMessage: "start.refused")
            #expect(refusals.count == 4)
            #expect(refusals.allSatisfy { $0.contains("rule=geo") && $0.contains("layer=defaults") })
            #expect(refusals.contains { $0.contains("region=NG") && $0.contains("channel=call") })
            // Region and line type, never the number, not even masked.
            #expect(!fixture.logs.all.joined().contains("8021234567"))
            #expect(!fixture.logs.all.joined().contains("+2348"))
        }
    }

    @Test("an operator turns a region on or off by ISO code, for one channel: +1 is many regions")
    func globalSettings() async throws {
        let environment = [
            "VERIFYD_GEO_ALLOW_SMS": "NG", "VERIFYD_GEO_DENY_SMS": "JM", "VERIFYD_GEO_DENY_VOICE": "*",
            "VERIFYD_GEO_ALLOW_VOICE": "US",
        ]
        try await withAPI(environment: environment) { fixture, api in
            let service = try await api.createService()
            _ = try await api.start(service, to: "+2348021234567")
            _ = try await api.start(service, to: "+14155550100", channel: "call")
            for (to, channel) in [("+18762101234", "sms"), ("+2348021234567", "call"), ("+442079460000", "call")] {
                let refused = try await api.post(APIClient.verifications(service), ["To": to, "Channel": channel])
                try refused.expectTwilioError(.forbidden, code: 60605)
            }
            #expect(fixture.sender.messages.count == 2)
            let line = try #require(fixture.logs.lines(withMessage: "geo.permissions").first)
            #expect(line.contains("sms_off=AZ,BD,DZ,IL,JM,LK,OM,PK,PS,TJ,TN"))
            #expect(line.contains("voice_off=* except US"))
        }
    }

    @Test("a service's own geo permissions win over the operator's both ways, and a tightening applies at once")
    func serviceOverrides() async throws {
        try await withAPI { fixture, api in
            let service = try #require(ServiceSid(try await api.createService()))
            let store = PostgresServiceStore(client: fixture.client)
            _ = try await store.update(service) { $0.geo.sms = try GeoRules(allow: "NG", deny: "GB") }
            _ = try await api.start(service.rawValue, to: "+2348021234567")
            let british = try await api.post(
                APIClient.verifications(service.rawValue), ["To": "+447400123456", "Channel": "sms"])
            try british.expectTwilioError(.forbidden, code: 60605)
            #expect(fixture.logs.lines(withMessage: "start.refused").last?.contains("layer=service") == true)
            // Changed elsewhere (another instance, the admin command): this instance's memo still says NG is on,
            // and the start transaction, which reads the row itself, refuses all the same.
            _ = try await store.update(service) { $0.geo.sms = try GeoRules(allow: "", deny: "NG") }
            let nigerian = try await api.post(
                APIClient.verifications(service.rawValue), ["To": "+2348021234568", "Channel": "sms"])
            try nigerian.expectTwilioError(.forbidden, code: 60605)
            #expect(fixture.sender.messages.count == 1)
        }
    }

    @Test("once the service's settings are known, a refused start is answered before delivery is even asked")
    func screenedBeforeDelivery() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            _ = try await api.start(service, to: "+14155550100")
            fixture.sender.setUnavailable(retryAfter: 30)
            for to in ["+2348021234567", "+19005550100", "+123456789012345"] {
                let refused = try await api.post(APIClient.verifications(service), ["To": to, "Channel": "sms"])
                #expect(refused.status == .forbidden || refused.status == .badRequest, "\(to): \(refused.status)")
            }
            let unavailable = try await api.post(
                APIClient.verifications(service), ["To": "+14155550101", "Channel": "sms"])
            #expect(unavailable.status == .serviceUnavailable)
            #expect(fixture.sender.messages.count == 1)
        }
    }

    @Test("record-only geo lets the start through and logs what it would have refused")
    func recordOnly() async throws {
        try await withAPI(environment: ["VERIFYD_RECORD_ONLY_RULES": "geo"]) { fixture, api in
            let service = try await api.createService()
            _ = try await api.start(service, to: "+2348021234567")
            #expect(fixture.sender.messages.count == 1)
            let flagged = fixture.logs.lines(withMessage: "start.flagged")
            #expect(flagged.count == 1)
            #expect(flagged.first?.contains("rule=geo") == true && flagged.first?.contains("mode=record") == true)
            #expect(fixture.logs.lines(withMessage: "start.refused").isEmpty)
        }
    }

    @Test("a safe-listed number skips geo permissions and line types, never validity or SkipSmsToLandlines")
    func safeList() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService([
                "FriendlyName": "Safe", "LookupEnabled": "true", "SkipSmsToLandlines": "true",
            ])
            let nigerian = "+2348021234567"
            let premium = "+19005550100"
            let london = "+442079460000"
            let newer = "+18352345678"
            // Known to this instance before the numbers are listed, so the early screening is the one asked.
            _ = try await api.start(service, to: "+14155550100")
            for to in [nigerian, premium, london, newer] {
                let added = try await api.post("/v2/SafeList/Numbers", ["PhoneNumber": to])
                #expect(added.status == .created, "\(added.text)")
            }
            _ = try await api.start(service, to: nigerian)
            _ = try await api.start(service, to: premium, channel: "call")
            _ = try await api.start(service, to: newer)
            let landline = try await api.post(APIClient.verifications(service), ["To": london, "Channel": "sms"])
            try landline.expectTwilioError(.forbidden, code: 60205)
            #expect(fixture.sender.messages.map(\.to.e164) == ["+14155550100", nigerian, premium, newer])

            // Taken off the list, the number is refused again.
            #expect(try await api.delete("/v2/SafeList/Numbers/\(nigerian)").status == .noContent)
            let other = try await api.createService(["FriendlyName": "Other"])
            let refused = try await api.post(APIClient.verifications(other), ["To": nigerian, "Channel": "sms"])
            try refused.expectTwilioError(.forbidden, code: 60605)
        }
    }

    @Test("a safe-listed number is screened as listed even by an instance that has not seen the service yet")
    func safeListOnFirstStart() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let added = try await api.post("/v2/SafeList/Numbers", ["PhoneNumber": "+923012345678"])
            #expect(added.status == .created)
            _ = try await api.start(service, to: "+923012345678")
            #expect(fixture.sender.messages.count == 1)
        }
    }

    @Test("RiskCheck takes enable or disable; disable lifts neither geo permissions nor line types")
    func riskCheck() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            for value in ["enable", "disable"] {
                let created = try await api.post(
                    APIClient.verifications(service), ["To": "+14155550100", "Channel": "sms", "RiskCheck": value])
                #expect(created.status == .created)
            }
            for value in ["off", "Disable"] {
                let refused = try await api.post(
                    APIClient.verifications(service), ["To": "+14155550101", "Channel": "sms", "RiskCheck": value])
                try refused.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: RiskCheck")
            }
            for to in ["+2348021234567", "+19005550100"] {
                let refused = try await api.post(
                    APIClient.verifications(service), ["To": to, "Channel": "sms", "RiskCheck": "disable"])
                #expect(refused.status == .forbidden)
            }
            #expect(fixture.sender.messages.count == 2)
        }
    }
}
