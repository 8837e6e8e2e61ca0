import Foundation
import VerifyCore

/// Dates as Twilio's Verify API writes them: `YYYY-MM-DDTHH:MM:SSZ`, UTC, whole seconds (also ISO 8601's form, which
/// verifyd's log lines use).
public enum TwilioDate {
    /// Written into 20 bytes at once: every response and log line has dates, and Foundation's formatters cost far more.
    public static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        guard (0...9999).contains(year) else { return String(year) + tail(month, day, secondOfDay) }
        return String(unsafeUninitializedCapacity: 20) { bytes in
            put(year, width: 4, at: 0, in: bytes)
            bytes[4] = UInt8(ascii: "-")
            put(month, width: 2, at: 5, in: bytes)
            bytes[7] = UInt8(ascii: "-")
            put(day, width: 2, at: 8, in: bytes)
            bytes[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, width: 2, at: 11, in: bytes)
            bytes[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, width: 2, at: 14, in: bytes)
            bytes[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, width: 2, at: 17, in: bytes)
            bytes[19] = UInt8(ascii: "Z")
            return 20
        }
    }

    /// Reads the form `format` writes, the one Twilio's libraries send for date filters
    /// (`2026-11-30T09:15:00Z`); nil for anything else, including dates that do not exist.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        let separators: [Int: UInt8] = [4: 0x2D, 7: 0x2D, 10: 0x54, 13: 0x3A, 16: 0x3A, 19: 0x5A]
        guard bytes.count == 20,
            bytes.indices.allSatisfy({ index in
                separators[index].map { bytes[index] == $0 } ?? (0x30...0x39).contains(bytes[index])
            }),
            let date = CalendarDay(text.prefix(10))
        else { return nil }
        let number = { (range: Range<Int>) in range.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) } }
        let (hour, minute, second) = (number(11..<13), number(14..<16), number(17..<19))
        guard hour < 24, minute < 60, second < 60 else { return nil }
        let days = daysFromCivil(date.year, date.month, date.day)
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second))
    }

    /// A proleptic Gregorian date to days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `value` (0 ≤ value < 10^width) as `width` decimal digits, zero-padded, at `offset`.
    private static func put(_ value: Int, width: Int, at offset: Int, in bytes: UnsafeMutableBufferPointer<UInt8>) {
        var rest = value
        for index in stride(from: offset + width - 1, through: offset, by: -1) {
            bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }

    /// The part after the year, for the years outside 0…9999 that no stored date has.
    private static func tail(_ month: Int, _ day: Int, _ secondOfDay: Int) -> String {
        String(
            format: "-%02ld-%02ldT%02ld:%02ld:%02ldZ", month, day, secondOfDay / 3600, secondOfDay / 60 % 60,
            secondOfDay % 60)
    }
}
