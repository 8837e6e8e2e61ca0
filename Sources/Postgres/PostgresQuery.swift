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
    /// UTF-8 offsets of the `$n` placeholders in `sql`, in bind order, so a fragment can be renumbered exactly.
    private var placeholders: [Range<Int>] = []

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
        self.placeholders = stringInterpolation.placeholders
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var bindings: PostgresBindings
        var placeholders: [Range<Int>] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            bindings = PostgresBindings(capacity: interpolationCount)
            placeholders.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            bindings.append(value)
            appendPlaceholder()
        }

        /// Splices in a query built elsewhere from a literal, such as a shared column list or condition; its values
        /// move along and its placeholders are renumbered.
        public mutating func appendInterpolation(fragment: PostgresQuery) {
            precondition(
                fragment.placeholders.count == fragment.bindings.count, "a fragment must come from a query literal")
            // Most fragments are column lists without values: nothing to renumber.
            if fragment.placeholders.isEmpty {
                sql += fragment.sql
                return
            }
            let utf8 = Array(fragment.sql.utf8)
            var copied = 0
            for (placeholder, slot) in zip(fragment.placeholders, fragment.bindings.slots) {
                sql += String(decoding: utf8[copied..<placeholder.lowerBound], as: UTF8.self)
                bindings.append(slot: slot, from: fragment.bindings)
                appendPlaceholder()
                copied = placeholder.upperBound
            }
            sql += String(decoding: utf8[copied...], as: UTF8.self)
        }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            if let value {
                bindings.append(value)
            } else {
                bindings.appendNull(type: Value.self)
            }
            appendPlaceholder()
        }

        private mutating func appendPlaceholder() {
            let start = sql.utf8.count
            sql += "$"
            sql += String(bindings.count)
            placeholders.append(start..<sql.utf8.count)
        }
    }
}
