/// The port to offline phone-number metadata (libphonenumber in production): what kind of number a destination is,
/// read from the number itself, without a network request. A lookup is CPU work of some microseconds, so it is
/// synchronous and may run on any thread.
public protocol NumberIntelligence: Sendable {
    /// What the metadata says about `number`. A number that is not in canonical form (`+4407…` for `+447…`) is
    /// reported invalid, since the number checked must be the number sent to.
    func facts(for number: PhoneNumber) -> NumberFacts

    /// `facts(for: number).region`, for a caller that needs nothing else (a metric's country label), at less
    /// than the cost of the whole facts.
    func region(for number: PhoneNumber) -> RegionCode?

    /// Reads a number written as people write it: E.164 or international (`+44 7400 123456`), or, given
    /// `defaultRegion`, national (`07400 123456` in `GB`), with spaces, dashes, dots, slashes and parentheses
    /// between digit groups. Nil when the text is not a number; a number that parses may still be invalid (ask
    /// `facts(for:)`). Letters, extensions and non-ASCII digits are refused rather than rewritten.
    func parse(_ text: String, defaultRegion: RegionCode?) -> PhoneNumber?

    /// The regions that share `callingCode`, its main region first (`US` for 1, `GB` for 44); empty for a calling
    /// code that does not exist.
    func regions(forCallingCode callingCode: Int) -> [RegionCode]
}
