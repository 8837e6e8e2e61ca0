import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// Single use under concurrency: many callers at once, one database, row locks deciding.
@Suite("Concurrent checks and starts")
struct ConcurrencyTests {
    let phone = testPhone(4)

    /// The outcome of one call, reduced to what the assertions compare.
    enum Outcome: Equatable {
        case status(VerificationStatus)
        case refused(VerifyError.Reason)
        /// Any 404, whichever resource it names.
        case notFound
    }

    static func outcome(_ body: () async throws -> Verification) async -> Outcome? {
        do {
            return .status(try await body().status)
        } catch let error as VerifyError {
            if case .notFound = error.reason { return .notFound }
            return .refused(error.reason)
        } catch {
            Issue.record("unexpected error: \(error)")
            return nil
        }
    }

    @Test("50 concurrent checks of the right code approve exactly once; the other 49 find nothing")
    func rightCodeOnce() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let service = try await fixture.service()
            try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            let outcomes = await withTaskGroup(of: Outcome?.self) { group in
                for _ in 0..<50 {
                    group.addTask { await Self.outcome { try await fixture.check(service, phone, code) } }
                }
                return await group.reduce(into: [Outcome?]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .status(.approved) }.count == 1)
            #expect(outcomes.filter { $0 == .notFound }.count == 49)
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 1)
        }
    }

    @Test("50 concurrent wrong codes never count more than the maximum, and the right code is refused after")
    func wrongCodesCapped() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let service = try await fixture.service { $0.maxCheckAttempts = 5 }
            try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            let wrong = fixture.wrongCode(for: phone)
            let outcomes = await withTaskGroup(of: Outcome?.self) { group in
                for _ in 0..<50 {
                    group.addTask { await Self.outcome { try await fixture.check(service, phone, wrong) } }
                }
                return await group.reduce(into: [Outcome?]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .status(.pending) }.count == 4)
            #expect(outcomes.filter { $0 == .status(.maxAttemptsReached) }.count == 1)
            #expect(outcomes.filter { $0 == .refused(.maxCheckAttemptsReached) }.count == 45)
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 5)
            let error = await #expect(throws: VerifyError.self) { try await fixture.check(service, phone, code) }
            #expect(error?.reason == .maxCheckAttemptsReached)
        }
    }

    @Test("20 concurrent starts for one phone make one verification and send one code at most the maximum times")
    func concurrentStarts() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let service = try await fixture.service { $0.maxSendAttempts = 5 }
            let results = await withTaskGroup(of: Result<Verification, any Error>.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            return .success(try await fixture.start(service, phone))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: [Result<Verification, any Error>]()) { $0.append($1) }
            }
            let started = results.compactMap { try? $0.get() }
            let refusals = results.compactMap { result -> VerifyError.Reason? in
                guard case .failure(let error) = result else { return nil }
                return (error as? VerifyError)?.reason
            }
            #expect(started.count + refusals.count == 20)
            #expect((1...5).contains(started.count))
            #expect(Set(started.map(\.sid)).count == 1)
            #expect(refusals.allSatisfy { $0 == .maxSendAttemptsReached || $0 == .tooManyConcurrentRequests })
            let codes = fixture.sender.codes(to: phone)
            #expect(codes.count == started.count)
            #expect(Set(codes).count == 1)
            let rows = try await fixture.client.query("SELECT count(*), max(send_count) FROM verifications")
            #expect(try rows[0].decode(0, as: Int.self) == 1)
            #expect(try rows[0].decode(1, as: Int.self) == started.count)
            let attempts: Int = try await fixture.scalar("SELECT count(*) FROM delivery_attempts")
            #expect(attempts == started.count)
        }
    }

    @Test("two verifiers on separate pools approve a right code exactly once")
    func twoInstances() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let service = try await fixture.service()
            try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            let otherClient = fixture.makeConcurrentClient()
            let other = fixture.verifier(on: otherClient)
            let outcomes = await withTaskGroup(of: Outcome?.self) { group in
                for index in 0..<40 {
                    let verifier = index.isMultiple(of: 2) ? fixture.verifier : other
                    group.addTask {
                        await Self.outcome { try await fixture.check(service, phone, code, using: verifier) }
                    }
                }
                return await group.reduce(into: [Outcome?]()) { $0.append($1) }
            }
            await otherClient.close()
            #expect(outcomes.filter { $0 == .status(.approved) }.count == 1)
            #expect(outcomes.filter { $0 == .notFound }.count == 39)
        }
    }
}
