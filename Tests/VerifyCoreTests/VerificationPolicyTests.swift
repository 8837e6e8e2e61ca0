import Testing
import VerifyCore

@Suite("VerificationPolicy")
struct VerificationPolicyTests {
    static let sid = VerificationSid("VE" + String(repeating: "ab", count: 16))!

    static func live(
        _ status: VerificationStatus = .pending, checks: Int = 0, maxChecks: Int = 5, sends: Int = 1,
        maxSends: Int = 5, expiresIn: Int = 300
    ) -> LiveVerification {
        LiveVerification(
            sid: sid, status: status, checkAttempts: checks, maxCheckAttempts: maxChecks, sendCount: sends,
            maxSendAttempts: maxSends, secondsUntilExpiry: expiresIn)
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
            live: live(.maxAttemptsReached, checks: 5, expiresIn: 250),
            expected: refuse(.maxCheckAttemptsReached, retryAfter: 250)),
        StartRow(
            testDescription: "max_attempts_reached by call within validity: 60202",
            live: live(.maxAttemptsReached, checks: 5, expiresIn: 1), channel: .call,
            expected: refuse(.maxCheckAttemptsReached, retryAfter: 1)),
        StartRow(
            testDescription: "pending at its expiry second: expire it and create",
            live: live(expiresIn: 0), expected: .create(expiring: sid)),
        StartRow(
            testDescription: "pending past validity: expire it and create",
            live: live(checks: 2, expiresIn: -30), expected: .create(expiring: sid)),
        StartRow(
            testDescription: "pending past validity with sends used up: expire it and create",
            live: live(sends: 5, maxSends: 5, expiresIn: -1), expected: .create(expiring: sid)),
        StartRow(
            testDescription: "max_attempts_reached past validity: create, expiring nothing",
            live: live(.maxAttemptsReached, checks: 5, expiresIn: 0), expected: .create(expiring: nil)),
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
            phone: phone(blocked: true), live: live(.maxAttemptsReached, checks: 5), channel: .call,
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

    // MARK: check

    struct CheckRow: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var live: LiveVerification?
        /// What `matches` answers when it is called.
        var codeIsRight: Bool
        var expected: VerificationPolicy.CheckDecision
        var comparesCode: Bool
    }

    static let checkRows: [CheckRow] = [
        CheckRow(
            testDescription: "nothing live: 404", live: nil, codeIsRight: true, expected: .notFound(expiring: nil),
            comparesCode: false),
        CheckRow(
            testDescription: "pending at its expiry second: 404 and expire it", live: live(expiresIn: 0),
            codeIsRight: true, expected: .notFound(expiring: sid), comparesCode: false),
        CheckRow(
            testDescription: "pending past validity, wrong code: 404 and expire it",
            live: live(checks: 2, expiresIn: -60),
            codeIsRight: false, expected: .notFound(expiring: sid), comparesCode: false),
        CheckRow(
            testDescription: "max_attempts_reached past validity: 404, nothing to expire",
            live: live(.maxAttemptsReached, checks: 5, expiresIn: -1), codeIsRight: true,
            expected: .notFound(expiring: nil), comparesCode: false),
        CheckRow(
            testDescription: "max_attempts_reached within validity, right code: locked until expiry",
            live: live(.maxAttemptsReached, checks: 5, expiresIn: 321), codeIsRight: true,
            expected: .locked(retryAfter: 321), comparesCode: false),
        CheckRow(
            testDescription: "max_attempts_reached within validity, wrong code: locked until expiry",
            live: live(.maxAttemptsReached, checks: 5, expiresIn: 1), codeIsRight: false,
            expected: .locked(retryAfter: 1), comparesCode: false),
        CheckRow(
            testDescription: "max_attempts_reached with attempts below the maximum (defensive): the status locks",
            live: live(.maxAttemptsReached, checks: 2, maxChecks: 5, expiresIn: 77), codeIsRight: true,
            expected: .locked(retryAfter: 77), comparesCode: false),
        CheckRow(
            testDescription: "pending, first check right: approve with one attempt", live: live(checks: 0),
            codeIsRight: true, expected: .approve(checkAttempts: 1), comparesCode: true),
        CheckRow(
            testDescription: "pending, right after three wrong: approve with four attempts", live: live(checks: 3),
            codeIsRight: true, expected: .approve(checkAttempts: 4), comparesCode: true),
        CheckRow(
            testDescription: "pending, right on the last attempt: approve", live: live(checks: 4, maxChecks: 5),
            codeIsRight: true, expected: .approve(checkAttempts: 5), comparesCode: true),
        CheckRow(
            testDescription: "pending, first check wrong: reject, still pending", live: live(checks: 0),
            codeIsRight: false, expected: .reject(checkAttempts: 1, status: .pending), comparesCode: true),
        CheckRow(
            testDescription: "pending, wrong with two attempts left: reject, still pending",
            live: live(checks: 3, maxChecks: 5), codeIsRight: false,
            expected: .reject(checkAttempts: 4, status: .pending), comparesCode: true),
        CheckRow(
            testDescription: "pending, wrong on the last attempt: reject, max_attempts_reached",
            live: live(checks: 4, maxChecks: 5), codeIsRight: false,
            expected: .reject(checkAttempts: 5, status: .maxAttemptsReached), comparesCode: true),
        CheckRow(
            testDescription: "one attempt allowed, wrong: reject, max_attempts_reached",
            live: live(checks: 0, maxChecks: 1), codeIsRight: false,
            expected: .reject(checkAttempts: 1, status: .maxAttemptsReached), comparesCode: true),
        CheckRow(
            testDescription: "one hundred attempts allowed, 99th wrong: still pending",
            live: live(checks: 98, maxChecks: 100), codeIsRight: false,
            expected: .reject(checkAttempts: 99, status: .pending), comparesCode: true),
        CheckRow(
            testDescription: "pending with attempts already at the maximum (defensive): locked, right code unseen",
            live: live(checks: 5, maxChecks: 5, expiresIn: 44), codeIsRight: true, expected: .locked(retryAfter: 44),
            comparesCode: false),
        CheckRow(
            testDescription: "pending with more attempts than the maximum (defensive): locked",
            live: live(checks: 9, maxChecks: 5, expiresIn: 44), codeIsRight: false, expected: .locked(retryAfter: 44),
            comparesCode: false),
    ]

    @Test("check follows the contract table and compares a code only after counting the attempt", arguments: checkRows)
    func check(_ row: CheckRow) throws {
        var calls = 0
        let decision = VerificationPolicy.check(live: row.live) {
            calls += 1
            return row.codeIsRight
        }
        #expect(decision == row.expected)
        #expect(calls == (row.comparesCode ? 1 : 0), "matches was called \(calls) times")
        if calls > 0 {
            // Whenever a code was compared, the decision counts that comparison as an attempt.
            let live = try #require(row.live)
            switch decision {
            case .approve(let attempts), .reject(let attempts, _):
                #expect(attempts == live.checkAttempts + 1)
            case .notFound, .locked:
                Issue.record("a code was compared but no attempt was counted: \(decision)")
            }
        }
    }

    // MARK: Scenarios

    /// Writes a check decision into the row, as storage does.
    private static func apply(_ decision: VerificationPolicy.CheckDecision, to live: inout LiveVerification?) {
        switch decision {
        case .approve: live = nil
        case .reject(let attempts, let status):
            live?.checkAttempts = attempts
            live?.status = status
        case .notFound, .locked: break
        }
    }

    @Test("a resend does not reset failures: 4 wrong, resend, 1 wrong locks the verification (NIST)")
    func resendKeepsAttempts() {
        var row: LiveVerification? = Self.live(checks: 0, maxChecks: 5, sends: 1, maxSends: 5, expiresIn: 600)
        for attempt in 1...4 {
            let decision = VerificationPolicy.check(live: row) { false }
            #expect(decision == .reject(checkAttempts: attempt, status: .pending))
            Self.apply(decision, to: &row)
        }

        let resend = VerificationPolicy.start(phone: .clear, live: row, channel: .sms, failureCap: 100)
        #expect(resend == .resend(Self.sid))
        row?.sendCount += 1

        let fifth = VerificationPolicy.check(live: row) { false }
        #expect(fifth == .reject(checkAttempts: 5, status: .maxAttemptsReached))
        Self.apply(fifth, to: &row)

        var compared = false
        let rightCode = VerificationPolicy.check(live: row) {
            compared = true
            return true
        }
        #expect(rightCode == .locked(retryAfter: 600))
        #expect(!compared)
        #expect(
            VerificationPolicy.start(phone: .clear, live: row, channel: .sms, failureCap: 100)
                == Self.refuse(.maxCheckAttemptsReached, retryAfter: 600))
    }

    @Test("the per-phone failure cap bounds guesses across verifications however often codes are resent")
    func phoneCapBoundsGuesses() {
        let cap = 12
        var phone = PhoneStanding.clear
        var row: LiveVerification?
        var guesses = 0
        // Each round is one start and at most one check; the loop is bounded so that a regression fails, not hangs.
        for _ in 0..<200 {
            switch VerificationPolicy.start(phone: phone, live: row, channel: .sms, failureCap: cap) {
            case .create:
                row = Self.live(checks: 0, maxChecks: 5, sends: 1, maxSends: 5, expiresIn: 600)
            case .resend:
                row?.sendCount += 1
            case .refuse(let error):
                #expect(error.reason == .maxCheckAttemptsReached)
                if phone.consecutiveFailures >= cap {
                    #expect(error.retryAfter == phone.secondsUntilFailuresDecay)
                    #expect(guesses == cap)
                    return
                }
                // This verification is used up: let it expire.
                row?.secondsUntilExpiry = 0
                continue
            }
            let decision = VerificationPolicy.check(live: row) { false }
            if case .reject = decision {
                guesses += 1
                phone.consecutiveFailures += 1
                phone.secondsUntilFailuresDecay = VerificationPolicy.failureWindowSeconds
            }
            Self.apply(decision, to: &row)
        }
        Issue.record("the phone was never refused after \(guesses) wrong guesses")
    }
}
