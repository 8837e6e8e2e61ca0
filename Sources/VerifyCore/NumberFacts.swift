/// What phone-number metadata says about one number, without asking any network.
public struct NumberFacts: Hashable, Sendable {
    /// The number matches a valid range of its region, and was written in canonical E.164 form.
    public let isValid: Bool
    /// The number has a length some range of its country has: every valid number, and an invalid one that may be in
    /// a range newer than the metadata. False when the number cannot exist.
    public let isPossible: Bool
    /// The region the number belongs to, `RegionCode.nonGeographic` for the +800-style ranges, nil when no region's
    /// ranges accept it. An invalid number may still have a region (its calling code names a single country).
    public let region: RegionCode?
    /// `.unknown` for every invalid number.
    public let lineType: LineType
    /// The country calling code, e.g. 1 for every NANP region; nil when the number has none the metadata knows.
    public let callingCode: Int?

    public init(isValid: Bool, isPossible: Bool, region: RegionCode?, lineType: LineType, callingCode: Int?) {
        self.isValid = isValid
        self.isPossible = isPossible || isValid
        self.region = region
        self.lineType = lineType
        self.callingCode = callingCode
    }

    /// What is said about a number the metadata cannot read at all, e.g. one whose calling code does not exist.
    public static let unreadable = NumberFacts(
        isValid: false, isPossible: false, region: nil, lineType: .unknown, callingCode: nil)
}
