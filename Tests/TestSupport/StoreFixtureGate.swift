/// Bounds how many store and HTTP fixtures run at once. Every fixture creates a database and opens connections; with
/// a hundred tests starting together that exceeds the server's `max_connections` (shared with other test runs), and
/// tests would fail for want of a connection rather than for what they test.
actor StoreFixtureGate {
    static let shared = StoreFixtureGate(limit: 8)

    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        available = limit
    }

    /// Runs `body` once fewer than `limit` others are running.
    static func run<Result>(_ body: () async throws -> Result) async throws -> Result {
        await shared.acquire()
        do {
            let result = try await body()
            await shared.release()
            return result
        } catch {
            await shared.release()
            throw error
        }
    }

    private func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
