import CPhoneNumber
import VerifyCore

/// `NumberIntelligence` from the libphonenumber metadata the system ships: Debian 12's libphonenumber8 is 8.12.57,
/// whose ranges date from late 2022, so a range opened since reads as invalid with type `.unknown`.
///
/// Holds no handle: libphonenumber keeps its metadata in one process-wide, thread-safe singleton (see
/// CPhoneNumber.cc), which every value of this type shares.
public struct LibPhoneNumberIntelligence: NumberIntelligence {
    /// How many geographic regions the metadata knows; 0 would mean it failed to load.
    public let regionCount: Int

    /// Loads the metadata now, so that the first verification does not pay for it.
    public init() {
        regionCount = Int(cpn_initialize())
    }

    public func facts(for number: PhoneNumber) -> NumberFacts {
        var answer = cpn_facts()
        var e164 = number.e164
        let status = e164.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { cpn_facts_for_e164($0.baseAddress, $0.count, &answer) }
        }
        guard status == .CPN_OK else { return .unreadable }
        return NumberFacts(
            isValid: answer.is_valid,
            isPossible: answer.is_possible,
            region: withUnsafeBytes(of: answer.region) { RegionCode(Self.string(fromNULTerminated: $0)) },
            lineType: LineType(answer.line_type),
            callingCode: Int(answer.calling_code)
        )
    }

    public func region(for number: PhoneNumber) -> RegionCode? {
        var region = [CChar](repeating: 0, count: Int(CPN_REGION_CAPACITY))
        var e164 = number.e164
        let status = e164.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { cpn_region_for_e164($0.baseAddress, $0.count, &region) }
        }
        guard status == .CPN_OK else { return nil }
        return RegionCode(Self.string(fromNULTerminated: region))
    }

    public func parse(_ text: String, defaultRegion: RegionCode?) -> PhoneNumber? {
        var e164 = [CChar](repeating: 0, count: Int(CPN_E164_CAPACITY))
        var text = text
        let status = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                if let defaultRegion {
                    defaultRegion.code.withCString { cpn_parse(chars.baseAddress, chars.count, $0, &e164) }
                } else {
                    cpn_parse(chars.baseAddress, chars.count, nil, &e164)
                }
            }
        }
        guard status == .CPN_OK else { return nil }
        return PhoneNumber(e164: Self.string(fromNULTerminated: e164))
    }

    public func regions(forCallingCode callingCode: Int) -> [RegionCode] {
        guard let code = Int32(exactly: callingCode) else { return [] }
        // The first call measures the list, the second writes it; they answer alike since the metadata never changes.
        let length = cpn_regions_for_calling_code(code, nil, 0)
        guard length > 0 else { return [] }
        let list = String(unsafeUninitializedCapacity: length + 1) { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                cpn_regions_for_calling_code(code, chars.baseAddress, chars.count) == length ? length : 0
            }
        }
        return list.split(separator: ",").compactMap(RegionCode.init)
    }

    /// Every region the metadata knows, `001` included: what settings that name regions are checked against, so that
    /// a code no number has (`UK` for `GB`) is refused instead of silently matching nothing.
    public var supportedRegions: Set<RegionCode> {
        // ITU calling codes have at most three digits.
        Set((1...999).flatMap(regions(forCallingCode:)))
    }

    /// libphonenumber's own example of `lineType` in `region`, if its metadata has one. Example numbers are the
    /// metadata's test data, so they serve tests and nothing else.
    public func exampleNumber(of lineType: LineType, in region: RegionCode) -> PhoneNumber? {
        var e164 = [CChar](repeating: 0, count: Int(CPN_E164_CAPACITY))
        guard cpn_example_number(region.code, cpn_line_type(lineType), &e164) else { return nil }
        return PhoneNumber(e164: Self.string(fromNULTerminated: e164))
    }

    /// Reads up to the first NUL, or the whole buffer if it has none: a C string can never run past its storage.
    private static func string(fromNULTerminated bytes: some Collection<some BinaryInteger>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
    }
}
