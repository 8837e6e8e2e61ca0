import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import TestSupport
import Testing
import VerifyStore

/// `/v2/Services/{VA}/RateLimits` and `…/Buckets`, as Twilio's Service Rate Limits API answers them.
@Suite("Rate Limits API")
struct RateLimitAPITests {
    static func rateLimits(_ service: String) -> String { "/v2/Services/\(service)/RateLimits" }
    static func buckets(_ service: String, _ rateLimit: String) -> String {
        "\(rateLimits(service))/\(rateLimit)/Buckets"
    }

    /// Creates a rate limit and returns its SID.
    static func createRateLimit(_ api: APIClient, _ service: String, _ name: String) async throws -> String {
        let response = try await api.post(rateLimits(service), ["UniqueName": name])
        #expect(response.status == .created, "\(response.text)")
        return try #require(response.json()["sid"] as? String)
    }

    @Test("create answers 201 with Twilio's rate limit resource; fetch, update and delete follow")
    func lifecycle() async throws {
        try await withAPI { _, api in
            let service = try await api.createService()
            let created = try await api.post(
                Self.rateLimits(service), ["UniqueName": "end_user_ip_address", "Description": "Limit by IP"])
            #expect(created.status == .created)
            let json = try created.json()
            let sid = try #require(json["sid"] as? String)
            let url = "\(HTTPFixture.publicURL)\(Self.rateLimits(service))/\(sid)"
            #expect(sid.wholeMatch(of: /RK[0-9a-f]{32}/) != nil)
            #expect(
                Set(json.keys)
                    == [
                        "sid", "service_sid", "account_sid", "unique_name", "description", "date_created",
                        "date_updated", "url", "links",
                    ])
            #expect(json["service_sid"] as? String == service)
            #expect(json["account_sid"] as? String == HTTPFixture.accountSid)
            #expect(json["unique_name"] as? String == "end_user_ip_address")
            #expect(json["description"] as? String == "Limit by IP")
            #expect((json["date_created"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil)
            #expect(json["url"] as? String == url)
            #expect(json["links"] as? [String: String] == ["buckets": "\(url)/Buckets"])

            let fetched = try await api.get("\(Self.rateLimits(service))/\(sid)")
            #expect(fetched.status == .ok)
            #expect(try fetched.json()["unique_name"] as? String == "end_user_ip_address")

            let updated = try await api.post(
                "\(Self.rateLimits(service))/\(sid)", ["Description": "Per end user", "UniqueName": "ignored"])
            #expect(updated.status == .ok)
            #expect(try updated.json()["description"] as? String == "Per end user")
            #expect(try updated.json()["unique_name"] as? String == "end_user_ip_address")

            let deleted = try await api.delete("\(Self.rateLimits(service))/\(sid)")
            #expect(deleted.status == .noContent)
            #expect(deleted.body.readableBytes == 0)
            for response in [
                try await api.get("\(Self.rateLimits(service))/\(sid)"),
                try await api.delete("\(Self.rateLimits(service))/\(sid)"),
                try await api.post("\(Self.rateLimits(service))/\(sid)", ["Description": "x"]),
            ] {
                try response.expectTwilioError(
                    .notFound, code: 20404,
                    message: "The requested resource /Services/\(service)/RateLimits/\(sid) was not found")
            }
        }
    }

    @Test("a rate limit without Description has description null")
    func noDescription() async throws {
        try await withAPI { _, api in
            let service = try await api.createService()
            let response = try await api.post(Self.rateLimits(service), ["UniqueName": "session.id-1"])
            #expect(response.status == .created)
            #expect(try response.json()["description"] is NSNull)
        }
    }

    @Test(
        "a refused rate limit answers Twilio's code and changes nothing",
        arguments: [
            ([("Description", "x")], 400, 60200, "Invalid parameter: UniqueName"),
            ([("UniqueName", "")], 400, 60209, "UniqueName format is invalid"),
            ([("UniqueName", "has space")], 400, 60209, "UniqueName format is invalid"),
            ([("UniqueName", "ünï")], 400, 60209, "UniqueName format is invalid"),
            ([("UniqueName", String(repeating: "a", count: 65))], 400, 60209, "UniqueName format is invalid"),
            (
                [("UniqueName", "ok"), ("Description", String(repeating: "d", count: 256))], 400, 60200,
                "Invalid parameter: Description"
            ),
            ([("UniqueName", "ok"), ("Description", "line\nbreak")], 400, 60200, "Invalid parameter: Description"),
            ([("UniqueName", "a"), ("UniqueName", "b")], 400, 60200, "Invalid parameter: UniqueName"),
        ])
    func refusedCreate(form: [(String, String)], status: Int, code: Int, message: String) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let before = try await TableSnapshot.take(fixture.client)
            let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                .joined(separator: "&")
            let response = try await api.request(
                .post, Self.rateLimits(service), body: body, contentType: "application/x-www-form-urlencoded")
            try response.expectTwilioError(HTTPResponse.Status(code: status), code: code, message: message)
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
        }
    }

    @Test("a second rate limit with a unique name is 60208, the eleventh is 60207, and nothing changes")
    func duplicatesAndCap() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            for index in 0..<10 { _ = try await Self.createRateLimit(api, service, "limit_\(index)") }
            let before = try await TableSnapshot.take(fixture.client)
            try await api.post(Self.rateLimits(service), ["UniqueName": "limit_3"]).expectTwilioError(
                .badRequest, code: 60208, message: "Rate limit with that UniqueName already exists")
            try await api.post(Self.rateLimits(service), ["UniqueName": "limit_10"]).expectTwilioError(
                .badRequest, code: 60207, message: "Max rate limits per service reached")
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
        }
    }

    @Test("rate limits of a missing service, and malformed SIDs, are 404")
    func notFound() async throws {
        try await withAPI { _, api in
            let missing = "VA" + String(repeating: "0", count: 32)
            try await api.get(Self.rateLimits(missing)).expectTwilioError(
                .notFound, code: 20404, message: "The requested resource /Services/\(missing) was not found")
            try await api.post(Self.rateLimits(missing), ["UniqueName": "ip"]).expectTwilioError(
                .notFound, code: 20404)
            let service = try await api.createService()
            try await api.get("\(Self.rateLimits(service))/RKnot-a-sid").expectTwilioError(
                .notFound, code: 20404,
                message: "The requested resource /Services/\(service)/RateLimits/RKnot-a-sid was not found")
            let rateLimit = try await Self.createRateLimit(api, service, "ip")
            try await api.get("\(Self.buckets(service, rateLimit))/BLnope").expectTwilioError(.notFound, code: 20404)
            let otherLimit = "RK" + String(repeating: "1", count: 32)
            try await api.get(Self.buckets(service, otherLimit)).expectTwilioError(
                .notFound, code: 20404,
                message: "The requested resource /Services/\(service)/RateLimits/\(otherLimit) was not found")
        }
    }

    @Test("listing with PageSize=2 and following next_page_url visits every rate limit once, oldest first")
    func paging() async throws {
        try await withAPI { _, api in
            let service = try await api.createService()
            var created: [String] = []
            for index in 0..<5 { created.append(try await Self.createRateLimit(api, service, "paged_\(index)")) }
            var path: String? = Self.rateLimits(service) + "?PageSize=2"
            var seen: [String] = []
            var pages = 0
            while let current = path, pages < 10 {
                let response = try await api.get(current)
                #expect(response.status == .ok)
                let json = try response.json()
                let meta = try #require(json["meta"] as? [String: Any])
                #expect(meta["key"] as? String == "rate_limits")
                #expect(meta["page_size"] as? Int == 2)
                #expect(meta["page"] as? Int == pages)
                let items = try #require(json["rate_limits"] as? [[String: Any]])
                seen += items.compactMap { $0["sid"] as? String }
                path = (meta["next_page_url"] as? String).map { String($0.dropFirst(HTTPFixture.publicURL.count)) }
                pages += 1
            }
            #expect(seen == created)
            #expect(pages == 3)
            try await api.get(Self.rateLimits(service) + "?PageSize=0").expectTwilioError(
                .badRequest, code: 60200, message: "Invalid parameter: PageSize")
            try await api.get(Self.rateLimits(service) + "?PageToken=PAbogus").expectTwilioError(
                .badRequest, code: 60200, message: "Invalid parameter: PageToken")
        }
    }

    @Test("a bucket is created, listed, fetched, updated and deleted as Twilio answers it")
    func bucketLifecycle() async throws {
        try await withAPI { _, api in
            let service = try await api.createService()
            let rateLimit = try await Self.createRateLimit(api, service, "ip")
            let created = try await api.post(Self.buckets(service, rateLimit), ["Max": "5", "Interval": "60"])
            #expect(created.status == .created, "\(created.text)")
            let json = try created.json()
            let sid = try #require(json["sid"] as? String)
            #expect(sid.wholeMatch(of: /BL[0-9a-f]{32}/) != nil)
            #expect(
                Set(json.keys)
                    == [
                        "sid", "rate_limit_sid", "service_sid", "account_sid", "max", "interval", "date_created",
                        "date_updated", "url",
                    ])
            #expect(json["rate_limit_sid"] as? String == rateLimit)
            #expect(json["service_sid"] as? String == service)
            #expect(json["max"] as? Int == 5)
            #expect(json["interval"] as? Int == 60)
            let path = "\(Self.buckets(service, rateLimit))/\(sid)"
            #expect(json["url"] as? String == HTTPFixture.publicURL + path)

            let listed = try await api.get(Self.buckets(service, rateLimit))
            let items = try #require(try listed.json()["buckets"] as? [[String: Any]])
            #expect(items.compactMap { $0["sid"] as? String } == [sid])
            #expect(try await api.get(path).json()["max"] as? Int == 5)

            let updated = try await api.post(path, ["Max": "9"])
            #expect(updated.status == .ok)
            #expect(try updated.json()["max"] as? Int == 9)
            #expect(try updated.json()["interval"] as? Int == 60)
            #expect(try await api.post(path, ["Interval": "3600"]).json()["interval"] as? Int == 3600)

            #expect(try await api.delete(path).status == .noContent)
            try await api.get(path).expectTwilioError(
                .notFound, code: 20404,
                message:
                    "The requested resource /Services/\(service)/RateLimits/\(rateLimit)/Buckets/\(sid) was not found")
        }
    }

    @Test(
        "a refused bucket is 400 / 60200 naming the parameter, and changes nothing",
        arguments: [
            (["Interval": "60"], "Max"), (["Max": "5"], "Interval"), (["Max": "0", "Interval": "60"], "Max"),
            (["Max": "five", "Interval": "60"], "Max"), (["Max": "1000001", "Interval": "60"], "Max"),
            (["Max": "5", "Interval": "0"], "Interval"), (["Max": "5", "Interval": "86401"], "Interval"),
            (["Max": "5", "Interval": "1.5"], "Interval"), (["Max": "5", "Interval": "-60"], "Interval"),
        ])
    func refusedBucket(form: [String: String], parameter: String) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let rateLimit = try await Self.createRateLimit(api, service, "ip")
            let before = try await TableSnapshot.take(fixture.client)
            let body = form.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
            let response = try await api.request(
                .post, Self.buckets(service, rateLimit), body: body, contentType: "application/x-www-form-urlencoded")
            try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: \(parameter)")
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
        }
    }

    @Test("a second bucket with an interval is 60211, a sixth bucket 60210, an update to a taken interval 60211")
    func bucketRules() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let rateLimit = try await Self.createRateLimit(api, service, "ip")
            var sids: [String] = []
            for interval in [60, 600, 3600, 7200, 86_400] {
                let response = try await api.post(
                    Self.buckets(service, rateLimit), ["Max": "3", "Interval": "\(interval)"])
                sids.append(try #require(try response.json()["sid"] as? String))
            }
            let before = try await TableSnapshot.take(fixture.client)
            try await api.post(Self.buckets(service, rateLimit), ["Max": "3", "Interval": "60"]).expectTwilioError(
                .badRequest, code: 60211, message: "Bucket with the given Interval already exists")
            try await api.post(Self.buckets(service, rateLimit), ["Max": "3", "Interval": "30"]).expectTwilioError(
                .badRequest, code: 60210, message: "Max Buckets per Rate limit reached")
            try await api.post("\(Self.buckets(service, rateLimit))/\(sids[1])", ["Interval": "60"])
                .expectTwilioError(.badRequest, code: 60211)
            try await api.post("\(Self.buckets(service, rateLimit))/\(sids[1])", ["Max": "0"])
                .expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: Max")
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
        }
    }

    @Test("a deleted service's rate limits answer 404 at once, and retention purges them and their buckets")
    func serviceDeletion() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let rateLimit = try await Self.createRateLimit(api, service, "ip")
            _ = try await api.post(Self.buckets(service, rateLimit), ["Max": "3", "Interval": "60"])
            #expect(try await api.delete(APIClient.services() + "/\(service)").status == .noContent)
            #expect(try await api.get("\(Self.buckets(service, rateLimit))").status == .notFound)
            // The app's own retention service may hold the purge's advisory lock during a pass, and a purge then
            // answers 0 (a run stopped here with the rows still there): purge until they are gone, within 60 s.
            let retention = PostgresRetentionStore(client: fixture.client)
            var rows = -1
            for _ in 0..<600 where rows != 0 {
                _ = try await retention.purgeDeletedServices(limit: 100)
                rows = try await fixture.scalar(
                    "SELECT (SELECT count(*) FROM rate_limits) + (SELECT count(*) FROM rate_limit_buckets)")
                if rows != 0 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(rows == 0)
        }
    }
}
