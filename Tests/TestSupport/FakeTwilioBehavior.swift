/// The REST endpoints of `FakeTwilio` whose answers tests can script.
public enum FakeTwilioEndpoint: String, Sendable, Hashable, CaseIterable {
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
