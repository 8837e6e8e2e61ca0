import VerifyCore

extension ServiceSettings {
    /// Applies the service parameters present in `parameters` (Twilio's names plus verifyd's own), then checks every
    /// rule; the first parameter at fault is the 60200 answer.
    mutating func apply(_ parameters: RequestParameters) throws {
        if let name = try parameters["FriendlyName"] { friendlyName = name }
        if let value = try parameters.int("CodeLength") { codeLength = value }
        if let value = try parameters.bool("LookupEnabled") { lookupEnabled = value }
        if let value = try parameters.bool("SkipSmsToLandlines") { skipSmsToLandlines = value }
        if let value = try parameters.bool("DtmfInputRequired") { dtmfInputRequired = value }
        if let value = try parameters["TtsName"] { ttsName = value.isEmpty ? nil : value }
        if let value = try parameters.bool("Psd2Enabled") { psd2Enabled = value }
        if let value = try parameters.bool("DoNotShareWarningEnabled") { doNotShareWarningEnabled = value }
        if let value = try parameters.bool("CustomCodeEnabled") { customCodeEnabled = value }
        if let value = try parameters.int("CodeValiditySeconds") { codeValiditySeconds = value }
        if let value = try parameters.int("MaxCheckAttempts") { maxCheckAttempts = value }
        if let value = try parameters.int("MaxSendAttempts") { maxSendAttempts = value }
        if let invalid = invalidParameters().first { throw VerifyError.invalid(invalid) }
    }
}
