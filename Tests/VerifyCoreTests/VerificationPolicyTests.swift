import Testing
import VerifyCore

@Suite("VerificationPolicy")
struct VerificationPolicyTests {
    static let sid = VerificationSid("VE" + String(repeating: "ab", count: 16))!

    static func live(
        _ status: VerificationStatus = .pending, sends: Int = 1, maxSends: Int = 5, expiresIn: Int = 300
    ) -> LiveVerification {
        LiveVerification(
            sid: sid, status: status, sendCount: sends, maxSendAttempts: maxSends, secondsUntilExpiry: expiresIn)
    }

    static func phone(
        blocked: Bool = false, optedOut: Bool = false, failures: Int = 0, decayIn: Int = 0
    ) -> PhoneStanding {
        PhoneStanding(
            isBlocked: blocked, isOptedOut: optedOut, consecutiveFailures: failures, secondsUntilFailuresDecay: decayIn)
    }

    static func refuse(_ reason: VerifyError.Reason, retryAfter: Int? = nil) -> VerificationPolicy.StartDecision {
        .refuse(VerifyError(reason, retryAfter: retryAfter))
    }

    // MARK: start

    struct StartRow: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var phone: PhoneStanding = .clear
        var live: LiveVerification?
        var channel: Channel = .sms
        var failureCap = 100
        var expected: VerificationPolicy.StartDecision
    }

    static let startRows: [StartRow] = [
        StartRow(testDescription: "no live verification: create", live: nil, expected: .create(expiring: nil)),
        StartRow(
            testDescription: "no live verification by call: create", live: nil, channel: .call,
            expected: .create(expiring: nil)),
        StartRow(
            testDescription: "pending, first send: resend the same verification", live: live(sends: 1),
            expected: .resend(sid)),
        StartRow(
            testDescription: "pending, one send left: resend", live: live(sends: 4, maxSends: 5),
            expected: .resend(sid)),
        StartRow(
            testDescription: "pending by SMS, resend by call: resend", live: live(sends: 2), channel: .call,
            expected: .resend(sid)),
        StartRow(
            testDescription: "pending, sends used up: 60203 until expiry",
            live: live(sends: 5, maxSends: 5, expiresIn: 412),
            expected: refuse(.maxSendAttemptsReached, retryAfter: 412)),
        StartRow(
            testDescription: "pending, more sends than allowed (defensive): 60203",
            live: live(sends: 7, maxSends: 5, expiresIn: 90),
            expected: refuse(.maxSendAttemptsReached, retryAfter: 90)),
        StartRow(
            testDescription: "pending, a service that allows one send: 60203 on the second start",
            live: live(sends: 1, maxSends: 1, expiresIn: 599),
            expected: refuse(.maxSendAttemptsReached, retryAfter: 599)),
        StartRow(
            testDescription: "max_attempts_reached within validity: 60202 until expiry",
            live: live(.maxAttemptsReached, expiresIn: 250),
            expected: refuse(.maxCheckAttemptsReached, retryAfter: 250)),
        StartRow(
            testDescription: "max_attempts_reached by call within validity: 60202",
            live: live(.maxAttemptsReached, expiresIn: 1), channel: .call,
            expected: refuse(.maxCheckAttemptsReached, retryAfter: 1)),
        StartRow(
            testDescription: "pending at its expiry second: expire it and create",
            live: live(expiresIn: 0), expected: .create(expiring: sid)),
        StartRow(
            testDescription: "pending past validity: expire it and create",
            live: live(expiresIn: -30), expected: .create(expiring: sid)),
        StartRow(
            testDescription: "pending past validity with sends used up: expire it and create",
            live: live(sends: 5, maxSends: 5, expiresIn: -1), expected: .create(expiring: sid)),
        StartRow(
            testDescription: "max_attempts_reached past validity: create, expiring nothing",
            live: live(.maxAttemptsReached, expiresIn: 0), expected: .create(expiring: nil)),
        StartRow(
            testDescription: "blocked phone: 60410",
            phone: phone(blocked: true), live: nil, expected: refuse(.phoneBlocked)),
        StartRow(
            testDescription: "blocked phone by call: 60410",
            phone: phone(blocked: true), live: nil, channel: .call, expected: refuse(.phoneBlocked)),
        StartRow(
            testDescription: "blocked wins over opt-out, failure cap and a pending verification",
            phone: phone(blocked: true, optedOut: true, failures: 100, decayIn: 3_600), live: live(sends: 1),
            expected: refuse(.phoneBlocked)),
        StartRow(
            testDescription: "blocked wins over sends used up",
            phone: phone(blocked: true), live: live(sends: 5, maxSends: 5), expected: refuse(.phoneBlocked)),
        StartRow(
            testDescription: "blocked wins over max_attempts_reached",
            phone: phone(blocked: true), live: live(.maxAttemptsReached), channel: .call,
            expected: refuse(.phoneBlocked)),
        StartRow(
            testDescription: "opted out, SMS: 21610",
            phone: phone(optedOut: true), live: nil, expected: refuse(.phoneUnsubscribed)),
        StartRow(
            testDescription: "opted out, SMS with a pending verification: 21610",
            phone: phone(optedOut: true), live: live(sends: 1), expected: refuse(.phoneUnsubscribed)),
        StartRow(
            testDescription: "opted out, call: create",
            phone: phone(optedOut: true), live: nil, channel: .call, expected: .create(expiring: nil)),
        StartRow(
            testDescription: "opted out, call with a pending verification: resend",
            phone: phone(optedOut: true), live: live(sends: 1), channel: .call, expected: .resend(sid)),
        StartRow(
            testDescription: "failures at the cap within the window: 60202 until they decay",
            phone: phone(failures: 100, decayIn: 3_600), live: nil,
            expected: refuse(.maxCheckAttemptsReached, retryAfter: 3_600)),
        StartRow(
            testDescription: "failures above the cap within the window: 60202",
            phone: phone(failures: 7, decayIn: 1), live: nil, failureCap: 5,
            expected: refuse(.maxCheckAttemptsReached, retryAfter: 1)),
        StartRow(
            testDescription: "failures at the cap by call: 60202",
            phone: phone(failures: 5, decayIn: 86_400), live: nil, channel: .call, failureCap: 5,
            expected: refuse(.maxCheckAttemptsReached, retryAfter: 86_400)),
        StartRow(
            testDescription: "failures at the cap refuse a resend too",
            phone: phone(failures: 5, decayIn: 60), live: live(sends: 1), failureCap: 5,
            expected: refuse(.maxCheckAttemptsReached, retryAfter: 60)),
        StartRow(
            testDescription: "failures at the cap after the window decayed: create",
            phone: phone(failures: 100, decayIn: 0), live: nil, expected: .create(expiring: nil)),
        StartRow(
            testDescription: "failures at the cap long after the window: create",
            phone: phone(failures: 100, decayIn: -5_000), live: nil, expected: .create(expiring: nil)),
        StartRow(
            testDescription: "failures one below the cap: create",
            phone: phone(failures: 99, decayIn: 86_400), live: nil, expected: .create(expiring: nil)),
        StartRow(
            testDescription: "failures one below the cap with a pending verification: resend",
            phone: phone(failures: 4, decayIn: 86_400), live: live(sends: 2), failureCap: 5, expected: .resend(sid)),
    ]

    @Test("start follows the contract table", arguments: startRows)
    func start(_ row: StartRow) {
        let decision = VerificationPolicy.start(
            phone: row.phone, live: row.live, channel: row.channel, failureCap: row.failureCap)
        #expect(decision == row.expected)
    }
}
