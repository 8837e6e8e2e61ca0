/// One request `FakeTwilio` received, recorded once its body was complete and before it was answered.
public struct FakeTwilioRequest: Sendable {
    /// What the fake did with the request.
    public enum Disposition: Sendable, Hashable {
        /// Answered with this HTTP status.
        case answered(status: Int)
        /// Never answered (`.hang`).
        case hung
        /// Connection closed without an answer (`.dropConnection`).
        case dropped
    }

    /// `GET`, `POST`, …
    public let method: String
    /// The request target: path and query as sent.
    public let path: String
    /// Header fields in arrival order.
    public let headers: [(name: String, value: String)]
    /// The raw body.
    public let body: [UInt8]
    /// The body decoded as a form (empty unless the content type is form-encoded and the body decodes).
    public let form: [(name: String, value: String)]
    /// The scripted endpoint the request was for, if any.
    public let endpoint: FakeTwilioEndpoint?
    /// Answered, hung or dropped.
    public let disposition: Disposition
    /// When the last body byte arrived.
    public let receivedAt: ContinuousClock.Instant

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Every value of the form field `name`, in order.
    public func formValues(_ name: String) -> [String] {
        form.filter { $0.name == name }.map(\.value)
    }

    /// The first value of the form field `name`.
    public func formValue(_ name: String) -> String? {
        form.first { $0.name == name }?.value
    }

    /// The form field names in the order they were sent.
    public var formNames: [String] {
        form.map(\.name)
    }

    /// The decoded `Authorization: Basic` credentials.
    public var basicAuth: (username: String, password: String)? {
        FakeTwilioBasicAuth.decode(header("Authorization"))
    }
}
