import App
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import VerifyCore

/// `openapi/verifyd.json` is true: it lists exactly the routes, the service serves it as committed, and the
/// answers of a whole happy path are the ones it documents. Schemathesis (scripts/test) fuzzes the rest.
@Suite("The OpenAPI document")
struct OpenAPIDocumentTests {
    static let to = "+14155550170"

    @Test("it describes exactly the routes the router serves, the webhooks included")
    func routes() async throws {
        let contract = try OpenAPIContract()
        try await HTTPFixture.run(delivery: .twilio) { _, app in
            let served = Set(app.routes)
            #expect(served.subtracting(contract.operations).sorted() == [], "routes the document lacks")
            #expect(contract.operations.subtracting(served).sorted() == [], "documented operations no route serves")
        }
    }

    @Test("every operation has an id, and every link names one")
    func links() throws {
        let document = try OpenAPIContract().document
        let operations = document["paths"]?.members.values.flatMap { item in
            OpenAPIContract.methods.compactMap { item[$0] }
        }
        let ids = Set(operations?.compactMap { $0["operationId"]?.string } ?? [])
        #expect(ids.count == operations?.count)
        let targets = operations?.flatMap { operation in
            operation["responses"]?.members.values.flatMap { $0["links"]?.members.values ?? [:].values } ?? []
        }
        let named = Set(targets?.compactMap { $0["operationId"]?.string } ?? [])
        #expect(!named.isEmpty)
        #expect(named.subtracting(ids).sorted() == [])
    }

    @Test("GET /openapi.json serves the committed file, without credentials")
    func served() async throws {
        let contract = try OpenAPIContract()
        try await withAPI { _, api in
            let response = try await APIClient(client: api.client, authorization: nil).get("/openapi.json")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let served = Array(response.body.readableBytesView)
            #expect(served == contract.bytes, "serves \(served.count) bytes, not the file's: rebuild after editing it")
            try contract.expectConforms(response, .get, "/openapi.json")
        }
    }

    @Test("the answers along the happy path, and its common refusals, are the ones the document gives")
    func happyPath() async throws {
        let contract = try OpenAPIContract()
        try await withAPI(delivery: .twilio) { fixture, api in
            let anonymous = APIClient(client: api.client, authorization: nil)
            try contract.expectConforms(try await anonymous.get("/healthz"), .get, "/healthz")
            try contract.expectConforms(try await anonymous.get("/readyz"), .get, "/readyz")

            let services = "/v2/Services"
            let created = try await api.post(services, ["FriendlyName": "Schema Test", "CodeLength": "8"])
            try contract.expectConforms(created, .post, services)
            let service = try #require(try created.json()["sid"] as? String)
            let one = "/v2/Services/{service}"
            try contract.expectConforms(try await api.get(services + "?PageSize=1"), .get, services)
            try contract.expectConforms(try await api.get("\(services)/\(service)"), .get, one)
            try contract.expectConforms(
                try await api.post("\(services)/\(service)", ["DoNotShareWarningEnabled": "True"]), .post, one)
            try contract.expectConforms(try await api.post(services, ["FriendlyName": "http link"]), .post, services)
            try contract.expectConforms(try await anonymous.get(services), .get, services)

            let verifications = "/v2/Services/{service}/Verifications"
            let started = try await api.post(APIClient.verifications(service), ["To": Self.to, "Channel": "sms"])
            try contract.expectConforms(started, .post, verifications)
            let sid = try #require(try started.json()["sid"] as? String)
            let attempts = try #require(try started.json()["send_code_attempts"] as? [[String: Any]])
            let attempt = try #require(attempts.first?["attempt_sid"] as? String)
            let verification = "/v2/Services/{service}/Verifications/{sid}"
            try contract.expectConforms(
                try await api.get("\(APIClient.verifications(service))/\(sid)"), .get, verification)
            try contract.expectConforms(
                try await api.post(APIClient.verifications(service), ["To": "+1", "Channel": "sms"]), .post,
                verifications)

            try contract.expectConforms(
                try await api.webhook("/twilio/status/\(attempt)", ["MessageStatus": "delivered"]), .post,
                "/twilio/status/{attempt}")
            try contract.expectConforms(
                try await api.webhook("/twilio/voice/\(sid)"), .post, "/twilio/voice/{verification}")
            let stop: KeyValuePairs = [
                "From": "+14155550171", "Body": "STOP", "MessageSid": "SM0123456789abcdef0123456789abcdef",
            ]
            try contract.expectConforms(
                try await api.webhook("/twilio/incoming/sms", stop), .post, "/twilio/incoming/sms")
            try contract.expectConforms(
                try await api.webhook("/twilio/incoming/sms", ["From": "+14155550171", "Body": "STOP"]), .post,
                "/twilio/incoming/sms")
            try contract.expectConforms(
                try await api.webhook("/twilio/incoming/voice"), .post, "/twilio/incoming/voice")
            try contract.expectConforms(
                try await api.webhook("/twilio/incoming/voice", signature: .header("bm90IGEgc2lnbmF0dXJl")), .post,
                "/twilio/incoming/voice")

            let check = "/v2/Services/{service}/VerificationCheck"
            try contract.expectConforms(try await api.check(service, to: Self.to, code: "00000000"), .post, check)
            let code = try #require(fixture.sender.messages.last?.code.revealed)
            let approved = try await api.post(APIClient.check(service), ["VerificationSid": sid, "Code": code])
            #expect(try approved.json()["status"] as? String == "approved")
            try contract.expectConforms(approved, .post, check)
            try contract.expectConforms(
                try await api.get("\(APIClient.verifications(service))/\(sid)"), .get, verification)
            try contract.expectConforms(try await api.check(service, to: Self.to, code: code), .post, check)

            let again = try await api.start(service, to: Self.to)
            let againSid = try #require(again["sid"] as? String)
            try contract.expectConforms(
                try await api.post("\(APIClient.verifications(service))/\(againSid)", ["Status": "canceled"]), .post,
                verification)

            try contract.expectConforms(try await api.post("/sms", ["number": "+14155550172"]), .post, "/sms")
            try contract.expectConforms(try await anonymous.post("/sms", ["number": "+14155550172"]), .post, "/sms")
            try contract.expectConforms(try await api.post("/who", ["number": "12"]), .post, "/who")
            try contract.expectConforms(
                try await api.get("/auth/%2B14155550172/000000"), .get, "/auth/{number}/{token}")

            try contract.expectConforms(try await api.delete("\(services)/\(service)"), .delete, one)
            try contract.expectConforms(try await api.get("\(services)/\(service)"), .get, one)
        }
    }

    @Test("the answers of the Rate Limit and Safe List routes, and their refusals, are the ones the document gives")
    func rateLimitsAndSafeList() async throws {
        let contract = try OpenAPIContract()
        try await withAPI { _, api in
            let service = try await api.createService()
            let limits = "/v2/Services/{service}/RateLimits"
            let limitsPath = "/v2/Services/\(service)/RateLimits"
            let created = try await api.post(limitsPath, ["UniqueName": "end_user_ip_address", "Description": "IP"])
            try contract.expectConforms(created, .post, limits)
            let rateLimit = try #require(try created.json()["sid"] as? String)
            try contract.expectConforms(
                try await api.post(limitsPath, ["UniqueName": "end_user_ip_address"]), .post, limits)
            try contract.expectConforms(try await api.post(limitsPath, ["UniqueName": "not valid"]), .post, limits)
            try contract.expectConforms(try await api.get(limitsPath + "?PageSize=1"), .get, limits)
            let one = limits + "/{rateLimit}"
            try contract.expectConforms(try await api.get("\(limitsPath)/\(rateLimit)"), .get, one)
            try contract.expectConforms(
                try await api.post("\(limitsPath)/\(rateLimit)", ["Description": "by IP"]), .post, one)

            let buckets = one + "/Buckets"
            let bucketsPath = "\(limitsPath)/\(rateLimit)/Buckets"
            let bucket = try await api.post(bucketsPath, ["Max": "5", "Interval": "60"])
            try contract.expectConforms(bucket, .post, buckets)
            let bucketSid = try #require(try bucket.json()["sid"] as? String)
            try contract.expectConforms(
                try await api.post(bucketsPath, ["Max": "9", "Interval": "60"]), .post, buckets)
            try contract.expectConforms(try await api.get(bucketsPath), .get, buckets)
            let oneBucket = buckets + "/{bucket}"
            try contract.expectConforms(try await api.get("\(bucketsPath)/\(bucketSid)"), .get, oneBucket)
            try contract.expectConforms(
                try await api.post("\(bucketsPath)/\(bucketSid)", ["Max": "6"]), .post, oneBucket)
            try contract.expectConforms(try await api.delete("\(bucketsPath)/\(bucketSid)"), .delete, oneBucket)
            try contract.expectConforms(try await api.get("\(bucketsPath)/\(bucketSid)"), .get, oneBucket)
            try contract.expectConforms(try await api.delete("\(limitsPath)/\(rateLimit)"), .delete, one)

            let safeList = "/v2/SafeList/Numbers"
            let entry = "/v2/SafeList/Numbers/{number}"
            try contract.expectConforms(try await api.post(safeList, ["PhoneNumber": Self.to]), .post, safeList)
            try contract.expectConforms(try await api.post(safeList, ["PhoneNumber": Self.to]), .post, safeList)
            try contract.expectConforms(try await api.get("\(safeList)/\(Self.to)"), .get, entry)
            try contract.expectConforms(try await api.delete("\(safeList)/%2B\(Self.to.dropFirst())"), .delete, entry)
            try contract.expectConforms(try await api.get("\(safeList)/\(Self.to)"), .get, entry)
        }
    }

    @Test("the answers of the Attempts API, the metrics and the Idempotency-Key refusals are the documented ones")
    func attemptsMetricsAndIdempotency() async throws {
        let contract = try OpenAPIContract()
        try await withAPI { _, api in
            let service = try await api.createService()
            let start = "/v2/Services/{service}/Verifications"
            let started = try await api.post(
                APIClient.verifications(service), ["To": Self.to, "Channel": "sms", "RiskCheck": "disable"],
                headers: [.testIdempotencyKey: "start-1"])
            try contract.expectConforms(started, .post, start)
            let sid = try #require(try started.json()["sid"] as? String)
            let attempts = try #require(try started.json()["send_code_attempts"] as? [[String: Any]])
            let attempt = try #require(attempts.first?["attempt_sid"] as? String)
            let refusals: [(key: String, to: String, status: HTTPResponse.Status)] = [
                ("start-1", "+14155550171", .unprocessableContent), ("not a key", Self.to, .badRequest),
            ]
            for (key, to, status) in refusals {
                let refused = try await api.post(
                    APIClient.verifications(service), ["To": to, "Channel": "sms"], headers: [.testIdempotencyKey: key])
                #expect(refused.status == status)
                try contract.expectConforms(refused, .post, start)
            }
            let check = try await api.post(
                APIClient.check(service), ["To": Self.to, "Code": "000000"], headers: [.testIdempotencyKey: "start-1"])
            #expect(check.status == .unprocessableContent)
            try contract.expectConforms(check, .post, "/v2/Services/{service}/VerificationCheck")

            try contract.expectConforms(try await api.get("/v2/Attempts?VerificationSid=\(sid)"), .get, "/v2/Attempts")
            try contract.expectConforms(try await api.get("/v2/Attempts?PageSize=1"), .get, "/v2/Attempts")
            try contract.expectConforms(try await api.get("/v2/Attempts?Country=ZZ"), .get, "/v2/Attempts")
            try contract.expectConforms(try await api.get("/v2/Attempts/\(attempt)"), .get, "/v2/Attempts/{sid}")
            try contract.expectConforms(
                try await api.get("/v2/Attempts/VL\(String(repeating: "0", count: 32))"), .get, "/v2/Attempts/{sid}")
            let summary = "/v2/Attempts/Summary"
            try contract.expectConforms(try await api.get("\(summary)?VerifyServiceSid=\(service)"), .get, summary)
            try contract.expectConforms(try await api.get("\(summary)?DestinationPrefix=%2B1"), .get, summary)
            try contract.expectConforms(try await api.get("\(summary)?Channel=fax"), .get, summary)

            try contract.expectConforms(try await api.get("/metrics"), .get, "/metrics")
            try contract.expectConforms(
                try await APIClient(client: api.client, authorization: nil).get("/metrics"), .get, "/metrics")
        }
    }
}
