import VerifyCore

/// `verify.v2.verification_attempt` and `verify.v2.verification_attempts_summary`.
extension ResourceJSON {
    func attempt(_ attempt: VerificationAttempt) -> JSONValue {
        .object([
            ("sid", .string(attempt.sid.rawValue)),
            ("account_sid", .string(accountSid?.rawValue)),
            ("service_sid", .string(attempt.serviceSid.rawValue)),
            ("verification_sid", .string(attempt.verificationSid.rawValue)),
            ("date_created", .string(TwilioDate.format(attempt.createdAt))),
            ("date_updated", .string(TwilioDate.format(attempt.updatedAt))),
            ("conversion_status", attempt.converted ? "converted" : "unconverted"),
            ("channel", .string(attempt.channel.rawValue)),
            // Twilio's status callbacks carry no price, and verifyd asks Twilio for nothing more.
            ("price", nil),
            ("channel_data", channelData(attempt)),
            ("url", .string("\(publicURL)/v2/Attempts/\(attempt.sid)")),
        ])
    }

    /// The keys of Twilio's published SMS attempt. The carrier's (`mcc`, `mnc`, `carrier`) stay null: verifyd does
    /// no carrier lookup. `code_length` is null too: a verification keeps no record of its code's length, and the
    /// service's may have changed since.
    private func channelData(_ attempt: VerificationAttempt) -> JSONValue {
        .object([
            ("verification_sid", .string(attempt.verificationSid.rawValue)),
            ("to", .string(attempt.to.e164)),
            ("status", attempt.converted ? "confirmed" : "unconfirmed"),
            ("message_status", .string(attempt.deliveryStatus.rawValue)),
            ("error_code", .string(attempt.errorCode.map(String.init))),
            ("country", .string(attempt.region?.code)),
            ("code_length", nil),
            ("locale", .string(attempt.locale)),
            ("mcc", nil),
            ("mnc", nil),
            ("carrier", nil),
        ])
    }

    func attemptsSummary(_ totals: AttemptTotals) -> JSONValue {
        .object([
            ("total_attempts", .int(totals.attempts)),
            ("total_converted", .int(totals.converted)),
            ("total_unconverted", .int(totals.unconverted)),
            ("conversion_rate_percentage", .string(totals.conversionRatePercentage)),
            ("url", .string("\(publicURL)/v2/Attempts/Summary")),
        ])
    }
}
