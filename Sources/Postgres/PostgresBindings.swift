/// The values of a query's `$n` parameters, packed into one buffer so that sending them costs no per-value
/// allocation.
public struct PostgresBindings: Sendable, Hashable {
    struct Slot: Sendable, Hashable {
        /// Offset into `bytes`, or -1 for SQL NULL.
        var offset: Int
        var length: Int
        var oid: UInt32
        var format: PostgresFormat
    }

    /// Every value followed by a NUL byte: libpq reads text-format values as C strings.
    private(set) var bytes: [UInt8] = []
    private(set) var slots: [Slot] = []

    public init() {}

    init(capacity: Int) {
        slots.reserveCapacity(capacity)
    }

    public var count: Int { slots.count }

    public mutating func append(_ value: some PostgresEncodable) {
        let offset = bytes.count
        value.encode(into: &bytes)
        let length = bytes.count - offset
        bytes.append(0)
        slots.append(
            Slot(
                offset: offset, length: length, oid: type(of: value).postgresOID, format: type(of: value).postgresFormat
            ))
    }

    /// Copies one value of `other`.
    mutating func append(slot: Slot, from other: PostgresBindings) {
        guard slot.offset >= 0 else {
            slots.append(slot)
            return
        }
        let offset = bytes.count
        bytes.append(contentsOf: other.bytes[slot.offset..<(slot.offset + slot.length + 1)])
        slots.append(Slot(offset: offset, length: slot.length, oid: slot.oid, format: slot.format))
    }

    public mutating func appendNull<Value: PostgresEncodable>(type: Value.Type) {
        slots.append(Slot(offset: -1, length: 0, oid: Value.postgresOID, format: Value.postgresFormat))
    }

    /// True when a text-format value holds a NUL byte, which PostgreSQL text cannot store and libpq would truncate.
    var containsNULInText: Bool {
        slots.contains { slot in
            slot.format == .text && slot.offset >= 0
                && bytes[slot.offset..<(slot.offset + slot.length)].contains(0)
        }
    }

    /// Lends libpq-shaped arrays (types, values, lengths, formats) that stay valid for the closure's duration.
    func withParameters<Result>(
        _ body: (
            _ types: UnsafePointer<UInt32>?, _ values: UnsafePointer<UnsafePointer<CChar>?>?,
            _ lengths: UnsafePointer<Int32>?, _ formats: UnsafePointer<Int32>?
        ) throws -> Result
    ) rethrows -> Result {
        if slots.isEmpty { return try body(nil, nil, nil, nil) }
        let types = slots.map(\.oid)
        let lengths = slots.map { Int32($0.length) }
        let formats = slots.map { $0.format.rawValue }
        return try bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            let values: [UnsafePointer<CChar>?] = slots.map { $0.offset < 0 ? nil : base + $0.offset }
            return try body(types, values, lengths, formats)
        }
    }
}

/// How a value travels: as text PostgreSQL parses, or in the type's binary form.
public enum PostgresFormat: Int32, Sendable, Hashable {
    case text = 0
    case binary = 1
}
