import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore

/// Issue 3's contract table through HTTP: statuses, Twilio error codes and `Retry-After`.
@Suite("Verify API contract")
struct VerificationContractTests {
    static let to = "+14155550123"
    static let phone = PhoneNumber(e164: to)!

    @Test("with nothing pending: create 201, check 404 with Twilio's message, fetch 404")
    func nonePending() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let check = try await api.check(service, to: Self.to, code: "123456")
            try check.expectTwilioError(
                .notFound, code: 20404,
                message: "The requested resource /Services/\(service)/VerificationCheck was not found")
            let sid = VerificationSid.random().rawValue
            let fetch = try await api.get(APIClient.verifications(service) + "/" + sid)
            try fetch.expectTwilioError(
                .notFound, code: 20404,
                message: "The requested resource /Services/\(service)/Verifications/\(sid) was not found")
            let created = try await api.start(service, to: Self.to)
            #expect(created["status"] as? String == "pending")
            #expect(fixture.sender.messages.count == 1)
        }
    }

    @Test("while pending: create re-sends the same code for the same SID; wrong is pending, right is approved")
    func pending() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let first = try await api.start(service, to: Self.to)
            let second = try await api.start(service, to: Self.to, channel: "call")
            #expect(second["sid"] as? String == first["sid"] as? String)
            #expect((second["send_code_attempts"] as? [Any])?.count == 2)
            #expect(second["channel"] as? String == "call")
            let codes = fixture.sender.codes(to: Self.phone)
            #expect(codes.count == 2 && Set(codes).count == 1)
            let sid = try #require(first["sid"] as? String)
            let fetched = try await api.get(APIClient.verifications(service) + "/" + sid)
            #expect(fetched.status == .ok)
            #expect(try fetched.json()["status"] as? String == "pending")

            let wrong = try await api.check(service, to: Self.to, code: "00000000")
            #expect(wrong.status == .ok)
            #expect(try wrong.json()["status"] as? String == "pending")
            #expect(try wrong.json()["valid"] as? Bool == false)
            let right = try await api.check(service, to: Self.to, code: try #require(codes.first))
            #expect(right.status == .ok)
            #expect(try right.json()["status"] as? String == "approved")
            #expect(try right.json()["valid"] as? Bool == true)
        }
    }

    @Test("at the maximum of sends: create is 429 / 60203 with Retry-After and sends nothing; fetch still 200")
    func maxSends() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService(["FriendlyName": "Api Test", "MaxSendAttempts": "2"])
            let first = try await api.start(service, to: Self.to)
            _ = try await api.start(service, to: Self.to)
            let refused = try await api.post(APIClient.verifications(service), ["To": Self.to, "Channel": "sms"])
            try refused.expectTwilioError(.tooManyRequests, code: 60203, message: "Max send attempts reached")
            #expect(refused.headers[.retryAfter].flatMap { Int($0) }.map { (590...600).contains($0) } == true)
            #expect(fixture.sender.messages.count == 2)
            let fetched = try await api.get(APIClient.verifications(service) + "/" + (first["sid"] as? String ?? ""))
            #expect(fetched.status == .ok)
            let code = try #require(fixture.sender.codes(to: Self.phone).first)
            #expect(try await api.check(service, to: Self.to, code: code).json()["status"] as? String == "approved")
        }
    }

    @Test("at the per-phone failure cap, create is 429 / 60202 with Retry-After of about a day")
    func phoneFailureCap() async throws {
        try await withAPI(environment: ["VERIFYD_PHONE_FAILURE_CAP": "2"]) { fixture, api in
            let service = try await api.createService()
            let first = try await api.start(service, to: Self.to)
            _ = try await api.check(service, to: Self.to, code: "00000000")
            _ = try await api.post(
                APIClient.verifications(service) + "/" + (first["sid"] as? String ?? ""), ["Status": "canceled"])
            _ = try await api.start(service, to: Self.to)
            _ = try await api.check(service, to: Self.to, code: "00000000")
            let refused = try await api.post(APIClient.verifications(service), ["To": Self.to, "Channel": "sms"])
            try refused.expectTwilioError(.tooManyRequests, code: 60202)
            #expect(refused.headers[.retryAfter].flatMap { Int($0) }.map { (86_390...86_400).contains($0) } == true)
            #expect(fixture.sender.messages.count == 2)
        }
    }

    @Test("the last allowed wrong check answers max_attempts_reached; then create and every check are 429 / 60202")
    func maxChecks() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService(["FriendlyName": "Api Test", "MaxCheckAttempts": "2"])
            let started = try await api.start(service, to: Self.to)
            let code = try #require(fixture.sender.codes(to: Self.phone).first)
            #expect(
                try await api.check(service, to: Self.to, code: "00000000").json()["status"] as? String == "pending")
            let last = try await api.check(service, to: Self.to, code: "00000000")
            #expect(last.status == .ok)
            #expect(try last.json()["status"] as? String == "max_attempts_reached")
            #expect(try last.json()["valid"] as? Bool == false)

            let wrong = try await api.check(service, to: Self.to, code: "00000000")
            let right = try await api.check(service, to: Self.to, code: code)
            try wrong.expectTwilioError(.tooManyRequests, code: 60202, message: "Max check attempts reached")
            try right.expectTwilioError(.tooManyRequests, code: 60202, message: "Max check attempts reached")
            #expect(wrong.text == right.text)
            let create = try await api.post(APIClient.verifications(service), ["To": Self.to, "Channel": "sms"])
            try create.expectTwilioError(.tooManyRequests, code: 60202)
            let fetched = try await api.get(APIClient.verifications(service) + "/" + (started["sid"] as? String ?? ""))
            #expect(fetched.status == .ok)
            #expect(try fetched.json()["status"] as? String == "max_attempts_reached")
        }
    }

    enum Ending: String, CaseIterable {
        case approved
        case canceled
        case expired
    }

    @Test(
        "approved, canceled or past validity: check, fetch and update are 404 and create makes a new one",
        arguments: Ending.allCases)
    func ended(ending: Ending) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let started = try await api.start(service, to: Self.to)
            let sid = try #require(started["sid"] as? String)
            let path = APIClient.verifications(service) + "/" + sid
            switch ending {
            case .approved, .canceled:
                let updated = try await api.post(path, ["Status": ending.rawValue])
                #expect(updated.status == .ok)
                #expect(try updated.json()["status"] as? String == ending.rawValue)
                #expect(try updated.json()["valid"] as? Bool == (ending == .approved))
            case .expired:
                try await fixture.client.query("UPDATE verifications SET expires_at = now() - interval '1 second'")
            }
            let code = try #require(fixture.sender.codes(to: Self.phone).first)
            try await api.check(service, to: Self.to, code: code).expectTwilioError(
                .notFound, code: 20404,
                message: "The requested resource /Services/\(service)/VerificationCheck was not found")
            let bySid = try await api.post(APIClient.check(service), ["VerificationSid": sid, "Code": code])
            try bySid.expectTwilioError(.notFound, code: 20404)
            try await api.get(path).expectTwilioError(.notFound, code: 20404)
            try await api.post(path, ["Status": "canceled"]).expectTwilioError(.notFound, code: 20404)
            let next = try await api.start(service, to: Self.to)
            #expect(next["sid"] as? String != sid)
            #expect((next["send_code_attempts"] as? [Any])?.count == 1)
        }
    }

    @Test("a check by VerificationSid approves the right code")
    func checkBySid() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let sid = try #require(try await api.start(service, to: Self.to)["sid"] as? String)
            let code = try #require(fixture.sender.codes(to: Self.phone).first)
            let checked = try await api.post(APIClient.check(service), ["VerificationSid": sid, "Code": code])
            #expect(checked.status == .ok)
            #expect(try checked.json()["status"] as? String == "approved")
            #expect(try checked.json()["sid"] as? String == sid)
        }
    }
}
