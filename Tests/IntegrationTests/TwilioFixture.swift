import FakeTwilio
import Foundation
import TestSupport
import Twilio

/// An instance (or two) delivering through a `FakeTwilio` on loopback, with timeouts in milliseconds.
struct TwilioFixture {
    let database: TestDatabase
    let fake: FakeTwilio
    var environment: VerifydEnvironment

    static let publicURL = "https://verify.example.test"

    static func make(_ extra: [String: String] = [:]) async throws -> TwilioFixture {
        let database = try await IntegrationFixture.migratedDatabase()
        let fake = try await FakeTwilio.start()
        var environment = VerifydEnvironment(databaseURL: database.connectionString, publicURL: publicURL)
        environment.useTwilio(
            apiURL: fake.baseURL, accountSid: fake.account.accountSID, authToken: fake.account.authToken)
        environment["VERIFYD_TWILIO_CONNECT_TIMEOUT_MS"] = "1000"
        environment["VERIFYD_TWILIO_TIMEOUT_MS"] = "2000"
        environment["VERIFYD_DISPATCH_INTERVAL_MS"] = "50"
        environment["VERIFYD_DELIVERY_RETRY_BASE_MS"] = "50"
        for (name, value) in extra { environment[name] = value }
        return TwilioFixture(database: database, fake: fake, environment: environment)
    }

    func serve(_ extra: [String: String] = [:]) async throws -> API {
        var environment = self.environment
        for (name, value) in extra { environment[name] = value }
        return API(process: try await VerifydProcess.serve(environment: environment.values), environment: environment)
    }

    func finish(_ instances: API...) async throws {
        for instance in instances { await instance.process.stop() }
        await fake.stop()
        try await database.drop()
    }

    /// Sends a webhook the way Twilio does: form-encoded and signed over the public URL.
    func webhook(
        _ instance: API, _ path: String, _ form: [(String, String)], token: String? = nil, signature: String? = nil
    ) async throws -> TestHTTPClient.Reply {
        let signed =
            signature
            ?? WebhookSignature.sign(token: token ?? fake.account.authToken, url: Self.publicURL + path, form: form)
        return try await TestHTTPClient().send(
            "POST", instance.process.baseURL + path, form: form, headers: ["X-Twilio-Signature": signed])
    }

    /// The code inside an SMS body the fake received.
    static func code(inBody body: String) -> String? {
        guard let range = body.range(of: ": ") else { return nil }
        return String(body[range.upperBound...].drop { !$0.isNumber }.prefix { $0.isNumber })
    }
}

/// Signs webhook parameters as Twilio does.
enum WebhookSignature {
    static func sign(token: String, url: String, form: [(String, String)]) -> String {
        WebhookSignatureValidator.signature(
            authToken: token, url: url, formParameters: form.map { (name: $0.0, value: $0.1) })
    }
}
