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
}
