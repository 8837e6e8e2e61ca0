import Postgres
import TestSupport
import Testing

/// PostgreSQL updates a row in place on its page (a heap-only tuple, with no new index entry) only when no index
/// names a column the update changes, in its key, an expression or its predicate. The columns every check writes
/// must stay out of indexes, or each wrong code writes and logs an entry in every index of the table: migration
/// 0010's index on `last_failure_at` did that until 0016 dropped it.
@Suite("Heap-only check writes")
struct HeapOnlyUpdateTests {
    /// What a wrong-code check changes: the verification's count, the phone's failures, the credential's counter.
    /// (An approval also changes `status`, which the live-verification indexes select on; that update is rarer and
    /// was never heap-only.)
    static let written = [
        ("verifications", "check_attempts"), ("verifications", "updated_at"),
        ("phone_check_failures", "consecutive_failures"), ("phone_check_failures", "last_failure_at"),
        ("abuse_counters", "hits"),
    ]

    @Test("no index of the tables a check writes names a column the check changes")
    func checkColumnsUnindexed() async throws {
        try await StoreFixture.run { fixture in
            func indexes(naming column: String, of table: String) async throws -> [String] {
                try await fixture.client.query(
                    """
                    SELECT i.indexrelid::regclass::text AS name
                    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = \(column)
                    WHERE i.indrelid = \(table)::regclass
                        AND (a.attnum = ANY (i.indkey::smallint[])
                            OR coalesce(pg_get_expr(i.indexprs, i.indrelid), '') ~ ('\\m' || a.attname || '\\M')
                            OR coalesce(pg_get_expr(i.indpred, i.indrelid), '') ~ ('\\m' || a.attname || '\\M'))
                    """
                ).map { try $0.decode("name", as: String.self) }
            }
            // The query finds what is there: `status` is in the live-verification indexes' predicates.
            #expect(try await indexes(naming: "status", of: "verifications").contains("verifications_live"))
            for (table, column) in Self.written {
                let found = try await indexes(naming: column, of: table)
                #expect(found.isEmpty, "\(table).\(column) is in \(found)")
            }
        }
    }
}
