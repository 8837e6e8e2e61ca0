import VerifyCore

extension ResourceJSON {
    func rateLimit(_ rateLimit: RateLimit) -> JSONValue {
        let url = "\(publicURL)/v2/Services/\(rateLimit.serviceSid)/RateLimits/\(rateLimit.sid)"
        return .object([
            ("sid", .string(rateLimit.sid.rawValue)),
            ("service_sid", .string(rateLimit.serviceSid.rawValue)),
            ("account_sid", .string(accountSid?.rawValue)),
            ("unique_name", .string(rateLimit.uniqueName)),
            ("description", .string(rateLimit.description)),
            ("date_created", .string(TwilioDate.format(rateLimit.createdAt))),
            ("date_updated", .string(TwilioDate.format(rateLimit.updatedAt))),
            ("url", .string(url)),
            ("links", .object([("buckets", .string("\(url)/Buckets"))])),
        ])
    }

    func bucket(_ bucket: RateLimitBucket) -> JSONValue {
        .object([
            ("sid", .string(bucket.sid.rawValue)),
            ("rate_limit_sid", .string(bucket.rateLimitSid.rawValue)),
            ("service_sid", .string(bucket.serviceSid.rawValue)),
            ("account_sid", .string(accountSid?.rawValue)),
            ("max", .int(bucket.max)),
            ("interval", .int(bucket.interval)),
            ("date_created", .string(TwilioDate.format(bucket.createdAt))),
            ("date_updated", .string(TwilioDate.format(bucket.updatedAt))),
            (
                "url",
                .string(
                    "\(publicURL)/v2/Services/\(bucket.serviceSid)/RateLimits/\(bucket.rateLimitSid)/Buckets/\(bucket.sid)"
                )
            ),
        ])
    }

    /// Twilio's `verify.v2.safelist`: three keys, the number in E.164 and in the URL's path as it is (`+` is a
    /// path character).
    func safeListEntry(_ entry: SafeListEntry) -> JSONValue {
        .object([
            ("sid", .string(entry.sid.rawValue)),
            ("phone_number", .string(entry.phone.e164)),
            ("url", .string("\(publicURL)/v2/SafeList/Numbers/\(entry.phone.e164)")),
        ])
    }
}
