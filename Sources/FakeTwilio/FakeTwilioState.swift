import Foundation
import Synchronization

/// Everything the fake knows, shared by its request handlers and the test: scripts, the request log, the messages
/// created, and how many requests are being handled at once.
final class FakeTwilioState: Sendable {
    private struct Storage {
        var scripts: [FakeTwilioEndpoint: [FakeTwilioBehavior]] = [:]
        var requests: [FakeTwilioRequest] = []
        var messages: [FakeTwilioMessage] = []
        var stats = FakeTwilioStats()
        var inFlight = 0
        var connections = 0
        /// Handlers waiting for `release()`, while responses are held.
        var held: [CheckedContinuation<Void, Never>]?
    }

    let account: FakeTwilioAccount
    let latency: Duration
    private let storage = Mutex(Storage())

    init(account: FakeTwilioAccount, latency: Duration) {
        self.account = account
        self.latency = latency
    }

    var requests: [FakeTwilioRequest] { storage.withLock { $0.requests } }
    var messages: [FakeTwilioMessage] { storage.withLock { $0.messages } }
    var stats: FakeTwilioStats { storage.withLock { $0.stats } }
    var connectionCount: Int { storage.withLock { $0.connections } }

    func enqueue(_ behaviors: [FakeTwilioBehavior], for endpoint: FakeTwilioEndpoint) {
        storage.withLock { $0.scripts[endpoint, default: []].append(contentsOf: behaviors) }
    }

    func connectionOpened() {
        storage.withLock { $0.connections += 1 }
    }

    /// Forgets requests, messages, counts and scripts; connections stay open.
    func reset() {
        storage.withLock { storage in
            storage.scripts = [:]
            storage.requests = []
            storage.messages = []
            storage.stats = FakeTwilioStats(peakInFlight: storage.inFlight)
        }
    }

    /// Makes handlers wait after reading their request until `release()`.
    func hold() {
        storage.withLock { storage in
            if storage.held == nil { storage.held = [] }
        }
    }

    /// Lets every held handler go on, and later ones pass.
    func release() {
        let waiting = storage.withLock { storage in
            defer { storage.held = nil }
            return storage.held ?? []
        }
        for continuation in waiting {
            continuation.resume()
        }
    }

    func waitWhileHeld() async {
        await withCheckedContinuation { continuation in
            let wait = storage.withLock { storage -> Bool in
                guard storage.held != nil else { return false }
                storage.held?.append(continuation)
                return true
            }
            if !wait {
                continuation.resume()
            }
        }
    }

    /// Counts a request as being handled until the returned closure is called.
    func enterFlight() -> @Sendable () -> Void {
        storage.withLock { storage in
            storage.inFlight += 1
            storage.stats.peakInFlight = max(storage.stats.peakInFlight, storage.inFlight)
        }
        return { [self] in storage.withLock { $0.inFlight -= 1 } }
    }

    /// Decides what to do with a complete request to `endpoint` and records it.
    func receive(
        _ endpoint: FakeTwilioEndpoint, accountSID: String, method: String, path: String,
        headers: [(name: String, value: String)], body: [UInt8]
    ) -> FakeTwilioAction {
        let isForm = headers.contains {
            $0.name.lowercased() == "content-type"
                && $0.value.lowercased().hasPrefix("application/x-www-form-urlencoded")
        }
        let form = isForm ? FakeTwilioForm.decode(body) ?? [] : []
        let credentials = FakeTwilioBasicAuth.decode(headers.first { $0.name.lowercased() == "authorization" }?.value)
        // Valid credentials for another account are as good as none: the path names the account acted on.
        let authorized = account.accepts(credentials) && accountSID == account.accountSID
        return storage.withLock { storage in
            let action: FakeTwilioAction
            if authorized {
                let scripted = storage.scripts[endpoint]?.isEmpty == false
                action = plan(scripted ? storage.scripts[endpoint]!.removeFirst() : .succeed, endpoint, form, &storage)
            } else {
                // Refused before the script is consulted, as Twilio authenticates before anything else.
                action = .respond(.json(status: 401, TwilioErrorBody(401, 20003, "Authenticate")))
            }
            storage.stats.requests += 1
            storage.requests.append(
                FakeTwilioRequest(
                    method: method, path: path, headers: headers, body: body, form: form, endpoint: endpoint,
                    disposition: action.disposition, receivedAt: .now))
            return action
        }
    }

    private func plan(
        _ behavior: FakeTwilioBehavior, _ endpoint: FakeTwilioEndpoint, _ form: FakeTwilioResources.Form,
        _ storage: inout Storage
    ) -> FakeTwilioAction {
        switch behavior {
        case .succeed:
            switch endpoint {
            case .messages:
                let created = FakeTwilioResources.createMessage(form, accountSID: account.accountSID)
                if case .success(let message) = created {
                    storage.stats.messages += 1
                    storage.messages.append(
                        FakeTwilioMessage(
                            sid: message.sid, to: message.to, from: message.from.value, body: message.body,
                            statusCallback: message.statusCallback))
                }
                return .respond(.created(created))
            case .calls:
                let created = FakeTwilioResources.createCall(form, accountSID: account.accountSID)
                if case .success = created { storage.stats.calls += 1 }
                return .respond(.created(created))
            }
        case .respond(let status, let code, let message, let retryAfter):
            let extra = retryAfter.map { [(name: "Retry-After", value: $0)] } ?? []
            guard let code else {
                return .respond(FakeTwilioReply(status: status, headers: extra, body: []))
            }
            return .respond(.json(status: status, TwilioErrorBody(status, code, message ?? "Error"), headers: extra))
        case .respondHTML(let status, let retryAfter):
            let extra = retryAfter.map { [(name: "Retry-After", value: $0)] } ?? []
            let page = "<html><head><title>\(status)</title></head><body><h1>\(status)</h1></body></html>"
            return .respond(
                FakeTwilioReply(
                    status: status, headers: [("Content-Type", "text/html")] + extra, body: Array(page.utf8)))
        case .hang(let duration):
            return .hang(duration)
        case .dropConnection:
            return .drop
        case .delay(let duration, let then):
            return .delay(duration, then: plan(then, endpoint, form, &storage))
        }
    }
}

/// What a request handler does once the request is recorded.
indirect enum FakeTwilioAction: Sendable {
    case respond(FakeTwilioReply)
    case hang(Duration)
    case drop
    case delay(Duration, then: FakeTwilioAction)

    var disposition: FakeTwilioRequest.Disposition {
        switch self {
        case .respond(let reply): .answered(status: reply.status)
        case .hang: .hung
        case .drop: .dropped
        case .delay(_, let then): then.disposition
        }
    }
}

/// A complete HTTP answer of the fake.
struct FakeTwilioReply: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }()

    /// 201 with the resource, or Twilio's error.
    static func created(_ result: Result<some Encodable, TwilioErrorBody>) -> Self {
        switch result {
        case .success(let resource): .json(status: 201, resource)
        case .failure(let error): .json(status: error.status, error)
        }
    }

    static func json(status: Int, _ value: some Encodable, headers: [(name: String, value: String)] = []) -> Self {
        // The fake's own types always encode.
        let body = (try? encoder.encode(value)).map(Array.init) ?? []
        return FakeTwilioReply(
            status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers, body: body)
    }
}
