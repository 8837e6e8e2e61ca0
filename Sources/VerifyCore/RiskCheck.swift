/// Twilio's `RiskCheck` on a start: `disable` asks to skip the fraud checks of that request. verifyd's prefix rule
/// will honour it; geo permissions and line types hold whatever it says, since a caller's request must not lift
/// what the operator turned off (the Safe List is the operator's way to do that).
public enum RiskCheck: String, Sendable, Hashable, CaseIterable {
    case enable
    case disable
}
