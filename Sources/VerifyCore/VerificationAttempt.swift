import Foundation

/// One send of a verification's code as the Attempts API reports it: the outbox row, with what its verification says
/// about it.
public struct VerificationAttempt: Sendable, Equatable {
    public var sid: AttemptSid
    public var serviceSid: ServiceSid
    public var verificationSid: VerificationSid
    public var to: PhoneNumber
    public var channel: Channel
    public var deliveryStatus: DeliveryStatus
    public var errorCode: Int?
    /// The destination's region; nil where it is not known (rows older than the start path recording it, under a
    /// calling code that several regions share).
    public var region: RegionCode?
    public var locale: String?
    /// Whether its verification was approved. Every attempt of an approved verification counts, not only the last:
    /// a re-send repeats the pending code, so which message the user read the code from cannot be told.
    public var converted: Bool
    public var createdAt: Date
    /// The later of the attempt's last change and, once converted, its verification's approval.
    public var updatedAt: Date

    public init(
        sid: AttemptSid, serviceSid: ServiceSid, verificationSid: VerificationSid, to: PhoneNumber, channel: Channel,
        deliveryStatus: DeliveryStatus, errorCode: Int?, region: RegionCode?, locale: String?, converted: Bool,
        createdAt: Date, updatedAt: Date
    ) {
        self.sid = sid
        self.serviceSid = serviceSid
        self.verificationSid = verificationSid
        self.to = to
        self.channel = channel
        self.deliveryStatus = deliveryStatus
        self.errorCode = errorCode
        self.region = region
        self.locale = locale
        self.converted = converted
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// How many attempts matched, and how many of them converted.
public struct AttemptTotals: Sendable, Equatable {
    public var attempts: Int
    public var converted: Int

    public init(attempts: Int, converted: Int) {
        self.attempts = attempts
        self.converted = converted
    }

    public var unconverted: Int { attempts - converted }

    /// `converted / attempts × 100` as Twilio writes `conversion_rate_percentage` ("81.818181818" for 9 of 11): nine
    /// decimals, rounded half up. Nil when nothing was attempted.
    public var conversionRatePercentage: String? { percentage(decimals: 9) }

    /// The same rate with `decimals` digits after the point, computed exactly in integers.
    public func percentage(decimals: Int) -> String? {
        guard attempts > 0 else { return nil }
        // Long division of converted × 100 by attempts, one digit past the last shown, then rounding on that digit.
        var remainder = converted * 100
        let whole = remainder / attempts
        remainder %= attempts
        var digits: [Int] = []
        for _ in 0...decimals {
            remainder *= 10
            digits.append(remainder / attempts)
            remainder %= attempts
        }
        let roundsUp = digits.removeLast() >= 5
        var carry = roundsUp ? 1 : 0
        for index in digits.indices.reversed() where carry == 1 {
            digits[index] += 1
            carry = digits[index] == 10 ? 1 : 0
            if carry == 1 { digits[index] = 0 }
        }
        let integer = String(whole + carry)
        return decimals == 0 ? integer : integer + "." + digits.map(String.init).joined()
    }
}
