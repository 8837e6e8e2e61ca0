import Foundation

/// A thread of the fake's own that runs its request handlers.
///
/// Hummingbird runs handlers as Swift tasks; on the shared cooperative pool, which has one thread per core, they
/// would wait behind whatever CPU-bound tests run beside them in the same process, and a client's timeout could
/// fire before the fake even read the request. A real Twilio is not slowed by the tests, so the fake is not either.
///
/// `@unchecked Sendable` is sound because `queue` and `isStopped` are only touched under `condition`.
final class FakeTwilioExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [UnownedJob] = []
    private var isStopped = false

    init() {
        let thread = Thread { [self] in run() }
        thread.name = "fake-twilio"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once it has run every job enqueued so far; call it when no task prefers this executor.
    func stop() {
        condition.lock()
        isStopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !isStopped {
                condition.wait()
            }
            let jobs = queue
            queue.removeAll(keepingCapacity: true)
            let done = isStopped && jobs.isEmpty
            condition.unlock()
            if done { return }
            for job in jobs {
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
        }
    }
}
