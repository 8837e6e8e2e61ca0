import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore

/// `RateLimits` on CreateVerification: a JSON object text from rate limits' unique names to this start's values.
@Suite("The RateLimits parameter")
struct StartRateLimitsTests {
    @Test(
        "RateLimits naming the service's rate limits is accepted, in a form or in a JSON body",
        arguments: [
            #"{"end_user_ip_address": "203.0.113.7"}"#, #"{"end_user_ip_address": "203.0.113.7", "user_id": 42}"#,
            #"{}"#,
        ])
    func accepted(rateLimits: String) async throws {
        try await withAPI { _, api in
            let service = try await api.createService()
            for name in ["end_user_ip_address", "user_id"] {
                _ = try await RateLimitAPITests.createRateLimit(api, service, name)
            }
            let form = try await api.post(
                APIClient.verifications(service),
                ["To": testPhone(1).e164, "Channel": "sms", "RateLimits": rateLimits])
            #expect(form.status == .created, "\(form.text)")
            let json = try await api.post(
                APIClient.verifications(service),
                json: #"{"To": "\#(testPhone(2).e164)", "Channel": "sms", "RateLimits": \#(rateLimits)}"#)
            #expect(json.status == .created, "\(json.text)")
        }
    }

    @Test(
        "RateLimits that are not a flat object of known names and short values are 400 / 60200, and nothing changes",
        arguments: [
            #"{"not_a_limit": "x"}"#, #"{"end_user_ip_address": "x", "other": "y"}"#, "not json",
            #"["end_user_ip_address"]"#, #""end_user_ip_address""#, #"{"end_user_ip_address": {"a": "b"}}"#,
            #"{"end_user_ip_address": true}"#, #"{"end_user_ip_address": null}"#, #"{"end_user_ip_address": 1.5}"#,
            #"{"end_user_ip_address": ""}"#, #"{"end_user_ip_address": "a\nb"}"#,
            #"{"end_user_ip_address": "a", "end_user_ip_address": "b"}"#, #"{"bad name": "x"}"#,
            #"{"end_user_ip_address": "\#(String(repeating: "v", count: 257))"}"#,
        ])
    func refused(rateLimits: String) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            _ = try await RateLimitAPITests.createRateLimit(api, service, "end_user_ip_address")
            let before = try await TableSnapshot.take(fixture.client)
            let response = try await api.post(
                APIClient.verifications(service), ["To": testPhone(3).e164, "Channel": "sms", "RateLimits": rateLimits])
            try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: RateLimits")
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
            #expect(fixture.sender.codes(to: testPhone(3)).isEmpty)
        }
    }

    @Test("RateLimits on a service that does not exist is 404, as the start without them")
    func missingService() async throws {
        try await withAPI { _, api in
            let missing = "VA" + String(repeating: "0", count: 32)
            let response = try await api.post(
                APIClient.verifications(missing),
                ["To": testPhone(4).e164, "Channel": "sms", "RateLimits": #"{"a": "b"}"#])
            try response.expectTwilioError(.notFound, code: 20404)
        }
    }

    @Test(
        "a bucket's max holds on the next starts: past it 429 / 20429 with Retry-After, nothing sent; other values pass"
    )
    func bucketEnforced() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let rateLimit = try await RateLimitAPITests.createRateLimit(api, service, "end_user_ip_address")
            let bucket = try await api.post(
                RateLimitAPITests.buckets(service, rateLimit), ["Max": "2", "Interval": "60"])
            #expect(bucket.status == .created, "\(bucket.text)")
            let ip = #"{"end_user_ip_address": "203.0.113.7"}"#
            for phone in 10..<12 {
                let response = try await api.post(
                    APIClient.verifications(service), ["To": testPhone(phone).e164, "Channel": "sms", "RateLimits": ip])
                #expect(response.status == .created, "\(response.text)")
            }
            let refused = try await api.post(
                APIClient.verifications(service), ["To": testPhone(12).e164, "Channel": "sms", "RateLimits": ip])
            try refused.expectTwilioError(.tooManyRequests, code: 20429)
            #expect(fixture.sender.codes(to: testPhone(12)).isEmpty)
            let other = try await api.post(
                APIClient.verifications(service),
                ["To": testPhone(13).e164, "Channel": "sms", "RateLimits": #"{"end_user_ip_address": "198.51.100.1"}"#])
            #expect(other.status == .created, "\(other.text)")
        }
    }

    /// A replay answers what the start answered, before anything is counted: it neither fills the bucket nor is
    /// refused by the bucket its own start filled.
    @Test("a start replayed under its Idempotency-Key answers its stored 201 and counts in no bucket again")
    func replayNotCounted() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let rateLimit = try await RateLimitAPITests.createRateLimit(api, service, "end_user_ip_address")
            let bucket = try await api.post(
                RateLimitAPITests.buckets(service, rateLimit), ["Max": "1", "Interval": "3600"])
            #expect(bucket.status == .created, "\(bucket.text)")
            let form: KeyValuePairs = [
                "To": testPhone(20).e164, "Channel": "sms", "RateLimits": #"{"end_user_ip_address": "203.0.113.7"}"#,
            ]
            let path = APIClient.verifications(service)
            let first = try await api.post(path, form, headers: [.testIdempotencyKey: "replay-1"])
            #expect(first.status == .created, "\(first.text)")
            let replay = try await api.post(path, form, headers: [.testIdempotencyKey: "replay-1"])
            #expect(replay.status == .created, "\(replay.text)")
            #expect(try replay.json()["sid"] as? String == first.json()["sid"] as? String)
            let hits: Int = try await fixture.scalar("SELECT sum(hits)::integer FROM rate_limit_bucket_hits")
            #expect(hits == 1)
            let other = try await api.post(
                path,
                [
                    "To": testPhone(21).e164, "Channel": "sms",
                    "RateLimits": #"{"end_user_ip_address": "203.0.113.7"}"#,
                ],
                headers: [.testIdempotencyKey: "replay-2"])
            try other.expectTwilioError(.tooManyRequests, code: 20429)
            #expect(fixture.sender.messages.count == 1)
        }
    }
}
