import Postgres
import Testing

@testable import App

@Suite("Configuration from the environment")
struct ServeSettingsTests {
    static let valid: [String: String] = [
        "DATABASE_URL": "host=/tmp port=5432 dbname=verifyd",
        "VERIFYD_PUBLIC_URL": "https://verify.example.com/",
        "VERIFYD_ACCOUNT_SID": "AC" + String(repeating: "a", count: 32),
        "VERIFYD_AUTH_TOKEN": "a-root-token-of-32-characters-ok",
        "VERIFYD_CODE_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "VERIFYD_DELIVERY": "console",
    ]

    @Test("a complete environment gives the documented defaults")
    func defaults() throws {
        let settings = try ServeSettings.fromEnvironment(Self.valid)
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8080)
        #expect(settings.publicURL == "https://verify.example.com")
        #expect(settings.shutdownDrain == .seconds(5))
        #expect(settings.database.postgres.poolSize == 8)
        #expect(settings.database.postgres.poolTimeout == .seconds(5))
        #expect(settings.database.postgres.limits.statementTimeout == .seconds(5))
        #expect(settings.database.postgres.limits.lockTimeout == .seconds(2))
        #expect(settings.database.postgres.limits.idleInTransactionTimeout == .seconds(10))
        #expect(settings.codeKey.count == 32)
        #expect(settings.defaultServiceName == "verifyd")
        #expect(settings.phoneFailureCap == 100)
        #expect(settings.delivery.mode == .console)
        #expect(settings.delivery.fastPath)
        #expect(settings.delivery.breakerThreshold == 10)
        #expect(settings.delivery.breakerCooldown == .seconds(30))
        #expect(settings.authTokens == ["a-root-token-of-32-characters-ok"])
    }

    @Test("every missing and invalid variable is reported at once, without echoing secrets")
    func everyProblemAtOnce() {
        var environment = Self.valid
        environment["DATABASE_URL"] = nil
        environment["VERIFYD_PUBLIC_URL"] = "ftp://x"
        environment["VERIFYD_CODE_KEY"] = "dG9vLXNob3J0"
        environment["VERIFYD_DB_POOL_SIZE"] = "0"
        environment["VERIFYD_LOG_LEVEL"] = "loud"
        environment["VERIFYD_DEFAULT_COUNTRY_CODE"] = "+1"
        let error = #expect(throws: ConfigurationError.self) { try ServeSettings.fromEnvironment(environment) }
        let problems = error?.problems.joined(separator: "\n") ?? ""
        for name in [
            "DATABASE_URL", "VERIFYD_PUBLIC_URL", "VERIFYD_CODE_KEY", "VERIFYD_DB_POOL_SIZE", "VERIFYD_LOG_LEVEL",
            "VERIFYD_DEFAULT_COUNTRY_CODE",
        ] {
            #expect(problems.contains(name), "\(name) not reported")
        }
        #expect(error?.problems.count == 6)
        #expect(!problems.contains("dG9vLXNob3J0"))
    }

    @Test("root tokens shorter than 32 characters are refused, both of them, among the other problems")
    func shortTokens() throws {
        var environment = Self.valid
        environment["VERIFYD_AUTH_TOKEN"] = String(repeating: "p", count: 31)
        environment["VERIFYD_AUTH_TOKEN_SECONDARY"] = "short-secondary"
        environment["VERIFYD_CODE_KEY"] = nil
        let error = #expect(throws: ConfigurationError.self) { try ServeSettings.fromEnvironment(environment) }
        let problems = error?.problems ?? []
        #expect(problems.count == 3)
        #expect(problems.contains { $0.hasPrefix("VERIFYD_AUTH_TOKEN ") && $0.contains("32") })
        #expect(problems.contains { $0.hasPrefix("VERIFYD_AUTH_TOKEN_SECONDARY ") && $0.contains("32") })
        #expect(problems.contains { $0.hasPrefix("VERIFYD_CODE_KEY ") })
        #expect(!problems.joined().contains(String(repeating: "p", count: 31)))
        #expect(!problems.joined().contains("short-secondary"))

        environment["VERIFYD_AUTH_TOKEN"] = String(repeating: "p", count: 32)
        environment["VERIFYD_AUTH_TOKEN_SECONDARY"] = String(repeating: "s", count: 40)
        environment["VERIFYD_CODE_KEY"] = Self.valid["VERIFYD_CODE_KEY"]
        let settings = try ServeSettings.fromEnvironment(environment)
        #expect(settings.authTokens == [String(repeating: "p", count: 32), String(repeating: "s", count: 40)])
    }

    @Test("Twilio delivery needs the account, the token and a sender; an API key needs its secret")
    func twilioSettings() throws {
        var environment = Self.valid
        environment["VERIFYD_DELIVERY"] = "twilio"
        environment["TWILIO_API_KEY"] = "SK" + String(repeating: "b", count: 32)
        let error = #expect(throws: ConfigurationError.self) { try ServeSettings.fromEnvironment(environment) }
        let problems = error?.problems.joined(separator: "\n") ?? ""
        for name in ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET", "TWILIO_FROM"] {
            #expect(problems.contains(name), "\(name) not reported")
        }
        environment["TWILIO_ACCOUNT_SID"] = "AC" + String(repeating: "c", count: 32)
        environment["TWILIO_AUTH_TOKEN"] = "webhook-token"
        environment["TWILIO_API_SECRET"] = "secret"
        environment["TWILIO_FROM"] = "+15005550006"
        let settings = try ServeSettings.fromEnvironment(environment)
        let twilio = try #require(settings.delivery.twilio)
        #expect(twilio.voiceFrom == "+15005550006", "TWILIO_VOICE_FROM defaults to TWILIO_FROM")
        #expect(twilio.apiURL == "https://api.twilio.com")
        #expect(twilio.lease == .seconds(21), "twice the 10 s timeout and a second")
    }

    @Test("previous code keys are read as a comma-separated list")
    func previousKeys() throws {
        var environment = Self.valid
        environment["VERIFYD_CODE_KEY_PREVIOUS"] =
            "\(Self.valid["VERIFYD_CODE_KEY"]!), \(Self.valid["VERIFYD_CODE_KEY"]!)"
        #expect(try ServeSettings.fromEnvironment(environment).previousCodeKeys.count == 2)
        environment["VERIFYD_CODE_KEY_PREVIOUS"] = "\(Self.valid["VERIFYD_CODE_KEY"]!),nope"
        #expect(throws: ConfigurationError.self) { try ServeSettings.fromEnvironment(environment) }
    }

    @Test("migrate and the admin commands need only DATABASE_URL")
    func databaseOnly() throws {
        let settings = try DatabaseSettings.fromEnvironment(["DATABASE_URL": "postgres://localhost/verifyd"])
        #expect(settings.postgres.connectionString == "postgres://localhost/verifyd")
        #expect(throws: ConfigurationError.self) { try DatabaseSettings.fromEnvironment([:]) }
    }
}
