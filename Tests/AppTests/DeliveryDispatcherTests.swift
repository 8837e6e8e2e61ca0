import Logging
import Postgres
import Synchronization
import TestSupport
import Testing
import VerifyCore

@testable import App

/// The dispatcher takes capacity from the sender only for attempts it holds, and never lets a claimed attempt wait.
@Suite("Delivery dispatcher")
struct DeliveryDispatcherTests {
    /// A sender that reports free slots but hands out none, as when starts take them between the count and the
    /// reservation; it counts the reservations asked for.
    final class ContestedSender: CodeSender {
        let free: Int
        let grants: Bool
        private let asked = Mutex(0)

        init(free: Int, grants: Bool) {
            self.free = free
            self.grants = grants
        }

        var reservations: Int { asked.withLock { $0 } }
        var freeSlots: Int { free }

        func reserve() -> (any DeliverySlot)? {
            asked.withLock { $0 += 1 }
            return grants ? RecordingCodeSender() : nil
        }
    }

    static func dispatcher(_ fixture: StoreFixture, sender: any CodeSender) -> DeliveryDispatcher {
        DeliveryDispatcher(
            verifier: fixture.verifier, sender: sender, deliveries: fixture.deliveries, interval: .milliseconds(10),
            leaseSeconds: 60, batchSize: 32, owner: "test", logger: Logger(label: "test"))
    }

    @Test("a pass with nothing due reserves nothing, so it takes no capacity from starts")
    func nothingDue() async throws {
        try await StoreFixture.run(settings: Verifier.Settings(sendImmediately: false)) { fixture in
            let sender = ContestedSender(free: 100, grants: true)
            let started = try await Self.dispatcher(fixture, sender: sender).pass()
            #expect(started.isEmpty)
            #expect(sender.reservations == 0)
        }
    }

    @Test("a pass claims no more than the free slots and reserves one per claimed attempt")
    func claimsWithinFreeSlots() async throws {
        try await StoreFixture.run(settings: Verifier.Settings(sendImmediately: false)) { fixture in
            let service = try await fixture.service()
            for index in 0..<3 { try await fixture.start(service, testPhone(40 + index)) }
            let sender = ContestedSender(free: 2, grants: true)
            let started = try await Self.dispatcher(fixture, sender: sender).pass()
            #expect(started.count == 2)
            #expect(sender.reservations == 2)
            let queued: Int = try await fixture.scalar(
                "SELECT count(*)::int FROM delivery_attempts WHERE status = 'queued'")
            #expect(queued == 1)
        }
    }

    @Test("an attempt whose slot a start took meanwhile goes back to the queue untried, due at once")
    func lostSlotGoesBack() async throws {
        try await StoreFixture.run(settings: Verifier.Settings(sendImmediately: false)) { fixture in
            let service = try await fixture.service()
            try await fixture.start(service, testPhone(43))
            let contested = ContestedSender(free: 1, grants: false)
            let lost = try await Self.dispatcher(fixture, sender: contested).pass()
            #expect(lost.isEmpty)
            let state: String = try await fixture.scalar(
                "SELECT status || '/' || tries || '/' || (lease_owner IS NULL) FROM delivery_attempts")
            #expect(state == "queued/0/true")
            // The next pass with a slot sends it.
            let started = try await Self.dispatcher(fixture, sender: fixture.sender).pass()
            #expect(started.count == 1)
            for (attempt, slot) in started { try await fixture.verifier.deliverClaimed(attempt, via: slot) }
            #expect(fixture.sender.messages.count == 1)
        }
    }
}
