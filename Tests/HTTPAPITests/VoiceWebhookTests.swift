import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import TestSupport
import Testing
import VerifyCore

/// `POST /twilio/voice/{VE…}` reads the code to the call; `/twilio/incoming/voice` refuses calls to our number.
@Suite("Voice webhooks")
struct VoiceWebhookTests {
    static let to = "+14155550170"
    /// The SID Twilio gave the call the start placed (the recording sender answers with it).
    static let callSid = "CA0123456789abcdef0123456789abcdef"
    static let call: KeyValuePairs<String, String> = ["CallSid": callSid, "CallStatus": "in-progress", "To": to]

    /// The text of every `<Say>` with its `language`, in document order.
    static func says(_ xml: String) -> [(language: String, text: String)] {
        xml.matches(of: /<Say language="([^"]*)">([^<]*)<\/Say>/).map { (String($0.1), String($0.2)) }
    }

    /// Starts a call verification on a new service and returns the voice webhook path.
    static func startCall(
        _ api: APIClient, _ sender: RecordingCodeSender, service form: KeyValuePairs<String, String>,
        locale: String?
    ) async throws -> String {
        let service = try await api.createService(form)
        sender.script(.sent(providerSid: callSid))
        var parameters = ["To": to, "Channel": "call"]
        if let locale { parameters["Locale"] = locale }
        let response = try await api.request(
            .post, APIClient.verifications(service),
            body: parameters.map {
                "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            }
            .joined(separator: "&"),
            contentType: "application/x-www-form-urlencoded")
        #expect(response.status == .created)
        return "/twilio/voice/" + (try #require(try response.json()["sid"] as? String))
    }

    @Test(
        "a pending call verification reads its code digit by digit, three times, in its locale's language",
        arguments: [("es", "es-ES", "Tu código"), (nil, "en-US", "Your Voice Test"), ("pt-BR", "pt-BR", "Seu código")]
            as [(String?, String, String)])
    func readsCode(locale: String?, language: String, intro: String) async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let path = try await Self.startCall(
                api, fixture.sender, service: ["FriendlyName": "Voice Test"], locale: locale)
            let code = try #require(fixture.sender.messages.first?.code.revealed)
            let response = try await api.webhook(path, Self.call)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/xml") == true)
            let says = Self.says(response.text)
            #expect(says.allSatisfy { $0.language == language })
            #expect(says.first?.text.hasPrefix(intro) == true)
            let digits = says.compactMap { $0.text.wholeMatch(of: /(\d)\./).map { String($0.1) } }
            #expect(digits.joined() == String(repeating: code, count: 3))
            #expect(response.text.hasSuffix("<Hangup/></Response>"))
            #expect(!response.text.contains(code))
        }
    }

    @Test("with DtmfInputRequired the call first asks for a key, then reads the code after Digits=1")
    func dtmf() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let path = try await Self.startCall(
                api, fixture.sender, service: ["FriendlyName": "Voice Test", "DtmfInputRequired": "true"], locale: nil)
            let code = try #require(fixture.sender.messages.first?.code.revealed)
            let first = try await api.webhook(path, Self.call)
            #expect(first.status == .ok)
            let gather = try #require(first.text.firstMatch(of: /<Gather [^>]*>/)).output
            #expect(gather.contains(#"numDigits="1""#))
            #expect(gather.contains(#"action="\#(HTTPFixture.publicURL)\#(path)""#))
            #expect(first.text.range(of: "<Gather")!.lowerBound < first.text.range(of: "<Say")!.lowerBound)
            #expect(!Self.says(first.text).contains { $0.text.wholeMatch(of: /\d\./) != nil })

            let pressed = try await api.webhook(
                path, ["CallSid": Self.callSid, "Digits": "1", "To": Self.to])
            let digits = Self.says(pressed.text).compactMap { $0.text.wholeMatch(of: /(\d)\./).map { String($0.1) } }
            #expect(digits.joined() == String(repeating: code, count: 3))
        }
    }

    @Test("an unsigned or wrongly signed voice webhook reads nothing")
    func unsigned() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let path = try await Self.startCall(
                api, fixture.sender, service: ["FriendlyName": "Voice Test"], locale: nil)
            let missing = try await api.webhook(path, Self.call, signature: .missing)
            #expect(missing.status == .forbidden)
            let forged = try await api.webhook(path, Self.call, signature: .signed(token: "not-the-token"))
            #expect(forged.status == .forbidden)
            for response in [missing, forged] {
                #expect(!response.text.contains("<Say"))
                #expect(response.body.readableBytes == 0)
            }
            #expect(fixture.sender.messages.count == 1)
        }
    }

    @Test("an unknown or finished verification gets a short Say and a Hangup")
    func finished() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let path = try await Self.startCall(
                api, fixture.sender, service: ["FriendlyName": "Voice Test"], locale: nil)
            let code = try #require(fixture.sender.messages.first?.code.revealed)
            let service: String = try await fixture.scalar("SELECT service_sid FROM verifications")
            #expect(try await api.check(service, to: Self.to, code: code).status == .ok)
            for target in [path, "/twilio/voice/" + VerificationSid.random().rawValue, "/twilio/voice/VEnot"] {
                let response = try await api.webhook(target, Self.call)
                #expect(response.status == .ok)
                let says = Self.says(response.text)
                #expect(says.count == 1)
                #expect(response.text.hasSuffix("<Hangup/></Response>"))
            }
        }
    }

    @Test("a signed voice webhook of another call, or of none, reads nothing")
    func otherCall() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let path = try await Self.startCall(
                api, fixture.sender, service: ["FriendlyName": "Voice Test"], locale: nil)
            let other = try await api.webhook(
                path, ["CallSid": "CA" + String(repeating: "f", count: 32), "CallStatus": "in-progress", "To": Self.to])
            let none = try await api.webhook(path, ["CallStatus": "in-progress", "To": Self.to])
            for response in [other, none] {
                #expect(response.status == .ok)
                #expect(Self.says(response.text).count == 1)
                #expect(!Self.says(response.text).contains { $0.text.wholeMatch(of: /\d\./) != nil })
            }
        }
    }

    @Test("the placed call's webhook replayed after the call ended reads nothing")
    func replayAfterCall() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let path = try await Self.startCall(
                api, fixture.sender, service: ["FriendlyName": "Voice Test"], locale: nil)
            let first = try await api.webhook(path, Self.call)
            #expect(Self.says(first.text).contains { $0.text.wholeMatch(of: /\d\./) != nil })
            let attempt: String = try await fixture.scalar("SELECT sid FROM delivery_attempts")
            let ended = try await api.webhook(
                "/twilio/status/\(attempt)", ["CallSid": Self.callSid, "CallStatus": "completed"])
            #expect(ended.status == .ok)
            let replay = try await api.webhook(path, Self.call)
            #expect(replay.status == .ok)
            #expect(Self.says(replay.text).count == 1)
            #expect(!Self.says(replay.text).contains { $0.text.wholeMatch(of: /\d\./) != nil })
        }
    }

    @Test("an incoming call is rejected with Reject as the very first verb")
    func incomingCall() async throws {
        try await withAPI(delivery: .twilio) { _, api in
            let response = try await api.webhook(
                "/twilio/incoming/voice", ["From": "+14155550171", "To": "+15005550006", "CallSid": "CA01"])
            #expect(response.status == .ok)
            let body = response.text.replacingOccurrences(of: #"<?xml version="1.0" encoding="UTF-8"?>"#, with: "")
            #expect(body.hasPrefix("<Response><Reject"))
            #expect(!body.contains("<Say"))
            #expect(
                try await api.webhook("/twilio/incoming/voice", ["From": "+1"], signature: .missing).status
                    == .forbidden)
        }
    }
}
