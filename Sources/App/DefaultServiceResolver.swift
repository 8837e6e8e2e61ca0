import Synchronization
import VerifyCore

/// The service behind the original routes: `VERIFYD_DEFAULT_SERVICE` when set, else one created on first use
/// (exactly once across instances, by the store) and remembered here.
final class DefaultServiceResolver: Sendable {
    private let configured: ServiceSid?
    private let name: String
    private let services: any ServiceStore
    private let cached = Mutex<ServiceSid?>(nil)

    init(configured: ServiceSid?, name: String, services: any ServiceStore) {
        self.configured = configured
        self.name = name
        self.services = services
    }

    /// - Parameter refresh: forget the remembered SID first, because the service it names is gone.
    func sid(refresh: Bool = false) async throws -> ServiceSid {
        if let configured { return configured }
        if refresh { cached.withLock { $0 = nil } }
        if let sid = cached.withLock({ $0 }) { return sid }
        let sid = try await services.defaultService(named: name).sid
        cached.withLock { $0 = sid }
        return sid
    }
}
