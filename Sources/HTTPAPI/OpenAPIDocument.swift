import HTTPTypes
import Hummingbird

/// `GET /openapi.json`: the OpenAPI document of every route verifyd serves (`openapi/verifyd.json`, compiled in).
/// It holds no secrets, so it needs no credentials.
struct OpenAPIDocument: Sendable {
    /// SwiftPM names an embedded file after its name with the dots replaced.
    static let body = ByteBuffer(bytes: PackageResources.verifyd_json)

    func register(on router: Router<APIRequestContext>) {
        router.get("/openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: Self.body))
        }
    }
}
