import Logging
import Testing

@testable import App

@Suite("Log lines")
struct LogLineTests {
    @Test("a text line is the time, level, label and message, then the metadata in key order, values as given")
    func text() {
        let line = VerifydLogHandler.textLine(
            time: "2026-12-01T22:00:00Z", level: .warning, label: "verifyd", message: "check.refused",
            ["status": .stringConvertible(429), "rule": .string("api_key_checks"), "path": .string("/v2/x y")])
        #expect(
            String(decoding: line, as: UTF8.self)
                == "2026-12-01T22:00:00Z warning verifyd: check.refused path=/v2/x y rule=api_key_checks status=429\n")
    }
}
