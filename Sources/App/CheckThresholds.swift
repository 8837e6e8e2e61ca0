/// The ranges `verifyd check` judges its figures by, one warning and one critical range per figure, in Nagios range
/// syntax. The defaults suit a service doing a few verifications a minute; busy ones raise the counts.
public struct CheckThresholds: Sendable {
    public struct Pair: Sendable {
        public var warning: NagiosRange?
        public var critical: NagiosRange?

        public init(warning: NagiosRange?, critical: NagiosRange?) {
            self.warning = warning
            self.critical = critical
        }

        init(_ warning: String?, _ critical: String?) {
            self.warning = warning.flatMap(NagiosRange.init)
            self.critical = critical.flatMap(NagiosRange.init)
        }

        func state(of value: Double) -> PluginState {
            if critical?.alerts(value) == true { return .critical }
            if warning?.alerts(value) == true { return .warning }
            return .ok
        }
    }

    /// Seconds for `SELECT 1` on an open connection.
    public var roundTrip = Pair("0.5", "2")
    /// Migrations this binary carries that the database lacks: `serve` refuses to start with any.
    public var pendingMigrations = Pair(nil, "0")
    /// Attempts queued for a dispatcher.
    public var outbox = Pair("100", "1000")
    /// Seconds the oldest queued attempt has waited: a code older than a few minutes is of no use to anyone.
    public var outboxAge = Pair("60", "300")
    /// Failed or undelivered attempts of the last 15 minutes.
    public var deliveryFailures = Pair("10", "50")
    /// Percent of the spend guard's limit used.
    public var spend = Pair("80", "95")
    /// Percent of the last hour's verifications approved; a collapse is the classic sign of SMS pumping.
    public var approvalRate = Pair("30:", "10:")
    /// The approval rate is judged only with at least this many starts in the hour: a few abandoned verifications
    /// on a quiet night say nothing.
    public var approvalMinimumStarts = 50

    public init() {}
}
