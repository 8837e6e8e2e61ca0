import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Twilio's REST API for the two resources verifyd creates: Messages and Calls.
///
/// Requests run concurrently through libcurl's multi interface on one thread of the client's own, reusing
/// connections, at most `configuration.maxInFlight` at once: a request past the cap fails at once as not sent, and a
/// caller that must know before it commits to anything reserves a slot first. Nothing is retried here: whether a failure is safe to retry is the caller's decision, made from `TwilioError`. Logs are
/// debug-level and never contain a full phone number, a message body or credentials.
public final class TwilioClient: Sendable {
    /// The settings the client was created with.
    public let configuration: TwilioConfiguration
    private let http: CurlHTTPClient
    private let auth: CurlRequest.BasicAuth
    private let logger: Logger
    private let now: @Sendable () -> Double

    /// Starts the client's transfer thread; call `shutdown()` when done.
    public convenience init(configuration: TwilioConfiguration, logger: Logger = Logger(label: "verifyd.twilio")) {
        self.init(configuration: configuration, logger: logger, now: { Date().timeIntervalSince1970 })
    }

    /// `now` (seconds since 1970) converts `Retry-After` dates into delays.
    init(configuration: TwilioConfiguration, logger: Logger, now: @escaping @Sendable () -> Double) {
        self.configuration = configuration
        self.logger = logger
        self.now = now
        switch configuration.credentials {
        case .authToken(let token):
            auth = CurlRequest.BasicAuth(username: configuration.accountSID, password: token)
        case .apiKey(let sid, let secret):
            auth = CurlRequest.BasicAuth(username: sid, password: secret)
        }
        let options = CurlOptions(
            connectTimeoutMilliseconds: Self.milliseconds(configuration.connectTimeout),
            totalTimeoutMilliseconds: Self.milliseconds(configuration.totalTimeout),
            userAgent: configuration.userAgent
        )
        http = CurlHTTPClient(options: options, maxInFlight: configuration.maxInFlight)
    }

    /// Reserves a place for one request, or returns nil at once when `configuration.maxInFlight` requests are in
    /// flight. The place is given back when the request made in it ends, or when the slot is dropped unused.
    public func reserveSlot() -> InFlightSlot? {
        http.reserve()
    }

    /// How many slots are free right now; another caller may take one the next moment.
    public var freeSlots: Int {
        http.freeSlots
    }

    /// Creates an SMS; returns its `SM…` SID and initial status (`queued`, or `accepted` via a Messaging Service).
    /// Runs in `slot`, or in a slot of its own when there is a free one.
    public func createMessage(_ message: OutgoingMessage, in slot: InFlightSlot? = nil) async throws(TwilioError)
        -> TwilioResource
    {
        let request = CurlRequest.post(
            resourceURL("Messages.json"),
            basicAuth: auth,
            formBody: Array(URLEncodedForm.encode(message.formFields).utf8)
        )
        return try await send(request, in: slot, resource: "Messages", to: message.to)
    }

    /// Creates an outbound call; returns its `CA…` SID and initial status (`queued`). Runs in `slot`, or in a slot
    /// of its own when there is a free one.
    public func createCall(_ call: OutgoingCall, in slot: InFlightSlot? = nil) async throws(TwilioError)
        -> TwilioResource
    {
        let request = CurlRequest.post(
            resourceURL("Calls.json"),
            basicAuth: auth,
            formBody: Array(URLEncodedForm.encode(call.formFields).utf8)
        )
        return try await send(request, in: slot, resource: "Calls", to: call.to)
    }

    /// Lets running requests finish, then releases the thread, handles and connections. Later calls fail as not
    /// sent.
    public func shutdown() async {
        await http.shutdown()
    }

    private func send(_ request: CurlRequest, in slot: InFlightSlot?, resource: String, to: String?)
        async throws(TwilioError) -> TwilioResource
    {
        var metadata: Logger.Metadata = ["resource": "\(resource)"]
        if let to {
            metadata["to"] = "\(PhoneNumberMask.mask(to))"
        }
        logger.debug("twilio.request", metadata: metadata)
        let result: Result<TwilioResource, TwilioError>
        if let slot = slot ?? http.reserve() {
            do {
                result = TwilioResponse.interpret(try await http.execute(request, in: slot), now: now())
            } catch {
                result = .failure(TwilioResponse.error(from: error))
            }
        } else {
            result = .failure(
                TwilioResponse.error(from: CurlTransportError(notStartedBecause: "too many requests in flight")))
        }
        switch result {
        case .success(let resource):
            metadata["sid"] = "\(resource.sid)"
            metadata["status"] = "\(resource.status)"
            logger.debug("twilio.response", metadata: metadata)
        case .failure(let error):
            metadata["error"] = "\(error)"
            metadata["safe_to_retry"] = "\(error.isSafeToRetry)"
            logger.debug("twilio.failure", metadata: metadata)
        }
        return try result.get()
    }

    private func resourceURL(_ path: String) -> String {
        "\(configuration.apiBaseURL)/2010-04-01/Accounts/\(configuration.accountSID)/\(path)"
    }

    /// Whole milliseconds, rounded up so a positive duration never becomes libcurl's "0 = no limit".
    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let partial = attoseconds / 1_000_000_000_000_000
        let rounded = attoseconds % 1_000_000_000_000_000 > 0 ? partial + 1 : partial
        return Int(clamping: seconds * 1000 + rounded)
    }
}
