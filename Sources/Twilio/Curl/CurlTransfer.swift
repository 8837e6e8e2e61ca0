import CCurl
import Synchronization

/// One request on its way through `CurlTransferLoop`: what to send, where libcurl's callbacks collect the answer,
/// and the task waiting for it.
///
/// `@unchecked Sendable` is sound because the awaiting task fills it in before handing it over under the loop's
/// lock, which orders the hand-over; from then on only the loop thread touches it, except for the atomic
/// `isCancelled`.
final class CurlTransfer: @unchecked Sendable {
    typealias Outcome = Result<CurlResponse, CurlTransportError>

    let request: CurlRequest
    private let slot: InFlightSlot
    private let cancelled = Atomic<Bool>(false)
    /// Set by the awaiting task before submission; resumed exactly once, by `finish`.
    var continuation: CheckedContinuation<Outcome, Never>?
    /// While the transfer runs: the easy handle carrying it, and what its callbacks write into.
    var easy: CurlEasyHandle?
    var context: CurlTransferContext?
    var headers: UnsafeMutablePointer<curl_slist>?

    init(request: CurlRequest, slot: InFlightSlot) {
        self.request = request
        self.slot = slot
    }

    var isCancelled: Bool {
        cancelled.load(ordering: .relaxed)
    }

    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    /// Frees the transfer's slot and then resumes the awaiting task; the slot is free before the task can make
    /// its next request.
    func finish(_ outcome: Outcome) {
        curl_slist_free_all(headers)
        headers = nil
        context = nil
        easy = nil
        slot.release()
        continuation?.resume(returning: outcome)
        continuation = nil
    }
}
