import Foundation
import Glibc
import Logging
import TestSupport
import Testing

@testable import Postgres

/// verifyd's libpq keyword defaults (connect and TCP timeouts, keepalives) apply where the operator's connection
/// string is silent, and every one of them yields to the operator's value.
@Suite("Connection keyword defaults")
struct ConnectionDefaultsTests {
    /// The operator's value for each default keyword, chosen to differ from the default.
    static let overrides = [
        "connect_timeout": "7", "tcp_user_timeout": "12345", "keepalives": "1", "keepalives_idle": "77",
        "keepalives_interval": "8", "keepalives_count": "9",
    ]

    /// The effective value of every default keyword on a lent connection, and the socket's TCP_USER_TIMEOUT and
    /// TCP_KEEPIDLE as the kernel reports them (proof that libpq applied them, not just parsed them).
    func effective(_ conninfo: String) async throws -> (options: [String: String], userTimeout: Int32, idle: Int32) {
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: conninfo, poolSize: 1), logger: .init(label: "test"))
        let result = try await client.withConnection { connection in
            var options: [String: String] = [:]
            for (keyword, _) in PostgresConfiguration.defaultKeywords { options[keyword] = connection.option(keyword) }
            let socket = connection.socket
            return (options, Self.tcpOption(socket, TCP_USER_TIMEOUT), Self.tcpOption(socket, TCP_KEEPIDLE))
        }
        await client.close()
        return result
    }

    static func tcpOption(_ socket: Int32, _ option: Int32) -> Int32 {
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(socket, Int32(IPPROTO_TCP), option, &value, &length)
        return value
    }

    @Test("where the connection string is silent, every default applies, down to the socket")
    func defaultsApply() async throws {
        let database = try await TestDatabase.create()
        let seen = try await effective(database.connectionString)
        try await database.drop()
        #expect(seen.options == Dictionary(uniqueKeysWithValues: PostgresConfiguration.defaultKeywords))
        #expect(seen.userTimeout == 10000)
        #expect(seen.idle == 30)
    }

    @Test("the operator's value wins over each default, in key=value and in URI form", arguments: [false, true])
    func operatorOverrides(uri: Bool) async throws {
        let database = try await TestDatabase.create()
        let parts = ConnectionStringTests.pairs(database.connectionString)
        let conninfo: String
        if uri {
            let query = Self.overrides.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
            conninfo =
                "postgresql://\(parts["user"] ?? "postgres")@\(parts["host"] ?? "")"
                + ":\(parts["port"] ?? "")/\(database.name)?\(query)"
        } else {
            conninfo =
                database.connectionString + " " + Self.overrides.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        let seen = try await effective(conninfo)
        try await database.drop()
        #expect(seen.options == Self.overrides)
        #expect(seen.userTimeout == 12345)
        #expect(seen.idle == 77)
    }
}
