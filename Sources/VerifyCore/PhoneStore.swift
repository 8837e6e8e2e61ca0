/// Storage for what an operator or the phone's owner decided about a number.
public protocol PhoneStore: Sendable {
    func block(_ phone: PhoneNumber, reason: String) async throws
    /// Lifts a block and clears the consecutive-failure counts of every service; false when there was nothing to lift.
    func unblock(_ phone: PhoneNumber) async throws -> Bool
    /// Records an opt-out (true) or opt-in (false) that did not come from an inbound message (Twilio's 21610).
    func setOptedOut(_ phone: PhoneNumber, _ optedOut: Bool) async throws
    /// Records a STOP (true) or START (false) the phone sent in inbound message `messageSid`, once: false when that
    /// message was recorded before (a retry or a replay), and then nothing changes.
    func recordOptOutMessage(_ phone: PhoneNumber, optedOut: Bool, messageSid: String) async throws -> Bool
    /// Removes the number's verifications, delivery attempts, failure counts, STOP/START receipts and phone row. If
    /// it is opted out, `digests[0]` (`CodeKeyring.erasedPhoneDigests`) is kept so a start to it is still refused.
    func erase(_ phone: PhoneNumber, digests: [[UInt8]]) async throws -> PhoneErasure
}

/// What `verifyd phones erase` removed: counts only, never the number.
public struct PhoneErasure: Sendable, Equatable {
    public var verifications: Int
    public var attempts: Int
    public var failureCounts: Int
    public var receipts: Int
    /// Rows of `abuse_refusals` and of the Safe List: both name the number, so both go.
    public var refusals: Int
    public var safeListEntries: Int
    public var phoneRows: Int
    /// The number had opted out, so its keyed digest was kept: a later start to it is still refused.
    public var optOutKept: Bool

    public init(
        verifications: Int, attempts: Int, failureCounts: Int, receipts: Int, refusals: Int, safeListEntries: Int,
        phoneRows: Int, optOutKept: Bool
    ) {
        self.verifications = verifications
        self.attempts = attempts
        self.failureCounts = failureCounts
        self.receipts = receipts
        self.refusals = refusals
        self.safeListEntries = safeListEntries
        self.phoneRows = phoneRows
        self.optOutKept = optOutKept
    }
}
