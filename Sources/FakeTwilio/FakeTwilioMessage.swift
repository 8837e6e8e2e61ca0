/// An SMS the fake created, as `GET /_fake/messages` lists it: what a phone would have received.
public struct FakeTwilioMessage: Sendable, Encodable, Equatable {
    public let sid: String
    public let to: String
    /// `From`, or nil when a Messaging Service picks the sender.
    public let from: String?
    public let body: String
    public let statusCallback: String?

    private enum CodingKeys: String, CodingKey {
        case sid, to, from, body, statusCallback
    }

    /// Writes absent values as `null`, so every message has the same keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sid, forKey: .sid)
        try container.encode(to, forKey: .to)
        try container.encode(from, forKey: .from)
        try container.encode(body, forKey: .body)
        try container.encode(statusCallback, forKey: .statusCallback)
    }
}

/// The counts `GET /_fake/stats` reports.
public struct FakeTwilioStats: Sendable, Encodable, Equatable {
    /// Requests to Twilio's REST routes, whatever became of them.
    public var requests = 0
    /// Messages and calls created.
    public var messages = 0
    public var calls = 0
    /// The most REST requests that were being handled at once.
    public var peakInFlight = 0
}
