/// One served request, as the metrics count it: the route is the matched template (`/v2/Services/{ServiceSid}`),
/// never the path, so no number, code or SID becomes a label.
public struct RequestObservation: Sendable {
    public var method: String
    public var route: String
    public var status: Int
    public var duration: Duration
}
