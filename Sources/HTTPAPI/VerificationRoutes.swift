import Foundation
import Hummingbird
import VerifyCore

/// `/v2/Services/{VA}/Verifications` and `/VerificationCheck`, as Twilio Verify v2 answers them.
struct VerificationRoutes: Sendable {
    let verifier: Verifier
    let json: ResourceJSON

    func register(on router: RouterGroup<APIRequestContext>) {
        router.post("/v2/Services/{service}/Verifications") { request, context in try await start(request, context) }
        router.get("/v2/Services/{service}/Verifications/{sid}") { _, context in try await fetch(context) }
        router.post("/v2/Services/{service}/Verifications/{sid}") { request, context in
            try await update(request, context)
        }
        router.post("/v2/Services/{service}/VerificationCheck") { request, context in try await check(request, context)
        }
    }

    private func start(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let service = try ServiceRoutes.serviceSid(context)
        let parameters = try await RequestParameters.read(request, context: context)
        let start = try Self.startRequest(service: service, parameters)
        let verification = try await verifier.start(start)
        return json.verification(verification).response(status: .created)
    }

    private func fetch(_ context: APIRequestContext) async throws -> Response {
        let service = try ServiceRoutes.serviceSid(context)
        let sid = try Self.verificationSid(context, service: service)
        return json.verification(try await verifier.fetch(service: service, sid: sid)).response()
    }

    private func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let service = try ServiceRoutes.serviceSid(context)
        let sid = try Self.verificationSid(context, service: service)
        let parameters = try await RequestParameters.read(request, context: context)
        guard let status = parameters["Status"].flatMap(VerificationStatus.init(rawValue:)) else {
            throw VerifyError.invalid("Status")
        }
        return json.verification(try await verifier.update(service: service, sid: sid, status: status)).response()
    }

    private func check(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let service = try ServiceRoutes.serviceSid(context)
        let parameters = try await RequestParameters.read(request, context: context)
        let target: CheckCommand.Target
        if let sidText = parameters["VerificationSid"] {
            guard let sid = VerificationSid(sidText) else { throw VerifyError.invalid("VerificationSid") }
            target = .sid(sid)
        } else if let to = parameters["To"] {
            guard let phone = PhoneNumber(e164: to) else { throw VerifyError.invalid("To") }
            target = .phone(phone)
        } else {
            throw VerifyError.invalid("To")
        }
        guard let code = parameters["Code"] else { throw VerifyError.invalid("Code") }
        let verification = try await verifier.check(service: service, target: target, code: code)
        return json.check(verification).response()
    }

    // MARK: Parameters

    static func startRequest(service: ServiceSid, _ parameters: RequestParameters) throws -> StartRequest {
        guard let to = parameters["To"].flatMap({ PhoneNumber(e164: $0) }) else { throw VerifyError.invalid("To") }
        guard let channel = parameters["Channel"].flatMap(Channel.init(rawValue:)) else {
            throw VerifyError.invalid("Channel")
        }
        let locale = parameters["Locale"]
        if let locale, !isLocale(locale) { throw VerifyError.invalid("Locale") }
        let friendlyName = parameters["CustomFriendlyName"]
        if let friendlyName, !ServiceSettings.isValidFriendlyName(friendlyName) {
            throw VerifyError.invalid("CustomFriendlyName")
        }
        let appHash = parameters["AppHash"]
        if let appHash, !(1...32).contains(appHash.count) || !appHash.allSatisfy({ $0.isASCII && !$0.isWhitespace }) {
            throw VerifyError.invalid("AppHash")
        }
        let tags = try parameters["Tags"].map(validTags)
        let deviceIP = parameters["DeviceIp"]
        if let deviceIP, deviceIP.count > 45 { throw VerifyError.invalid("DeviceIp") }
        return StartRequest(
            service: service, to: to, channel: channel, locale: locale, customCode: parameters["CustomCode"],
            details: VerificationDetails(
                customFriendlyName: friendlyName, appHash: appHash, tags: tags, deviceIP: deviceIP))
    }

    /// `en`, `pt-BR`, `zh-HK` …: a language and an optional region or script.
    static func isLocale(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), (2...3).contains(parts[0].count), parts[0].allSatisfy(\.isLetter) else {
            return false
        }
        return parts.count == 1
            || ((2...4).contains(parts[1].count) && parts[1].allSatisfy { $0.isLetter || $0.isNumber })
    }

    /// Twilio's rule for `Tags`: a JSON object of at most 10 string values, keys and values at most 128 characters.
    static func validTags(_ text: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            object.count <= 10,
            object.allSatisfy({ key, value in
                key.count <= 128 && (value as? String).map { $0.count <= 128 } == true
            })
        else { throw VerifyError.invalid("Tags") }
        return text
    }

    static func verificationSid(_ context: APIRequestContext, service: ServiceSid) throws -> VerificationSid {
        let raw = context.parameters.get("sid") ?? ""
        guard let sid = VerificationSid(raw) else {
            throw VerifyError(.notFound(resource: "/Services/\(service)/Verifications/\(raw.prefix(34))"))
        }
        return sid
    }
}
