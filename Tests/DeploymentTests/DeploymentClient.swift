import AsyncHTTPClient
import FakeTwilio
import Foundation
import NIOCore
import Synchronization
import TestSupport
import Twilio

/// The calls the deployment tests make, as a Twilio client and Twilio itself would make them, to the balancer or to
/// one instance (`base` is `http://127.0.0.1:PORT`). One HTTP client with room for hundreds of requests in flight.
struct DeploymentClient: Sendable {
    let http: TestHTTPClient
    let environment: VerifydEnvironment
    let fake: FakeTwilio
    private let phones = PhoneNumbers()

    init(httpClient: HTTPClient, environment: VerifydEnvironment, fake: FakeTwilio) {
        http = TestHTTPClient(client: httpClient)
        self.environment = environment
        self.fake = fake
    }

    /// Idle connections close after 5 s, before HAProxy closes them (`timeout http-keep-alive 10s`): a request sent
    /// on a connection the balancer is closing at that moment would fail.
    static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(10), read: .seconds(60)),
            connectionPool: .init(idleTimeout: .seconds(5), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024))
        configuration.proxy = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// A number no other verification of this run used.
    func newPhone() -> String { phones.next() }

    func post(
        _ base: String, _ path: String, _ form: [(String, String)], requestID: String? = nil
    ) async throws -> TestHTTPClient.Reply {
        var headers = ["Authorization": environment.basicAuthorization]
        if let requestID { headers["X-Request-Id"] = requestID }
        return try await http.send("POST", base + path, form: form, headers: headers)
    }

    func get(_ base: String, _ path: String, requestID: String? = nil) async throws -> TestHTTPClient.Reply {
        var headers = ["Authorization": environment.basicAuthorization]
        if let requestID { headers["X-Request-Id"] = requestID }
        return try await http.send("GET", base + path, headers: headers)
    }

    func createService(_ base: String, _ settings: [(String, String)] = []) async throws -> String {
        let reply = try await post(base, "/v2/Services", [("FriendlyName", "Acme")] + settings)
        guard reply.status == 201, let sid = reply.json["sid"] as? String else {
            throw VerifydProcessError("service not created: \(reply.status) \(reply.text)")
        }
        return sid
    }

    func start(_ base: String, _ service: String, _ phone: String, requestID: String? = nil) async throws
        -> TestHTTPClient.Reply
    {
        try await post(
            base, "/v2/Services/\(service)/Verifications", [("To", phone), ("Channel", "sms")], requestID: requestID)
    }

    func check(_ base: String, _ service: String, _ phone: String, _ code: String, requestID: String? = nil)
        async throws -> TestHTTPClient.Reply
    {
        try await post(
            base, "/v2/Services/\(service)/VerificationCheck", [("To", phone), ("Code", code)], requestID: requestID)
    }

    /// A status callback signed as Twilio signs it: over the public URL (the balancer's) and the form.
    func webhook(_ base: String, _ path: String, _ form: [(String, String)], requestID: String) async throws
        -> TestHTTPClient.Reply
    {
        let signature = WebhookSignatureValidator.signature(
            authToken: fake.account.authToken, url: environment["VERIFYD_PUBLIC_URL"]! + path,
            formParameters: form.map { (name: $0.0, value: $0.1) })
        return try await http.send(
            "POST", base + path, form: form, headers: ["X-Twilio-Signature": signature, "X-Request-Id": requestID])
    }

    /// The code of the latest SMS the fake Twilio received for `phone`; with the fast path it is there when the
    /// start answers, after a retried start a moment later.
    func code(for phone: String, timeout: Duration = .seconds(15)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let message = fake.messages.last(where: { $0.to == phone }), let code = Self.code(in: message.body) {
                return code
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw VerifydProcessError("no SMS for a verification within \(timeout)")
    }

    /// Every code the fake Twilio delivered in this run.
    func issuedCodes() -> Set<String> { Set(fake.messages.compactMap { Self.code(in: $0.body) }) }

    /// The digits of every number the fake Twilio delivered to (`14152000123`).
    func numbersSentTo() -> Set<String> { Set(fake.messages.map { String($0.to.drop { !$0.isNumber }) }) }

    /// The digits after the SMS's `: ` (`Your Acme verification code is: 123456`).
    static func code(in body: String) -> String? {
        guard let range = body.range(of: ": ") else { return nil }
        let digits = body[range.upperBound...].drop { !$0.isNumber }.prefix { $0.isNumber }
        return digits.isEmpty ? nil : String(digits)
    }
}

/// US numbers handed out one by one: +1 415 2xx xxxx.
private final class PhoneNumbers: Sendable {
    private let counter = Mutex(0)

    func next() -> String {
        let serial = counter.withLock { value in
            defer { value += 1 }
            return value
        }
        return "+14152" + String(format: "%06d", serial)
    }
}
