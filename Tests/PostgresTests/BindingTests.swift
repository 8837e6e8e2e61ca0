import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Parameter binding and decoding")
struct BindingTests {
    static let awkwardStrings = [
        "it's", "\"double\"", "back\\slash", "\\x00", "'; DROP TABLE items; --", "emoji 👍🏽 and ünïcödé", "$1", "",
        "line\nbreak\ttab", String(repeating: "a", count: 1 << 20),
    ]

    @Test("text values survive quotes, backslashes, unicode and 1 MB", arguments: awkwardStrings)
    func roundTrip(_ value: String) async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            let back = try await client.query("SELECT \(value)::text, length(\(value)::text)")[0]
            #expect(try back.decode(0, as: String.self) == value)
            #expect(try back.decode(1, as: Int.self) == value.unicodeScalars.count)
        }
    }

    @Test("values are stored verbatim through INSERT")
    func storedVerbatim() async throws {
        try await withTestDatabase { _, client in
            try await client.query("CREATE TABLE items (name text, data bytea, at timestamptz, n bigint, ok boolean)")
            let bytes: [UInt8] = [0, 1, 2, 255, 39, 92]
            let at = Date(timeIntervalSince1970: 1_700_000_000.123456)
            for value in Self.awkwardStrings.prefix(8) {
                try await client.query(
                    "INSERT INTO items VALUES (\(value), \(bytes), \(at), \(Int.min), \(true))")
            }
            let rows = try await client.query("SELECT name, data, at, n, ok FROM items")
            #expect(try rows.map { try $0.decode(0, as: String.self) } == Array(Self.awkwardStrings.prefix(8)))
            #expect(try rows[0].decode(1, as: [UInt8].self) == bytes)
            #expect(abs(try rows[0].decode(2, as: Date.self).timeIntervalSince(at)) < 0.000_001)
            #expect(try rows[0].decode(3, as: Int.self) == Int.min)
            #expect(try rows[0].decode(4, as: Bool.self))
        }
    }

    @Test("NULL binds and decodes as nil")
    func nulls() async throws {
        try await withTestDatabase { _, client in
            let missing: String? = nil
            let row = try await client.query("SELECT \(missing)::text IS NULL, NULL::int")[0]
            #expect(try row.decode(0, as: Bool.self))
            #expect(try row.decode(1, as: Int?.self) == nil)
        }
    }

    @Test("a text value with a NUL byte is refused before it is sent")
    func nulByte() async throws {
        try await withTestDatabase { _, client in
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT \("a\u{0}b")") }
            #expect(error?.code == .invalidQuery)
        }
    }

    @Test("NULL into a non-optional and a type mismatch give clear errors")
    func decodingErrors() async throws {
        try await withTestDatabase { _, client in
            let row = try await client.query("SELECT NULL::int AS missing, 'text'::text AS word")[0]
            let null = #expect(throws: PostgresError.self) { try row.decode(0, as: Int.self) }
            #expect(null?.description.contains("\"missing\" is NULL") == true)
            let mismatch = #expect(throws: PostgresError.self) { try row.decode(1, as: Int.self) }
            #expect(mismatch?.description.contains("\"word\" has type text") == true)
        }
    }

    @Test("an error's description carries the SQLSTATE but no values; the debug description has the message")
    func errorsLeakNoValues() async throws {
        try await withTestDatabase { _, client in
            try await client.query("CREATE TABLE phones (phone text PRIMARY KEY)")
            let secret = "+14155550100"
            try await client.query("INSERT INTO phones VALUES (\(secret))")
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("INSERT INTO phones VALUES (\(secret))")
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.isUniqueViolation == true)
            #expect(error.map { "\($0)" }?.contains("4155550100") == false)
            #expect(error?.debugDescription.contains("duplicate key") == true)
        }
    }
}

@Suite("Query fragments")
struct QueryFragmentTests {
    @Test("a fragment's values move into the query with renumbered placeholders")
    func renumbering() async throws {
        let condition: PostgresQuery = "n > \(2) AND n < \(9)"
        let query: PostgresQuery = "SELECT count(*) FROM generate_series(\(1), \(10)) n WHERE \(fragment: condition)"
        #expect(query.sql == "SELECT count(*) FROM generate_series($1, $2) n WHERE n > $3 AND n < $4")
        #expect(query.bindings.count == 4)
        let count = try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query(query)[0].decode(0, as: Int.self)
        }
        #expect(count == 6)
    }

    @Test("text[] and bytea[] parameters bind as arrays, empty ones included")
    func arrays() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            let names = PostgresArray(["a", "it's", "ünï", ""])
            let blobs = PostgresArray([[UInt8]([0, 1, 255]), [], [39, 92]])
            let row = try await client.query(
                """
                SELECT cardinality(\(names)::text[]) AS names, (\(names)::text[])[2] AS second,
                    array_position(\(names)::text[], 'ünï') AS position, (\(blobs)::bytea[])[1] AS first_blob,
                    length((\(blobs)::bytea[])[2]) AS empty_length, cardinality(\(PostgresArray([String]()))::text[]) AS none
                """)[0]
            #expect(try row.decode("names", as: Int.self) == 4)
            #expect(try row.decode("second", as: String.self) == "it's")
            #expect(try row.decode("position", as: Int.self) == 3)
            #expect(try row.decode("first_blob", as: [UInt8].self) == [0, 1, 255])
            #expect(try row.decode("empty_length", as: Int.self) == 0)
            #expect(try row.decode("none", as: Int.self) == 0)
        }
    }

    @Test("columns decode by name whatever the order of the SELECT list, and an unknown name is an error")
    func byName() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            for query: PostgresQuery in ["SELECT 1 AS one, 'two' AS two", "SELECT 'two' AS two, 1 AS one"] {
                let row = try await client.query(query)[0]
                #expect(try row.decode("one", as: Int.self) == 1)
                #expect(try row.decode("two", as: String.self) == "two")
                let error = #expect(throws: PostgresError.self) { try row.decode("three", as: Int.self) }
                #expect(error?.code == .decoding)
                #expect(error?.description.contains("three") == true)
            }
        }
    }
}
