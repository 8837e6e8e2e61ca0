import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// Requests no route serves: 405 with `Allow` where the path exists with other methods, 404 where it does not;
/// under `/v2/` both in Twilio's error shape.
@Suite("Unknown routes and methods")
struct UnknownRouteTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        /// The methods `Allow` lists; nil for a 404.
        var allow: String?
        var testDescription: String { "\(method) \(path)" }
    }

    static let service = "VA0123456789abcdef0123456789abcdef"

    static let cases: [Case] = [
        Case(method: .put, path: "/v2/Services", allow: "GET, POST"),
        Case(method: .patch, path: "/v2/Services/\(service)", allow: "DELETE, GET, POST"),
        Case(method: .get, path: "/v2/Services/\(service)/VerificationCheck", allow: "POST"),
        Case(method: .delete, path: "/v2/Services/\(service)/Verifications/VE0123", allow: "GET, POST"),
        Case(method: .trace, path: "/healthz", allow: "GET"),
        Case(method: .post, path: "/openapi.json", allow: "GET"),
        Case(method: .get, path: "/sms", allow: "POST"),
        Case(method: .options, path: "/auth/%2B14155550100/123456", allow: "GET, POST"),
        Case(method: .get, path: "/v2/Services/\(service)/RateLimits", allow: nil),
        Case(method: .get, path: "/v2/Nothing", allow: nil),
        Case(method: .get, path: "/nothing", allow: nil),
        // Not routed at all with console delivery.
        Case(method: .get, path: "/twilio/incoming/sms", allow: nil),
    ]

    @Test("a path served with other methods is 405 with Allow; an unknown path is 404", arguments: cases)
    func unknown(_ request: Case) async throws {
        try await withAPI { _, api in
            let response = try await api.request(request.method, request.path)
            let isTwilio = request.path.hasPrefix("/v2/")
            if let allow = request.allow {
                #expect(response.headers[.allow] == allow)
                if isTwilio {
                    try response.expectTwilioError(.methodNotAllowed, code: 20004, message: "Method not allowed")
                } else {
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.body.readableBytes == 0)
                }
            } else {
                #expect(response.headers[.allow] == nil)
                if isTwilio {
                    try response.expectTwilioError(.notFound, code: 20404)
                } else {
                    #expect(response.status == .notFound)
                }
            }
        }
    }
}
