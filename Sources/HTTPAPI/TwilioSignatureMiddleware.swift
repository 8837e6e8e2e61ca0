import HTTPTypes
import Hummingbird
import Logging
import Twilio

/// Checks `X-Twilio-Signature` before anything else happens: 403 when it is missing or wrong alike, so an unsigned
/// request learns nothing a forged one would not. The signed URL is rebuilt from `VERIFYD_PUBLIC_URL` and the
/// request's raw path and query, never from the `Host` the balancer forwards. Form bodies are signed parameter by
/// parameter; JSON bodies through `bodySHA256`; any other body is 415.
struct TwilioSignatureMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let validator: WebhookSignatureValidator
    let publicURL: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let signature = request.headers[.twilioSignature], !signature.isEmpty else {
            throw Self.refusal(context)
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > context.maxUploadSize {
            throw APIError.contentTooLarge
        }
        var request = request
        let bytes = Array(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
        let url = publicURL + request.uri.string
        let parameters: RequestParameters
        switch RequestParameters.BodyType(request.headers[.contentType]) {
        case .json where !bytes.isEmpty:
            guard validator.isValid(signature: signature, url: url, body: bytes) else { throw Self.refusal(context) }
            parameters = try RequestParameters.parse(bytes, contentType: "application/json")
        case .form, .json:
            guard let pairs = try? URLEncodedForm.decode(bytes),
                validator.isValid(signature: signature, url: url, formParameters: pairs)
            else { throw Self.refusal(context) }
            parameters = try RequestParameters(pairs)
        case nil:
            guard bytes.isEmpty, validator.isValid(signature: signature, url: url, formParameters: []) else {
                throw bytes.isEmpty ? Self.refusal(context) : APIError.unsupportedMediaType
            }
            parameters = RequestParameters()
        }
        var context = context
        context.webhookParameters = parameters
        return try await next(request, context)
    }

    private static func refusal(_ context: Context) -> APIError {
        context.logger.warning("webhook.signature.invalid")
        return .badSignature
    }
}

extension HTTPField.Name {
    static let twilioSignature = HTTPField.Name("X-Twilio-Signature")!
}
