import PhoneNumberMetadata
import Testing
import VerifyCore

@Suite("LibPhoneNumberIntelligence regions")
struct RegionsTests {
    let intelligence = LibPhoneNumberIntelligence()

    @Test("+1 is shared by the United States, Canada and 23 Caribbean and Pacific regions, US first")
    func northAmericanNumberingPlan() {
        let expected = [
            "US", "AG", "AI", "AS", "BB", "BM", "BS", "CA", "DM", "DO", "GD", "GU", "JM", "KN", "KY", "LC", "MP", "MS",
            "PR", "SX", "TC", "TT", "VC", "VG", "VI",
        ]
        #expect(intelligence.regions(forCallingCode: 1) == expected.compactMap(RegionCode.init))
    }

    @Test(
        "other calling codes name their main region first",
        arguments: [
            (44, ["GB", "GG", "IM", "JE"]),
            (7, ["RU", "KZ"]),
            (33, ["FR"]),
            (262, ["RE", "YT"]),
        ])
    func mainRegionFirst(_ callingCode: Int, _ expected: [String]) {
        #expect(intelligence.regions(forCallingCode: callingCode) == expected.compactMap(RegionCode.init))
    }

    @Test("non-geographic calling codes answer the non-geographic region", arguments: [800, 808, 870, 881, 882, 883])
    func nonGeographic(_ callingCode: Int) {
        #expect(intelligence.regions(forCallingCode: callingCode) == [.nonGeographic])
    }

    @Test(
        "calling codes that do not exist have no regions",
        arguments: [0, -1, 999, 1000, Int(Int32.max) + 1, Int.min])
    func unknownCallingCodes(_ callingCode: Int) {
        #expect(intelligence.regions(forCallingCode: callingCode).isEmpty)
    }
}
