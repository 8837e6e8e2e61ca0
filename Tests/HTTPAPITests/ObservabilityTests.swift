import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing
import VerifyCore

/// What an operator sees of the API: the request id on every line a request causes, and `/metrics`.
@Suite("Observability")
struct ObservabilityTests {
    static let to = "+14155550171"
    static let phone = PhoneNumber(e164: to)!

    @Test("every line a request causes carries that request's id, the domain's lines included")
    func requestIDOnEveryLine() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let started = try await api.post(
                APIClient.verifications(service), ["To": Self.to, "Channel": "sms"],
                headers: [.requestID: "start-request-1"])
            #expect(started.status == .created)
            let code = try #require(fixture.sender.codes(to: Self.phone).last)
            let checked = try await api.post(
                APIClient.check(service), ["To": Self.to, "Code": code], headers: [.requestID: "check-request-1"])
            #expect(checked.status == .ok)

            for (message, id) in [
                ("verification.started", "start-request-1"), ("delivery.attempted", "start-request-1"),
                ("verification.checked", "check-request-1"), ("request", "check-request-1"),
            ] {
                let lines = fixture.logs.lines(withMessage: message)
                #expect(
                    lines.contains { $0.contains("hb.request.id=\(id)") }, "\(message) lacks \(id): \(lines)")
            }
            // One id per line, never Hummingbird's own beside the caller's.
            for line in fixture.logs.lines(withMessage: "verification.started") {
                #expect(line.components(separatedBy: "hb.request.id=").count == 2, "\(line)")
            }
        }
    }

    @Test("/metrics on the API's port answers only with the API's credentials")
    func metricsNeedCredentials() async throws {
        try await withAPI { _, api in
            var anonymous = api
            anonymous.authorization = nil
            #expect(try await anonymous.get("/metrics").status == .unauthorized)
            var wrong = api
            wrong.authorization = HTTPFixture.basic(HTTPFixture.accountSid, "not-the-token")
            #expect(try await wrong.get("/metrics").status == .unauthorized)
            let response = try await api.get("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
        }
    }

    @Test("/metrics counts requests by route template, verifications by channel and country, deliveries, refusals")
    func metricsCount() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService(["FriendlyName": "Metrics", "MaxCheckAttempts": "1"])
            _ = try await api.start(service, to: Self.to)
            let code = try #require(fixture.sender.codes(to: Self.phone).last)
            #expect(try await api.check(service, to: Self.to, code: code).status == .ok)
            // A wrong code uses the only check attempt; the next check is refused by the attempt limit.
            let other = "+447400123456"
            _ = try await api.start(service, to: other)
            _ = try await api.check(service, to: other, code: "000000")
            try await api.check(service, to: other, code: "000000").expectTwilioError(.tooManyRequests, code: 60202)

            let text = try await api.get("/metrics").text
            for series in [
                #"verifyd_http_requests_total{method="POST",route="/v2/Services/{service}/Verifications",status="201"} 2"#,
                #"verifyd_verifications_total{event="started",channel="sms",country="US"} 1"#,
                #"verifyd_verifications_total{event="started",channel="sms",country="GB"} 1"#,
                #"verifyd_verifications_total{event="approved",channel="sms",country="US"} 1"#,
                #"verifyd_verifications_total{event="max_attempts_reached",channel="sms",country="GB"} 1"#,
                #"verifyd_deliveries_total{status="sent",error_code="none"} 2"#,
                #"verifyd_refusals_total{rule="check_attempts"} 1"#,
                #"verifyd_outbox_depth 0"#,
                #"verifyd_db_pool_waiting 0"#,
            ] {
                #expect(text.contains(series), "missing \(series) in:\n\(text)")
            }
            #expect(
                text.contains(
                    #"verifyd_http_request_duration_seconds_bucket{method="POST",route="/v2/Services/{service}/VerificationCheck",le="#
                ))
            #expect(text.contains(#"verifyd_db_pool_connections{state="in_use"}"#))
            // Labels are templates and fixed names: no SID, no number, no code.
            #expect(!text.contains(service))
            #expect(!text.contains("5550171") && !text.contains("7400123456") && !text.contains(code))
        }
    }

    @Test("/metrics names the rule of every defence that refused: screening, issue 9's limits, the login throttle")
    func refusalsNameTheirRule() async throws {
        try await waitForRoomInTheHour(.seconds(120))
        let environment = [
            "VERIFYD_DEVICE_IP_STARTS_PER_HOUR": "1", "VERIFYD_PREFIX_MIN_STARTS_PER_HOUR": "2",
            "VERIFYD_API_KEY_CHECKS_PER_HOUR": "1", "VERIFYD_AUTH_FAILURE_LIMIT": "1",
        ]
        try await withAPI(environment: environment) { fixture, api in
            let service = try await api.createService(
                ["FriendlyName": "Refusals", "LookupEnabled": "true", "SkipSmsToLandlines": "true"])
            let screened: [(to: String, code: Int)] = [
                ("+2348021234567", 60605),  // Nigeria: off by default
                ("+19005550100", 60410),  // premium rate
                ("+442079460000", 60205),  // a London fixed line
            ]
            for refusal in screened {
                try await api.post(APIClient.verifications(service), ["To": refusal.to, "Channel": "sms"])
                    .expectTwilioError(.forbidden, code: refusal.code)
            }
            // One end user's second start (in another prefix); then a prefix's third start, after two, none approved.
            let starts: [(to: String, deviceIp: String, status: HTTPResponse.Status, code: Int?)] = [
                ("+14152010100", "192.0.2.1", .created, nil), ("+14152020100", "192.0.2.1", .tooManyRequests, 20429),
                ("+14152030101", "192.0.2.2", .created, nil), ("+14152030102", "192.0.2.3", .created, nil),
                ("+14152030103", "192.0.2.4", .forbidden, 60410),
            ]
            for start in starts {
                let response = try await api.post(
                    APIClient.verifications(service), ["To": start.to, "Channel": "sms", "DeviceIp": start.deviceIp])
                if let code = start.code {
                    try response.expectTwilioError(start.status, code: code)
                } else {
                    #expect(response.status == start.status, "\(start.to): \(response.text)")
                }
            }
            // The credential's second check this hour.
            #expect(try await api.check(service, to: "+14152010100", code: "000000").status == .ok)
            try await api.check(service, to: "+14152010100", code: "000000")
                .expectTwilioError(.tooManyRequests, code: 20429)
            // Last: past the limit this client address is refused whatever it sends, the scrape too.
            let wrong = APIClient(client: api.client, authorization: HTTPFixture.basic(HTTPFixture.accountSid, "x"))
            #expect(try await wrong.get(APIClient.services()).status == .unauthorized)
            try await wrong.get(APIClient.services()).expectTwilioError(.tooManyRequests, code: 20429)
            fixture.clock.advance(by: .seconds(301))

            let text = try await api.get("/metrics").text
            for rule in ["geo", "line_type", "landline", "device_ip", "prefix", "api_key_checks", "auth_throttle"] {
                let series = #"verifyd_refusals_total{rule="\#(rule)"} 1"#
                #expect(text.contains(series), "missing \(series) in:\n\(text)")
            }
            // The limits are not the Service Rate Limits, nor an operator's block.
            #expect(!text.contains(#"rule="rate_limit""#) && !text.contains(#"rule="phone_blocked""#))
        }
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
