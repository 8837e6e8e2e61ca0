import Foundation
import HTTPAPI
import PhoneNumberMetadata
import VerifyCore

/// Everything `verifyd serve` needs, read from the environment at start.
public struct ServeSettings: Sendable {
    public var database: DatabaseSettings
    public var host: String
    public var port: Int
    /// The URL clients and Twilio use to reach this service through the balancer.
    public var publicURL: String
    public var shutdownDrain: Duration
    public var accountSid: AccountSid
    public var authTokens: [String]
    public var codeKey: [UInt8]
    public var previousCodeKeys: [[UInt8]]
    public var defaultService: ServiceSid?
    public var defaultServiceName: String
    /// Geo permissions, line types, and the region of national numbers on the original routes.
    public var screening: ScreeningSettings
    public var phoneFailureCap: Int
    public var delivery: DeliverySettings
    public var httpLimits: HTTPLimits

    public static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> ServeSettings {
        var reader = EnvironmentReader(environment)
        let database = DatabaseSettings.read(&reader)
        let host = reader.optional("VERIFYD_HOST") ?? "127.0.0.1"
        let port = reader.integer("VERIFYD_PORT", default: 8080, in: 0...65535)
        let publicURL = reader.parsed(
            "VERIFYD_PUBLIC_URL", "an http:// or https:// URL, the address clients and Twilio use", required: true,
            Self.publicURL)
        let drain = reader.integer("VERIFYD_SHUTDOWN_DRAIN_SECONDS", default: 5, in: 0...25)
        let accountSid = reader.parsed(
            "VERIFYD_ACCOUNT_SID", "AC followed by 32 hex digits", required: true
        ) { AccountSid($0) }
        let token = reader.required("VERIFYD_AUTH_TOKEN", "the root API password")
        let secondary = reader.optional("VERIFYD_AUTH_TOKEN_SECONDARY")
        let codeKey = reader.parsed(
            "VERIFYD_CODE_KEY", "the base64 encoding of 32 random bytes", required: true, Self.key)
        let previous: [[UInt8]] =
            reader.parsed(
                "VERIFYD_CODE_KEY_PREVIOUS", "comma-separated base64 encodings of 32 bytes each", required: false
            ) { text -> [[UInt8]]? in
                let keys = text.split(separator: ",").map { Self.key(String($0)) }
                return keys.contains(where: { $0 == nil }) ? nil : keys.compactMap { $0 }
            } ?? []
        let defaultService = reader.parsed(
            "VERIFYD_DEFAULT_SERVICE", "a VA service SID", required: false
        ) { ServiceSid($0) }
        let defaultServiceName = reader.optional("VERIFYD_DEFAULT_SERVICE_NAME") ?? "verifyd"
        if !ServiceSettings.isValidFriendlyName(defaultServiceName) {
            reader.problem("VERIFYD_DEFAULT_SERVICE_NAME must follow Twilio's friendly name rules (≤ 30 characters)")
        }
        let screening = ScreeningSettings.read(&reader, numbers: LibPhoneNumberIntelligence())
        let failureCap = reader.integer("VERIFYD_PHONE_FAILURE_CAP", default: 100, in: 1...100)
        let delivery = DeliverySettings.read(&reader)
        let headerTimeout = reader.integer("VERIFYD_HTTP_HEADER_TIMEOUT_MS", default: 10_000, in: 100...600_000)
        let bodyTimeout = reader.integer("VERIFYD_HTTP_BODY_TIMEOUT_MS", default: 30_000, in: 100...600_000)
        if !reader.problems.isEmpty { throw ConfigurationError(problems: reader.problems) }
        return ServeSettings(
            database: database, host: host, port: port, publicURL: publicURL ?? "", shutdownDrain: .seconds(drain),
            accountSid: accountSid ?? AccountSid.random(), authTokens: [token] + (secondary.map { [$0] } ?? []),
            codeKey: codeKey ?? [], previousCodeKeys: previous, defaultService: defaultService,
            defaultServiceName: defaultServiceName, screening: screening, phoneFailureCap: failureCap,
            delivery: delivery,
            httpLimits: HTTPLimits(
                headerTimeout: .milliseconds(headerTimeout), bodyTimeout: .milliseconds(bodyTimeout)))
    }

    static func publicURL(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil, url.query == nil
        else { return nil }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    static func key(_ text: String) -> [UInt8]? {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)), data.count == 32 else {
            return nil
        }
        return [UInt8](data)
    }
}
