/// Why a Twilio REST call did not produce a resource.
///
/// The one question a sender must answer from it is whether resending could duplicate an SMS or call:
/// `isSafeToRetry`. `description` never contains a phone number, message text or credential: Twilio's own error
/// messages quote phone numbers, so they are only in `debugDescription`.
public struct TwilioError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The broad category; new kinds may be added.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case notSent
            case ambiguous
            case apiError
            case httpStatus
            case invalidResponse
            case invalidRequest
        }

        private let base: Base

        /// The request provably never reached Twilio (resolve, connect or TLS failure, connect-phase timeout,
        /// too many requests in flight, client shut down); resending cannot duplicate anything.
        public static let notSent = Kind(base: .notSent)
        /// The request may have reached Twilio (timeout after sending, dropped connection): its outcome is
        /// unknown and must be reconciled, not resent blindly.
        public static let ambiguous = Kind(base: .ambiguous)
        /// Twilio answered with an HTTP error and its JSON error body (`code`, `message`, `more_info`).
        public static let apiError = Kind(base: .apiError)
        /// An HTTP error without a Twilio error body, typically from a proxy or load balancer.
        public static let httpStatus = Kind(base: .httpStatus)
        /// A success status whose body is not the expected resource; Twilio probably acted on the request.
        public static let invalidResponse = Kind(base: .invalidResponse)
        /// The request was refused before sending because an argument cannot form a valid request.
        public static let invalidRequest = Kind(base: .invalidRequest)

        public var description: String {
            switch base {
            case .notSent: "not sent"
            case .ambiguous: "ambiguous"
            case .apiError: "API error"
            case .httpStatus: "HTTP error"
            case .invalidResponse: "invalid response"
            case .invalidRequest: "invalid request"
            }
        }
    }

    /// What went wrong, broadly.
    public let kind: Kind
    /// The HTTP status, when Twilio (or something in between) answered.
    public let httpStatus: Int?
    /// Twilio's error code (e.g. 21211 invalid `To`, 21610 unsubscribed recipient), for `.apiError`.
    public let twilioCode: Int?
    /// Twilio's documentation link for the code.
    public let moreInfo: String?
    /// How long the server asked the client to wait, from `Retry-After`.
    public let retryAfter: Duration?
    /// The `CURLcode` of a transport failure.
    public let curlCode: Int?
    /// A fixed explanation written by this module (libcurl's text for the code, "client is shut down").
    let reason: String?
    /// Server-supplied text and transfer details; may quote phone numbers, so only in `debugDescription`.
    let detail: String?

    init(
        kind: Kind,
        httpStatus: Int? = nil,
        twilioCode: Int? = nil,
        moreInfo: String? = nil,
        retryAfter: Duration? = nil,
        curlCode: Int? = nil,
        reason: String? = nil,
        detail: String? = nil
    ) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.twilioCode = twilioCode
        self.moreInfo = moreInfo
        self.retryAfter = retryAfter
        self.curlCode = curlCode
        self.reason = reason
        self.detail = detail
    }

    /// True exactly when resending cannot duplicate an SMS or call: the request was never sent, Twilio said 429
    /// (never processed), or Twilio itself (with its error body) said 503. A bare 503 may come from a proxy that
    /// had already forwarded the request, so it is not safe.
    public var isSafeToRetry: Bool {
        if kind == .notSent {
            return true
        }
        if httpStatus == 429 {
            return kind == .apiError || kind == .httpStatus
        }
        return kind == .apiError && httpStatus == 503
    }

    /// True when Twilio rejected the request itself (a 4xx other than 429): resending it will fail the same way.
    public var isPermanent: Bool {
        guard kind == .apiError || kind == .httpStatus, let httpStatus else { return kind == .invalidRequest }
        return (400..<500).contains(httpStatus) && httpStatus != 429
    }

    public var description: String {
        var text = "Twilio request failed (\(kind))"
        if let httpStatus {
            text += ": HTTP \(httpStatus)"
        }
        if let twilioCode {
            text += ", Twilio error \(twilioCode)"
        }
        if let curlCode {
            text += ": curl error \(curlCode)"
        }
        if let reason {
            text += " (\(reason))"
        }
        if let retryAfter {
            text += ", retry after \(retryAfter)"
        }
        return text
    }

    public var debugDescription: String {
        var text = description
        if let moreInfo {
            text += " (\(moreInfo))"
        }
        if let detail {
            text += ": \(detail)"
        }
        return text
    }
}
