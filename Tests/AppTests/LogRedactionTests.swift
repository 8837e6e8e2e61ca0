import Testing

@testable import App

@Suite("Log redaction")
struct LogRedactionTests {
    @Test(
        "the bucket of every phone-bound SID in a line is hidden, wherever it stands; other SIDs stay",
        arguments: [
            ("sid=VE40d3" + String(repeating: "a", count: 28), "sid=VE****" + String(repeating: "a", count: 28)),
            (
                "POST /twilio/status/VL40d30123456789abcdef0123456789ab path=/v2/GN40d30123456789abcdef0123456789ab",
                "POST /twilio/status/VL****0123456789abcdef0123456789ab path=/v2/GN****0123456789abcdef0123456789ab"
            ),
            ("service=VA0123456789abcdef0123456789abcdef", "service=VA0123456789abcdef0123456789abcdef"),
            ("VEshort", "VEshort"),
            ("número VE40d3" + String(repeating: "b", count: 28), "número VE****" + String(repeating: "b", count: 28)),
        ])
    func redacts(_ line: String, _ expected: String) {
        var bytes = Array(line.utf8)
        VerifydLogHandler.redactBuckets(in: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }
}
