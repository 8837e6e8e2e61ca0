/// A minimal HTTP client on libcurl's multi interface: every transfer runs concurrently on one thread of its own,
/// and at most `maxInFlight` at once.
///
/// Past the cap a request is refused at once instead of queued, so no transfer ever waits for a connection while
/// its timeout runs, and nothing piles up in memory when Twilio slows down.
final class CurlHTTPClient: Sendable {
    private let limit: InFlightLimit
    private let loop: CurlTransferLoop

    init(options: CurlOptions, maxInFlight: Int) {
        limit = InFlightLimit(capacity: maxInFlight)
        // libcurl's connection limits equal the cap: never lower, or a transfer would wait for a connection.
        loop = CurlTransferLoop(options: options, connections: limit.capacity)
    }

    /// Places free right now.
    var freeSlots: Int {
        limit.available
    }

    /// A place for one request, or nil at once when `maxInFlight` requests are already in flight.
    func reserve() -> InFlightSlot? {
        limit.reserve()
    }

    /// Performs `request` in `slot`, returning any HTTP response (whatever its status) or a classified transport
    /// failure. The slot is free again when this returns.
    func execute(_ request: CurlRequest, in slot: InFlightSlot) async throws(CurlTransportError) -> CurlResponse {
        guard slot.use(in: limit) else {
            throw CurlTransportError(notStartedBecause: "the slot is used or belongs to another client")
        }
        let transfer = CurlTransfer(request: request, slot: slot)
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.continuation = continuation
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
        return try outcome.get()
    }

    /// Refuses new requests, waits for running ones to finish, then closes every handle and its connections.
    func shutdown() async {
        await loop.shutdown()
    }
}
