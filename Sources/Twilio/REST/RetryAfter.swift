/// Parses a `Retry-After` header: delay seconds, or an HTTP-date, read leniently.
enum RetryAfter {
    /// The wait the header asks for, measured from `now` (seconds since 1970); nil when unreadable. A date in
    /// the past means no wait.
    static func parse(_ header: String, now: Double) -> Duration? {
        let value = Substring(header).trimmingWhitespace()
        guard !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite {
            // Fractions are not allowed by RFC 9110 but cost nothing to accept; round up, never wait less.
            return .seconds(Int64(min(max(seconds.rounded(.up), 0), 1e12)))
        }
        guard let date = httpDate(value) else { return nil }
        return .seconds(Int64(max(0, (Double(date) - now).rounded(.up))))
    }

    /// Seconds since 1970 for IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
    /// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`), always taken as UTC.
    static func httpDate(_ value: String) -> Int64? {
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        var day: Int64?
        var month: Int64?
        var year: Int64?
        var time: (Int64, Int64, Int64)?
        for token in value.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" || $0 == "\t" }) {
            if token.contains(":") {
                let parts = token.split(separator: ":").compactMap { Int64($0) }
                guard parts.count == 3 else { return nil }
                time = (parts[0], parts[1], parts[2])
            } else if let number = Int64(token) {
                // The day always comes before the year in all three formats.
                if day == nil && token.count <= 2 {
                    day = number
                } else {
                    year = token.count == 2 ? (number < 70 ? 2000 + number : 1900 + number) : number
                }
            } else if let index = months.firstIndex(of: token.prefix(3).lowercased()), token.count <= 9 {
                month = Int64(index + 1)
            }
        }
        guard let day, let month, let year, let (hour, minute, second) = time,
            (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
