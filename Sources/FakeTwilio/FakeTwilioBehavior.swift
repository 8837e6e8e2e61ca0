/// The REST endpoints of `FakeTwilio` whose answers tests can script.
public enum FakeTwilioEndpoint: String, Sendable, Hashable, CaseIterable, Decodable {
    /// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`
    case messages
    /// `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`
    case calls
}

/// What `FakeTwilio` does with one request to a scripted endpoint.
public indirect enum FakeTwilioBehavior: Sendable {
    /// Validate the request as Twilio would and create the resource (201), or answer Twilio's 400.
    case succeed
    /// Answer `status`; with `twilioCode` the body is Twilio's JSON error, without it the body is empty.
    /// `retryAfter` is sent verbatim as the `Retry-After` header.
    case respond(status: Int, twilioCode: Int? = nil, message: String? = nil, retryAfter: String? = nil)
    /// Answer `status` with an HTML page, as a proxy or load balancer in front of Twilio would.
    case respondHTML(status: Int, retryAfter: String? = nil)
    /// Read the whole request, then answer nothing; close the connection after `duration` if the client has
    /// not given up by then. This is "the request arrived but the response never came".
    case hang(for: Duration)
    /// Read the whole request, then close the connection without answering.
    case dropConnection
    /// Wait `duration` after reading the request, then behave as `then`.
    case delay(Duration, then: FakeTwilioBehavior)
}

/// The body of `POST /_fake/script`: behaviours for the next requests to one endpoint, for tests that drive a
/// `fake-twilio` process.
///
/// ```json
/// {"endpoint": "messages", "behaviors": [
///   {"action": "respond", "status": 429, "code": 20429, "message": "Too Many Requests", "retry_after": "1",
///    "times": 3},
///   {"action": "html", "status": 503},
///   {"action": "hang", "ms": 30000},
///   {"action": "drop"},
///   {"action": "succeed", "delay_ms": 500}
/// ]}
/// ```
/// `delay_ms` waits before any action; `times` repeats a behaviour (default 1).
struct FakeTwilioScript: Decodable {
    let endpoint: FakeTwilioEndpoint
    let behaviors: [FakeTwilioBehavior]

    private struct Step: Decodable {
        enum Action: String, Decodable {
            case succeed, respond, html, hang, drop
        }

        let action: Action
        let status: Int?
        let code: Int?
        let message: String?
        let retryAfter: String?
        let ms: Int?
        let delayMs: Int?
        let times: Int?
    }

    private enum CodingKeys: String, CodingKey {
        case endpoint, behaviors
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        endpoint = try container.decode(FakeTwilioEndpoint.self, forKey: .endpoint)
        let steps = try container.decode([Step].self, forKey: .behaviors)
        behaviors = try steps.flatMap { step in
            let behavior = try Self.behavior(step, path: container.codingPath + [CodingKeys.behaviors])
            return Array(repeating: behavior, count: max(1, step.times ?? 1))
        }
    }

    private static func behavior(_ step: Step, path: [any CodingKey]) throws -> FakeTwilioBehavior {
        func required<Value>(_ value: Value?, _ name: String) throws -> Value {
            guard let value else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: path, debugDescription: "\(step.action) needs \(name)"))
            }
            return value
        }
        let behavior: FakeTwilioBehavior =
            switch step.action {
            case .succeed: .succeed
            case .respond:
                .respond(
                    status: try required(step.status, "status"), twilioCode: step.code, message: step.message,
                    retryAfter: step.retryAfter)
            case .html: .respondHTML(status: try required(step.status, "status"), retryAfter: step.retryAfter)
            case .hang: .hang(for: .milliseconds(try required(step.ms, "ms")))
            case .drop: .dropConnection
            }
        guard let delay = step.delayMs else { return behavior }
        return .delay(.milliseconds(delay), then: behavior)
    }
}
