import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// The per (service, phone) cap on consecutive failed checks across verifications, and how it decays.
@Suite("Consecutive-failure cap per phone")
struct PhoneFailureCapTests {
    let phone = testPhone(5)
    static let settings = Verifier.Settings(phoneFailureCap: 3)

    /// Fails `count` checks: re-sending the pending verification in between, and replacing it with a new one after
    /// the first failure, so the failures span two verifications.
    static func fail(_ count: Int, service: VerifyService, phone: PhoneNumber, fixture: StoreFixture) async throws {
        for index in 0..<count {
            let started = try await fixture.start(service, phone)
            _ = try await fixture.check(service, phone, fixture.wrongCode(for: phone))
            if index == 0 {
                _ = try await fixture.verifier.update(service: service.sid, sid: started.sid, status: .canceled)
            }
        }
    }

    static func failures(_ fixture: StoreFixture, service: VerifyService) async throws -> Int {
        try await fixture.scalar(
            """
            SELECT coalesce(sum(consecutive_failures), 0)::integer FROM phone_check_failures
            WHERE service_sid = \(service.sid.rawValue)
            """)
    }

    @Test("failures across verifications accumulate, and at the cap a start is refused for 24 hours")
    func capRefusesStart() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            try await Self.fail(3, service: service, phone: phone, fixture: fixture)
            let verifications: Int = try await fixture.scalar("SELECT count(*) FROM verifications")
            #expect(verifications == 2)
            #expect(try await Self.failures(fixture, service: service) == 3)
            let sent = fixture.sender.messages.count
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .maxCheckAttemptsReached)
            let retryAfter = try #require(error?.retryAfter)
            #expect((86_390...86_400).contains(retryAfter))
            #expect(fixture.sender.messages.count == sent)
            let call = await #expect(throws: VerifyError.self) {
                try await fixture.start(service, phone, channel: .call)
            }
            #expect(call?.reason == .maxCheckAttemptsReached)
        }
    }

    @Test("failures older than 24 hours lift the cap, and the next failure counts from one")
    func decay() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            try await Self.fail(3, service: service, phone: phone, fixture: fixture)
            try await fixture.client.query(
                "UPDATE phone_check_failures SET last_failure_at = now() - interval '25 hours'")
            let resumed = try await fixture.start(service, phone)
            #expect(resumed.status == .pending)
            _ = try await fixture.check(service, phone, fixture.wrongCode(for: phone))
            #expect(try await Self.failures(fixture, service: service) == 1)
        }
    }

    @Test("a window that has not passed keeps the cap: 23 hours after the last failure a start is still refused")
    func noEarlyDecay() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            try await Self.fail(3, service: service, phone: phone, fixture: fixture)
            try await fixture.client.query(
                "UPDATE phone_check_failures SET last_failure_at = now() - interval '23 hours'")
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .maxCheckAttemptsReached)
            #expect(error?.retryAfter.map { (3590...3600).contains($0) } == true)
        }
    }

    @Test("one successful check resets the count")
    func successResets() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            try await Self.fail(2, service: service, phone: phone, fixture: fixture)
            #expect(try await Self.failures(fixture, service: service) == 2)
            let code = try #require(fixture.lastCode(to: phone))
            #expect(try await fixture.check(service, phone, code).status == .approved)
            #expect(try await Self.failures(fixture, service: service) == 0)
            try await Self.fail(2, service: service, phone: phone, fixture: fixture)
            let next = try await fixture.start(service, phone)
            #expect(next.status == .pending)
        }
    }

    @Test("an approval writes no failure row for a number that has none, and clears the row of one that has failures")
    func approvalWritesOnlyFailures() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            let (clean, failed) = (testPhone(6), testPhone(7))
            for phone in [clean, failed] {
                if phone == failed { try await Self.fail(1, service: service, phone: phone, fixture: fixture) }
                try await fixture.start(service, phone)
                let code = try #require(fixture.lastCode(to: phone))
                #expect(try await fixture.check(service, phone, code).status == .approved)
            }
            let rows = try await fixture.client.query(
                "SELECT phone, consecutive_failures, last_failure_at IS NULL AS cleared FROM phone_check_failures")
            #expect(rows.count == 1)
            #expect(try rows.first?.decode("phone", as: String.self) == failed.e164)
            #expect(try rows.first?.decode("consecutive_failures", as: Int.self) == 0)
            #expect(try rows.first?.decode("cleared", as: Bool.self) == true)
        }
    }

    @Test("an operator's unblock clears the count")
    func unblockClears() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            try await Self.fail(3, service: service, phone: phone, fixture: fixture)
            #expect(try await fixture.phones.unblock(phone))
            #expect(try await Self.failures(fixture, service: service) == 0)
            let resumed = try await fixture.start(service, phone)
            #expect(resumed.status == .pending)
            #expect(try await fixture.phones.unblock(phone) == false)
        }
    }

    @Test("another service's count for the same phone is independent")
    func perService() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let capped = try await fixture.service()
            let other = try await fixture.service()
            try await Self.fail(3, service: capped, phone: phone, fixture: fixture)
            await #expect(throws: VerifyError.self) { try await fixture.start(capped, phone) }
            let started = try await fixture.start(other, phone)
            #expect(started.status == .pending)
            #expect(try await Self.failures(fixture, service: other) == 0)
            let anotherPhone = try await fixture.start(capped, testPhone(6))
            #expect(anotherPhone.status == .pending)
        }
    }
}

/// The cap bounds the guesses evaluated, not only the verifications started: however an attacker mixes re-sends,
/// cancels and new verifications, at most `phoneFailureCap` wrong codes are ever compared, and past the cap even the
/// right code is refused.
@Suite("Consecutive-failure cap per phone, at check time")
struct PhoneFailureCapCheckTests {
    let phone = testPhone(7)

    /// How one verification is used up before the attacker moves on to the next.
    enum Pattern: String, CaseIterable, CustomTestStringConvertible {
        /// Three wrong codes with a re-send after the first, then a cancel: 99 failures leave room for one more start.
        case threeThenCancel
        /// Every attempt the verification allows, then its expiry.
        case allThenExpire

        var testDescription: String { rawValue }
        var guessesPerVerification: Int { self == .threeThenCancel ? 3 : 5 }
    }

    /// The attacker's loop: start (or re-send), guess wrong until refused or the pattern says move on, end the
    /// verification, repeat until a start is refused. Returns how many wrong codes were evaluated (answered with a
    /// verification rather than refused).
    static func attack(_ pattern: Pattern, service: VerifyService, phone: PhoneNumber, fixture: StoreFixture)
        async throws -> Int
    {
        var evaluated = 0
        for _ in 0..<60 {
            let started: Verification
            do {
                started = try await fixture.start(service, phone)
            } catch let error as VerifyError where error.reason == .maxCheckAttemptsReached {
                return evaluated
            }
            var last = started
            for guess in 0..<pattern.guessesPerVerification {
                do {
                    last = try await fixture.check(service, phone, fixture.wrongCode(for: phone))
                    evaluated += 1
                } catch let error as VerifyError where error.reason == .maxCheckAttemptsReached {
                    break
                }
                // A re-send is refused once the count reaches the cap; the attacker keeps guessing regardless.
                if guess == 0 { _ = try? await fixture.start(service, phone) }
            }
            if last.status == .pending {
                _ = try? await fixture.verifier.update(service: service.sid, sid: started.sid, status: .canceled)
            }
            // A verification out of attempts blocks new ones until it expires; move its expiry to now.
            try await fixture.client.query(
                "UPDATE verifications SET expires_at = now() - interval '1 second' WHERE status <> 'pending'")
        }
        Issue.record("the attack never ran into the cap")
        return evaluated
    }

    @Test(
        "resends, cancels and new verifications never get more than the cap's wrong codes evaluated",
        arguments: Pattern.allCases)
    func capBoundsGuesses(pattern: Pattern) async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service { $0.maxCheckAttempts = 5 }
            let evaluated = try await Self.attack(pattern, service: service, phone: phone, fixture: fixture)
            #expect(evaluated == 100)
            let failures: Int = try await fixture.scalar(
                "SELECT coalesce(sum(consecutive_failures), 0)::integer FROM phone_check_failures")
            #expect(failures == 100)
        }
    }

    @Test("a verification started just below the cap refuses the right code once the cap is reached")
    func rightCodeRefusedAtCap() async throws {
        try await StoreFixture.run(settings: Verifier.Settings(phoneFailureCap: 3)) { fixture in
            let service = try await fixture.service { $0.maxCheckAttempts = 5 }
            try await fixture.start(service, phone)
            for _ in 0..<2 { _ = try await fixture.check(service, phone, fixture.wrongCode(for: phone)) }
            let sent = try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            let third = try await fixture.check(service, phone, fixture.wrongCode(for: phone))
            #expect(third.status == .pending)
            for candidate in [fixture.wrongCode(for: phone), code] {
                let error = await #expect(throws: VerifyError.self) {
                    try await fixture.check(service, phone, candidate)
                }
                #expect(error?.reason == .maxCheckAttemptsReached)
                #expect(error?.retryAfter.map { (86_390...86_400).contains($0) } == true)
                let bySid = await #expect(throws: VerifyError.self) {
                    try await fixture.verifier.check(service: service.sid, target: .sid(sent.sid), code: candidate)
                }
                #expect(bySid?.reason == .maxCheckAttemptsReached)
            }
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 3)
        }
    }

    @Test("20 concurrent wrong codes with 3 failures left evaluate exactly 3")
    func concurrentChecksStopAtCap() async throws {
        try await StoreFixture.runConcurrent(settings: Verifier.Settings(phoneFailureCap: 3)) { fixture in
            let service = try await fixture.service { $0.maxCheckAttempts = 10 }
            try await fixture.start(service, phone)
            let wrong = fixture.wrongCode(for: phone)
            let outcomes = await withTaskGroup(of: VerifyError.Reason?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await fixture.check(service, phone, wrong)
                            return nil
                        } catch let error as VerifyError {
                            return error.reason
                        } catch {
                            Issue.record("unexpected error: \(error)")
                            return .notFound(.verificationCheck(service.sid))
                        }
                    }
                }
                return await group.reduce(into: [VerifyError.Reason?]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == nil }.count == 3)
            #expect(outcomes.filter { $0 == .maxCheckAttemptsReached }.count == 17)
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 3)
            let failures: Int = try await fixture.scalar("SELECT consecutive_failures FROM phone_check_failures")
            #expect(failures == 3)
        }
    }
}
