import App
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import TestSupport
import Testing

/// Failed HTTP Basic authentication is counted per client address in PostgreSQL, so every instance enforces one
/// limit; past it the address is refused with 429, the right credentials too, until its window ends.
@Suite("Authentication throttle")
struct AuthThrottleTests {
    static let limit = 5
    static let environment = HTTPFixture.concurrent.merging(["VERIFYD_AUTH_FAILURE_LIMIT": "\(limit)"]) { $1 }
    static let wrong = HTTPFixture.basic(HTTPFixture.accountSid, "wrong-password-for-the-throttle-0123456789")

    @Test(
        "across two instances, exactly the limit of failures is answered 401; the rest, and then the right credentials, 429"
    )
    func twoInstances() async throws {
        try await HTTPFixture.run(environment: Self.environment) { fixture, first in
            let second = try await fixture.makeApp(environment: Self.environment)
            do {
                try await first.application.test(.router) { one in
                    try await second.application.test(.router) { two in
                        let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                            for index in 0..<24 {
                                let client = APIClient(
                                    client: index.isMultiple(of: 2) ? one : two, authorization: Self.wrong)
                                group.addTask { try await client.get(APIClient.services()).status }
                            }
                            return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
                        }
                        #expect(statuses.filter { $0 == .unauthorized }.count == Self.limit)
                        #expect(statuses.filter { $0 == .tooManyRequests }.count == 24 - Self.limit)
                        for client in [one, two] {
                            let right = APIClient(client: client)
                            let refused = try await right.get(APIClient.services())
                            try refused.expectTwilioError(.tooManyRequests, code: 20429)
                            let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
                            #expect((1...300).contains(retryAfter))
                            let original = try await right.post("/sms", ["number": "+14155550150"])
                            #expect(original.status == .tooManyRequests)
                            #expect(original.headers[.retryAfter] != nil)
                            #expect(original.body.readableBytes == 0)
                        }
                    }
                }
            } catch {
                await second.postgres.close()
                throw error
            }
            await second.postgres.close()
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    static let password = "wrong-password-for-the-throttle-0123456789"

    @Test("behind a trusted proxy each client counts on its own, IPv6 per /64, and a forged hop changes nothing")
    func addresses() async throws {
        let environment = [
            "VERIFYD_PORT": "0", "VERIFYD_TRUSTED_PROXIES": "127.0.0.0/8", "VERIFYD_AUTH_FAILURE_LIMIT": "3",
        ]
        try await HTTPFixture.run(environment: environment) { fixture, app in
            try await app.application.test(.live) { client async throws in
                func status(from forwardedFor: String, right: Bool) async throws -> HTTPResponse.Status {
                    let api = APIClient(
                        client: client, authorization: right ? HTTPFixture.rootAuthorization : Self.wrong)
                    return try await api.request(.get, APIClient.services(), headers: [.xForwardedFor: forwardedFor])
                        .status
                }
                for from in ["203.0.113.7", "198.51.100.1, 203.0.113.7", "203.0.113.7"] {
                    #expect(try await status(from: from, right: false) == .unauthorized)
                }
                #expect(try await status(from: "203.0.113.7", right: true) == .tooManyRequests)
                #expect(try await status(from: "203.0.113.8, 203.0.113.7", right: true) == .tooManyRequests)
                #expect(try await status(from: "203.0.113.8", right: true) == .ok)

                for from in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"] {
                    #expect(try await status(from: from, right: false) == .unauthorized)
                }
                #expect(try await status(from: "2001:db8:1:2::99", right: true) == .tooManyRequests)
                #expect(try await status(from: "2001:db8:1:3::1", right: true) == .ok)
            }
            let failed = fixture.logs.lines(withMessage: "auth.failed")
            #expect(failed.count == 6)
            #expect(failed.filter { $0.contains("client=203.0.113.7 ") }.count == 3)
            #expect(failed.filter { $0.contains("client=2001:db8:1:2::/64 ") }.count == 3)
            #expect(failed.allSatisfy { $0.contains("user=\(HTTPFixture.accountSid)") })
            #expect(failed.filter { $0.contains("failures=3") }.count == 2)
            let blocked = fixture.logs.lines(withMessage: "auth.blocked")
            #expect(blocked.count == 2)
            #expect(blocked.contains { $0.contains("client=203.0.113.7 ") })
            let everything = fixture.logs.all.joined(separator: "\n")
            #expect(!everything.contains(Self.password))
            #expect(!everything.contains(String(Self.wrong.dropFirst(6))))
            #expect(!everything.contains(HTTPFixture.authToken))
            let counted: [String] = try await fixture.client.query("SELECT address FROM auth_failures ORDER BY 1").map {
                try $0.decode("address")
            }
            #expect(counted == ["2001:db8:1:2::/64", "203.0.113.7"])
        }
    }

    @Test("from a peer that is not a trusted proxy, X-Forwarded-For is ignored and the peer is counted")
    func untrustedPeer() async throws {
        try await HTTPFixture.run(environment: ["VERIFYD_PORT": "0", "VERIFYD_AUTH_FAILURE_LIMIT": "3"]) {
            fixture, app in
            try await app.application.test(.live) { client async throws in
                let wrong = APIClient(client: client, authorization: Self.wrong)
                for index in 1...3 {
                    let response = try await wrong.request(
                        .get, APIClient.services(), headers: [.xForwardedFor: "203.0.113.\(index)"])
                    #expect(response.status == .unauthorized)
                }
                let right = try await APIClient(client: client).request(
                    .get, APIClient.services(), headers: [.xForwardedFor: "198.51.100.9"])
                try right.expectTwilioError(.tooManyRequests, code: 20429)
            }
            let failed = fixture.logs.lines(withMessage: "auth.failed")
            #expect(failed.count == 3)
            #expect(failed.allSatisfy { $0.contains("client=127.0.0.1 ") })
        }
    }

    /// A request over a connection of its own from `source`: the server sees that loopback address as the client.
    static func send(
        _ method: String, _ path: String, form: String = "", authorization: String, port: Int, from source: String
    ) async throws -> (status: Int, retryAfter: Int?, json: [String: Any]) {
        let connection = try await RawConnection.open(port: port, from: source)
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \(authorization)\r\n"
        request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\n"
        try await connection.send(request + "Connection: close\r\n\r\n" + form)
        let closed = try await connection.waitUntilClosed(within: .seconds(60))
        await connection.close()
        #expect(closed, "\(method) \(path) got no complete answer")
        let parts = connection.received.components(separatedBy: "\r\n\r\n")
        let head = parts[0].components(separatedBy: "\r\n")
        let status = head[0].split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let retryAfter = head.first { $0.lowercased().hasPrefix("retry-after:") }
            .flatMap { Int($0.dropFirst("retry-after:".count).trimmingCharacters(in: .whitespaces)) }
        let body = Data(parts.dropFirst().joined(separator: "\r\n\r\n").utf8)
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        return (status, retryAfter, json)
    }

    @Test("past the limit every Verify API route, starts included, answers 429 / 20429 and Retry-After; others get in")
    func verifyAPIRoutes() async throws {
        try await HTTPFixture.run(environment: ["VERIFYD_PORT": "0", "VERIFYD_AUTH_FAILURE_LIMIT": "\(Self.limit)"]) {
            fixture, app in
            try await app.application.test(.live) { client async throws in
                let port = try #require(client.port)
                let service = try await APIClient(client: client).createService()
                let right = HTTPFixture.rootAuthorization
                let start = "To=%2B14152010100&Channel=sms"
                for _ in 0..<Self.limit {
                    let failed = try await Self.send(
                        "GET", APIClient.services(), authorization: Self.wrong, port: port, from: "127.0.0.1")
                    #expect(failed.status == 401)
                    #expect(failed.json["code"] as? Int == 20003)
                }
                let routes: [(method: String, path: String, form: String, authorization: String)] = [
                    ("GET", APIClient.services(), "", Self.wrong),
                    ("GET", "/v2/Services/\(service)", "", right),
                    ("POST", APIClient.verifications(service), start, right),
                    ("POST", APIClient.check(service), "To=%2B14152010100&Code=123456", right),
                    ("GET", "/v2/Services/\(service)/RateLimits", "", right),
                    ("GET", "/v2/SafeList/Numbers/%2B14152010100", "", right),
                ]
                for route in routes {
                    let refused = try await Self.send(
                        route.method, route.path, form: route.form, authorization: route.authorization, port: port,
                        from: "127.0.0.1")
                    let label = "\(route.method) \(route.path)"
                    #expect(refused.status == 429, "\(label)")
                    #expect(
                        (1...300).contains(refused.retryAfter ?? 0), "\(label): Retry-After \(refused.retryAfter ?? 0)")
                    #expect(Set(refused.json.keys) == ["code", "message", "more_info", "status"], "\(label)")
                    #expect(refused.json["code"] as? Int == 20429, "\(label)")
                    #expect(refused.json["status"] as? Int == 429, "\(label)")
                    #expect(refused.json["more_info"] as? String == "https://www.twilio.com/docs/errors/20429")
                }
                let other = try await Self.send(
                    "POST", APIClient.verifications(service), form: start, authorization: right, port: port,
                    from: "127.0.0.2")
                #expect(other.status == 201, "\(other.json)")
                let wrongOther = try await Self.send(
                    "GET", APIClient.services(), authorization: Self.wrong, port: port, from: "127.0.0.2")
                #expect(wrongOther.status == 401)
            }
            #expect(fixture.sender.messages.count == 1)
            let counted: [String] = try await fixture.client.query(
                "SELECT address || '=' || failures FROM auth_failures ORDER BY 1"
            ).map { try $0.decode(0) }
            #expect(counted == ["127.0.0.1=\(Self.limit)", "127.0.0.2=1"])
        }
    }

    @Test("once the window has passed, the address gets in again and its count starts over")
    func windowPasses() async throws {
        let environment = ["VERIFYD_AUTH_FAILURE_LIMIT": "2", "VERIFYD_AUTH_FAILURE_WINDOW_SECONDS": "60"]
        try await withAPI(environment: environment) { fixture, api in
            let wrong = APIClient(client: api.client, authorization: Self.wrong)
            for _ in 0..<2 { #expect(try await wrong.get(APIClient.services()).status == .unauthorized) }
            try await api.get(APIClient.services()).expectTwilioError(.tooManyRequests, code: 20429)
            // The instance keeps the block for the window's remaining seconds as the database counted them, which
            // on a busy machine can be well under 60 by the time the first refusal comes: half the window is in it.
            fixture.clock.advance(by: .seconds(30))
            try await api.get(APIClient.services()).expectTwilioError(.tooManyRequests, code: 20429)

            try await fixture.client.query(
                "UPDATE auth_failures SET window_start = window_start - interval '60 seconds'")
            fixture.clock.advance(by: .seconds(31))
            #expect(try await api.get(APIClient.services()).status == .ok)
            #expect(try await wrong.get(APIClient.services()).status == .unauthorized)
            let failures: Int = try await fixture.scalar("SELECT failures FROM auth_failures")
            #expect(failures == 1)
        }
    }

    @Test("an API key SID is logged with a failure, a user name that is no SID is not")
    func loggedUser() async throws {
        try await withAPI { fixture, api in
            let key = "SK" + String(repeating: "3c", count: 16)
            let typo = "my-password-in-the-user-field"
            for username in [key, typo] {
                let client = APIClient(client: api.client, authorization: HTTPFixture.basic(username, "x"))
                let status = try await client.get(APIClient.services()).status
                #expect(status == .unauthorized)
            }
            let failed = fixture.logs.lines(withMessage: "auth.failed")
            #expect(failed.count == 2)
            #expect(failed.contains { $0.contains("user=\(key)") })
            #expect(failed.contains { $0.contains("user=- ") })
            #expect(!fixture.logs.all.joined().contains(typo))
        }
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
