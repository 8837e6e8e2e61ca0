import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VerifyCore

/// HTTP Basic authentication as Twilio's clients send it; anything but a valid pair is 401 (20003 on the Verify
/// API). Failures are counted per client address (`AuthenticationThrottle`): past the limit the address gets 429
/// (20429) with `Retry-After`, before its credentials are looked at.
struct BasicAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let authenticator: Authenticator
    let throttle: AuthenticationThrottle
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let client = proxies.client(peer: context.remoteAddress.flatMap(IPAddress.init), headers: request.headers)
            .description
        if let wait = throttle.retryAfter(for: client) {
            throw APIError.authenticationThrottled(retryAfter: wait.roundedUpSeconds)
        }
        let credentials = Self.credentials(request.headers[.authorization])
        if let (username, password) = credentials,
            let principal = try await authenticator.authenticate(username: username, password: password)
        {
            var context = context
            context.principal = principal
            return try await next(request, context)
        }
        // The user name only when it is an account or key SID: a password typed into the wrong field stays out.
        let user = credentials.flatMap { AccountSid($0.0)?.rawValue ?? APIKeySid($0.0)?.rawValue } ?? "-"
        var metadata: Logger.Metadata = ["client": "\(client)", "user": "\(user)"]
        let failure: AuthenticationThrottle.Failure
        do {
            failure = try await throttle.recordFailure(from: client)
        } catch {
            metadata["failures"] = "uncounted"
            context.logger.warning("auth.failed", metadata: metadata)
            throw error
        }
        metadata["failures"] = "\(failure.count)"
        context.logger.warning("auth.failed", metadata: metadata)
        if failure.reachedLimit {
            context.logger.warning(
                "auth.blocked",
                metadata: ["client": "\(client)", "seconds": "\(failure.remaining.roundedUpSeconds)"])
        }
        if failure.refused { throw APIError.authenticationThrottled(retryAfter: failure.remaining.roundedUpSeconds) }
        throw APIError.unauthenticated
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
