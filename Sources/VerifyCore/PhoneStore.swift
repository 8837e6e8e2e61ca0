/// Storage for what an operator or the phone's owner decided about a number.
public protocol PhoneStore: Sendable {
    func block(_ phone: PhoneNumber, reason: String) async throws
    /// Lifts a block and clears the consecutive-failure counts of every service; false when there was nothing to lift.
    func unblock(_ phone: PhoneNumber) async throws -> Bool
    /// Records a STOP (true) or START (false) from the phone.
    func setOptedOut(_ phone: PhoneNumber, _ optedOut: Bool) async throws
}
