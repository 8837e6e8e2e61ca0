import Foundation

/// A Swift value that can be a query parameter.
public protocol PostgresEncodable: Sendable {
    /// The parameter's type OID, or 0 to let the server infer it from context as it does for a quoted literal.
    static var postgresOID: UInt32 { get }
    static var postgresFormat: PostgresFormat { get }
    /// Appends the value's bytes in `postgresFormat`.
    func encode(into buffer: inout [UInt8])
}

extension String: PostgresEncodable {
    // Unknown type, like a quoted literal, so one String parameter fits text, varchar and jsonb columns alike.
    public static var postgresOID: UInt32 { 0 }
    public static var postgresFormat: PostgresFormat { .text }
    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
}

extension Substring: PostgresEncodable {
    public static var postgresOID: UInt32 { 0 }
    public static var postgresFormat: PostgresFormat { .text }
    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
}

extension Int: PostgresEncodable {
    public static var postgresOID: UInt32 { PostgresOID.int8 }
    public static var postgresFormat: PostgresFormat { .text }
    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: String(self).utf8) }
}

extension Bool: PostgresEncodable {
    public static var postgresOID: UInt32 { PostgresOID.bool }
    public static var postgresFormat: PostgresFormat { .text }
    public func encode(into buffer: inout [UInt8]) { buffer.append(self ? UInt8(ascii: "t") : UInt8(ascii: "f")) }
}

extension Double: PostgresEncodable {
    public static var postgresOID: UInt32 { PostgresOID.float8 }
    public static var postgresFormat: PostgresFormat { .text }
    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: description.utf8) }
}

extension Array: PostgresEncodable where Element == UInt8 {
    public static var postgresOID: UInt32 { PostgresOID.bytea }
    public static var postgresFormat: PostgresFormat { .binary }
    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: self) }
}

extension Date: PostgresEncodable {
    public static var postgresOID: UInt32 { PostgresOID.timestamptz }
    public static var postgresFormat: PostgresFormat { .binary }
    public func encode(into buffer: inout [UInt8]) {
        let microseconds = Int64(((timeIntervalSince1970 - PostgresOID.epochOffset) * 1_000_000).rounded())
        withUnsafeBytes(of: microseconds.bigEndian) { buffer.append(contentsOf: $0) }
    }
}

/// The type OIDs this module reads and writes.
enum PostgresOID {
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let name: UInt32 = 19
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let text: UInt32 = 25
    static let oid: UInt32 = 26
    static let json: UInt32 = 114
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    static let unknown: UInt32 = 705
    static let bpchar: UInt32 = 1042
    static let varchar: UInt32 = 1043
    static let timestamp: UInt32 = 1114
    static let timestamptz: UInt32 = 1184
    static let jsonb: UInt32 = 3802

    /// Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for binary timestamps.
    static let epochOffset: Double = 946_684_800

    static func name(of oid: UInt32) -> String {
        switch oid {
        case bool: "boolean"
        case bytea: "bytea"
        case name: "name"
        case int8: "bigint"
        case int2: "smallint"
        case int4: "integer"
        case text: "text"
        case json: "json"
        case float4: "real"
        case float8: "double precision"
        case bpchar: "character"
        case varchar: "character varying"
        case timestamp: "timestamp"
        case timestamptz: "timestamptz"
        case jsonb: "jsonb"
        default: "type oid \(oid)"
        }
    }
}
