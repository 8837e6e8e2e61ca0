import Foundation
import HTTPTypes
import Hummingbird

/// Refuses requests a browser sent on behalf of another site. A browser that holds Basic credentials for verifyd
/// sends them with a cross-site form POST (which needs no CORS preflight), so without this a page elsewhere could
/// make it start verifications. verifyd's callers are backends, which send neither header, and that passes:
/// - `Sec-Fetch-Site` must be `same-origin` or `none` (typed by the user) when present; `same-site` is refused too,
///   since a sibling subdomain is another application;
/// - `Origin` must be the origin of `VERIFYD_PUBLIC_URL` (scheme, host, port) when present; `null` is refused.
struct SameSiteMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    /// `scheme://host[:port]` of the public URL, lowercased, without a default port.
    let origin: String

    init(publicURL: String) {
        origin = Self.origin(publicURL) ?? publicURL
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if let site = request.headers[.secFetchSite], !["same-origin", "none"].contains(site.lowercased()) {
            throw APIError.crossSite
        }
        if let sent = request.headers[.origin], Self.origin(sent) != origin {
            throw APIError.crossSite
        }
        return try await next(request, context)
    }

    /// The origin of a URL or an `Origin` header in one spelling: lowercased, path dropped, default port dropped.
    static func origin(_ text: String) -> String? {
        let lowered = text.lowercased()
        guard let schemeEnd = lowered.range(of: "://") else { return nil }
        let scheme = String(lowered[..<schemeEnd.lowerBound])
        guard scheme == "http" || scheme == "https" else { return nil }
        var authority = lowered[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        let defaultPort = scheme == "https" ? ":443" : ":80"
        if authority.hasSuffix(defaultPort) { authority = authority.dropLast(defaultPort.count) }
        return "\(scheme)://\(authority)"
    }
}

extension HTTPField.Name {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
}
