import Foundation
import Testing

@testable import HTTPAPI

@Suite("Twilio dates")
struct TwilioDateTests {
    @Test(
        "what format writes, parse reads back",
        arguments: [0, 951_782_400, 1_796_000_000, 4_102_444_799, 253_402_300_799] as [TimeInterval])
    func roundTrip(_ seconds: TimeInterval) throws {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(TwilioDate.parse(TwilioDate.format(date)) == date)
    }

    @Test("a known instant", arguments: [("2000-02-29T00:00:00Z", 951_782_400), ("1970-01-01T00:00:01Z", 1)])
    func known(_ text: String, _ seconds: TimeInterval) {
        #expect(TwilioDate.parse(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test(
        "any other form is refused",
        arguments: [
            "2026-11-30", "2026-11-30T24:00:00Z", "2026-11-30T23:60:00Z", "2026-11-30T23:59:60Z",
            "2026-02-29T00:00:00Z", "2026-11-30T09:15:00", "2026-11-30T09:15:00.000Z", "2026-11-30T09:15:00+00:00",
            "2026-11-30 09:15:00Z", "2026-11-30t09:15:00z", "+2026-11-30T09:15:00Z", "",
        ])
    func refused(_ text: String) {
        #expect(TwilioDate.parse(text) == nil)
    }

    @Test(
        "a date is written as ISO 8601 writes it in UTC, to the second rounded down",
        arguments: [
            0, 0.999, -0.5, -1, 86_399, 951_782_400, 951_868_799, 1_709_251_199, 1_764_595_387.25, 4_102_444_800,
            253_402_300_799, -2_208_988_800,
        ])
    func matchesFoundation(secondsSince1970: Double) {
        let date = Date(timeIntervalSince1970: secondsSince1970)
        let whole = Date(timeIntervalSince1970: secondsSince1970.rounded(.down))
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        #expect(TwilioDate.format(date) == formatter.string(from: whole))
    }
}
