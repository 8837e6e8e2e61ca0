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
        guard let header else { return nil }
        let bytes = Array(header.utf8)
        guard bytes.count > 6, HeaderBytes.equalsIgnoringCase(bytes[..<6], "basic ") else { return nil }
        guard let data = Data(base64Encoded: Data(HeaderBytes.trimmed(bytes[6...]))),
            let colon = data.firstIndex(of: UInt8(ascii: ":")),
            let username = String(validating: data[..<colon], as: UTF8.self),
            let password = String(validating: data[(colon + 1)...], as: UTF8.self)
        else { return nil }
        return (username, password)
    }
}
