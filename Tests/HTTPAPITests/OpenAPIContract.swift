import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import HTTPAPI

/// `openapi/verifyd.json`, read from the repository, and what it promises about one answer of one operation.
struct OpenAPIContract {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("openapi/verifyd.json")

    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    let bytes: [UInt8]
    let document: JSONParameter

    init() throws {
        bytes = [UInt8](try Data(contentsOf: Self.file))
        document = try JSONParameter(parsing: bytes)
    }

    /// Every operation as `METHOD /path/{parameter}`, the way Hummingbird describes its routes.
    var operations: Set<String> {
        Set(
            document["paths"]?.members.flatMap { path, item in
                item.members.keys.filter(Self.methods.contains).map { "\($0.uppercased()) \(path)" }
            } ?? [])
    }

    /// The response object documented for `status`, with `$ref`s followed.
    func documentedResponse(_ method: HTTPRequest.Method, _ path: String, status: HTTPResponse.Status)
        -> JSONParameter?
    {
        let response = document["paths"]?[path]?[method.rawValue.lowercased()]?["responses"]?[String(status.code)]
        return response.map(followed)
    }

    private func followed(_ value: JSONParameter) -> JSONParameter {
        guard let pointer = value["$ref"]?.string, let target = document.resolve(pointer: pointer) else { return value }
        return followed(target)
    }

    /// Checks that `response` is an answer the document gives for the operation at `path` (a template, such as
    /// `/v2/Services/{service}`): a documented status, its media type, a body matching its schema (or no body
    /// where none is documented), and its required headers.
    func expectConforms(
        _ response: TestResponse, _ method: HTTPRequest.Method, _ path: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let operation = "\(method) \(path) → \(response.status.code)"
        let documented = try #require(
            documentedResponse(method, path, status: response.status),
            "\(operation) is not documented: \(response.text)",
            sourceLocation: sourceLocation)
        for (name, header) in documented["headers"]?.members ?? [:] {
            let header = followed(header)
            let value = HTTPField.Name(name).flatMap { response.headers[$0] }
            if header["required"] == .bool(true) {
                #expect(value != nil, "\(operation): no \(name) header", sourceLocation: sourceLocation)
            }
            if let value, let schema = header["schema"] {
                let violations = SchemaChecker(document: document).violations(of: .string(value), against: schema)
                #expect(violations.isEmpty, "\(operation) \(name): \(violations)", sourceLocation: sourceLocation)
            }
        }
        let content = documented["content"]?.members ?? [:]
        guard !content.isEmpty else {
            #expect(response.body.readableBytes == 0, "\(operation) has a body", sourceLocation: sourceLocation)
            return
        }
        let mediaType = response.headers[.contentType]?.split(separator: ";").first.map(String.init) ?? ""
        let media = try #require(
            content[mediaType], "\(operation): Content-Type \(mediaType) is not documented",
            sourceLocation: sourceLocation)
        guard mediaType == "application/json", let schema = media["schema"] else { return }
        let body = try JSONParameter(parsing: response.body.readableBytesView)
        let violations = SchemaChecker(document: document).violations(of: body, against: schema)
        #expect(
            violations.isEmpty, "\(operation): \(violations.joined(separator: "; "))", sourceLocation: sourceLocation)
    }
}
