import NIOPosix

/// A minimal HTTP client on libcurl whose blocking transfers run on a thread pool of its own.
///
/// Neither the event loops nor Swift's cooperative pool may block on the network, so each request hops onto a
/// dedicated `NIOThreadPool`; the awaiting task is suspended meanwhile.
final class CurlHTTPClient: Sendable {
    private let threadPool: NIOThreadPool
    private let handles = CurlHandlePool()
    private let options: CurlOptions

    init(options: CurlOptions, threadCount: Int) {
        self.options = options
        self.threadPool = NIOThreadPool(numberOfThreads: max(1, threadCount))
        threadPool.start()
    }

    /// Performs `request`, returning any HTTP response (whatever its status) or a classified transport failure.
    func execute(_ request: CurlRequest) async throws(CurlTransportError) -> CurlResponse {
        let cancellation = CurlCancellation()
        let result: Result<CurlResponse, CurlTransportError>
        do {
            result = try await withTaskCancellationHandler {
                try await threadPool.runIfActive { [handles, options] in
                    let handle: CurlEasyHandle
                    do throws(CurlError) {
                        handle = try handles.checkOut()
                    } catch {
                        return .failure(CurlTransportError(delivery: .notSent, curl: error))
                    }
                    defer { handles.checkIn(handle) }
                    return handle.transfer(request, options: options, cancellation: cancellation)
                }
            } onCancel: {
                cancellation.cancel()
            }
        } catch is CancellationError {
            // runIfActive only throws this when the job was cancelled before it started.
            throw CurlTransportError(notStartedBecause: "cancelled before the transfer started")
        } catch {
            throw CurlTransportError(notStartedBecause: "the HTTP client is shut down")
        }
        return try result.get()
    }

    /// Waits for running transfers to finish, then closes every handle and its connections.
    func shutdown() async throws {
        defer { handles.close() }
        try await threadPool.shutdownGracefully()
    }
}
