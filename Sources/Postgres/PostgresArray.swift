/// A one-dimensional array parameter without NULLs (`text[]`, `bytea[]`), sent in binary form so the server never
/// parses an array literal.
public struct PostgresArray<Element: PostgresArrayElement>: PostgresEncodable {
    public var elements: [Element]

    public init(_ elements: [Element]) {
        self.elements = elements
    }

    public static var postgresOID: UInt32 { Element.arrayOID }
    public static var postgresFormat: PostgresFormat { .binary }

    public func encode(into buffer: inout [UInt8]) {
        func append(_ value: Int32) { withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) } }
        // Dimensions, "has NULLs", element type; then each dimension's length and lower bound; then the elements.
        append(elements.isEmpty ? 0 : 1)
        append(0)
        append(Int32(bitPattern: Element.elementOID))
        guard !elements.isEmpty else { return }
        append(Int32(elements.count))
        append(1)
        var element: [UInt8] = []
        for value in elements {
            element.removeAll(keepingCapacity: true)
            value.encode(into: &element)
            append(Int32(element.count))
            buffer.append(contentsOf: element)
        }
    }
}

/// A type whose `encode(into:)` bytes are also its binary wire form, so it can be an array element.
public protocol PostgresArrayElement: PostgresEncodable {
    static var elementOID: UInt32 { get }
    static var arrayOID: UInt32 { get }
}

extension String: PostgresArrayElement {
    public static var elementOID: UInt32 { PostgresOID.text }
    public static var arrayOID: UInt32 { 1009 }
}

extension Array: PostgresArrayElement where Element == UInt8 {
    public static var elementOID: UInt32 { PostgresOID.bytea }
    public static var arrayOID: UInt32 { 1001 }
}
