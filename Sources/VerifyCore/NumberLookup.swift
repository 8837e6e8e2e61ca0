/// What a verification's `lookup` says when its service has `LookupEnabled`: what offline metadata knows about the
/// number, which is its line type and nothing a carrier would have to say (name, network codes).
public struct NumberLookup: Sendable, Hashable {
    public var lineType: LineType

    public init(lineType: LineType) {
        self.lineType = lineType
    }
}
