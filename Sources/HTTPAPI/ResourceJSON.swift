import VerifyCore

/// Twilio's resource shapes: every key present, `null` where empty, snake_case, dates `YYYY-MM-DDTHH:MM:SSZ`.
public struct ResourceJSON: Sendable {
    let accountSid: AccountSid?
    let publicURL: String

    /// - Parameters:
    ///   - accountSid: the account responses name; admin commands that run without it write `null`.
    ///   - publicURL: the base of `url` and `links`, without a trailing slash (empty for relative URLs).
    public init(accountSid: AccountSid?, publicURL: String) {
        self.accountSid = accountSid
        self.publicURL = publicURL
    }

    public func service(_ service: VerifyService) -> JSONValue {
        let settings = service.settings
        let url = "\(publicURL)/v2/Services/\(service.sid)"
        return .object([
            ("sid", .string(service.sid.rawValue)),
            ("account_sid", .string(accountSid?.rawValue)),
            ("friendly_name", .string(settings.friendlyName)),
            ("code_length", .int(settings.codeLength)),
            ("lookup_enabled", .bool(settings.lookupEnabled)),
            ("psd2_enabled", .bool(settings.psd2Enabled)),
            ("skip_sms_to_landlines", .bool(settings.skipSmsToLandlines)),
            ("dtmf_input_required", .bool(settings.dtmfInputRequired)),
            ("tts_name", .string(settings.ttsName)),
            ("do_not_share_warning_enabled", .bool(settings.doNotShareWarningEnabled)),
            ("custom_code_enabled", .bool(settings.customCodeEnabled)),
            (
                "push",
                .object([("include_date", false), ("apn_credential_sid", nil), ("fcm_credential_sid", nil)])
            ),
            (
                "totp",
                .object([
                    ("issuer", .string(settings.friendlyName)), ("time_step", 30), ("code_length", 6), ("skew", 1),
                ])
            ),
            ("default_template_sid", nil),
            ("whatsapp", .object([("msg_service_sid", nil), ("from", nil)])),
            (
                "passkeys",
                .object([
                    ("relying_party", .object([("id", nil), ("name", nil), ("origins", .array([]))])),
                    ("authenticator_attachment", nil), ("discoverable_credentials", nil), ("user_verification", nil),
                ])
            ),
            ("verify_event_subscription_enabled", false),
            ("code_validity_seconds", .int(settings.codeValiditySeconds)),
            ("max_check_attempts", .int(settings.maxCheckAttempts)),
            ("max_send_attempts", .int(settings.maxSendAttempts)),
            ("date_created", .string(TwilioDate.format(service.createdAt))),
            ("date_updated", .string(TwilioDate.format(service.updatedAt))),
            ("url", .string(url)),
            (
                "links",
                .object([
                    ("verification_checks", .string("\(url)/VerificationCheck")),
                    ("verifications", .string("\(url)/Verifications")),
                    ("access_tokens", .string("\(url)/AccessTokens")),
                    ("rate_limits", .string("\(url)/RateLimits")),
                    ("messaging_configurations", .string("\(url)/MessagingConfigurations")),
                    ("entities", .string("\(url)/Entities")),
                    ("webhooks", .string("\(url)/Webhooks")),
                ])
            ),
        ])
    }

    func verification(_ verification: Verification) -> JSONValue {
        .object(
            identity(verification) + [
                ("date_created", .string(TwilioDate.format(verification.createdAt))),
                ("date_updated", .string(TwilioDate.format(verification.updatedAt))),
                ("lookup", lookup(verification.lookup)),
                ("amount", nil),
                ("payee", nil),
                ("send_code_attempts", .array(verification.sendAttempts.map(sendAttempt))),
                ("sna", nil),
                (
                    "url",
                    .string("\(publicURL)/v2/Services/\(verification.serviceSid)/Verifications/\(verification.sid)")
                ),
            ])
    }

    /// The VerificationCheck resource: no `lookup`, `send_code_attempts`, `sna` or `url`, as Twilio answers it.
    func check(_ verification: Verification) -> JSONValue {
        .object(
            identity(verification) + [
                ("amount", nil),
                ("payee", nil),
                ("date_created", .string(TwilioDate.format(verification.createdAt))),
                ("date_updated", .string(TwilioDate.format(verification.updatedAt))),
                ("sna_attempts_error_codes", .array([])),
            ])
    }

    /// The keys both resources start with, in Twilio's order.
    private func identity(_ verification: Verification) -> [(String, JSONValue)] {
        [
            ("sid", .string(verification.sid.rawValue)),
            ("service_sid", .string(verification.serviceSid.rawValue)),
            ("account_sid", .string(accountSid?.rawValue)),
            ("to", .string(verification.to.e164)),
            ("channel", .string(verification.channel.rawValue)),
            ("status", .string(verification.status.rawValue)),
            ("valid", .bool(verification.valid)),
        ]
    }

    /// Twilio's `lookup`: `{}` without `LookupEnabled`, else its carrier object. Offline metadata knows the line type
    /// and no carrier, so the carrier's name and network codes are null, and `type` is Twilio's word for the line
    /// type where it has one (null for "fixed line or mobile", which is every NANP number). verifyd adds
    /// `line_type`, the metadata's own name for it.
    private func lookup(_ lookup: NumberLookup?) -> JSONValue {
        guard let lookup else { return .object([]) }
        let type: String? =
            switch lookup.lineType {
            case .mobile: "mobile"
            case .fixedLine: "landline"
            case .voip: "voip"
            default: nil
            }
        return .object([
            (
                "carrier",
                .object([
                    ("mobile_country_code", nil), ("type", .string(type)), ("error_code", nil),
                    ("mobile_network_code", nil), ("name", nil),
                ])
            ),
            ("line_type", .string(lookup.lineType.rawValue)),
        ])
    }

    /// An entry of `send_code_attempts`: Twilio's three keys, plus the delivery status and error code of the
    /// outbox row so a caller can see an attempt whose outcome is unknown.
    private func sendAttempt(_ attempt: SendAttempt) -> JSONValue {
        .object([
            ("time", .string(TwilioDate.format(attempt.time))),
            ("channel", .string(attempt.channel.rawValue.uppercased())),
            ("attempt_sid", .string(attempt.sid.rawValue)),
            ("delivery_status", .string(attempt.status.rawValue)),
            ("error_code", .int(attempt.errorCode)),
        ])
    }
}
