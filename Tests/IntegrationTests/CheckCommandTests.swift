import Foundation
import TestSupport
import Testing

/// `verifyd check` as Nagios and Icinga run it: they read the first line of standard output and the exit status.
@Suite("verifyd check")
struct CheckCommandTests {
    /// What the check finds, and what it must report for it.
    enum Situation: String, CaseIterable, CustomTestStringConvertible {
        case current, newerSchema, pending, changed, unreachable, misconfigured, badThreshold, unknownOption
        case outboxAging, outboxStuck, deliveryFailures, approvalCollapse, fewStarts, overSpend

        var testDescription: String { rawValue }

        var expected: (status: Int32, state: String) {
            switch self {
            case .current, .fewStarts: (0, "OK")
            case .newerSchema, .outboxAging, .deliveryFailures: (1, "WARNING")
            case .pending, .changed, .unreachable, .outboxStuck, .approvalCollapse, .overSpend: (2, "CRITICAL")
            case .misconfigured, .badThreshold, .unknownOption: (3, "UNKNOWN")
            }
        }

        /// Whether the check got as far as measuring the database.
        var measures: Bool { ![.unreachable, .misconfigured, .badThreshold, .unknownOption].contains(self) }

        /// Options beyond `check`: a threshold tightened, or one that is not a range.
        var options: [String] {
            switch self {
            case .outboxStuck: ["--outbox-age-crit", "100"]
            case .deliveryFailures: ["--delivery-failures-warn", "2", "--delivery-failures-crit", "~:50"]
            case .badThreshold: ["--outbox-age-warn", "soon"]
            case .unknownOption: ["--outbox-wait", "60"]
            default: []
            }
        }

        /// What the status line must say about the figure that raised the state.
        var mentions: String? {
            switch self {
            case .outboxAging, .outboxStuck: "oldest queued"
            case .deliveryFailures: "3 delivery failure(s) in 15 min"
            case .approvalCollapse: "approval 0% of 60 start(s)"
            case .fewStarts: "approval not judged"
            case .badThreshold: "--outbox-age-warn"
            case .unknownOption: "--outbox-wait"
            case .pending: "migration(s) pending"
            case .overSpend: "spend 97% of the guard"
            default: nil
            }
        }

        /// The environment for the check, and the database to drop afterwards.
        func prepare() async throws -> (environment: [String: String], database: TestDatabase?) {
            switch self {
            case .unreachable:
                return (Self.environment("host=127.0.0.1 port=1 dbname=none connect_timeout=2"), nil)
            case .misconfigured, .badThreshold, .unknownOption:
                return (Self.environment(nil), nil)
            case .pending:
                let database = try await TestDatabase.create()
                return (Self.environment(database.connectionString), database)
            default:
                let database = try await IntegrationFixture.migratedDatabase()
                if let sql = setUp { try await IntegrationFixture.execute(database, sql) }
                var environment = Self.environment(database.connectionString)
                if self == .overSpend { environment["VERIFYD_SPEND_CEILING_PER_HOUR"] = "100" }
                return (environment, database)
            }
        }

        private var setUp: String? {
            switch self {
            case .newerSchema:
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (999999, 'from_later', 'x')"
            case .changed: "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1"
            // Two minutes in the queue: past the default warning (60 s), short of the default critical (300 s).
            case .outboxAging, .outboxStuck: Self.verifications(1) + Self.attempts("queued", age: 120)
            case .deliveryFailures: Self.verifications(3) + Self.attempts("failed", age: 30)
            case .approvalCollapse: Self.verifications(60)
            case .fewStarts: Self.verifications(5)
            // 97 units this hour, over two shards, against a ceiling of 100: past the default critical (95 %).
            case .overSpend:
                """
                INSERT INTO abuse_counters (rule, subject, window_start, shard, window_end, hits)
                SELECT 'spend', 'global', w, shard, w + interval '1 hour', hits
                FROM (SELECT to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600) AS w) t,
                    (VALUES (0, 50), (1, 47)) AS s (shard, hits);
                """
            default: nil
            }
        }

        /// `count` verifications started a minute ago, none approved.
        static func verifications(_ count: Int) -> String {
            """
            INSERT INTO services (sid, friendly_name) VALUES ('VA' || repeat('0', 32), 'Check');
            INSERT INTO verifications (bucket, sid, service_sid, phone, channel, status, key_id, code_hash,
                max_check_attempts, max_send_attempts, expires_at, created_at)
            SELECT ('x' || substr(sid, 3, 4))::bit(16)::integer, sid, 'VA' || repeat('0', 32),
                '+1415555' || lpad(i::text, 4, '0'), 'sms', 'pending', 'k', decode(repeat('00', 32), 'hex'), 5, 5,
                now() + interval '9 minutes', now() - interval '1 minute'
            FROM (SELECT i, 'VE' || lpad(to_hex(i), 32, '0') AS sid FROM generate_series(1, \(count)) i) g;
            """
        }

        /// One delivery attempt per verification, in `status`, created `age` seconds ago.
        static func attempts(_ status: String, age: Int) -> String {
            """
            INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status, created_at)
            SELECT bucket, 'VL' || substr(sid, 3), sid, 'sms', '\(status)', now() - interval '\(age) seconds'
            FROM verifications;
            """
        }

        /// A verifyd environment with this `DATABASE_URL` (none when nil), logging at info so that a failed
        /// connection is logged.
        static func environment(_ databaseURL: String?) -> [String: String] {
            var environment = VerifydEnvironment(databaseURL: databaseURL ?? "")
            environment["DATABASE_URL"] = databaseURL
            environment["VERIFYD_LOG_LEVEL"] = "info"
            return environment.values
        }
    }

    @Test("each situation has its exit status and one status line with performance data", arguments: Situation.allCases)
    func statusLine(_ situation: Situation) async throws {
        // The spend it reports is this hour's.
        try await waitForRoomInTheHour(.seconds(120))
        let (environment, database) = try await situation.prepare()
        let result = try await VerifydProcess.runKeepingOutputApart(
            ["check"] + situation.options, environment: environment)
        try await database?.drop()

        #expect(result.status == situation.expected.status, "stdout: \(result.standardOutput)")
        #expect(result.standardOutput.hasSuffix("\n"))
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1, "stdout holds only the status line: \(result.standardOutput)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("VERIFYD \(situation.expected.state) - "), "\(line)")
        if let mentions = situation.mentions { #expect(line.contains(mentions), "\(line)") }
        let parts = line.split(separator: "|", omittingEmptySubsequences: false)
        guard situation.measures else {
            #expect(parts.count == 1, "\(line)")
            return
        }
        try #require(parts.count == 2, "\(line)")
        // Nagios' label=value[UOM];warn;crit;min;max, value `U` when it could not be determined.
        let entries = parts[1].split(separator: " ")
        for entry in entries {
            #expect(
                entry.wholeMatch(of: /[a-z0-9_]+=(U|\d+(\.\d+)?(s|%)?);[0-9.:~@]*;[0-9.:~@]*;[0-9.]*;[0-9.]*/) != nil,
                "\(entry)")
        }
        let labels = entries.map { $0.prefix { $0 != "=" } }
        #expect(labels.starts(with: ["db_time", "pending_migrations", "outbox", "outbox_age"]), "\(labels)")
        #expect(labels.contains("spend"))
        if situation != .pending {
            #expect(labels.contains("delivery_failures_15m") && labels.contains("approval_rate"), "\(labels)")
        }
    }

    @Test("with the database unreachable, the failed connection is logged on stderr, and stdout holds the status")
    func logsStayOffStandardOutput() async throws {
        let (environment, _) = try await Situation.unreachable.prepare()
        let result = try await VerifydProcess.runKeepingOutputApart(["check"], environment: environment)
        #expect(result.status == 2)
        #expect(result.standardError.contains("postgres.connect.failed"), "\(result.standardError)")
        #expect(!result.standardOutput.contains("postgres."), "\(result.standardOutput)")
        #expect(result.standardOutput.hasPrefix("VERIFYD CRITICAL - could not connect to the database"))
    }
}
