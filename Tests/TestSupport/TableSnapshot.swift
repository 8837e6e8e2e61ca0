import Foundation
import Postgres

/// Every table of a test database with its row count and a digest of its rows, so a test can show that a refused
/// request changed nothing: not a row added or removed, and not a column of one updated.
public struct TableSnapshot: Sendable, Equatable, CustomStringConvertible {
    public struct Table: Sendable, Equatable {
        public var rows: Int
        /// MD5 over the rows' text forms in sorted order; any change to any column changes it.
        public var digest: String
    }

    public let tables: [String: Table]

    /// Reads every table of the current schema except `schema_migrations`.
    public static func take(_ client: PostgresClient) async throws -> TableSnapshot {
        try await client.withConnection { connection in
            let names = try await connection.query(
                """
                SELECT tablename FROM pg_tables
                WHERE schemaname = current_schema() AND tablename <> 'schema_migrations' ORDER BY tablename
                """
            ).map { try $0.decode(0, as: String.self) }
            var tables: [String: Table] = [:]
            for name in names {
                // The name comes from the catalog and is quoted as an identifier, hence the raw path.
                let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                let row = try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT count(*)::bigint, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))
                            FROM \(quoted) t
                            """)
                )[0]
                tables[name] = Table(rows: try row.decode(0, as: Int.self), digest: try row.decode(1))
            }
            return TableSnapshot(tables: tables)
        }
    }

    /// The tables whose rows differ from `earlier`, with both counts, leaving out `ignoring` (counters of refused
    /// traffic, say). Empty when nothing changed.
    public func changes(since earlier: TableSnapshot, ignoring: Set<String> = []) -> [String] {
        Set(tables.keys).union(earlier.tables.keys).subtracting(ignoring).sorted().compactMap { name in
            let before = earlier.tables[name]
            let after = tables[name]
            guard before != after else { return nil }
            return
                "\(name): \(before?.rows ?? 0) → \(after?.rows ?? 0) rows\(before?.rows == after?.rows ? ", changed" : "")"
        }
    }

    public var description: String {
        tables.keys.sorted().map { "\($0)=\(tables[$0]!.rows)" }.joined(separator: " ")
    }
}
