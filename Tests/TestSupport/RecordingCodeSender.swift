import Synchronization
import VerifyCore

/// A `CodeSender` for tests: it records every message instead of sending it, and answers with scripted outcomes
/// (`.sent` once the script is used up). It has no cap, so it is its own slot.
public final class RecordingCodeSender: CodeSender, DeliverySlot {
    private struct State {
        var messages: [OutgoingCode] = []
        var script: [DeliveryOutcome] = []
        var unavailableFor: Int?
        var unsupported: Set<Channel> = []
    }

    private let state = Mutex(State())

    public init() {}

    public func reserve() -> (any DeliverySlot)? { self }

    public var freeSlots: Int { .max }

    public func send(_ message: OutgoingCode) async -> DeliveryOutcome {
        state.withLock { state in
            state.messages.append(message)
            return state.script.isEmpty ? .sent(providerSid: nil) : state.script.removeFirst()
        }
    }

    public var retryAfterWhileUnavailable: Int? { state.withLock { $0.unavailableFor } }

    public func supports(_ channel: Channel) -> Bool { state.withLock { !$0.unsupported.contains(channel) } }

    /// Everything sent so far, oldest first.
    public var messages: [OutgoingCode] { state.withLock { $0.messages } }

    /// The codes sent to `phone`, oldest first.
    public func codes(to phone: PhoneNumber) -> [String] {
        messages.filter { $0.to == phone }.map(\.code.revealed)
    }

    /// Outcomes for the next sends, in order.
    public func script(_ outcomes: DeliveryOutcome...) {
        state.withLock { $0.script += outcomes }
    }

    /// Makes the sender refuse work (as an open circuit breaker does) until called with nil.
    public func setUnavailable(retryAfter: Int?) {
        state.withLock { $0.unavailableFor = retryAfter }
    }

    public func setUnsupported(_ channels: Set<Channel>) {
        state.withLock { $0.unsupported = channels }
    }
}
