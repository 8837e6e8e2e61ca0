import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private PostgreSQL cluster for fault-injection tests: one a test may stop, restart or kill without disturbing
/// the shared cluster of `TestEnvironment.databaseURL`.
///
/// It lives in its own folder under `TestEnvironment.scratchDirectory` (data, log and a short socket folder), listens
/// on a free 127.0.0.1 port that stays the same across restarts, trusts every local connection and runs with fsync
/// off. Server commands run as `TestEnvironment.postgresUser` through `runuser` when that is set.
///
/// ```swift
/// try await ScratchCluster.withCluster { cluster in   // destroyed afterwards, also on failure
///     // connect to cluster.conninfo ...
///     try await cluster.kill()    // the postmaster dies with SIGKILL
///     try await cluster.start()   // crash recovery, same port
/// }
/// ```
/// `scripts/test` also stops any cluster still running in the scratch folder when it exits.
public actor ScratchCluster {
    /// How `pg_ctl stop` shuts the server down.
    public enum StopMode: String, Sendable {
        case smart
        case fast
        case immediate
    }

    /// The port on 127.0.0.1, chosen when the cluster is created.
    public nonisolated let port: Int
    /// Folder holding `data/`, `server.log` and the socket folder `s/`; removed by `destroy()`.
    public nonisolated let directory: String
    public nonisolated let dataDirectory: String
    public nonisolated let socketDirectory: String
    public nonisolated let logPath: String
    /// libpq conninfo as superuser `postgres`, database `postgres`.
    public nonisolated var conninfo: String { conninfo(database: "postgres") }

    let binDirectory: String
    let serverUser: String?
    private let settings: [String: String]

    /// libpq conninfo for `database` on this cluster.
    public nonisolated func conninfo(database: String) -> String {
        "host=127.0.0.1 port=\(port) user=postgres dbname=\(database) connect_timeout=5"
    }

    /// Creates the cluster (initdb) and, unless `start` is false, starts it. `settings` become `-c name=value`
    /// server options on every start.
    public static func create(
        settings: [String: String] = [:],
        start: Bool = true,
        binDirectory: String? = nil,
        serverUser: String?? = nil,
        scratchDirectory: String? = nil
    ) async throws -> ScratchCluster {
        let cluster = try ScratchCluster(
            port: ServerProcess.freeLoopbackPort(),
            binDirectory: try binDirectory ?? TestEnvironment.postgresBinDirectory,
            serverUser: try serverUser ?? TestEnvironment.postgresUser,
            scratchDirectory: try scratchDirectory ?? TestEnvironment.scratchDirectory,
            settings: settings
        )
        try await cluster.initialize()
        if start { try await cluster.start() }
        return cluster
    }

    /// Creates and starts a cluster, runs `body` with it, then destroys it, also when `body` throws.
    public static func withCluster<Result>(
        settings: [String: String] = [:],
        _ body: (ScratchCluster) async throws -> Result
    ) async throws -> Result {
        let cluster = try await create(settings: settings)
        do {
            let result = try await body(cluster)
            try await cluster.destroy()
            return result
        } catch {
            try? await cluster.destroy()
            throw error
        }
    }

    init(
        port: Int,
        binDirectory: String,
        serverUser: String?,
        scratchDirectory: String,
        settings: [String: String]
    ) {
        // Short names: the socket path (folder + "/.s.PGSQL.NNNNN") must stay under ~107 bytes.
        let name = "c-" + UUID().uuidString.prefix(8).lowercased()
        self.port = port
        self.directory = scratchDirectory + "/" + name
        self.dataDirectory = directory + "/data"
        self.socketDirectory = directory + "/s"
        self.logPath = directory + "/server.log"
        self.binDirectory = binDirectory
        self.serverUser = serverUser
        self.settings = ["fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"]
            .merging(settings) { _, new in new }
    }

    private func initialize() async throws {
        try await server("/bin/mkdir", ["-m", "0700", directory, socketDirectory])
        try await server(
            binDirectory + "/initdb",
            ["-D", dataDirectory, "--no-sync", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"],
            timeout: .seconds(120)
        )
    }

    /// Starts the server and waits until it accepts connections. Clears a stale `postmaster.pid` left by `kill()`.
    public func start() async throws {
        let options =
            ["-p \(port)", "-k \(socketDirectory)", "-c listen_addresses=127.0.0.1"]
            + settings.sorted { $0.key < $1.key }.map { "-c " + ServerProcess.shellQuoted("\($0.key)=\($0.value)") }
        var lastError: (any Error)?
        // After a SIGKILL the old server's children may hold its shared memory for a moment: try again shortly.
        for _ in 1...5 {
            clearStalePostmasterPID()
            do {
                try await pgCtl(
                    ["-l", logPath, "-w", "-t", "30", "-o", options.joined(separator: " "), "start"],
                    leavesServerRunning: true
                )
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        throw lastError ?? ScratchClusterError("pg_ctl start failed")
    }

    /// Stops the server; does nothing when it is not running.
    public func stop(mode: StopMode = .fast) async throws {
        guard isRunning() else { return }
        try await pgCtl(["-m", mode.rawValue, "-w", "-t", "30", "stop"])
    }

    public func restart(mode: StopMode = .fast) async throws {
        try await stop(mode: mode)
        try await start()
    }

    /// Kills the postmaster with SIGKILL, as a crash would, and waits until it is gone.
    public func kill() async throws {
        guard let pid = postmasterPID(), ServerProcess.isAlive(pid) else { return }
        ServerProcess.send(SIGKILL, to: pid)
        var waited = 0
        while ServerProcess.isAlive(pid) && waited < 200 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        if ServerProcess.isAlive(pid) { throw ScratchClusterError("postmaster \(pid) survived SIGKILL") }
    }

    /// Stops the server at once and removes every file of the cluster.
    public func destroy() async throws {
        if isRunning() {
            do { try await stop(mode: .immediate) } catch { try await kill() }
        }
        if FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The PID recorded in `postmaster.pid`, if the file exists.
    public func postmasterPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let line = text.split(separator: "\n").first
        else { return nil }
        return pid_t(line.trimmingCharacters(in: .whitespaces))
    }

    public func isRunning() -> Bool {
        postmasterPID().map(ServerProcess.isAlive) ?? false
    }

    /// True when the server accepts connections (`pg_isready`).
    public func isReady() async throws -> Bool {
        let result = try await ServerProcess.run(
            binDirectory + "/pg_isready",
            ["-h", "127.0.0.1", "-p", "\(port)", "-t", "2"]
        )
        return result.status == 0
    }

    /// Runs `sql` with psql as superuser and returns its unaligned, tuples-only output; throws when psql fails.
    @discardableResult
    public func query(_ sql: String, database: String = "postgres") async throws -> String {
        let result = try await ServerProcess.run(
            binDirectory + "/psql",
            ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo(database: database), "-c", sql]
        )
        guard result.status == 0 else { throw ScratchClusterError("psql failed: \(result.output)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// pg_ctl trusts a postmaster.pid whose PID exists; after a SIGKILL that PID may be a zombie or another process.
    private func clearStalePostmasterPID() {
        if let pid = postmasterPID(), !ServerProcess.isAlive(pid) {
            try? FileManager.default.removeItem(atPath: dataDirectory + "/postmaster.pid")
        }
    }

    func pgCtl(_ arguments: [String], leavesServerRunning: Bool = false) async throws {
        try await server(
            binDirectory + "/pg_ctl",
            ["-D", dataDirectory] + arguments,
            leavesServerRunning: leavesServerRunning
        )
    }

    /// Runs a command as the server user, throwing with its output and the log's tail when it fails.
    func server(
        _ executable: String,
        _ arguments: [String],
        timeout: Duration = .seconds(60),
        leavesServerRunning: Bool = false
    ) async throws {
        var command = (executable, arguments)
        if let serverUser {
            command = (ServerProcess.runuser, ["-u", serverUser, "--", executable] + arguments)
        }
        if leavesServerRunning {
            command = ServerProcess.withoutInheritedDescriptors(command)
        }
        let result = try await ServerProcess.run(command.0, command.1, timeout: timeout)
        guard result.status == 0 else {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            let tail = log.split(separator: "\n").suffix(10).joined(separator: "\n")
            throw ScratchClusterError(
                "\(executable) \(arguments.joined(separator: " ")) exited with \(result.status): "
                    + "\(result.output)\nlast lines of \(logPath):\n\(tail)"
            )
        }
    }
}

/// A `ScratchCluster` operation failed.
public struct ScratchClusterError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
