/// Service settings as this instance last read them in a start transaction, kept a few seconds so that the next
/// start to the same service is screened before it reaches the database or takes a delivery slot. The transaction
/// screens again on the row it reads, so a memo can only delay a loosened setting (by its lifetime), never a
/// tightened one.
public protocol ServiceSettingsMemo: Sendable {
    /// The settings remembered for `service`, or nil when none are, or they are too old to use.
    func recall(_ service: ServiceSid) -> ServiceSettings?
    func remember(_ settings: ServiceSettings, for service: ServiceSid)
    /// Drops what is remembered, as when this instance changed or deleted the service.
    func forget(_ service: ServiceSid)
}
