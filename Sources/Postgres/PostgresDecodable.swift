import Foundation

/// A Swift value that can be read from a result column. Results arrive in binary format, so decoding is a length
/// check and a copy, and the column's type OID is checked first: a mismatch is an error, never a guess.
public protocol PostgresDecodable {
    /// Builds the value from one non-NULL column value.
    static func decode(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32) throws(PostgresDecodingFailure) -> Self
    /// The value for SQL NULL; only optionals have one.
    static func decodeNull() throws(PostgresDecodingFailure) -> Self
}

extension PostgresDecodable {
    public static func decodeNull() throws(PostgresDecodingFailure) -> Self { throw .unexpectedNull }
}

/// Why one column value could not become the requested Swift type.
public enum PostgresDecodingFailure: Error, Sendable {
    case unexpectedNull
    case typeMismatch(expected: String, oid: UInt32)
    case malformed(String)
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(
        postgresBytes bytes: UnsafeRawBufferPointer,
        oid: UInt32
    ) throws(PostgresDecodingFailure) -> Self {
        try Wrapped.decode(postgresBytes: bytes, oid: oid)
    }

    public static func decodeNull() throws(PostgresDecodingFailure) -> Self { nil }
}

extension String: PostgresDecodable {
    public static func decode(
        postgresBytes bytes: UnsafeRawBufferPointer,
        oid: UInt32
    ) throws(PostgresDecodingFailure) -> String {
        switch oid {
        case PostgresOID.text, PostgresOID.varchar, PostgresOID.bpchar, PostgresOID.name, PostgresOID.unknown,
            PostgresOID.json:
            return String(decoding: bytes, as: UTF8.self)
        case PostgresOID.jsonb:
            // Binary jsonb is a version byte (1) followed by the JSON text.
            guard bytes.first == 1 else { throw .malformed("unknown jsonb version") }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes.dropFirst()), as: UTF8.self)
        default:
            throw .typeMismatch(expected: "text", oid: oid)
        }
    }
}

extension Int: PostgresDecodable {
    public static func decode(
        postgresBytes bytes: UnsafeRawBufferPointer,
        oid: UInt32
    ) throws(PostgresDecodingFailure) -> Int {
        switch (oid, bytes.count) {
        case (PostgresOID.int8, 8): return Int(Int64(bigEndian: bytes.loadUnaligned(as: Int64.self)))
        case (PostgresOID.int4, 4), (PostgresOID.oid, 4):
            return Int(Int32(bigEndian: bytes.loadUnaligned(as: Int32.self)))
        case (PostgresOID.int2, 2): return Int(Int16(bigEndian: bytes.loadUnaligned(as: Int16.self)))
        case (PostgresOID.int8, _), (PostgresOID.int4, _), (PostgresOID.int2, _):
            throw .malformed("integer of \(bytes.count) bytes")
        default: throw .typeMismatch(expected: "integer", oid: oid)
        }
    }
}

extension Bool: PostgresDecodable {
    public static func decode(
        postgresBytes bytes: UnsafeRawBufferPointer,
        oid: UInt32
    ) throws(PostgresDecodingFailure) -> Bool {
        guard oid == PostgresOID.bool else { throw .typeMismatch(expected: "boolean", oid: oid) }
        guard bytes.count == 1 else { throw .malformed("boolean of \(bytes.count) bytes") }
        return bytes[0] != 0
    }
}

extension Double: PostgresDecodable {
    public static func decode(
        postgresBytes bytes: UnsafeRawBufferPointer,
        oid: UInt32
    ) throws(PostgresDecodingFailure) -> Double {
        switch (oid, bytes.count) {
        case (PostgresOID.float8, 8):
            return Double(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)))
        case (PostgresOID.float4, 4):
            return Double(Float(bitPattern: UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self))))
        default: throw .typeMismatch(expected: "double precision", oid: oid)
        }
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    public static func decode(
        postgresBytes bytes: UnsafeRawBufferPointer,
        oid: UInt32
    ) throws(PostgresDecodingFailure) -> [UInt8] {
        guard oid == PostgresOID.bytea else { throw .typeMismatch(expected: "bytea", oid: oid) }
        return [UInt8](bytes)
    }
}

extension Date: PostgresDecodable {
    public static func decode(
        postgresBytes bytes: UnsafeRawBufferPointer,
        oid: UInt32
    ) throws(PostgresDecodingFailure) -> Date {
        guard oid == PostgresOID.timestamptz || oid == PostgresOID.timestamp else {
            throw .typeMismatch(expected: "timestamptz", oid: oid)
        }
        guard bytes.count == 8 else { throw .malformed("timestamp of \(bytes.count) bytes") }
        let microseconds = Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
        return Date(timeIntervalSince1970: PostgresOID.epochOffset + Double(microseconds) / 1_000_000)
    }
}
