import Postgres
import VerifyCore

/// Failed authentications per client address in `auth_failures`, one row per address, by the database clock.
public struct PostgresAuthenticationFailureStore: AuthenticationFailureStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// One upsert: concurrent failures on any number of instances each get their own count, never the same one.
    /// Every expression in `SET` reads the row as it was, so both see the same window. `now()` is when the
    /// transaction began, and an upsert that waited for a concurrent one reads a window that began after that, so
    /// the time left is capped at the window (a run in this project's tests saw 301 s of a 300 s window).
    public func recordFailure(address: String, window: Duration) async throws -> FailureWindow {
        let seconds = Int(window.components.seconds)
        let row = try await client.query(
            """
            INSERT INTO auth_failures AS f (address, window_start, failures) VALUES (\(address), now(), 1)
            ON CONFLICT (address) DO UPDATE SET
                failures = CASE WHEN f.window_start > now() - \(seconds) * interval '1 second'
                    THEN f.failures + 1 ELSE 1 END,
                window_start = CASE WHEN f.window_start > now() - \(seconds) * interval '1 second'
                    THEN f.window_start ELSE now() END
            RETURNING failures,
                least(ceil(extract(epoch FROM f.window_start + \(seconds) * interval '1 second' - now()) * 1000),
                    \(seconds) * 1000)::bigint AS remaining_ms
            """)[0]
        return FailureWindow(
            failures: try row.decode("failures"), remaining: .milliseconds(try row.decode("remaining_ms", as: Int.self))
        )
    }

    public func purgeEnded(window: Duration, limit: Int) async throws -> Int {
        let seconds = Int(window.components.seconds)
        return try await client.query(
            """
            DELETE FROM auth_failures WHERE address IN (
                SELECT address FROM auth_failures WHERE window_start <= now() - \(seconds) * interval '1 second'
                LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            """
        ).affectedRows
    }
}
