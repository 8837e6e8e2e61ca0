import Foundation

/// Environments for `verifyd` processes in tests: fresh credentials and code key per test, console delivery unless a
/// test asks for Twilio, timeouts short enough that fault tests take milliseconds.
public struct VerifydEnvironment: Sendable {
    public let accountSid: String
    public let authToken: String
    public let codeKey: String
    public var values: [String: String]

    public init(databaseURL: String, publicURL: String = "https://verify.example.test") {
        accountSid = "AC" + Self.hex(16)
        authToken = Self.hex(16)
        var key = [UInt8](repeating: 0, count: 32)
        for index in key.indices { key[index] = UInt8.random(in: 0...255) }
        codeKey = Data(key).base64EncodedString()
        values = [
            "DATABASE_URL": databaseURL,
            "VERIFYD_PUBLIC_URL": publicURL,
            "VERIFYD_ACCOUNT_SID": accountSid,
            "VERIFYD_AUTH_TOKEN": authToken,
            "VERIFYD_CODE_KEY": codeKey,
            "VERIFYD_DELIVERY": "console",
            "VERIFYD_SHUTDOWN_DRAIN_SECONDS": "0",
            "VERIFYD_LOG_LEVEL": "info",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
    }

    /// Delivery through a fake Twilio at `apiURL`.
    public mutating func useTwilio(apiURL: String, accountSid: String, authToken: String, from: String = "+15005550006")
    {
        values["VERIFYD_DELIVERY"] = "twilio"
        values["TWILIO_API_URL"] = apiURL
        values["TWILIO_ACCOUNT_SID"] = accountSid
        values["TWILIO_AUTH_TOKEN"] = authToken
        values["TWILIO_FROM"] = from
        values["no_proxy"] = "127.0.0.1,localhost"
    }

    public subscript(name: String) -> String? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// `Authorization` header value for the root credentials.
    public var basicAuthorization: String {
        "Basic " + Data("\(accountSid):\(authToken)".utf8).base64EncodedString()
    }

    /// `bytes` random bytes as lowercase hex.
    public static func hex(_ bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
