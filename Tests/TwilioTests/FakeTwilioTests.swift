import FakeTwilio
import Foundation
import Testing

@testable import Twilio

/// The fake must reject what Twilio rejects, or client tests could pass against requests Twilio would refuse.
@Suite struct FakeTwilioTests {
    static let options = CurlOptions(
        connectTimeoutMilliseconds: 1000,
        totalTimeoutMilliseconds: 3000,
        userAgent: "verifyd/test"
    )

    /// Posts `form` raw to `path` (relative to the account) and returns the HTTP status and Twilio code.
    static func post(
        _ form: [(name: String, value: String)],
        to path: String,
        username: String? = nil,
        password: String? = nil,
        accountSID: String? = nil,
        fake: FakeTwilio
    ) async throws -> (status: Int, body: [String: Any]) {
        let http = CurlHTTPClient(options: options, maxInFlight: 1)
        let account = fake.account
        let auth = CurlRequest.BasicAuth(
            username: username ?? account.accountSID,
            password: password ?? account.authToken
        )
        let url = "\(fake.baseURL)/2010-04-01/Accounts/\(accountSID ?? account.accountSID)/\(path)"
        let request = CurlRequest.post(url, basicAuth: auth, formBody: Array(URLEncodedForm.encode(form).utf8))
        let slot = try #require(http.reserve())
        let result: Result<CurlResponse, CurlTransportError>
        do throws(CurlTransportError) {
            result = .success(try await http.execute(request, in: slot))
        } catch {
            result = .failure(error)
        }
        await http.shutdown()
        let response = try result.get()
        let body = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return (response.status, try #require(body))
    }

    static func withFake(_ body: (FakeTwilio) async throws -> Void) async throws {
        let fake = try await FakeTwilio.start()
        do {
            try await body(fake)
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    static let validMessage: [(name: String, value: String)] = [
        ("To", "+14155550100"), ("From", "+14155550199"), ("Body", "hi"),
    ]

    struct FormCase: Sendable, CustomTestStringConvertible {
        let form: [(name: String, value: String)]
        let code: Int
        var testDescription: String { "\(form.map(\.name)) → \(code)" }

        init(_ form: [(name: String, value: String)], _ code: Int) {
            self.form = form
            self.code = code
        }
    }

    static let longBody = String(repeating: "x", count: 1601)
    static let invalidMessages: [FormCase] = [
        FormCase([("From", "+14155550199"), ("Body", "hi")], 21604),
        FormCase([("To", "+14155550100"), ("Body", "hi")], 21603),
        FormCase([("To", "+14155550100"), ("From", "+14155550199")], 21602),
        FormCase([("To", "4155550100"), ("From", "+14155550199"), ("Body", "hi")], 21211),
        FormCase([("To", "+14155550100"), ("From", "+14155550199"), ("Body", longBody)], 21617),
        FormCase(validMessage + [("ValidityPeriod", "0")], 21624),
        FormCase(validMessage + [("ValidityPeriod", "36001")], 21624),
    ]

    @Test("an invalid message is refused with Twilio's code", arguments: invalidMessages)
    func invalidMessageIsRefused(_ testCase: FormCase) async throws {
        try await Self.withFake { fake in
            let (status, body) = try await Self.post(testCase.form, to: "Messages.json", fake: fake)
            #expect(status == 400)
            #expect(body["code"] as? Int == testCase.code)
            #expect(fake.requests.first?.disposition == .answered(status: 400))
        }
    }

    static let invalidCalls: [FormCase] = [
        FormCase([("From", "+14155550199"), ("Url", "https://e.com")], 21201),
        FormCase([("To", "+14155550100"), ("Url", "https://e.com")], 21213),
        FormCase([("To", "+14155550100"), ("From", "+14155550199")], 21205),
    ]

    @Test("an invalid call is refused with Twilio's code", arguments: invalidCalls)
    func invalidCallIsRefused(_ testCase: FormCase) async throws {
        try await Self.withFake { fake in
            let (status, body) = try await Self.post(testCase.form, to: "Calls.json", fake: fake)
            #expect(status == 400)
            #expect(body["code"] as? Int == testCase.code)
        }
    }

    @Test func aWrongPasswordGets401With20003AndConsumesNoScriptedBehaviour() async throws {
        try await Self.withFake { fake in
            fake.enqueue(.respond(status: 429, twilioCode: 20429), for: .messages)
            let (status, body) = try await Self.post(Self.validMessage, to: "Messages.json", password: "x", fake: fake)
            #expect(status == 401)
            #expect(body["code"] as? Int == 20003)
            let (next, _) = try await Self.post(Self.validMessage, to: "Messages.json", fake: fake)
            #expect(next == 429)
        }
    }

    @Test func validCredentialsForAnotherAccountInThePathGet401() async throws {
        try await Self.withFake { fake in
            let other = FakeTwilioSID.random("AC")
            let (status, _) = try await Self.post(Self.validMessage, to: "Messages.json", accountSID: other, fake: fake)
            #expect(status == 401)
        }
    }

    @Test func anUnknownAPIKeyGets401() async throws {
        try await Self.withFake { fake in
            let key = FakeTwilioAccount.APIKey.random()
            let (status, _) = try await Self.post(
                Self.validMessage,
                to: "Messages.json",
                username: key.sid,
                password: key.secret,
                fake: fake
            )
            #expect(status == 401)
        }
    }

    @Test func anUnknownPathGets404With20404() async throws {
        try await Self.withFake { fake in
            let (status, body) = try await Self.post(Self.validMessage, to: "Unknown.json", fake: fake)
            #expect(status == 404)
            #expect(body["code"] as? Int == 20404)
        }
    }

    @Test func aCreatedMessageLooksLikeTwilios() async throws {
        try await Self.withFake { fake in
            let (status, body) = try await Self.post(Self.validMessage, to: "Messages.json", fake: fake)
            #expect(status == 201)
            #expect((body["sid"] as? String)?.hasPrefix("SM") == true)
            #expect(body["status"] as? String == "queued")
            #expect(body["to"] as? String == "+14155550100")
            #expect(body["account_sid"] as? String == fake.account.accountSID)
            #expect((body["date_created"] as? String)?.hasSuffix(" +0000") == true)
            #expect(body["error_code"] is NSNull, "absent values are null, as in Twilio's JSON")
            #expect(fake.messages.map(\.body) == ["hi"])
            let stats = fake.stats
            #expect([stats.requests, stats.messages, stats.calls] == [Int]([1, 1, 0]))
        }
    }

    @Test func waitingForMoreRequestsThanArriveTimesOut() async throws {
        try await Self.withFake { fake in
            await #expect(throws: FakeTwilioWaitError.self) {
                try await fake.waitForRequests(count: 1, timeout: .milliseconds(50))
            }
        }
    }
}
