/// Storage for Verify services.
public protocol ServiceStore: Sendable {
    func create(_ settings: ServiceSettings) async throws -> VerifyService
    func service(_ sid: ServiceSid) async throws -> VerifyService?
    /// Services in creation order, after the one `after` names (keyset paging), at most `limit`.
    func list(after: ServicePageCursor?, offset: Int, limit: Int) async throws -> [VerifyService]
    /// Applies `change` to the current settings under a row lock; `change` may throw `VerifyError`. Nil when the
    /// service does not exist.
    func update(_ sid: ServiceSid, _ change: @escaping @Sendable (inout ServiceSettings) throws -> Void) async throws
        -> VerifyService?
    /// Deletes the service and its verifications; false when it did not exist.
    func delete(_ sid: ServiceSid) async throws -> Bool
    /// The service the original routes use, created on first use exactly once however many instances race.
    func defaultService(named name: String) async throws -> VerifyService
}

/// Where a page of services starts: after this service in creation order.
public typealias ServicePageCursor = PageCursor<ServiceKind>
