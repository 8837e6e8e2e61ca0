/// A SQL statement whose interpolated values become `$n` binds, so that no value is ever spliced into SQL text.
///
///     let query: PostgresQuery = "SELECT sid FROM services WHERE friendly_name = \(name)"
///     // sql: "SELECT sid FROM services WHERE friendly_name = $1", one bind
///
/// Only string literals convert to a query; SQL assembled at run time must go through `init(unsafeSQL:)`, whose
/// name tells a reviewer to look closer.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation {
    public private(set) var sql: String
    public private(set) var bindings: PostgresBindings

    /// SQL text the caller vouches for; values still belong in `bindings`.
    public init(unsafeSQL sql: String, bindings: PostgresBindings = PostgresBindings()) {
        self.sql = sql
        self.bindings = bindings
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, bindings: stringInterpolation.bindings)
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var bindings: PostgresBindings

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            bindings = PostgresBindings(capacity: interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            bindings.append(value)
            sql += "$\(bindings.count)"
        }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            if let value {
                bindings.append(value)
            } else {
                bindings.appendNull(type: Value.self)
            }
            sql += "$\(bindings.count)"
        }
    }
}
