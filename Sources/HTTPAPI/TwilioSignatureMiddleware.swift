import HTTPTypes
import Hummingbird
import Logging
import Twilio

/// Checks `X-Twilio-Signature` before anything else happens: 400 when it is missing, 403 when it is wrong. The
/// signed URL is rebuilt from `VERIFYD_PUBLIC_URL` and the request's raw path and query, never from the `Host` the
/// balancer forwards. Form bodies are signed parameter by parameter; JSON bodies through `bodySHA256`.
struct TwilioSignatureMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let validator: WebhookSignatureValidator
    let publicURL: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let signature = request.headers[.twilioSignature], !signature.isEmpty else {
            return Response(status: .badRequest)
        }
        var request = request
        let bytes = Array(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
        let url = publicURL + request.uri.string
        let isJSON = request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true
        let parameters: RequestParameters
        if isJSON {
            guard validator.isValid(signature: signature, url: url, body: bytes) else {
                return Self.refuse(context)
            }
            parameters = (try? RequestParameters.parse(bytes, contentType: "application/json")) ?? RequestParameters([])
        } else {
            guard let pairs = try? URLEncodedForm.decode(bytes),
                validator.isValid(signature: signature, url: url, formParameters: pairs)
            else { return Self.refuse(context) }
            parameters = RequestParameters(pairs)
        }
        var context = context
        context.webhookParameters = parameters
        return try await next(request, context)
    }

    private static func refuse(_ context: Context) -> Response {
        context.logger.warning("webhook.signature.invalid")
        return Response(status: .forbidden)
    }
}

extension HTTPField.Name {
    static let twilioSignature = HTTPField.Name("X-Twilio-Signature")!
}
