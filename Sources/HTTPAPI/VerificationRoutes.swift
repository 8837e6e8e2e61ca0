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
        // `RateLimits` are counted by the start, in its transaction: a replay under its `Idempotency-Key` answers
        // first and is not counted again.
        let start = try Self.startRequest(service: service, parameters, principal: context.principal)
        let json = self.json
        let render: @Sendable (Verification) -> StoredAnswer = { Self.stored(json.verification($0), status: .created) }
        let idempotency = try Self.idempotency(
            request, context, route: "start", service: service, parameters: parameters, answer: render)
        return Self.response(try await verifier.start(start, idempotency: idempotency), render: render)
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
        guard let status = try parameters["Status"].flatMap(VerificationStatus.init(rawValue:)) else {
            throw VerifyError.invalid("Status")
        }
        return json.verification(try await verifier.update(service: service, sid: sid, status: status)).response()
    }

    private func check(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let service = try ServiceRoutes.serviceSid(context)
        let parameters = try await RequestParameters.read(request, context: context)
        let target: CheckCommand.Target
        if let sidText = try parameters["VerificationSid"] {
            guard let sid = VerificationSid(sidText) else { throw VerifyError.invalid("VerificationSid") }
            target = .sid(sid)
        } else if let to = try parameters["To"] {
            guard let phone = PhoneNumber(e164: to) else { throw VerifyError.invalid("To") }
            target = .phone(phone)
        } else {
            throw VerifyError.invalid("To")
        }
        guard let code = try parameters["Code"] else { throw VerifyError.invalid("Code") }
        let json = self.json
        let render: @Sendable (Verification) -> StoredAnswer = { Self.stored(json.check($0), status: .ok) }
        let idempotency = try Self.idempotency(
            request, context, route: "check", service: service, parameters: parameters, answer: render)
        return Self.response(
            try await verifier.check(
                service: service, target: target, code: code, credential: context.principal?.credential ?? "root",
                idempotency: idempotency),
            render: render)
    }

    // MARK: Parameters

    static func startRequest(
        service: ServiceSid, _ parameters: RequestParameters, principal: Authenticator.Principal? = nil
    ) throws -> StartRequest {
        guard let to = try parameters["To"].flatMap({ PhoneNumber(e164: $0) }) else { throw VerifyError.invalid("To") }
        guard let channel = try parameters["Channel"].flatMap(Channel.init(rawValue:)) else {
            throw VerifyError.invalid("Channel")
        }
        let deviceIP = try parameters.checked("DeviceIp", StartParameters.deviceIP)
        let friendlyName = try parameters["CustomFriendlyName"]
        if let friendlyName, !ServiceSettings.isValidFriendlyName(friendlyName) {
            throw VerifyError.invalid("CustomFriendlyName")
        }
        return StartRequest(
            service: service, to: to, channel: channel,
            locale: try parameters.checked("Locale", StartParameters.locale),
            customCode: try parameters["CustomCode"],
            details: VerificationDetails(
                customFriendlyName: friendlyName, appHash: try parameters.checked("AppHash", StartParameters.appHash),
                tags: try parameters.checked("Tags", StartParameters.tags),
                deviceIP: deviceIP),
            rateLimits: try parameters.checked("RateLimits", StartParameters.rateLimits),
            riskCheck: try parameters.checked("RiskCheck") { RiskCheck(rawValue: $0) } ?? .enable,
            origin: StartOrigin(
                deviceNetwork: deviceIP.map { ClientAddress(IPAddress($0)).description },
                credential: principal?.credential ?? "root"))
    }

    static func verificationSid(_ context: APIRequestContext, service: ServiceSid) throws -> VerificationSid {
        let raw = context.parameters.get("sid") ?? ""
        guard let sid = VerificationSid(raw) else {
            throw APIError.notFound(path: "/Services/\(service)/Verifications/\(raw.prefix(34))")
        }
        return sid
    }
}
