import Foundation
import HTTPAPI
import PhoneNumberMetadata
import Postgres
import VerifyCore
import VerifyStore

/// The operator commands (`verifyd keys|services|phones …`). Each writes JSON objects, one per line, and reports
/// whether the request was refused; database and configuration failures are thrown.
public struct AdminCommands: Sendable {
    public struct Output: Sendable {
        public var lines: [String]
        /// True when the request itself was refused (unknown key, invalid number or setting): exit status 1.
        public var refused: Bool
    }

    let client: PostgresClient
    let json: ResourceJSON

    public init(client: PostgresClient, environment: [String: String]) {
        self.client = client
        self.json = ResourceJSON(
            accountSid: environment["VERIFYD_ACCOUNT_SID"].flatMap { AccountSid($0) },
            publicURL: environment["VERIFYD_PUBLIC_URL"].flatMap(ServeSettings.publicURL) ?? "")
    }

    // MARK: API keys

    /// Creates a key and prints its secret this once; only its SHA-256 is stored.
    public func createKey(name: String) async throws -> Output {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 64 else {
            return refusal("the key name must be 1 to 64 characters")
        }
        let secret = Authenticator.makeSecret()
        let key = try await PostgresCredentialStore(client: client).createAPIKey(
            .random(), name: name, secretHash: Authenticator.digest(secret))
        return Output(lines: [line(apiKey(key, secret: secret))], refused: false)
    }

    public func listKeys() async throws -> Output {
        let keys = try await PostgresCredentialStore(client: client).apiKeys()
        return Output(lines: keys.map { line(apiKey($0, secret: nil)) }, refused: false)
    }

    public func revokeKey(_ text: String) async throws -> Output {
        guard let sid = APIKeySid(text) else { return refusal("not an API key SID (SK followed by 32 hex digits)") }
        guard try await PostgresCredentialStore(client: client).revokeAPIKey(sid) else {
            return refusal("no active API key \(sid)")
        }
        return Output(lines: [line(.object([("sid", .string(sid.rawValue)), ("revoked", true)]))], refused: false)
    }

    // MARK: Services

    public func createService(_ settings: ServiceSettings) async throws -> Output {
        if let invalid = settings.invalidParameters().first { return refusal("invalid \(invalid)") }
        let service = try await PostgresServiceStore(client: client).create(settings)
        return Output(lines: [line(json.service(service))], refused: false)
    }

    public func listServices() async throws -> Output {
        let store = PostgresServiceStore(client: client)
        var lines: [String] = []
        var cursor: ServicePageCursor?
        while true {
            let page = try await store.list(after: cursor, offset: 0, limit: 500)
            lines += page.map { line(json.service($0)) }
            guard page.count == 500, let last = page.last else { break }
            cursor = ServicePageCursor(after: last.sid, createdAt: last.createdAt)
        }
        return Output(lines: lines, refused: false)
    }

    /// A change to one channel's geo lists: each list given replaces the stored one, nil keeps it.
    public struct GeoChange: Sendable {
        public var allow: String?
        public var deny: String?

        public init(allow: String? = nil, deny: String? = nil) {
            self.allow = allow
            self.deny = deny
        }
    }

    /// Sets a service's own geo permissions, which win over `VERIFYD_GEO_*` for that service, and prints them. With
    /// no change, prints them as they are. Twilio's API has no such parameter, so only operators set them.
    public func setGeo(_ text: String, sms: GeoChange, voice: GeoChange) async throws -> Output {
        guard let sid = ServiceSid(text) else { return refusal("not a service SID (VA followed by 32 hex digits)") }
        struct Refused: Error { let message: String }
        let known = LibPhoneNumberIntelligence().supportedRegions
        @Sendable func changed(_ rules: GeoRules, _ change: GeoChange, _ channel: String) throws -> GeoRules {
            guard change.allow != nil || change.deny != nil else { return rules }
            let updated: GeoRules
            do {
                updated = try GeoRules(allow: change.allow ?? rules.allowList, deny: change.deny ?? rules.denyList)
            } catch {
                throw Refused(message: "\(channel): \(error)")
            }
            if let unknown = ScreeningSettings.unknownRegions(updated, known: known) {
                throw Refused(message: "\(channel) lists \(unknown)")
            }
            return updated
        }
        let store = PostgresServiceStore(client: client)
        let service: VerifyService?
        do {
            let unchanged = [sms, voice].allSatisfy { $0.allow == nil && $0.deny == nil }
            service =
                unchanged
                ? try await store.service(sid)
                : try await store.update(sid) { settings in
                    settings.geo = GeoPermissions(
                        sms: try changed(settings.geo.sms, sms, "sms"),
                        voice: try changed(settings.geo.voice, voice, "voice"))
                }
        } catch let refused as Refused {
            return refusal(refused.message)
        }
        guard let service else { return refusal("no service \(sid)") }
        let geo = service.settings.geo
        func lists(_ rules: GeoRules) -> JSONValue {
            .object([("allow", .string(rules.allowList)), ("deny", .string(rules.denyList))])
        }
        return Output(
            lines: [
                line(
                    .object([
                        ("sid", .string(sid.rawValue)),
                        ("geo", .object([("sms", lists(geo.sms)), ("voice", lists(geo.voice))])),
                    ]))
            ], refused: false)
    }

    // MARK: Phones

    public func block(_ number: String, reason: String) async throws -> Output {
        guard let phone = PhoneNumber(e164: number) else { return refusal("not an E.164 number (+ and 2–15 digits)") }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { return refusal("a reason is required") }
        try await PostgresPhoneStore(client: client).block(phone, reason: reason)
        return Output(lines: [line(.object([("phone", .string(phone.e164)), ("blocked", true)]))], refused: false)
    }

    public func unblock(_ number: String) async throws -> Output {
        guard let phone = PhoneNumber(e164: number) else { return refusal("not an E.164 number (+ and 2–15 digits)") }
        let changed = try await PostgresPhoneStore(client: client).unblock(phone)
        return Output(
            lines: [line(.object([("phone", .string(phone.e164)), ("blocked", false), ("changed", .bool(changed))]))],
            refused: false)
    }

    // MARK: Output

    private func apiKey(_ key: APIKey, secret: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("sid", .string(key.sid.rawValue)), ("friendly_name", .string(key.name)),
            ("date_created", .string(key.createdAt.formatted(.iso8601))),
            ("revoked", .bool(key.revokedAt != nil)),
        ]
        if let secret { members.append(("secret", .string(secret))) }
        return .object(members)
    }

    private func refusal(_ message: String) -> Output {
        Output(lines: [line(.object([("error", .string(message))]))], refused: true)
    }

    private func line(_ value: JSONValue) -> String {
        String(decoding: value.serialized(), as: UTF8.self)
    }
}
