import Testing
import Twilio

@Suite struct TwiMLResponseTests {
    static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    /// twilio-python writes `<Reject />`; this builder writes `<Reject/>`, which is the only difference.
    static func fromPython(_ xml: String) -> String {
        declaration + xml.replacing(" />", with: "/>")
    }

    @Test func sayWithLoopAndVoiceMatchesTwilioPython() {
        var response = TwiMLResponse()
        response.say("Hello Monkey", voice: "woman", loop: 3)
        #expect(
            response.xml == Self.fromPython(#"<Response><Say loop="3" voice="woman">Hello Monkey</Say></Response>"#))
    }

    @Test func sayWithLanguageMatchesTwilioPython() {
        var response = TwiMLResponse()
        response.say("Hello Monkey", language: "en-gb")
        #expect(response.xml == Self.fromPython(#"<Response><Say language="en-gb">Hello Monkey</Say></Response>"#))
    }

    @Test func rejectMatchesTwilioPython() {
        var response = TwiMLResponse()
        response.reject()
        #expect(response.xml == Self.fromPython("<Response><Reject /></Response>"))
    }

    @Test func hangupMatchesTwilioPython() {
        var response = TwiMLResponse()
        response.hangup()
        #expect(response.xml == Self.fromPython("<Response><Hangup /></Response>"))
    }

    @Test func anEmptyResponseIsSelfClosing() {
        #expect(TwiMLResponse().xml == Self.declaration + "<Response/>")
    }

    @Test func aVerificationCallDocumentIsWrittenInOrderWithSortedAttributes() {
        var response = TwiMLResponse()
        response.pause(length: 1)
        response.gather(numDigits: 1, action: "https://e.com/gather?id=1&step=2", timeout: 5) { gather in
            gather.say("Press 1 to hear your code.", voice: "Polly.Joanna", language: "en-US")
            gather.pause(length: 2)
        }
        response.say("Goodbye.", loop: 0)
        response.redirect(to: "https://example.com/voice/next")
        response.reject(reason: .busy)
        let expected =
            Self.declaration + #"<Response><Pause length="1"/>"#
            + #"<Gather action="https://e.com/gather?id=1&amp;step=2" method="POST" numDigits="1" timeout="5">"#
            + #"<Say language="en-US" voice="Polly.Joanna">Press 1 to hear your code.</Say>"#
            + #"<Pause length="2"/></Gather>"#
            + #"<Say loop="0">Goodbye.</Say><Redirect method="POST">https://example.com/voice/next</Redirect>"#
            + #"<Reject reason="busy"/></Response>"#
        #expect(response.xml == expected)
    }

    @Test func textIsEscaped() {
        var response = TwiMLResponse()
        response.say(#"Tom & Jerry <script>"quoted" 'single'"#)
        #expect(
            response.xml
                == Self.declaration
                + #"<Response><Say>Tom &amp; Jerry &lt;script&gt;"quoted" 'single'</Say></Response>"#
        )
    }

    @Test func attributesAreEscapedIncludingQuotesAndLineBreaks() {
        var response = TwiMLResponse()
        response.say("x", voice: "a\"b<c>&d\ne\tf")
        #expect(
            response.xml
                == Self.declaration + #"<Response><Say voice="a&quot;b&lt;c&gt;&amp;d&#10;e&#9;f">x</Say></Response>"#
        )
    }

    @Test func characterXMLCannotRepresentAreDropped() {
        var response = TwiMLResponse()
        response.say("a\u{0}b\u{1B}c")
        #expect(response.xml == Self.declaration + "<Response><Say>abc</Say></Response>")
    }

    @Test func aRedirectURLIsEscapedAsText() {
        var response = TwiMLResponse()
        response.redirect(to: "https://example.com/a?b=1&c=2")
        #expect(
            response.xml
                == Self.declaration
                + #"<Response><Redirect method="POST">https://example.com/a?b=1&amp;c=2</Redirect></Response>"#
        )
    }
}
