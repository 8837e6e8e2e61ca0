import Testing
import VerifyCore

@Suite("Attempt totals")
struct AttemptTotalsTests {
    @Test(
        "the conversion rate is written as Twilio writes it: nine decimals, rounded half up",
        arguments: [
            (11, 9, "81.818181818"), (3, 2, "66.666666667"), (3, 1, "33.333333333"), (4, 2, "50.000000000"),
            (1, 1, "100.000000000"), (7, 0, "0.000000000"), (2_000_000_000, 1, "0.000000050"),
        ])
    func twilioPercentage(attempts: Int, converted: Int, expected: String) {
        let totals = AttemptTotals(attempts: attempts, converted: converted)
        #expect(totals.conversionRatePercentage == expected)
        #expect(totals.unconverted == attempts - converted)
    }

    @Test(
        "fewer decimals round the same way, carrying into the whole number",
        arguments: [(3, 2, 1, "66.7"), (1000, 999, 1, "99.9"), (10_000, 9_999, 1, "100.0"), (8, 1, 0, "13")])
    func rounding(attempts: Int, converted: Int, decimals: Int, expected: String) {
        #expect(AttemptTotals(attempts: attempts, converted: converted).percentage(decimals: decimals) == expected)
    }

    @Test("no attempts has no rate")
    func empty() {
        #expect(AttemptTotals(attempts: 0, converted: 0).conversionRatePercentage == nil)
    }
}

@Suite("Calendar days")
struct CalendarDayTests {
    @Test(
        "real days read and print as YYYY-MM-DD", arguments: ["2026-11-30", "2024-02-29", "2000-02-29", "1999-01-01"])
    func valid(_ text: String) {
        #expect(CalendarDay(text)?.description == text)
    }

    @Test(
        "anything else is refused",
        arguments: [
            "2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01",
            "2026/01/01", "2026-01-01T00:00:00Z", "", "２０２６-01-01", "0999-01-01",
        ])
    func invalid(_ text: String) {
        #expect(CalendarDay(text) == nil)
    }

    @Test("days order by date")
    func order() throws {
        #expect(try #require(CalendarDay("2025-12-31")) < #require(CalendarDay("2026-01-01")))
    }
}
