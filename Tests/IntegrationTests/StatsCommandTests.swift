import Foundation
import TestSupport
import Testing

/// `verifyd stats`: verifications started, codes sent and converted per UTC day, service and country.
@Suite("Stats command")
struct StatsCommandTests {
    static let serviceA = "VA" + String(repeating: "a", count: 32)
    static let serviceB = "VA" + String(repeating: "b", count: 32)

    /// Rows written as verifyd writes them, on UTC days counted back from today: in service A today, a GB number
    /// approved after two sends plus a pending GB one, and an approved +1 number of unknown region; in service B two
    /// days ago an expired DE one; in service A ten days ago an approved GB one, outside the default week.
    static func seeded() async throws -> TestDatabase {
        let database = try await IntegrationFixture.migratedDatabase()
        try await IntegrationFixture.execute(
            database,
            """
            INSERT INTO services (sid, friendly_name) VALUES ('\(serviceA)', 'Stats A'), ('\(serviceB)', 'Stats B');
            CREATE TEMP TABLE seed (bucket integer, service text, phone text, status text, days integer,
                sends integer, region text);
            INSERT INTO seed VALUES
                (1, '\(serviceA)', '+447400000001', 'approved', 0, 2, 'GB'),
                (2, '\(serviceA)', '+447400000002', 'pending', 0, 1, 'GB'),
                (3, '\(serviceA)', '+14155550181', 'approved', 0, 1, NULL),
                (4, '\(serviceB)', '+4915100000004', 'expired', 2, 1, 'DE'),
                (5, '\(serviceA)', '+447400000005', 'approved', 10, 1, 'GB');
            INSERT INTO verifications (bucket, sid, service_sid, phone, channel, status, key_id, code_hash,
                max_check_attempts, max_send_attempts, expires_at, created_at)
            SELECT bucket, 'VE' || lpad(to_hex(bucket), 4, '0') || repeat('0', 28), service, phone, 'sms', status,
                'k', decode(repeat('00', 32), 'hex'), 5, 5, now(),
                ((now() AT TIME ZONE 'UTC')::date - days)::timestamp AT TIME ZONE 'UTC' + interval '1 second'
            FROM seed;
            INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status, destination_region,
                created_at)
            SELECT s.bucket, 'VL' || lpad(to_hex(s.bucket), 4, '0') || repeat(n::text, 28),
                'VE' || lpad(to_hex(s.bucket), 4, '0') || repeat('0', 28), 'sms', 'delivered', s.region,
                ((now() AT TIME ZONE 'UTC')::date - s.days)::timestamp AT TIME ZONE 'UTC' + n * interval '1 second'
            FROM seed s, generate_series(1, s.sends) n;
            """)
        return database
    }

    /// The UTC date `days` days before today, by the database clock.
    static func day(_ database: TestDatabase, _ days: Int) async throws -> String {
        try #require(
            try await IntegrationFixture.scalar(
                database, "to_char((now() AT TIME ZONE 'UTC')::date - \(days), 'YYYY-MM-DD')"))
    }

    static func objects(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    @Test("by default the last seven days, one JSON object per day, service and country, and nothing else on stdout")
    func lastWeek() async throws {
        let database = try await Self.seeded()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let result = try await VerifydProcess.runKeepingOutputApart(
            ["stats", "--format", "json"], environment: environment.values)
        let (today, twoDaysAgo) = (try await Self.day(database, 0), try await Self.day(database, 2))
        try await database.drop()
        #expect(result.status == 0, "\(result.standardError)")
        let rows = try Self.objects(result.standardOutput)
        let summary = rows.map { row in
            [
                row["day"] as? String, row["service_sid"] as? String, row["country"] as? String,
                (row["started"] as? Int).map(String.init), (row["sent"] as? Int).map(String.init),
                (row["converted"] as? Int).map(String.init), row["conversion_rate_percentage"] as? String,
            ]
        }
        #expect(
            summary == [
                [twoDaysAgo, Self.serviceB, "DE", "1", "1", "0", "0.000000000"],
                [today, Self.serviceA, "GB", "2", "3", "2", "66.666666667"],
                [today, Self.serviceA, nil, "1", "1", "1", "100.000000000"],
            ])
    }

    @Test("--since and --until choose the days, both included; text is a table under a header")
    func chosenDays() async throws {
        let database = try await Self.seeded()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let (tenDaysAgo, twoDaysAgo) = (try await Self.day(database, 10), try await Self.day(database, 2))
        let old = try await VerifydProcess.runKeepingOutputApart(
            ["stats", "--since", tenDaysAgo, "--until", tenDaysAgo, "--format", "json"],
            environment: environment.values)
        let text = try await VerifydProcess.runKeepingOutputApart(
            ["stats", "--since", tenDaysAgo, "--until", twoDaysAgo], environment: environment.values)
        try await database.drop()
        #expect(old.status == 0, "\(old.standardError)")
        let rows = try Self.objects(old.standardOutput)
        #expect(rows.count == 1)
        #expect(rows.first?["day"] as? String == tenDaysAgo)
        #expect(rows.first?["sent"] as? Int == 1)
        #expect(rows.first?["converted"] as? Int == 1)

        #expect(text.status == 0, "\(text.standardError)")
        let lines = text.standardOutput.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(
            lines == [
                ["day", "service", "country", "started", "sent", "converted", "rate"],
                [tenDaysAgo, Self.serviceA, "GB", "1", "1", "1", "100.0%"],
                [twoDaysAgo, Self.serviceB, "DE", "1", "1", "0", "0.0%"],
            ])
    }

    @Test("a reversed range is refused (exit 1), a malformed date or format is a usage error; stdout stays clean")
    func refusals() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let reversed = try await VerifydProcess.runKeepingOutputApart(
            ["stats", "--since", "2026-11-30", "--until", "2026-11-01"], environment: environment.values)
        #expect(reversed.status == 1)
        #expect(try Self.objects(reversed.standardOutput).first?["error"] as? String == "--since is after --until")
        for arguments in [["--since", "2026-02-30"], ["--until", "yesterday"], ["--format", "xml"]] {
            let usage = try await VerifydProcess.runKeepingOutputApart(
                ["stats"] + arguments, environment: environment.values)
            #expect(usage.status != 0 && usage.status != 1, "\(arguments)")
            #expect(usage.standardOutput.isEmpty, "\(arguments): \(usage.standardOutput)")
        }
        try await database.drop()
    }
}
