/// A message or call as Twilio reported it.
public struct TwilioResource: Sendable, Hashable {
    /// `SM…`/`MM…` for messages, `CA…` for calls.
    public let sid: String
    /// Twilio's status string, e.g. `queued`, `accepted`, `delivered`, `failed`.
    public let status: String
    /// The delivery error code of a failed or undelivered message, when Twilio reports one.
    public let errorCode: Int?

    /// A resource as reported by Twilio.
    public init(sid: String, status: String, errorCode: Int? = nil) {
        self.sid = sid
        self.status = status
        self.errorCode = errorCode
    }
}
