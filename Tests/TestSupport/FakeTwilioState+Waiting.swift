import Synchronization

extension FakeTwilioState {
    /// All requests once at least `count` were received; throws when `timeout` passes first.
    func waitForRequests(count: Int, timeout: Duration) async throws -> [FakeTwilioRequest] {
        try await withThrowingTaskGroup(of: [FakeTwilioRequest].self) { group in
            group.addTask { try await self.waitForRequests(count: count) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw FakeTwilioWaitError(expected: count, received: self.requests.count, timeout: timeout)
            }
            defer { group.cancelAll() }
            guard let requests = try await group.next() else { return [] }
            return requests
        }
    }

    private func waitForRequests(count: Int) async throws -> [FakeTwilioRequest] {
        let id = storage.withLock { storage in
            defer { storage.nextWaiterID += 1 }
            return storage.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate = storage.withLock { storage -> Result<[FakeTwilioRequest], any Error>? in
                    if storage.requests.count >= count {
                        return .success(storage.requests)
                    }
                    if storage.isStopped {
                        return .failure(FakeTwilioWaitError(expected: count, received: storage.requests.count))
                    }
                    storage.waiters[id] = Waiter(count: count, continuation: continuation)
                    return nil
                }
                if let immediate {
                    continuation.resume(with: immediate)
                }
            }
        } onCancel: {
            storage.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Fails every waiter; later waits fail at once unless enough requests already arrived.
    func stop() {
        let (waiters, received) = storage.withLock { storage in
            storage.isStopped = true
            defer { storage.waiters.removeAll() }
            return (Array(storage.waiters.values), storage.requests.count)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: FakeTwilioWaitError(expected: waiter.count, received: received))
        }
    }
}

/// `waitForRequests` gave up: too few requests arrived before the timeout or the fake stopped.
public struct FakeTwilioWaitError: Error, Sendable, CustomStringConvertible {
    public let expected: Int
    public let received: Int
    public let timeout: Duration?

    init(expected: Int, received: Int, timeout: Duration? = nil) {
        self.expected = expected
        self.received = received
        self.timeout = timeout
    }

    public var description: String {
        let reason = timeout.map { "within \($0)" } ?? "before the fake stopped"
        return "FakeTwilio received \(received) of \(expected) expected requests \(reason)"
    }
}
