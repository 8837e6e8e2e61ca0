import CCurl
import Foundation
import Synchronization

/// The one thread that owns libcurl's multi handle and every easy handle on it, driving all transfers at once.
///
/// Other threads only ever touch `inbox`, under its lock: they submit transfers, report cancellations and ask for
/// shutdown, then wake the thread with `curl_multi_wakeup`. Submissions never queue behind one another: each one
/// carries an `InFlightSlot`, so there are never more than the cap in the inbox and on the multi handle together.
///
/// `@unchecked Sendable` is sound because everything but `inbox` is touched by the loop thread alone.
final class CurlTransferLoop: @unchecked Sendable {
    private enum Phase {
        case running
        /// Takes no new transfers; closes once the running ones finish.
        case stopping
        case closed(reason: String)
    }

    private struct Inbox {
        var phase: Phase
        var submitted: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let inbox: Mutex<Inbox>
    private let multi: CurlMultiHandle?
    private let options: CurlOptions
    /// Loop thread only.
    private var idle: [CurlEasyHandle] = []
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    /// Starts the loop thread with a connection cache sized for `connections` transfers at once.
    init(options: CurlOptions, connections: Int) {
        self.options = options
        do throws(CurlError) {
            multi = try CurlMultiHandle(connections: connections)
            inbox = Mutex(Inbox(phase: .running))
        } catch {
            multi = nil
            inbox = Mutex(Inbox(phase: .closed(reason: "libcurl could not be initialised (\(error))")))
            return
        }
        let thread = Thread { [self] in run() }
        thread.name = "verifyd-curl"
        thread.start()
    }

    /// Hands `transfer` to the loop, or finishes it at once as not sent when the loop no longer takes work.
    func submit(_ transfer: CurlTransfer) {
        let refusal = inbox.withLock { inbox -> String? in
            switch inbox.phase {
            case .running:
                inbox.submitted.append(transfer)
                multi?.wakeup()
                return nil
            case .stopping: return "the HTTP client is shut down"
            case .closed(let reason): return reason
            }
        }
        if let refusal {
            transfer.finish(.failure(CurlTransportError(notStartedBecause: refusal)))
        }
    }

    /// Aborts `transfer` if it is running; one that has not started yet is refused when the loop reaches it.
    func cancel(_ transfer: CurlTransfer) {
        transfer.cancel()
        inbox.withLock { inbox in
            if case .closed = inbox.phase { return }
            inbox.cancelled.append(transfer)
            multi?.wakeup()
        }
    }

    /// Refuses new transfers, lets running ones finish (each within its own timeout), then closes every handle.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let closed = inbox.withLock { inbox -> Bool in
                if case .closed = inbox.phase { return true }
                inbox.phase = .stopping
                inbox.shutdownWaiters.append(continuation)
                multi?.wakeup()
                return false
            }
            if closed {
                continuation.resume()
            }
        }
    }

    private func run() {
        guard let multi else { return }
        while true {
            let (submitted, cancelled, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.submitted.removeAll()
                    inbox.cancelled.removeAll()
                }
                if case .stopping = inbox.phase { return (inbox.submitted, inbox.cancelled, true) }
                return (inbox.submitted, inbox.cancelled, false)
            }
            for transfer in submitted {
                start(transfer, on: multi)
            }
            multi.perform()
            for completion in multi.completions() {
                complete(completion, on: multi)
            }
            // After completions, so a transfer that finished before its cancellation arrived reports what happened.
            for transfer in cancelled {
                abort(transfer, on: multi)
            }
            if stopping && running.isEmpty {
                break
            }
            // libcurl shortens the wait to its next timer, so timeouts fire on time.
            multi.poll(milliseconds: 1000)
        }
        // Stopping refused every submission since the inbox was last emptied, so nothing is left behind.
        let waiters = inbox.withLock { inbox in
            inbox.phase = .closed(reason: "the HTTP client is shut down")
            defer { inbox.shutdownWaiters.removeAll() }
            return inbox.shutdownWaiters
        }
        for easy in idle {
            easy.close()
        }
        idle.removeAll()
        multi.close()
        for waiter in waiters {
            waiter.resume()
        }
    }

    private func start(_ transfer: CurlTransfer, on multi: CurlMultiHandle) {
        guard !transfer.isCancelled else {
            transfer.finish(.failure(CurlTransportError(notStartedBecause: "cancelled before the transfer started")))
            return
        }
        // Nothing is attempted before the handle is on the multi handle, so failures until then are "not sent".
        let easy: CurlEasyHandle
        if let reused = idle.popLast() {
            easy = reused
        } else {
            do throws(CurlError) {
                easy = try CurlEasyHandle()
            } catch {
                transfer.finish(.failure(CurlTransportError(delivery: .notSent, curl: error)))
                return
            }
        }
        do throws(CurlError) {
            try easy.prepare(transfer, options: options)
        } catch {
            recycle(easy)
            transfer.finish(.failure(CurlTransportError(delivery: .notSent, curl: error)))
            return
        }
        guard multi.add(easy) else {
            recycle(easy)
            transfer.finish(.failure(CurlTransportError(notStartedBecause: "libcurl refused the transfer")))
            return
        }
        transfer.easy = easy
        running[easy.raw] = transfer
    }

    private func complete(_ completion: CurlMultiHandle.Completion, on multi: CurlMultiHandle) {
        guard let transfer = running.removeValue(forKey: completion.easy), let easy = transfer.easy else { return }
        let outcome = easy.outcome(of: completion.code, context: transfer.context)
        multi.remove(easy)
        recycle(easy)
        transfer.finish(outcome)
    }

    /// Takes a running transfer off the multi handle. The outcome is judged like a transfer libcurl aborted
    /// itself: by how far it got, so one whose request went out is ambiguous.
    private func abort(_ transfer: CurlTransfer, on multi: CurlMultiHandle) {
        guard let easy = transfer.easy, running.removeValue(forKey: easy.raw) != nil else { return }
        let outcome = easy.outcome(of: CURLE_ABORTED_BY_CALLBACK, context: transfer.context)
        multi.remove(easy)
        recycle(easy)
        transfer.finish(outcome)
    }

    /// Keeps a handle for the next transfer, cleared so it points at nothing of the last one.
    private func recycle(_ easy: CurlEasyHandle) {
        easy.reset()
        idle.append(easy)
    }
}
