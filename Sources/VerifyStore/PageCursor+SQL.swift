import Postgres
import VerifyCore

extension PageCursor {
    /// The end of a listing's statement, after conditions that `AND` can extend: past the cursor in `(created_at,
    /// sid)` order when there is one (keyset paging), else from `offset`.
    static func clause(_ cursor: PageCursor?, order: PostgresQuery, offset: Int, limit: Int) -> PostgresQuery {
        guard let cursor else { return "ORDER BY \(fragment: order) LIMIT \(limit) OFFSET \(offset)" }
        return """
            AND (\(fragment: order))
                > (timestamptz 'epoch' + \(Int(cursor.createdAtMicroseconds)) * interval '1 microsecond', \
                \(cursor.sid.rawValue))
            ORDER BY \(fragment: order) LIMIT \(limit)
            """
    }
}
