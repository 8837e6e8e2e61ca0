import Foundation

/// A long-running helper a test starts on loopback (pgbouncer, HAProxy), with standard output and standard error in
/// one log file under `TestEnvironment.scratchDirectory`, where `scripts/test` can still find it after a failure,
/// and its PID beside it (`NAME-….log.pid`), so that `scripts/test` can stop it when a test run dies first.
public final class LoopbackDaemon: @unchecked Sendable {
    // Unchecked Sendable: `process` is only started in `launch`, then signalled and waited on, which Foundation's
    // Process allows from any thread.
    private let process: Process
    public let name: String
    public let logPath: String

    private init(process: Process, name: String, logPath: String) {
        self.process = process
        self.name = name
        self.logPath = logPath
    }

    /// Starts `executable`. With `asServerUser` it runs as `TestEnvironment.postgresUser` when that is set (pgbouncer
    /// refuses to run as root): `setpriv` changes the user and then executes it, so the PID signalled is its own.
    public static func launch(
        _ name: String, executable: String, arguments: [String], environment: [String: String]? = nil,
        asServerUser: Bool = false
    ) throws -> LoopbackDaemon {
        let logPath = try TestEnvironment.scratchDirectory + "/\(name)-\(UUID().uuidString.prefix(8)).log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw VerifydProcessError("cannot create \(logPath)")
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        if asServerUser, let user = try TestEnvironment.postgresUser {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(user)", "--regid=\(user)", "--init-groups", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        // scripts/test stops what a crashed test run left behind by these files.
        try? "\(process.processIdentifier)\n".write(toFile: logPath + ".pid", atomically: true, encoding: .utf8)
        return LoopbackDaemon(process: process, name: name, logPath: logPath)
    }

    /// A port on 127.0.0.1 that nothing listens on right now.
    public static func freePort() throws -> Int { try ServerProcess.freeLoopbackPort() }

    /// The first of `/usr/sbin`, `/usr/bin`, `/usr/local/sbin` and `/usr/local/bin` that holds `program`.
    public static func executable(_ program: String) throws -> String {
        let found = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"].map { $0 + "/" + program }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let found else { throw VerifydProcessError("\(program) is not installed (scripts/lib/deps.sh)") }
        return found
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public var isRunning: Bool { process.isRunning }

    /// How many log lines contain `text`.
    public func logLines(containing text: String) -> Int {
        log.split(separator: "\n").count { $0.contains(text) }
    }

    /// Waits until `count` log lines contain `text`.
    public func waitForLog(matching text: String, count: Int = 1, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while logLines(containing: text) < count {
            guard process.isRunning else {
                throw VerifydProcessError("\(name) exited (\(process.terminationStatus)):\n\(log)")
            }
            guard ContinuousClock.now < deadline else {
                throw VerifydProcessError("timed out waiting for \(count) × \"\(text)\" in \(name)'s log:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// SIGTERM, then SIGKILL when it is still running after 10 s.
    public func stop() async {
        defer { try? FileManager.default.removeItem(atPath: logPath + ".pid") }
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}
