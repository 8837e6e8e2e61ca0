/// The settings of a Verify service (`VA…`): Twilio's, plus verifyd's own validity and attempt limits.
public struct ServiceSettings: Sendable, Equatable {
    public var friendlyName: String
    public var codeLength = 6
    public var doNotShareWarningEnabled = false
    public var customCodeEnabled = false
    public var dtmfInputRequired = false
    public var lookupEnabled = false
    public var skipSmsToLandlines = false
    public var psd2Enabled = false
    public var ttsName: String?
    public var codeValiditySeconds = 600
    public var maxCheckAttempts = 5
    public var maxSendAttempts = 5
    /// This service's geo permissions over the operator's (`verifyd services geo`; Twilio's API has no such
    /// parameter).
    public var geo = GeoPermissions.none

    public init(friendlyName: String) {
        self.friendlyName = friendlyName
    }

    public static let codeLengths = 4...10
    public static let validitySeconds = 120...86_400
    /// NIST SP 800-63B caps consecutive failures at 100; one verification cannot allow more.
    public static let checkAttempts = 1...100
    public static let sendAttempts = 1...100

    /// Every rule the settings break, as the names of the parameters at fault (empty when valid).
    public func invalidParameters() -> [String] {
        var invalid: [String] = []
        if !Self.isValidFriendlyName(friendlyName) { invalid.append("FriendlyName") }
        if let ttsName, !Self.isValidTTSName(ttsName) { invalid.append("TtsName") }
        if !Self.codeLengths.contains(codeLength) { invalid.append("CodeLength") }
        if !Self.validitySeconds.contains(codeValiditySeconds) { invalid.append("CodeValiditySeconds") }
        if !Self.checkAttempts.contains(maxCheckAttempts) { invalid.append("MaxCheckAttempts") }
        if !Self.sendAttempts.contains(maxSendAttempts) { invalid.append("MaxSendAttempts") }
        if skipSmsToLandlines && !lookupEnabled { invalid.append("SkipSmsToLandlines") }
        return invalid
    }

    /// Twilio's rules for a name that appears in SMS text: 1–30 characters of letters, digits, spaces, dashes and
    /// underscores, at most 4 digits (no phone numbers), no links. The name is judged as it will be stored: a
    /// leading or trailing space is refused rather than trimmed, and length counts Unicode scalars, as
    /// PostgreSQL's `length()` in the table's check does (a letter with a combining accent is two).
    public static func isValidFriendlyName(_ name: String) -> Bool {
        guard (1...30).contains(name.unicodeScalars.count), name.first != " ", name.last != " " else { return false }
        // Every kind of digit counts (Arabic-Indic, full-width …): a phone number is one whatever the script.
        guard name.filter(\.isNumber).count <= 4 else { return false }
        let lowered = name.lowercased()
        if lowered.contains("http") || lowered.contains("www") || lowered.contains("://") { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                || scalar.properties.generalCategory == .nonspacingMark || " -_".unicodeScalars.contains(scalar)
        }
    }

    /// A text-to-speech voice as Twilio names them (`alice`, `Polly.Joanna-Neural`, `Google.en-US-Neural2-A`): 1–64
    /// ASCII letters, digits, dots, dashes and underscores.
    public static func isValidTTSName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || "0123456789.-_".unicodeScalars.contains($0))
            }
    }
}

extension String {
    var trimmingWhitespace: Substring {
        var result = Substring(self)
        while result.first?.isWhitespace == true { result = result.dropFirst() }
        while result.last?.isWhitespace == true { result = result.dropLast() }
        return result
    }
}
