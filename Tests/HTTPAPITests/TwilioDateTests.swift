import Foundation
import HTTPAPI
import Testing

@Suite("Twilio dates")
struct TwilioDateTests {
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
