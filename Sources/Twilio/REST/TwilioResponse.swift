#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Turns what libcurl returned into a resource or a `TwilioError`.
enum TwilioResponse {
    /// The parts of a Message or Call resource the client exposes.
    private struct ResourceBody: Decodable {
        let sid: String
        let status: String
        let errorCode: Int?

        enum CodingKeys: String, CodingKey {
            case sid
            case status
            case errorCode = "error_code"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sid = try container.decode(String.self, forKey: .sid)
            status = try container.decode(String.self, forKey: .status)
            // Documented as integer or null; tolerate a numeric string rather than fail a resource Twilio created.
            errorCode =
                (try? container.decodeIfPresent(Int.self, forKey: .errorCode))
                ?? (try? container.decodeIfPresent(String.self, forKey: .errorCode)).flatMap { $0.flatMap(Int.init) }
        }
    }

    /// Twilio's error body: `{"code": 21211, "message": "…", "more_info": "…", "status": 400}`.
    private struct ErrorBody: Decodable {
        let code: Int
        let message: String?
        let moreInfo: String?

        enum CodingKeys: String, CodingKey {
            case code
            case message
            case moreInfo = "more_info"
        }
    }

    static func interpret(_ response: CurlResponse, now: Double) -> Result<TwilioResource, TwilioError> {
        let decoder = JSONDecoder()
        if (200..<300).contains(response.status) {
            guard let body = try? decoder.decode(ResourceBody.self, from: Data(response.body)), !body.sid.isEmpty else {
                return .failure(
                    TwilioError(
                        kind: .invalidResponse,
                        httpStatus: response.status,
                        reason: "the success response is not a Twilio resource"
                    )
                )
            }
            return .success(TwilioResource(sid: body.sid, status: body.status, errorCode: body.errorCode))
        }
        let retryAfter = response.header("Retry-After").flatMap { RetryAfter.parse($0, now: now) }
        guard let body = try? decoder.decode(ErrorBody.self, from: Data(response.body)) else {
            return .failure(TwilioError(kind: .httpStatus, httpStatus: response.status, retryAfter: retryAfter))
        }
        return .failure(
            TwilioError(
                kind: .apiError,
                httpStatus: response.status,
                twilioCode: body.code,
                moreInfo: body.moreInfo,
                retryAfter: retryAfter,
                detail: body.message
            )
        )
    }

    static func error(from transport: CurlTransportError) -> TwilioError {
        TwilioError(
            kind: transport.delivery == .notSent ? .notSent : .ambiguous,
            curlCode: transport.curl?.code,
            reason: transport.curl?.summary ?? transport.reason,
            detail: transport.curl?.detail
        )
    }
}
