import Foundation
import TestSupport
import Testing

/// The contract of the `fake-twilio` executable, which the benchmark and fault tests run as a process of its own.
@Suite("fake-twilio executable")
struct FakeTwilioProcessTests {
    static let account = "AC" + String(repeating: "ab", count: 16)
    static let token = "contract-token"

    @Test(
        "it prints one listening line, serves Twilio with latency, reports, takes scripts, resets and stops on SIGTERM")
    func contract() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fake-twilio-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.fakeTwilioBinary)
        process.arguments = [
            "--host", "127.0.0.1", "--port", "0", "--latency-ms", "500", "--account-sid", Self.account,
            "--auth-token", Self.token,
        ]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.interrupt() } }

        var stdout = ""
        for _ in 0..<500 where !stdout.contains("\n") {
            try await Task.sleep(for: .milliseconds(20))
            stdout = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        }
        let line = try #require(stdout.split(separator: "\n").first.map(String.init))
        #expect(line.hasPrefix("listening http://127.0.0.1:"))
        let base = String(line.dropFirst("listening ".count))
        let http = TestHTTPClient()
        let auth = ["Authorization": "Basic " + Data("\(Self.account):\(Self.token)".utf8).base64EncodedString()]
        let messages = "\(base)/2010-04-01/Accounts/\(Self.account)/Messages.json"
        let form = [("To", "+14155550100"), ("From", "+14155550199"), ("Body", "Your code is 123456")]

        // Latency holds each answer back without holding up the others: two requests side by side.
        async let one = http.send(
            "POST", messages, form: form + [("StatusCallback", "https://e.example/s")], headers: auth)
        async let two = http.send("POST", messages, form: form, headers: auth)
        #expect(try await [one.status, two.status] == [201, 201])
        #expect(try await http.send("POST", messages, form: form).status == 401)

        let stats = try await http.send("GET", "\(base)/_fake/stats").json
        #expect(stats["requests"] as? Int == 3)
        #expect(stats["messages"] as? Int == 2)
        #expect(stats["calls"] as? Int == 0)
        #expect(stats["peak_in_flight"] as? Int == 2)
        let created = try #require(
            try JSONSerialization.jsonObject(with: try await http.send("GET", "\(base)/_fake/messages").body)
                as? [[String: Any]])
        #expect(created.count == 2)
        #expect(
            created.allSatisfy {
                $0["body"] as? String == "Your code is 123456" && $0["to"] as? String == "+14155550100"
            })
        #expect(Set(created.map { $0["status_callback"] is NSNull }) == [true, false])
        #expect(
            created.allSatisfy {
                ($0["sid"] as? String)?.hasPrefix("SM") == true && $0["from"] as? String == "+14155550199"
            })

        let script = """
            {"endpoint": "messages", "behaviors": [
              {"action": "respond", "status": 429, "code": 20429, "message": "Too Many Requests", "retry_after": "3"},
              {"action": "drop"}
            ]}
            """
        #expect(try await http.send("POST", "\(base)/_fake/script", json: script).status == 200)
        let limited = try await http.send("POST", messages, form: form, headers: auth)
        #expect(limited.status == 429)
        #expect(limited.header("Retry-After") == "3")
        #expect(limited.json["code"] as? Int == 20429)
        await #expect(throws: (any Error).self) { try await http.send("POST", messages, form: form, headers: auth) }
        #expect(try await http.send("POST", "\(base)/_fake/script", json: "{\"endpoint\": \"sms\"}").status == 400)

        #expect(try await http.send("POST", "\(base)/_fake/reset").status == 204)
        let reset = try await http.send("GET", "\(base)/_fake/stats").json
        #expect(reset["requests"] as? Int == 0)
        #expect(try await http.send("GET", "\(base)/_fake/messages").text == "[]")

        process.terminate()
        for _ in 0..<500 where process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        let lines = ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(lines.count == 1, "stdout carries the listening line only")
    }
}
