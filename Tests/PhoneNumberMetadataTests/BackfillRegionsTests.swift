import Foundation
import PhoneNumberMetadata
import Testing
import VerifyCore

/// Migration 0007 fills in the region of existing attempts from a table of calling codes; that table must be exactly
/// the codes libphonenumber gives a single region, with that region.
@Suite("Backfill regions of migration 0007")
struct BackfillRegionsTests {
    static let migration = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations/0007_verification_attempts.sql")

    @Test("the migration's calling codes are those libphonenumber gives one region, each with that region")
    func matchesLibPhoneNumber() throws {
        let sql = try String(contentsOf: Self.migration, encoding: .utf8)
        var table: [Int: String] = [:]
        for match in sql.matches(of: /"(\d{1,3})": "([A-Z]{2}|001)"/) {
            let code = try #require(Int(match.output.1))
            #expect(table.updateValue(String(match.output.2), forKey: code) == nil, "\(code) listed twice")
        }
        let intelligence = LibPhoneNumberIntelligence()
        var expected: [Int: String] = [:]
        for code in 1...999 {
            let regions = intelligence.regions(forCallingCode: code)
            if regions.count == 1 { expected[code] = regions[0].code }
        }
        #expect(expected.count > 150)
        #expect(table == expected)
    }
}
