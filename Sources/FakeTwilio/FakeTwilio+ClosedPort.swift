import NIOCore
import NIOPosix

extension FakeTwilio {
    /// `http://127.0.0.1:PORT` for a port that was just bound and released, so connecting is refused.
    ///
    /// Another process could take the port in between; the window is a few microseconds on a loopback address.
    public static func closedPortURL() async throws -> String {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        try await channel.close()
        return "http://127.0.0.1:\(port)"
    }
}
