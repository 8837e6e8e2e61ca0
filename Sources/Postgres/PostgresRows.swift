import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// The rows of one statement's result. It owns the libpq result and reads values straight out of it, so a row
/// costs nothing until a column is decoded.
public final class PostgresRows: RandomAccessCollection, @unchecked Sendable {
    // Sendable is sound: a PGresult is immutable once built and libpq's accessors only read it.
    private let result: OpaquePointer
    public let startIndex = 0
    public let endIndex: Int
    /// Rows inserted, updated or deleted, from the command tag (0 for statements that report none).
    public let affectedRows: Int

    init(taking result: OpaquePointer) {
        self.result = result
        self.endIndex = Int(PQntuples(result))
        self.affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    deinit { PQclear(result) }

    public subscript(position: Int) -> PostgresRow { PostgresRow(rows: self, index: position) }

    public var columnCount: Int { Int(PQnfields(result)) }

    public func columnName(_ column: Int) -> String { String(cString: PQfname(result, Int32(column))) }

    /// The position of the first column named exactly `name` (as the server names it: lower case unless the SELECT
    /// list quoted it), or nil. A plain scan: `PQfnumber` copies and folds the name on every call, which was most
    /// of what decoding a row cost.
    public func column(named name: String) -> Int? {
        name.withCString { wanted in
            for column in 0..<Int(PQnfields(result)) where strcmp(PQfname(result, Int32(column)), wanted) == 0 {
                return column
            }
            return nil
        }
    }

    /// The first row, if there is one.
    public func single() -> PostgresRow? { isEmpty ? nil : self[0] }

    func decode<Value: PostgresDecodable>(row: Int, column: Int, as: Value.Type) throws -> Value {
        guard column >= 0, column < columnCount else {
            throw PostgresError(.decoding, context: "column index \(column) out of range (\(columnCount) columns)")
        }
        let field = Int32(column)
        do throws(PostgresDecodingFailure) {
            if PQgetisnull(result, Int32(row), field) == 1 { return try Value.decodeNull() }
            let length = Int(PQgetlength(result, Int32(row), field))
            let oid = PQftype(result, field)
            let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, Int32(row), field), count: length)
            return try Value.decode(postgresBytes: bytes, oid: oid)
        } catch {
            throw PostgresError(.decoding, context: Self.explain(error, column: columnName(column), as: Value.self))
        }
    }

    private static func explain(_ failure: PostgresDecodingFailure, column: String, as type: Any.Type) -> String {
        switch failure {
        case .unexpectedNull: "column \"\(column)\" is NULL but \(type) is not optional"
        case .typeMismatch(let expected, let oid):
            "column \"\(column)\" has type \(PostgresOID.name(of: oid)), \(type) needs \(expected)"
        case .malformed(let why): "column \"\(column)\": malformed \(why)"
        }
    }
}

/// One row of a result; decode columns by name (so a reordered SELECT list cannot mix values up) or by position.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let index: Int

    public func decode<Value: PostgresDecodable>(_ column: Int, as type: Value.Type = Value.self) throws -> Value {
        try rows.decode(row: index, column: column, as: type)
    }

    /// Decodes the column named `name`; a name the result lacks is an error, never a default.
    public func decode<Value: PostgresDecodable>(_ name: String, as type: Value.Type = Value.self) throws -> Value {
        guard let column = rows.column(named: name) else {
            throw PostgresError(.decoding, context: "no column \"\(name)\" in the result")
        }
        return try rows.decode(row: index, column: column, as: type)
    }
}
