import App
import Testing

@Suite("Nagios threshold ranges")
struct NagiosRangeTests {
    /// The guidelines' own table: each range, values that alert and values that do not.
    @Test(
        "a range alerts exactly where the Monitoring Plugins guidelines say",
        arguments: [
            ("10", [-1, 10.5, 11], [0, 5, 10]),
            ("10:", [-1, 9.9], [10, 11, 1e9]),
            ("~:10", [10.1, 11], [-1e9, 0, 10]),
            ("10:20", [9, 21], [10, 15, 20]),
            ("@10:20", [10, 15, 20], [9, 21]),
            ("0", [0.5, 1], [0]),
            ("-5:-1", [0, -6], [-5, -1]),
        ] as [(String, [Double], [Double])])
    func alerts(text: String, alerting: [Double], quiet: [Double]) throws {
        let range = try #require(NagiosRange(text))
        for value in alerting { #expect(range.alerts(value), "\(text) should alert on \(value)") }
        for value in quiet { #expect(!range.alerts(value), "\(text) should not alert on \(value)") }
        #expect(range.description == text)
    }

    @Test("malformed ranges are refused", arguments: ["", "@", "abc", "20:10", "1:2:3", "~", "10:x", "-5", "inf"])
    func refused(text: String) {
        #expect(NagiosRange(text) == nil)
    }
}
