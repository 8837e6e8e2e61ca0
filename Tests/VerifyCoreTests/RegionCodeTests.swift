import Testing
import VerifyCore

@Suite("RegionCode")
struct RegionCodeTests {
    @Test(
        "two ASCII letters in either case, or 001, are a region",
        arguments: [("US", "US"), ("jm", "JM"), ("Gb", "GB"), ("001", "001")])
    func accepts(_ input: String, _ expected: String) {
        #expect(RegionCode(input)?.code == expected)
    }

    @Test(
        "anything else is not a region, ZZ (the metadata's 'no region') included",
        arguments: ["ZZ", "zz", "", "U", "USA", "U1", "1", "00", "002", "0001", "ÜS", "U\u{0}", " US", "ＵＳ"])
    func refuses(_ input: String) {
        #expect(RegionCode(input) == nil)
    }

    @Test("the non-geographic region is 001, and equals the parsed one")
    func nonGeographic() {
        #expect(RegionCode.nonGeographic.code == "001")
        #expect(RegionCode("001") == .nonGeographic)
    }
}
