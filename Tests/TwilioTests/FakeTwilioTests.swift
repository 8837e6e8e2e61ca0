import TestSupport
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
    ) async throws -> (status: Int, body: String) {
        let http = CurlHTTPClient(options: options, threadCount: 1)
        let account = fake.account
        let auth = CurlRequest.BasicAuth(
            username: username ?? account.accountSID,
            password: password ?? account.authToken
        )
        let url = "\(fake.baseURL)/2010-04-01/Accounts/\(accountSID ?? account.accountSID)/\(path)"
        let result: Result<CurlResponse, CurlTransportError>
        do {
            result = .success(
                try await http.execute(.post(url, basicAuth: auth, formBody: Array(URLEncodedForm.encode(form).utf8)))
            )
        } catch {
            result = .failure(error)
        }
        try await http.shutdown()
        let response = try result.get()
        return (response.status, String(decoding: response.body, as: UTF8.self))
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
            #expect(body.contains("\"code\": \(testCase.code)"))
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
            #expect(body.contains("\"code\": \(testCase.code)"))
        }
    }

    @Test func aWrongPasswordGets401With20003AndConsumesNoScriptedBehaviour() async throws {
        try await Self.withFake { fake in
            fake.enqueue(.respond(status: 429, twilioCode: 20429), for: .messages)
            let (status, body) = try await Self.post(Self.validMessage, to: "Messages.json", password: "x", fake: fake)
            #expect(status == 401)
            #expect(body.contains("\"code\": 20003"))
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
            #expect(body.contains("\"code\": 20404"))
        }
    }

    @Test func aCreatedMessageLooksLikeTwilios() async throws {
        try await Self.withFake { fake in
            let (status, body) = try await Self.post(Self.validMessage, to: "Messages.json", fake: fake)
            #expect(status == 201)
            for key in ["\"sid\": \"SM", "\"status\": \"queued\"", "\"to\": \"+14155550100\"", "\"date_created\": \""] {
                #expect(body.contains(key))
            }
            #expect(body.contains("\"account_sid\": \"\(fake.account.accountSID)\""))
            #expect(body.contains(" +0000\""))
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
