/// Builds a TwiML document: `<?xml version="1.0" encoding="UTF-8"?><Response>…</Response>`.
///
/// Attributes are written in alphabetical order (as twilio-python's serializer produces them), so output is
/// deterministic. Empty elements are written without a space before the slash (`<Hangup/>`), and a response with
/// no verbs is `<Response/>`, which is also the reply that tells Twilio not to answer an inbound message.
public struct TwiMLResponse: Sendable, Hashable {
    private var verbs: [TwiMLElement] = []

    /// An empty response.
    public init() {}

    /// Appends `<Say>`; `loop` 0 repeats until the call ends.
    public mutating func say(_ text: String, voice: String? = nil, language: String? = nil, loop: Int? = nil) {
        verbs.append(.say(text, voice: voice, language: language, loop: loop))
    }

    /// Appends `<Pause length="…"/>`.
    public mutating func pause(length: Int? = nil) {
        verbs.append(.pause(length: length))
    }

    /// Appends `<Gather>` that posts the pressed keys to `action`; `build` adds the nested prompt.
    public mutating func gather(
        numDigits: Int? = nil,
        action: String? = nil,
        timeout: Int? = nil,
        finishOnKey: String? = nil,
        _ build: (inout TwiMLGather) -> Void = { _ in }
    ) {
        var gather = TwiMLGather()
        build(&gather)
        var attributes: [(String, String)] = [("method", "POST")]
        if let numDigits { attributes.append(("numDigits", String(numDigits))) }
        if let action { attributes.append(("action", action)) }
        if let timeout { attributes.append(("timeout", String(timeout))) }
        if let finishOnKey { attributes.append(("finishOnKey", finishOnKey)) }
        verbs.append(TwiMLElement(name: "Gather", attributes: attributes, content: .children(gather.elements)))
    }

    /// Appends `<Reject/>`; only as the first verb does Twilio leave the call unanswered (and unbilled).
    public mutating func reject(reason: TwiMLRejectReason? = nil) {
        let attributes = reason.map { [("reason", $0.rawValue)] } ?? []
        verbs.append(TwiMLElement(name: "Reject", attributes: attributes, content: .empty))
    }

    /// Appends `<Hangup/>`.
    public mutating func hangup() {
        verbs.append(TwiMLElement(name: "Hangup", attributes: [], content: .empty))
    }

    /// Appends `<Redirect method="POST">url</Redirect>`.
    public mutating func redirect(to url: String) {
        verbs.append(TwiMLElement(name: "Redirect", attributes: [("method", "POST")], content: .text(url)))
    }

    /// The complete XML document.
    public var xml: String {
        var output = #"<?xml version="1.0" encoding="UTF-8"?>"#
        TwiMLElement(name: "Response", attributes: [], content: verbs.isEmpty ? .empty : .children(verbs))
            .write(to: &output)
        return output
    }
}

/// The verbs allowed inside `<Gather>`.
public struct TwiMLGather: Sendable {
    fileprivate var elements: [TwiMLElement] = []

    /// Appends a nested `<Say>`.
    public mutating func say(_ text: String, voice: String? = nil, language: String? = nil, loop: Int? = nil) {
        elements.append(.say(text, voice: voice, language: language, loop: loop))
    }

    /// Appends a nested `<Pause>`.
    public mutating func pause(length: Int? = nil) {
        elements.append(.pause(length: length))
    }
}

/// How `<Reject>` ends the call: `busy` plays a busy signal, `rejected` (the default) a not-in-service tone.
public enum TwiMLRejectReason: String, Sendable, Hashable {
    case rejected
    case busy
}

extension TwiMLElement {
    fileprivate static func say(_ text: String, voice: String?, language: String?, loop: Int?) -> TwiMLElement {
        var attributes: [(String, String)] = []
        if let voice { attributes.append(("voice", voice)) }
        if let language { attributes.append(("language", language)) }
        if let loop { attributes.append(("loop", String(loop))) }
        return TwiMLElement(name: "Say", attributes: attributes, content: .text(text))
    }

    fileprivate static func pause(length: Int?) -> TwiMLElement {
        TwiMLElement(name: "Pause", attributes: length.map { [("length", String($0))] } ?? [], content: .empty)
    }
}
