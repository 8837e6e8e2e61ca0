import Foundation
import TestSupport
import Testing

/// What a slow or greedy client gets from a live server: cut off after the header and body timeouts, and a 413
/// for a body over the limit before the server reads it all. Bounds here are for liveness only (30 s against
/// timeouts of 1 s).
@Suite("HTTP limits on a live server")
struct HTTPLimitsTests {
    static let bound: Duration = .seconds(30)

    /// A live server with the timeouts under test short and the others long, so a loaded machine cannot make a
    /// test's own first write lose the race against a timeout it is not about.
    static func withServer(
        headerTimeoutMS: Int = 60_000, bodyTimeoutMS: Int = 60_000,
        _ body: (VerifydProcess, VerifydEnvironment, Int) async throws -> Void
    ) async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        var environment = VerifydEnvironment(databaseURL: database.connectionString)
        environment["VERIFYD_HTTP_HEADER_TIMEOUT_MS"] = String(headerTimeoutMS)
        environment["VERIFYD_HTTP_BODY_TIMEOUT_MS"] = String(bodyTimeoutMS)
        let process = try await VerifydProcess.serve(environment: environment.values)
        let port = try #require(Int(process.baseURL.split(separator: ":").last ?? ""))
        do {
            try await body(process, environment, port)
        } catch {
            await process.stop()
            try? await database.drop()
            throw error
        }
        await process.stop()
        try await database.drop()
    }

    @Test("a connection that sends nothing is closed")
    func stalled() async throws {
        try await Self.withServer(headerTimeoutMS: 1000) { _, _, port in
            let connection = try await RawConnection.open(port: port)
            #expect(try await connection.waitUntilClosed(within: Self.bound))
        }
    }

    @Test("headers trickled a byte at a time are cut off")
    func trickledHeaders() async throws {
        try await Self.withServer(headerTimeoutMS: 1000) { _, _, port in
            let connection = try await RawConnection.open(port: port)
            // 2,000 bytes at one per 50 ms would take 100 s.
            let head = Array(("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + String(repeating: "a", count: 2000)).utf8)
            let started = ContinuousClock.now
            for byte in head {
                do { try await connection.send([byte]) } catch { break }
                if connection.isClosed || ContinuousClock.now - started > Self.bound { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await connection.waitUntilClosed(within: .seconds(5)))
            #expect(connection.received.isEmpty || connection.received.hasPrefix("HTTP/1.1 4"))
        }
    }

    @Test("a body trickled a byte at a time is cut off")
    func trickledBody() async throws {
        try await Self.withServer(bodyTimeoutMS: 1000) { _, environment, port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send(
                "POST /sms HTTP/1.1\r\nHost: x\r\nAuthorization: \(environment.basicAuthorization)\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000\r\n\r\n")
            let started = ContinuousClock.now
            for _ in 0..<2000 {
                do { try await connection.send("a") } catch { break }
                if connection.isClosed || ContinuousClock.now - started > Self.bound { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await connection.waitUntilClosed(within: .seconds(5)))
        }
    }

    @Test(
        "a 10 MB body gets 413 before it is read, and the connection is closed",
        arguments: ["Content-Length: 10485760", "Transfer-Encoding: chunked"])
    func largeBody(framing: String) async throws {
        try await Self.withServer { _, environment, port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send(
                "POST /sms HTTP/1.1\r\nHost: x\r\nAuthorization: \(environment.basicAuthorization)\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\n\(framing)\r\n\r\n")
            let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024)
            let chunked = framing.hasPrefix("Transfer")
            let piece = chunked ? Array("10000\r\n".utf8) + chunk + Array("\r\n".utf8) : chunk
            var sent = 0
            while sent < 10 * 1024 * 1024, !connection.isClosed {
                do { try await connection.send(piece) } catch { break }
                sent += chunk.count
            }
            #expect(try await connection.waitForReply(containing: "HTTP/1.1 413", within: Self.bound))
            #expect(try await connection.waitUntilClosed(within: Self.bound))
            #expect(sent < 10 * 1024 * 1024, "the whole body went in before the server answered")
        }
    }

    @Test("requests that are not slow still share a keep-alive connection")
    func keepAlive() async throws {
        try await Self.withServer { _, _, port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await connection.waitForReply(containing: "HTTP/1.1 200", within: Self.bound))
            try await connection.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
            let twice = try await Self.wait(within: Self.bound) {
                connection.received.components(separatedBy: "HTTP/1.1 200").count == 3
            }
            #expect(twice, "\(connection.received)")
            await connection.close()
        }
    }

    static func wait(within timeout: Duration, until condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}
