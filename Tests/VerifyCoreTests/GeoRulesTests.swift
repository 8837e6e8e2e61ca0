import Testing
import VerifyCore

@Suite("GeoRules")
struct GeoRulesTests {
    static func region(_ code: String) -> RegionCode { RegionCode(code)! }

    struct Row: Sendable, CustomTestStringConvertible {
        var allow: String
        var deny: String
        /// Region → the layer's verdict (nil: no opinion).
        var verdicts: [String: Bool?]
        var testDescription: String { "allow \"\(allow)\", deny \"\(deny)\"" }
    }

    @Test(
        "a named region beats *, and a region nobody names is left to the layer below",
        arguments: [
            Row(allow: "", deny: "", verdicts: ["US": nil, "NG": nil]),
            Row(allow: "NG", deny: "", verdicts: ["NG": true, "US": nil]),
            Row(allow: "", deny: "jm, tt", verdicts: ["JM": false, "TT": false, "US": nil]),
            Row(allow: "US,CA", deny: "*", verdicts: ["US": true, "CA": true, "JM": false, "001": false]),
            Row(allow: "*", deny: "NG", verdicts: ["NG": false, "PK": true, "001": true]),
            Row(allow: "001", deny: "", verdicts: ["001": true, "GB": nil]),
        ])
    func verdicts(_ row: Row) throws {
        let rules = try GeoRules(allow: row.allow, deny: row.deny)
        for (code, verdict) in row.verdicts {
            #expect(rules.verdict(for: try #require(RegionCode(code))) == verdict, "\(code)")
        }
    }

    @Test("the lists print back in a form that reads the same")
    func roundTrip() throws {
        let rules = try GeoRules(allow: " us , CA,*", deny: "jm")
        #expect(rules.allowList == "*,CA,US")
        #expect(rules.denyList == "JM")
        #expect(try GeoRules(allow: rules.allowList, deny: rules.denyList) == rules)
        #expect(GeoRules.none.allowList.isEmpty && GeoRules.none.denyList.isEmpty)
    }

    @Test(
        "malformed or contradictory lists are refused with a reason that names the problem",
        arguments: [
            ("USA", "", "\"USA\" in the allow list is not a region"),
            ("", "1", "\"1\" in the deny list is not a region"),
            ("ZZ", "", "\"ZZ\" in the allow list is not a region"),
            ("*", "*", "* is in both"),
            ("NG,PK", "PK", "PK is in both"),
        ])
    func refused(_ allow: String, _ deny: String, _ message: String) {
        let error = #expect(throws: GeoRulesError.self) { try GeoRules(allow: allow, deny: deny) }
        #expect(error.map { "\($0)" }?.contains(message) == true, "\(error.map { "\($0)" } ?? "")")
    }

    @Test("the defaults turn off exactly Twilio's high-risk list, for SMS and calls alike")
    func defaults() {
        let highRisk = ["BD", "IL", "NG", "PK", "PS", "LK", "AZ", "TJ", "OM", "TN", "DZ"].map(Self.region)
        #expect(GeoPermissions.highRiskRegions == Set(highRisk))
        for channel in Channel.allCases {
            for region in highRisk { #expect(GeoPermissions.defaults[channel].verdict(for: region) == false) }
            for code in ["US", "JM", "GB", "001"] {
                #expect(GeoPermissions.defaults[channel].verdict(for: Self.region(code)) == true)
            }
        }
    }
}
