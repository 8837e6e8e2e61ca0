import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// Blocked and opted-out phones get no message.
@Suite("Blocked and opted-out phones")
struct PhoneStandingTests {
    let phone = testPhone(7)

    @Test("a blocked phone is refused on every channel with nothing sent or stored", arguments: Channel.allCases)
    func blocked(channel: Channel) async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.phones.block(phone, reason: "fraud report")
            let error = await #expect(throws: VerifyError.self) {
                try await fixture.start(service, phone, channel: channel)
            }
            #expect(error?.reason == .phoneBlocked)
            #expect(fixture.sender.messages.isEmpty)
            let rows: Int = try await fixture.scalar("SELECT count(*) FROM verifications")
            #expect(rows == 0)
            let reason: String = try await fixture.scalar("SELECT blocked_reason FROM phones")
            #expect(reason == "fraud report")
        }
    }

    @Test("unblocking restores delivery; a second unblock has nothing to lift")
    func unblock() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.phones.block(phone, reason: "fraud report")
            #expect(try await fixture.phones.unblock(phone))
            let started = try await fixture.start(service, phone)
            #expect(started.status == .pending)
            #expect(fixture.sender.messages.count == 1)
            #expect(try await fixture.phones.unblock(phone) == false)
        }
    }

    @Test("blocking one phone leaves others alone")
    func otherPhones() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.phones.block(phone, reason: "fraud report")
            let started = try await fixture.start(service, testPhone(8))
            #expect(started.status == .pending)
        }
    }

    @Test("an opted-out phone is refused SMS with 21610 but can still be called")
    func optedOut() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.phones.setOptedOut(phone, true)
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .phoneUnsubscribed)
            #expect(fixture.sender.messages.isEmpty)
            let called = try await fixture.start(service, phone, channel: .call)
            #expect(called.channel == .call)
            #expect(fixture.sender.messages.map(\.channel) == [.call])
        }
    }

    @Test("opting back in restores SMS, and opting out twice keeps the first time")
    func optBackIn() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.phones.setOptedOut(phone, true)
            let first: String = try await fixture.scalar("SELECT opted_out_at::text FROM phones")
            try await fixture.phones.setOptedOut(phone, true)
            let second: String = try await fixture.scalar("SELECT opted_out_at::text FROM phones")
            #expect(first == second)
            try await fixture.phones.setOptedOut(phone, false)
            let started = try await fixture.start(service, phone)
            #expect(started.channel == .sms)
            #expect(fixture.sender.messages.count == 1)
        }
    }

    @Test("a block while a verification is pending refuses its re-send")
    func blockWhilePending() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.start(service, phone)
            try await fixture.phones.block(phone, reason: "fraud report")
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .phoneBlocked)
            #expect(fixture.sender.messages.count == 1)
        }
    }
}
