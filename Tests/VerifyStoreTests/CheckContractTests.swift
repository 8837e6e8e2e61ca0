import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// The check's contract table, run against the real statement: each row puts a verification (and the phone's
/// failure count) into a state, checks the right or a wrong code by phone and by SID, and compares the answer and
/// what was stored. The check is decided in SQL, so this table is where its rules are pinned down.
@Suite("The check contract table")
struct CheckContractTests {
    static let cap = 5

    /// A live verification's state, written over a freshly started one.
    struct Live: Sendable {
        var status: VerificationStatus = .pending
        var attempts = 0
        var maxAttempts = 5
        var expiresIn = 300
    }

    /// The phone's consecutive failures and how long ago the last one was.
    struct Failures: Sendable {
        var count: Int
        var hoursAgo = 1
    }

    enum Answer: Sendable, Equatable {
        case status(VerificationStatus, attempts: Int)
        case notFound
        /// 429; `untilFailuresDecay` tells which Retry-After it carries.
        case locked(untilFailuresDecay: Bool)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var live: Live?
        var failures: Failures?
        var rightCode: Bool
        var answer: Answer
        /// What the row holds afterwards: status and attempts (unchanged unless the check counted one).
        var stored: (status: VerificationStatus, attempts: Int)?
        /// The phone's consecutive failures afterwards.
        var failuresAfter: Int
    }

    static let rows: [Row] = [
        Row(
            testDescription: "nothing live: 404", live: nil, rightCode: true, answer: .notFound, stored: nil,
            failuresAfter: 0),
        Row(
            testDescription: "pending at its expiry second: 404, and it becomes expired",
            live: Live(expiresIn: 0), rightCode: true, answer: .notFound, stored: (.expired, 0), failuresAfter: 0),
        Row(
            testDescription: "pending past validity, wrong code: 404, and it becomes expired",
            live: Live(attempts: 2, expiresIn: -60), rightCode: false, answer: .notFound, stored: (.expired, 2),
            failuresAfter: 0),
        Row(
            testDescription: "max_attempts_reached past validity: 404, nothing changes",
            live: Live(status: .maxAttemptsReached, attempts: 5, expiresIn: -1), rightCode: true, answer: .notFound,
            stored: (.maxAttemptsReached, 5), failuresAfter: 0),
        Row(
            testDescription: "max_attempts_reached within validity, right code: 429 until expiry",
            live: Live(status: .maxAttemptsReached, attempts: 5), rightCode: true,
            answer: .locked(untilFailuresDecay: false), stored: (.maxAttemptsReached, 5), failuresAfter: 0),
        Row(
            testDescription: "max_attempts_reached within validity, wrong code: 429 until expiry",
            live: Live(status: .maxAttemptsReached, attempts: 5), rightCode: false,
            answer: .locked(untilFailuresDecay: false), stored: (.maxAttemptsReached, 5), failuresAfter: 0),
        Row(
            testDescription: "max_attempts_reached with attempts below the maximum (defensive): the status locks",
            live: Live(status: .maxAttemptsReached, attempts: 2), rightCode: true,
            answer: .locked(untilFailuresDecay: false), stored: (.maxAttemptsReached, 2), failuresAfter: 0),
        Row(
            testDescription: "pending with attempts at the maximum (defensive): 429, the right code unseen",
            live: Live(attempts: 5), rightCode: true, answer: .locked(untilFailuresDecay: false),
            stored: (.pending, 5), failuresAfter: 0),
        Row(
            testDescription: "pending, first check right: approved with one attempt", live: Live(), rightCode: true,
            answer: .status(.approved, attempts: 1), stored: (.approved, 1), failuresAfter: 0),
        Row(
            testDescription: "pending, right after three wrong: approved with four attempts",
            live: Live(attempts: 3), failures: Failures(count: 3), rightCode: true,
            answer: .status(.approved, attempts: 4), stored: (.approved, 4), failuresAfter: 0),
        Row(
            testDescription: "pending, right on the last attempt: approved", live: Live(attempts: 4),
            failures: Failures(count: 4), rightCode: true, answer: .status(.approved, attempts: 5),
            stored: (.approved, 5), failuresAfter: 0),
        Row(
            testDescription: "pending, first check wrong: still pending, one failure", live: Live(), rightCode: false,
            answer: .status(.pending, attempts: 1), stored: (.pending, 1), failuresAfter: 1),
        Row(
            testDescription: "pending, wrong with two attempts left: still pending", live: Live(attempts: 3),
            failures: Failures(count: 3), rightCode: false, answer: .status(.pending, attempts: 4),
            stored: (.pending, 4), failuresAfter: 4),
        Row(
            testDescription: "pending, wrong on the last attempt: max_attempts_reached", live: Live(attempts: 4),
            failures: Failures(count: 1), rightCode: false, answer: .status(.maxAttemptsReached, attempts: 5),
            stored: (.maxAttemptsReached, 5), failuresAfter: 2),
        Row(
            testDescription: "one attempt allowed, wrong: max_attempts_reached", live: Live(maxAttempts: 1),
            rightCode: false, answer: .status(.maxAttemptsReached, attempts: 1), stored: (.maxAttemptsReached, 1),
            failuresAfter: 1),
        Row(
            testDescription: "one hundred attempts allowed, 99th wrong: still pending",
            live: Live(attempts: 98, maxAttempts: 100), rightCode: false, answer: .status(.pending, attempts: 99),
            stored: (.pending, 99), failuresAfter: 1),
        Row(
            testDescription: "phone failures at the cap, right code: 429 until they decay, nothing counted",
            live: Live(attempts: 1), failures: Failures(count: cap), rightCode: true,
            answer: .locked(untilFailuresDecay: true), stored: (.pending, 1), failuresAfter: cap),
        Row(
            testDescription: "phone failures at the cap, wrong code: 429 until they decay, nothing counted",
            live: Live(), failures: Failures(count: cap), rightCode: false, answer: .locked(untilFailuresDecay: true),
            stored: (.pending, 0), failuresAfter: cap),
        Row(
            testDescription: "phone failures one below the cap, wrong code: counted, the cap reached",
            live: Live(), failures: Failures(count: cap - 1), rightCode: false, answer: .status(.pending, attempts: 1),
            stored: (.pending, 1), failuresAfter: cap),
        Row(
            testDescription: "phone failures one below the cap, right code: approved, the count cleared",
            live: Live(), failures: Failures(count: cap - 1), rightCode: true,
            answer: .status(.approved, attempts: 1), stored: (.approved, 1), failuresAfter: 0),
        Row(
            testDescription: "phone failures at the cap 25 hours ago, wrong code: counted from one again",
            live: Live(), failures: Failures(count: cap, hoursAgo: 25), rightCode: false,
            answer: .status(.pending, attempts: 1), stored: (.pending, 1), failuresAfter: 1),
        Row(
            testDescription: "phone failures at the cap 25 hours ago, right code: approved",
            live: Live(), failures: Failures(count: cap, hoursAgo: 25), rightCode: true,
            answer: .status(.approved, attempts: 1), stored: (.approved, 1), failuresAfter: 0),
        Row(
            testDescription: "phone failures at the cap and the verification out of attempts: 429 until expiry",
            live: Live(status: .maxAttemptsReached, attempts: 5), failures: Failures(count: cap), rightCode: true,
            answer: .locked(untilFailuresDecay: false), stored: (.maxAttemptsReached, 5), failuresAfter: cap),
    ]

    enum Target: String, CaseIterable, CustomTestStringConvertible {
        case phone
        case sid

        var testDescription: String { "by \(rawValue)" }
    }

    /// One database for the whole table (creating one per row would load the server for nothing): each row gets a
    /// number of its own.
    @Test("a check follows the contract table", arguments: Target.allCases)
    func check(target: Target) async throws {
        try await StoreFixture.run(settings: Verifier.Settings(phoneFailureCap: Self.cap)) { fixture in
            let service = try await fixture.service()
            for (index, row) in Self.rows.enumerated() {
                try await Self.check(row, target: target, phone: testPhone(200 + index), service: service, fixture)
            }
        }
    }

    static func check(
        _ row: Row, target: Target, phone: PhoneNumber, service: VerifyService, _ fixture: StoreFixture
    ) async throws {
        let comment = Comment(rawValue: row.testDescription)
        var sid = VerificationSid.random(bucket: phone.bucket)
        if let live = row.live {
            sid = try await fixture.start(service, phone).sid
            try await fixture.client.query(
                """
                UPDATE verifications SET status = \(live.status.rawValue), check_attempts = \(live.attempts),
                    max_check_attempts = \(live.maxAttempts),
                    expires_at = now() + \(live.expiresIn) * interval '1 second',
                    code_ciphertext = CASE WHEN \(live.status == .pending) THEN code_ciphertext END
                WHERE sid = \(sid.rawValue)
                """)
        }
        if let failures = row.failures {
            try await fixture.client.query(
                """
                INSERT INTO phone_check_failures (bucket, service_sid, phone, consecutive_failures, last_failure_at)
                VALUES (\(phone.bucket), \(service.sid.rawValue), \(phone.e164), \(failures.count),
                    now() - \(failures.hoursAgo) * interval '1 hour')
                """)
        }
        let code = row.rightCode ? (fixture.lastCode(to: phone) ?? "123456") : fixture.wrongCode(for: phone)
        let checkTarget: CheckCommand.Target = target == .phone ? .phone(phone) : .sid(sid)

        let answer: Answer
        var retryAfter: Int?
        do {
            let checked = try await fixture.verifier.check(service: service.sid, target: checkTarget, code: code)
            answer = .status(checked.status, attempts: checked.checkAttempts)
            #expect(checked.sid == sid, comment)
        } catch let error as VerifyError {
            switch error.reason {
            case .notFound: answer = .notFound
            case .maxCheckAttemptsReached:
                retryAfter = error.retryAfter
                answer = .locked(untilFailuresDecay: (retryAfter ?? 0) > 3_600)
            default:
                Issue.record("\(comment): unexpected refusal: \(error)")
                return
            }
        }
        #expect(answer == row.answer, comment)
        if case .locked(let untilDecay) = row.answer {
            let expected = untilDecay ? 82_790...82_800 : 290...300
            #expect(
                retryAfter.map(expected.contains) == true, "\(comment): Retry-After \(String(describing: retryAfter))")
        }

        let stored = try await fixture.client.query(
            """
            SELECT status, check_attempts, code_ciphertext IS NULL AS erased FROM verifications
            WHERE phone = \(phone.e164)
            """)
        if let expected = row.stored {
            let status = try stored[0].decode("status", as: String.self)
            #expect(status == expected.status.rawValue, comment)
            #expect(try stored[0].decode("check_attempts", as: Int.self) == expected.attempts, comment)
            #expect(try stored[0].decode("erased", as: Bool.self) == (status != "pending"), comment)
        } else {
            #expect(stored.isEmpty, comment)
        }
        let failures: Int = try await fixture.scalar(
            """
            SELECT coalesce(sum(consecutive_failures), 0)::integer FROM phone_check_failures
            WHERE phone = \(phone.e164)
            """)
        #expect(failures == row.failuresAfter, comment)
    }
}
