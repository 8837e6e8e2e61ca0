import PhoneNumberMetadata
import Testing
import VerifyCore

/// Every region's own example numbers, one per line type the metadata has for it: expectations that move with the
/// metadata instead of drifting from it. They check the adapter (the C boundary, the type mapping, the region) across
/// all of the metadata, where `NumberFactsTests` checks a few numbers against what is known of them independently.
@Suite("LibPhoneNumberIntelligence example numbers")
struct ExampleNumberTests {
    static let intelligence = LibPhoneNumberIntelligence()

    /// Every geographic region, found through the calling codes (no calling code has more than three digits).
    static let regions: [RegionCode] = (1...999).flatMap { intelligence.regions(forCallingCode: $0) }
        .filter { $0 != .nonGeographic }

    /// Types an example can be asked for: the metadata has no example "fixed line or mobile" or "unknown" range.
    static let exampleTypes = LineType.allCases.filter { $0 != .fixedLineOrMobile && $0 != .unknown }

    @Test("the calling codes reach every region the metadata knows, once")
    func everyRegionOnce() {
        #expect(Self.regions.count == Self.intelligence.regionCount)
        #expect(Set(Self.regions).count == Self.regions.count)
        // Debian 12's metadata knows 245; a much smaller figure would mean regions went missing at the boundary.
        #expect(Self.regions.count > 240)
    }

    @Test("each region's example numbers read as valid numbers of their type and calling code", arguments: regions)
    func examples(of region: RegionCode) throws {
        var found = 0
        for lineType in Self.exampleTypes {
            guard let example = Self.intelligence.exampleNumber(of: lineType, in: region) else { continue }
            found += 1
            // libphonenumber's own parser reads the example as written, so the shortcut that facts(for:) takes
            // past it starts from the same number.
            #expect(Self.intelligence.parse(example.e164, defaultRegion: nil) == example)
            let facts = Self.intelligence.facts(for: example)
            #expect(facts.isValid, "\(lineType) example of \(region)")
            // The NANP cannot tell fixed-line from mobile numbers, so both examples read as "fixed line or mobile".
            let acceptedTypes: Set<LineType> =
                lineType == .fixedLine || lineType == .mobile ? [lineType, .fixedLineOrMobile] : [lineType]
            #expect(acceptedTypes.contains(facts.lineType), "\(lineType) example of \(region)")
            // Ranges shared by the regions of one calling code (NANP toll-free, UK mobile for the Crown
            // dependencies) read as the code's first region that accepts them, so only the code is exact.
            let callingCode = try #require(facts.callingCode)
            let sharing = Self.intelligence.regions(forCallingCode: callingCode)
            #expect(sharing.contains(region), "\(lineType) example of \(region)")
            #expect(facts.region.map(sharing.contains) == true, "\(lineType) example of \(region)")
        }
        // Every region has at least a fixed-line or mobile example (some small ones have nothing else).
        #expect(found > 0)
    }

    @Test("a region's fixed-line example reads as that region, except where two regions share every range")
    func fixedLineExamplesKeepTheirRegion() throws {
        // Saint Martin (MF) and Saint Barthélemy (BL) share +590 ranges; the metadata names BL first.
        let shared: Set<RegionCode> = [RegionCode("MF")!]
        var mismatched: [RegionCode] = []
        for region in Self.regions {
            guard let example = Self.intelligence.exampleNumber(of: .fixedLine, in: region) else { continue }
            if Self.intelligence.facts(for: example).region != region { mismatched.append(region) }
        }
        #expect(Set(mismatched) == shared)
    }
}
