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
}
