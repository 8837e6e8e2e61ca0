import Testing

@testable import Twilio

@Suite struct RetryAfterTests {
    /// 2024-03-01 12:00:00 UTC.
    static let now = 1_709_294_400.0

    @Test(
        "a Retry-After header becomes a delay",
        arguments: [
            ("120", Duration.seconds(120)), (" 3 ", .seconds(3)), ("0", .zero), ("1.2", .seconds(2)),
            ("Fri, 01 Mar 2024 12:00:30 GMT", .seconds(30)),
            ("Friday, 01-Mar-24 12:01:00 GMT", .seconds(60)),
            ("Fri Mar  1 12:00:05 2024", .seconds(5)),
            ("fri, 1 mar 2024 12:00:10 gmt", .seconds(10)),
            ("Thu, 29 Feb 2024 12:00:00 GMT", .zero),
        ]
    )
    func retryAfterIsParsed(_ header: String, expected: Duration) {
        #expect(RetryAfter.parse(header, now: Self.now) == expected)
    }

    @Test(
        "an unreadable Retry-After header is ignored",
        arguments: ["", "soon", "Fri, 01 Foo 2024 12:00:30 GMT", "12:00"])
    func unreadableRetryAfterIsIgnored(_ header: String) {
        #expect(RetryAfter.parse(header, now: Self.now) == nil)
    }

    @Test func theEpochIsDayZero() {
        #expect(RetryAfter.httpDate("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(RetryAfter.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
    }
}

@Suite struct PhoneNumberMaskTests {
    @Test(
        "a phone number is masked for logs",
        arguments: [
            ("+14155550100", "+1***00"), ("+442071838750", "+4***50"), ("12345", "***"),
            ("+1234567", "+1***"), ("7", "***"), ("", "***"),
        ]
    )
    func phoneNumberIsMasked(_ number: String, masked: String) {
        #expect(PhoneNumberMask.mask(number) == masked)
    }
}
