/// Shortens phone numbers for logs: enough to recognise the country and tell numbers apart, not to dial them.
enum PhoneNumberMask {
    /// Keeps the first 5 and last 4 characters (`+1415***0100`); numbers too short for that keep only their
    /// last 2 (`***45`).
    static func mask(_ number: String) -> String {
        let characters = Array(number)
        if characters.count >= 10 {
            return String(characters.prefix(5)) + "***" + String(characters.suffix(4))
        }
        if characters.count > 2 {
            return "***" + String(characters.suffix(2))
        }
        return "***"
    }
}
