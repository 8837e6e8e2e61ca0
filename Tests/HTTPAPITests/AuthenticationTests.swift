import App
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import TestSupport
import Testing

/// HTTP Basic as Twilio's clients send it: the root pair (two tokens during rotation) or an API key.
@Suite("Authentication")
struct AuthenticationTests {
    enum Refused: String, CaseIterable {
        case none
        case wrongToken
        case wrongAccount
        case emptyPassword
        case notBasic
        case notBase64

        var header: String? {
            switch self {
            case .none: nil
            case .wrongToken: HTTPFixture.basic(HTTPFixture.accountSid, "not-the-token")
            case .wrongAccount: HTTPFixture.basic("AC" + String(repeating: "1", count: 32), HTTPFixture.authToken)
            case .emptyPassword: HTTPFixture.basic(HTTPFixture.accountSid, "")
            case .notBasic: "Bearer " + HTTPFixture.authToken
            case .notBase64: "Basic %%%"
            }
        }
    }

    @Test("anything but valid credentials is 401 / 20003 with WWW-Authenticate", arguments: Refused.allCases)
    func refused(credentials: Refused) async throws {
        try await withAPI { fixture, api in
            let anonymous = APIClient(client: api.client, authorization: credentials.header)
            for response in [
                try await anonymous.get(APIClient.services()),
                try await anonymous.post(APIClient.services(), ["FriendlyName": "Nope"]),
            ] {
                try response.expectTwilioError(.unauthorized, code: 20003)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            }
            // The original routes answer the same status with an empty body.
            let original = try await anonymous.post("/sms", ["number": "+14155550126"])
            #expect(original.status == .unauthorized)
            #expect(original.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            #expect(original.body.readableBytes == 0)
            let services: Int = try await fixture.scalar("SELECT count(*) FROM services")
            #expect(services == 0)
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    @Test("the primary and the secondary root tokens both work")
    func rootTokens() async throws {
        try await withAPI { _, api in
            for token in [HTTPFixture.authToken, HTTPFixture.secondaryAuthToken] {
                let client = APIClient(
                    client: api.client, authorization: HTTPFixture.basic(HTTPFixture.accountSid, token))
                let response = try await client.get(APIClient.services())
                #expect(response.status == .ok)
            }
        }
    }

    @Test("an API key made by the admin command works until it is revoked")
    func apiKey() async throws {
        try await withAPI { fixture, api in
            let admin = AdminCommands(client: fixture.client, environment: [:])
            let created = try await admin.createKey(name: "backend")
            #expect(!created.refused)
            let line = try #require(created.lines.first)
            let key = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let sid = try #require(key["sid"] as? String)
            let secret = try #require(key["secret"] as? String)
            let withKey = APIClient(client: api.client, authorization: HTTPFixture.basic(sid, secret))
            #expect(try await withKey.get(APIClient.services()).status == .ok)
            let wrongSecret = APIClient(client: api.client, authorization: HTTPFixture.basic(sid, secret + "x"))
            try await wrongSecret.get(APIClient.services()).expectTwilioError(.unauthorized, code: 20003)

            let revoked = try await admin.revokeKey(sid)
            #expect(!revoked.refused)
            try await withKey.get(APIClient.services()).expectTwilioError(.unauthorized, code: 20003)
            #expect(try await admin.revokeKey(sid).refused)
        }
    }

    @Test("health routes need no credentials")
    func healthOpen() async throws {
        try await withAPI { _, api in
            let anonymous = APIClient(client: api.client, authorization: nil)
            let response = try await anonymous.get("/healthz")
            #expect(response.status == .ok)
        }
    }
}
