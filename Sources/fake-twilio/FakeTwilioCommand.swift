import ArgumentParser
import FakeTwilio
import Foundation
import Logging
import UnixSignals

/// `fake-twilio`: the fake Twilio REST API as a process of its own, for the benchmark and fault tests.
///
/// Once listening it prints exactly one line to stdout, `listening http://HOST:PORT`; logs go to stderr. SIGTERM or
/// SIGINT stop it. Besides Twilio's routes it serves `GET /_fake/stats`, `GET /_fake/messages`,
/// `POST /_fake/script` and `POST /_fake/reset`.
@main
struct FakeTwilioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-twilio", abstract: "A stand-in for Twilio's Messages and Calls REST API.")

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 lets the kernel pick one.")
    var port = 0

    @Option(name: .customLong("latency-ms"), help: "Delay every Messages and Calls answer by this many milliseconds.")
    var latencyMilliseconds = 0

    @Option(name: .customLong("account-sid"), help: "The account SID accepted (AC and 32 hexadecimal digits).")
    var accountSID = "AC" + String(repeating: "0", count: 32)

    @Option(name: .customLong("auth-token"), help: "The auth token accepted with the account SID.")
    var authToken = "fake-twilio-auth-token"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard latencyMilliseconds >= 0 else { throw ValidationError("--latency-ms must not be negative") }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let fake = try await FakeTwilio.start(
            account: FakeTwilioAccount(accountSID: accountSID, authToken: authToken),
            latency: .milliseconds(latencyMilliseconds), host: host, port: port,
            logger: Logger(label: "fake-twilio"))
        // Written straight to the descriptor, so the line is out before anyone waits for it.
        FileHandle.standardOutput.write(Data("listening \(fake.baseURL)\n".utf8))
        for await _ in signals { break }
        await fake.stop()
    }
}
