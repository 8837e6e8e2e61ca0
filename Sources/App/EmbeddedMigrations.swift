import Foundation
import Postgres

/// The migration files compiled into the binary (see `migrationFiles` in Package.swift), so an image needs nothing
/// else; `--migrations-dir` reads a folder instead, for development.
public enum MigrationSource {
    /// SwiftPM names each embedded file after its name with the first character and dots replaced.
    static let embedded: [(file: String, bytes: [UInt8])] = [
        ("0001_initial_schema.sql", PackageResources._001_initial_schema_sql),
        ("0002_check_gate.sql", PackageResources._002_check_gate_sql),
        ("0003_inbound_message_receipts.sql", PackageResources._003_inbound_message_receipts_sql),
        ("0004_rate_limits_and_safe_list.sql", PackageResources._004_rate_limits_and_safe_list_sql),
        ("0005_destination_screening.sql", PackageResources._005_destination_screening_sql),
        ("0006_auth_failures.sql", PackageResources._006_auth_failures_sql),
        ("0007_verification_attempts.sql", PackageResources._007_verification_attempts_sql),
        ("0008_idempotency_keys.sql", PackageResources._008_idempotency_keys_sql),
        ("0009_abuse_counters.sql", PackageResources._009_abuse_counters_sql),
        ("0010_retention.sql", PackageResources._010_retention_sql),
        ("0011_abuse_counting_functions.sql", PackageResources._011_abuse_counting_functions_sql),
        ("0012_prefix_counter_shards.sql", PackageResources._012_prefix_counter_shards_sql),
        ("0013_verification_insert_checks.sql", PackageResources._013_verification_insert_checks_sql),
        ("0014_request_statement_costs.sql", PackageResources._014_request_statement_costs_sql),
        ("0015_start_statement_plans.sql", PackageResources._015_start_statement_plans_sql),
        ("0016_heap_only_failure_counts.sql", PackageResources._016_heap_only_failure_counts_sql),
        ("0017_check_without_empty_failure_rows.sql", PackageResources._017_check_without_empty_failure_rows_sql),
    ]

    public static func load(directory: String?) throws -> [Migration] {
        guard let directory else {
            return try embedded.map { try Migration(fileName: $0.file, contents: $0.bytes) }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }
        return try files.sorted().map { file in
            let url = URL(fileURLWithPath: directory).appendingPathComponent(file)
            return try Migration(fileName: file, contents: [UInt8](try Data(contentsOf: url)))
        }
    }
}
