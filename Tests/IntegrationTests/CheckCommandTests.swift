import Foundation
import TestSupport
import Testing

/// `verifyd check` as Nagios and Icinga run it: they read the first line of standard output and the exit status.
@Suite("verifyd check")
struct CheckCommandTests {
    /// What the check finds, and what it must report for it.
    enum Situation: String, CaseIterable, CustomTestStringConvertible {
        case current, newerSchema, pending, changed, unreachable, misconfigured

        var testDescription: String { rawValue }

        var expected: (status: Int32, state: String) {
            switch self {
            case .current: (0, "OK")
            case .newerSchema: (1, "WARNING")
            case .pending, .changed, .unreachable: (2, "CRITICAL")
            case .misconfigured: (3, "UNKNOWN")
            }
        }

        /// Whether the check got as far as timing the database.
        var measures: Bool { ![.unreachable, .misconfigured].contains(self) }

        /// The environment for the check, and the database to drop afterwards.
        func prepare() async throws -> (environment: [String: String], database: TestDatabase?) {
            switch self {
            case .unreachable:
                return (Self.environment("host=127.0.0.1 port=1 dbname=none connect_timeout=2"), nil)
            case .misconfigured:
                return (Self.environment(nil), nil)
            case .pending:
                let database = try await TestDatabase.create()
                return (Self.environment(database.connectionString), database)
            case .current, .newerSchema, .changed:
                let database = try await IntegrationFixture.migratedDatabase()
                if self == .newerSchema {
                    try await IntegrationFixture.execute(
                        database,
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (999999, 'from_later', 'x')")
                }
                if self == .changed {
                    try await IntegrationFixture.execute(
                        database, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
                }
                return (Self.environment(database.connectionString), database)
            }
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

    @Test("each situation has its exit status and one status line on stdout", arguments: Situation.allCases)
    func statusLine(_ situation: Situation) async throws {
        let (environment, database) = try await situation.prepare()
        let result = try await VerifydProcess.runKeepingOutputApart(["check"], environment: environment)
        try await database?.drop()

        #expect(result.status == situation.expected.status, "stderr: \(result.standardError)")
        #expect(result.standardOutput.hasSuffix("\n"))
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1, "stdout holds only the status line: \(result.standardOutput)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("VERIFYD \(situation.expected.state) - "), "\(line)")
        // Performance data in Nagios' label=value[UOM] form, after the only "|".
        let timing = line.split(separator: "|", omittingEmptySubsequences: false)
        if situation.measures {
            #expect(timing.count == 2 && timing[1].wholeMatch(of: /\ time=\d+\.\d{3}s/) != nil, "\(line)")
        } else {
            #expect(timing.count == 1, "\(line)")
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
