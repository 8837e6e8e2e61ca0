import Foundation
import Synchronization
import TestSupport
import Testing

/// Steady traffic against one instance while a fault comes and goes: each worker loops start → read the code that
/// console delivery logged → check it → check it again, each time to a number of its own. Every answer is kept with
/// when it was asked and how long it took, so a test can split them at the fault's edges and check what was stored.
/// Two workers pausing 100 ms keep a steady stream without crowding out the tests running beside it.
final class SteadyLoad: Sendable {
    enum Step: String, Sendable {
        case start, check, recheck
    }

    struct Answer: Sendable {
        var step: Step
        var sentAt: ContinuousClock.Instant
        var took: Duration
        /// 0 when no HTTP answer came at all.
        var status: Int
        var sid: String?
        var approved: Bool
        var retryAfter: Bool

        var failed: Bool { status == 0 || status >= 500 }
    }

    /// What the workers share with `stop()`.
    private final class Shared: Sendable {
        let answers = Mutex<[Answer]>([])
        let stopped = Atomic<Bool>(false)
    }

    private let shared = Shared()
    private let workers: Task<Void, Never>

    /// Starts `count` workers against `api` and `service`; numbers are `+1415555` and four digits, unique per test.
    init(_ api: API, service: String, workers count: Int = 2) {
        let shared = self.shared
        workers = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<count {
                    group.addTask {
                        var round = 0
                        while !shared.stopped.load(ordering: .relaxed) {
                            let phone = "+1415555" + String(format: "%04d", worker * 1000 + round % 1000)
                            let found = await Self.round(api, service: service, phone: phone)
                            shared.answers.withLock { $0 += found }
                            round += 1
                            try? await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
            }
        }
    }

    /// Ends the workers' loops and returns every answer, in the order they were asked.
    func stop() async -> [Answer] {
        shared.stopped.store(true, ordering: .relaxed)
        await workers.value
        return shared.answers.withLock { $0 }.sorted { $0.sentAt < $1.sentAt }
    }

    /// One start, and the two checks when the start was accepted and its code arrived.
    private static func round(_ api: API, service: String, phone: String) async -> [Answer] {
        let base = "/v2/Services/\(service)"
        var found = [await ask(.start, api, base + "/Verifications", [("To", phone), ("Channel", "sms")])]
        guard found[0].status == 201,
            let code = try? await IntegrationFixture.waitForCode(api.process, to: phone)
        else { return found }
        let form = [("To", phone), ("Code", code)]
        // Both checks are filed under the verification the start made, whatever they answered.
        var check = await ask(.check, api, base + "/VerificationCheck", form)
        check.sid = found[0].sid
        var recheck = await ask(.recheck, api, base + "/VerificationCheck", form)
        recheck.sid = found[0].sid
        found += [check, recheck]
        return found
    }

    private static func ask(_ step: Step, _ api: API, _ path: String, _ form: [(String, String)]) async -> Answer {
        let sentAt = ContinuousClock.now
        let reply = try? await api.post(path, form)
        let json = reply.map { $0.status < 300 ? $0.json : [:] } ?? [:]
        return Answer(
            step: step, sentAt: sentAt, took: ContinuousClock.now - sentAt, status: reply?.status ?? 0,
            sid: json["sid"] as? String, approved: json["status"] as? String == "approved",
            retryAfter: reply?.header("Retry-After").flatMap { Int($0) }.map { $0 >= 1 } == true)
    }
}
