import Foundation
import Postgres
import VerifyCore

/// Decoding of the domain's value types from result columns, by name; a value the domain would refuse is a decoding
/// error, never a silent default.
extension PostgresRow {
    func sid<Kind>(_ column: String, as type: Sid<Kind>.Type = Sid<Kind>.self) throws -> Sid<Kind> {
        let text = try decode(column, as: String.self)
        guard let sid = Sid<Kind>(text) else { throw StoreError.malformed("\(Kind.prefix) SID", column: column) }
        return sid
    }

    func phone(_ column: String) throws -> PhoneNumber {
        guard let phone = PhoneNumber(e164: try decode(column, as: String.self)) else {
            throw StoreError.malformed("phone number", column: column)
        }
        return phone
    }

    func value<Value: RawRepresentable>(_ column: String, as type: Value.Type) throws -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: try decode(column, as: String.self)) else {
            throw StoreError.malformed("\(Value.self)", column: column)
        }
        return value
    }
}

/// Stored data that the domain cannot represent.
struct StoreError: Error, CustomStringConvertible {
    let description: String

    static func malformed(_ what: String, column: String) -> StoreError {
        StoreError(description: "stored \(what) in result column \"\(column)\" is malformed")
    }
}
