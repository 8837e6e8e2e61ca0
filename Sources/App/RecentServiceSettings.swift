import Synchronization
import VerifyCore

/// `ServiceSettingsMemo` in this instance's memory, each entry usable for `lifetime` after the start transaction
/// that read it. Holds one entry per service this instance started a verification for; a service deleted meanwhile
/// leaves an entry nobody asks for, which the next remember of another service sweeps once it is stale.
public final class RecentServiceSettings: ServiceSettingsMemo {
    /// How long a loosened service setting (a region turned on, `SkipSmsToLandlines` off) may take to reach starts
    /// on instances other than the one that changed it.
    public static let defaultLifetime: Duration = .seconds(5)

    private struct Entry {
        var settings: ServiceSettings
        var readAt: ContinuousClock.Instant
    }

    private let lifetime: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let entries = Mutex<[ServiceSid: Entry]>([:])

    public init(lifetime: Duration = defaultLifetime, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now })
    {
        self.lifetime = lifetime
        self.now = now
    }

    public func recall(_ service: ServiceSid) -> ServiceSettings? {
        let now = now()
        return entries.withLock { entries in
            guard let entry = entries[service], entry.readAt.duration(to: now) < lifetime else { return nil }
            return entry.settings
        }
    }

    public func remember(_ settings: ServiceSettings, for service: ServiceSid) {
        let now = now()
        entries.withLock { entries in
            if entries[service] == nil {
                entries = entries.filter { $0.value.readAt.duration(to: now) < lifetime }
            }
            entries[service] = Entry(settings: settings, readAt: now)
        }
    }

    public func forget(_ service: ServiceSid) {
        _ = entries.withLock { $0.removeValue(forKey: service) }
    }
}
