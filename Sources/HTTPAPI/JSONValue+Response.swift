import HTTPTypes
import Hummingbird

extension JSONValue {
    /// This document as an `application/json` response.
    func response(status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: serialized())))
    }
}
