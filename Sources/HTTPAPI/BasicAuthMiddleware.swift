import Foundation
import HTTPTypes
import Hummingbird
import VerifyCore

/// HTTP Basic authentication as Twilio's clients send it; anything but a valid pair is 401 (20003 on the Verify
/// API).
struct BasicAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let (username, password) = Self.credentials(request.headers[.authorization]),
            let principal = try await authenticator.authenticate(username: username, password: password)
        else {
            throw APIError.unauthenticated
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }

    static func credentials(_ header: String?) -> (String, String)? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let decoded = String(data: data, encoding: .utf8), let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }
}
