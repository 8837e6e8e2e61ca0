import Foundation

/// A `verifyd` process started by a test, with its output captured to a file. `serve` processes listen on a port
/// the kernel picks (VERIFYD_PORT=0), read back from the log, so parallel tests never collide on ports.
public final class VerifydProcess: @unchecked Sendable {
    // Unchecked Sendable: `process` is only started in `launch` and afterwards only signalled and waited on, which
    // Foundation's Process allows from any thread.
    private let process: Process
    public let logPath: String
    /// Where standard output goes when it is kept apart from the log (`outputApart`).
    private let outputPath: String?
    /// `http://127.0.0.1:PORT` once a `serve` process listens.
    public private(set) var baseURL = ""

    private init(process: Process, logPath: String, outputPath: String?) {
        self.process = process
        self.logPath = logPath
        self.outputPath = outputPath
    }

    /// Starts `verifyd serve` (or other `arguments`) and, for serve, waits until it listens. `port` 0 lets the kernel
    /// pick one; a balancer in front needs a fixed port that stays the same across restarts.
    public static func serve(
        environment: [String: String], arguments: [String] = ["serve"], port: Int = 0,
        timeout: Duration = .seconds(30), outputApart: Bool = false
    ) async throws -> VerifydProcess {
        let process = try launch(
            arguments, environment: environment.merging(["VERIFYD_PORT": "\(port)"]) { $1 }, outputApart: outputApart)
        let marker = "listening on 127.0.0.1:"
        let line = try await process.waitForLog(matching: marker, timeout: timeout)
        // The digits right after the address, in a text line as in a JSON one.
        guard let range = line.range(of: marker), let number = Int(line[range.upperBound...].prefix(while: \.isNumber))
        else {
            throw VerifydProcessError("no port in: \(line)")
        }
        process.baseURL = "http://127.0.0.1:\(number)"
        return process
    }

    /// Starts `verifyd` with `arguments` without waiting for anything. Standard output goes to the log too, unless
    /// `outputApart`.
    public static func launch(_ arguments: [String], environment: [String: String], outputApart: Bool = false) throws
        -> VerifydProcess
    {
        let name = "verifyd-test-\(UUID().uuidString)"
        let logPath = try emptyFile(name + ".log")
        let outputPath = outputApart ? try emptyFile(name + ".out") : nil
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.binary)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = try outputPath.map { try FileHandle(forWritingTo: URL(fileURLWithPath: $0)) } ?? log
        process.standardError = log
        try process.run()
        return VerifydProcess(process: process, logPath: logPath, outputPath: outputPath)
    }

    private static func emptyFile(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw VerifydProcessError("cannot create \(path)")
        }
        return path
    }

    /// Runs a one-shot command (`migrate`, `keys create` …) to completion.
    public static func run(
        _ arguments: [String], environment: [String: String], timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, output: String) {
        let process = try launch(arguments, environment: environment)
        let status = try await process.waitForExit(timeout: timeout)
        return (status, process.log)
    }

    /// Runs a one-shot command to completion with its standard output and standard error kept apart, as a
    /// monitoring system or a shell pipeline sees them.
    public static func runKeepingOutputApart(
        _ arguments: [String], environment: [String: String], timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, standardOutput: String, standardError: String) {
        let process = try launch(arguments, environment: environment, outputApart: true)
        let status = try await process.waitForExit(timeout: timeout)
        return (status, process.standardOutput, process.log)
    }

    /// Everything the process wrote so far (stdout and stderr interleaved, or stderr alone when output is apart).
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// What the process wrote to standard output, when it is kept apart from the log.
    public var standardOutput: String {
        outputPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
    }

    public var isRunning: Bool { process.isRunning }

    public var processIdentifier: Int32 { process.processIdentifier }

    /// The first log line containing `text`, once it appears.
    @discardableResult
    public func waitForLog(matching text: String, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = log.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            if !process.isRunning {
                throw VerifydProcessError(
                    "verifyd exited (\(process.terminationStatus)) before logging \"\(text)\":\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw VerifydProcessError("timed out waiting for \"\(text)\" in the log:\n\(log)")
    }

    /// Whether `/readyz` answers 200 within `timeout`, probing again after a 503 as a balancer does: on a loaded
    /// machine the first probe of a process just started can outlast the readiness deadline (2 s) while the probe
    /// connection is opened, and answer 503 although nothing is wrong.
    public func becomesReady(within timeout: Duration = .seconds(20)) async -> Bool {
        let http = TestHTTPClient()
        return await eventually(within: timeout) {
            (try? await http.send("GET", baseURL + "/readyz"))?.status == 200
        }
    }

    /// Sends SIGTERM (graceful shutdown).
    public func terminate() { process.terminate() }

    /// Sends SIGKILL: the process dies mid-whatever, as a crashed instance would.
    public func kill() { Foundation.kill(process.processIdentifier, SIGKILL) }

    /// Waits for the process to exit and returns its status (or throws after `timeout`).
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw VerifydProcessError("verifyd still running after \(timeout):\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Stops a process a test is done with, whatever state it is in.
    public func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        if (try? await waitForExit(timeout: .seconds(15))) == nil {
            kill()
            _ = try? await waitForExit(timeout: .seconds(5))
        }
    }

    deinit {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}

public struct VerifydProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
