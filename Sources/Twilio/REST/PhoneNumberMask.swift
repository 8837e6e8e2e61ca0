/// Shortens phone numbers for logs by the rule of VerifyCore's `PhoneNumber.mask` (this module cannot see it): at
/// least six digits hidden, so that no log line narrows a number down to fewer than a million candidates. The first
/// digit and the last two stay (`+1***00`); shorter numbers keep their first digit (7 or 8 digits) or nothing.
enum PhoneNumberMask {
    static func mask(_ number: String) -> String {
        let characters = Array(number)
        let digits = characters.count - (characters.first == "+" ? 1 : 0)
        let head = characters.first == "+" ? String(characters.prefix(2)) : String(characters.prefix(1))
        if digits >= 9 { return head + "***" + String(characters.suffix(2)) }
        if digits >= 7 { return head + "***" }
        return "***"
    }
}
