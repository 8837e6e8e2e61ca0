/// What kind of line a number belongs to, as phone-number metadata classifies its range (libphonenumber's
/// `PhoneNumberType`). The raw values are the names settings and refusal records use.
public enum LineType: String, Sendable, Hashable, CaseIterable {
    case fixedLine = "fixed_line"
    case mobile
    /// Regions such as the NANP (+1) do not tell fixed-line from mobile by the number alone.
    case fixedLineOrMobile = "fixed_line_or_mobile"
    case tollFree = "toll_free"
    /// Ranges whose caller pays a surcharge that the number's owner shares: the money behind SMS pumping.
    case premiumRate = "premium_rate"
    /// Ranges whose cost is split between caller and owner.
    case sharedCost = "shared_cost"
    case voip
    /// Numbers that follow a person to whatever line they choose (UK 070).
    case personalNumber = "personal_number"
    case pager
    /// "Universal access" company numbers, routed on to some office.
    case uan
    /// Voicemail access numbers.
    case voicemail
    /// The number matches no range of its region: every invalid number, and valid-looking numbers in ranges the
    /// metadata does not know yet.
    case unknown
}
