import HTTPTypes
import Hummingbird
import VerifyCore

/// `Idempotency-Key` on start and check: the header read and checked, the request's fingerprint, the answer to keep
/// and the answer replayed.
extension VerificationRoutes {
    /// The request's idempotency terms, or nil without the header; 400 / 60200 for a malformed key or two of them.
    static func idempotency(
        _ request: Request, _ context: APIRequestContext, route: String, service: ServiceSid,
        parameters: RequestParameters, answer: @escaping @Sendable (Verification) -> StoredAnswer
    ) throws -> IdempotentRequest? {
        let values = request.headers[values: .idempotencyKey]
        if values.isEmpty { return nil }
        guard values.count == 1, let key = IdempotencyKey(values[0]) else {
            throw VerifyError.invalid("Idempotency-Key")
        }
        let credential: String
        switch context.principal {
        case .root: credential = "root"
        case .apiKey(let sid): credential = sid.rawValue
        case nil: throw APIError.unauthenticated
        }
        return IdempotentRequest(
            key: key, credential: credential,
            fingerprint: IdempotentRequest.fingerprint([route, service.rawValue] + parameters.canonicalFields),
            answer: answer)
    }

    /// The answer kept for `body` with `status`, exactly as `response` sends it.
    static func stored(_ body: JSONValue, status: HTTPResponse.Status) -> StoredAnswer {
        StoredAnswer(status: Int(status.code), body: body.serialized())
    }

    /// The response for an outcome: the one made now, or the one stored under the key.
    static func response(_ outcome: IdempotentOutcome<Verification>, render: (Verification) -> StoredAnswer)
        -> Response
    {
        let answer: StoredAnswer
        switch outcome {
        case .acted(let verification): answer = render(verification)
        case .replayed(let stored): answer = stored
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
