import Synchronization

/// Everything the fake knows, shared between its connections and the test: scripts and the
/// request log with its waiters. Connections call `handle` on their event loop; tests query and await.
final class FakeTwilioState: Sendable {
    struct Waiter {
        let count: Int
        let continuation: CheckedContinuation<[FakeTwilioRequest], any Error>
    }

    struct Storage {
        var scripts: [FakeTwilioEndpoint: [FakeTwilioBehavior]] = [:]
        var requests: [FakeTwilioRequest] = []
        var waiters: [Int: Waiter] = [:]
        var nextWaiterID = 0
        var connections = 0
        var isStopped = false
    }

    let account: FakeTwilioAccount
    let storage = Mutex(Storage())

    init(account: FakeTwilioAccount) {
        self.account = account
    }

    func enqueue(_ behaviors: [FakeTwilioBehavior], for endpoint: FakeTwilioEndpoint) {
        storage.withLock { $0.scripts[endpoint, default: []].append(contentsOf: behaviors) }
    }

    var requests: [FakeTwilioRequest] {
        storage.withLock { $0.requests }
    }

    var connectionCount: Int {
        storage.withLock { $0.connections }
    }

    func connectionOpened() {
        storage.withLock { $0.connections += 1 }
    }

    /// Decides what to do with a complete request and records it, waking waiters it satisfies.
    func handle(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8])
        -> FakeTwilioAction
    {
        let isForm = headers.contains {
            $0.name.lowercased() == "content-type"
                && $0.value.lowercased().hasPrefix("application/x-www-form-urlencoded")
        }
        let form = isForm ? FakeTwilioForm.decode(body) ?? [] : []
        let route = FakeTwilioRoute(method: method, target: target)
        let credentials = FakeTwilioBasicAuth.decode(headers.first { $0.name.lowercased() == "authorization" }?.value)
        // Valid credentials for another account are as good as none: the path names the account acted on.
        let authorized = account.accepts(credentials) && route.accountSID.map(String.init) == account.accountSID

        let (action, woken) = storage.withLock { storage -> (FakeTwilioAction, [(Waiter, [FakeTwilioRequest])]) in
            let action = plan(route: route, authorized: authorized, form: form, storage: &storage)
            let endpoint: FakeTwilioEndpoint? =
                if case .create(let endpoint, _) = route { endpoint } else { nil }
            storage.requests.append(
                FakeTwilioRequest(
                    method: method,
                    path: target,
                    headers: headers,
                    body: body,
                    form: form,
                    endpoint: endpoint,
                    disposition: action.disposition,
                    receivedAt: .now
                )
            )
            let ready = storage.waiters.filter { $0.value.count <= storage.requests.count }
            for id in ready.keys {
                storage.waiters[id] = nil
            }
            return (action, ready.values.map { ($0, storage.requests) })
        }
        for (waiter, requests) in woken {
            waiter.continuation.resume(returning: requests)
        }
        return action
    }

    private func plan(
        route: FakeTwilioRoute,
        authorized: Bool,
        form: FakeTwilioResources.Form,
        storage: inout Storage
    ) -> FakeTwilioAction {
        switch route {
        case .notFound(let path):
            return .respond(
                .twilioError(status: 404, code: 20404, message: "The requested resource \(path) was not found"))
        case .methodNotAllowed:
            return .respond(.twilioError(status: 405, code: 20004, message: "Method not allowed"))
        case _ where !authorized:
            return .respond(.twilioError(status: 401, code: 20003, message: "Authenticate"))
        case .create(let endpoint, _):
            let behavior =
                storage.scripts[endpoint]?.isEmpty == false ? storage.scripts[endpoint]!.removeFirst() : .succeed
            return action(for: behavior, endpoint: endpoint, form: form, storage: &storage)
        }
    }

    private func action(
        for behavior: FakeTwilioBehavior,
        endpoint: FakeTwilioEndpoint,
        form: FakeTwilioResources.Form,
        storage: inout Storage
    ) -> FakeTwilioAction {
        switch behavior {
        case .succeed:
            let created =
                switch endpoint {
                case .messages: FakeTwilioResources.createMessage(form, accountSID: account.accountSID)
                case .calls: FakeTwilioResources.createCall(form, accountSID: account.accountSID)
                }
            switch created {
            case .success(let members):
                return .respond(.json(status: 201, FakeTwilioJSON.object(members)))
            case .failure(let error):
                return .respond(error.response)
            }
        case .respond(let status, let code, let message, let retryAfter):
            let extra = retryAfter.map { [(name: "Retry-After", value: $0)] } ?? []
            guard let code else {
                return .respond(FakeTwilioResponse(status: status, headers: extra, body: ""))
            }
            return .respond(.twilioError(status: status, code: code, message: message ?? "Error", extraHeaders: extra))
        case .respondHTML(let status, let retryAfter):
            let extra = retryAfter.map { [(name: "Retry-After", value: $0)] } ?? []
            let page = "<html><head><title>\(status)</title></head><body><h1>\(status)</h1></body></html>"
            return .respond(
                FakeTwilioResponse(status: status, headers: [("Content-Type", "text/html")] + extra, body: page)
            )
        case .hang(let duration):
            return .hang(duration)
        case .dropConnection:
            return .drop
        case .delay(let duration, let then):
            return .delay(duration, then: action(for: then, endpoint: endpoint, form: form, storage: &storage))
        }
    }
}
