import AsyncHTTPClient
import FakeTwilio
import Foundation
import TestSupport

/// The deployment of `docker/compose.yaml`, as real processes on loopback: one PostgreSQL, pgbouncer 1.18 in
/// transaction mode with a configuration and port of its own, three `verifyd serve` through it on fixed ports,
/// HAProxy in front running `docker/haproxy.cfg` itself (its loopback flavour), and a fake Twilio.
actor LoopbackDeployment {
    /// The deployment of the running suite (see `DeploymentScope`).
    @TaskLocal static var current: LoopbackDeployment?

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    nonisolated let database: ScratchCluster
    nonisolated let pgbouncer: LoopbackDaemon
    nonisolated let balancer: LoopbackDaemon
    nonisolated let fake: FakeTwilio
    nonisolated let httpClient: HTTPClient
    nonisolated let client: DeploymentClient
    /// What the instances run with: through pgbouncer, delivering through the fake, the shipped drain.
    nonisolated let environment: VerifydEnvironment
    nonisolated let ports: [Int]
    /// `http://127.0.0.1:PORT` of the balancer.
    nonisolated let front: String
    private(set) var instances: [VerifydProcess]
    /// The log of every verifyd process that served or migrated, and HAProxy's, for the code leak check at the end.
    private var logs: [String]

    private init(parts: Parts, instances: [VerifydProcess], balancer: LoopbackDaemon) {
        database = parts.database
        pgbouncer = parts.pgbouncer
        fake = parts.fake
        httpClient = parts.httpClient
        environment = parts.environment
        client = DeploymentClient(httpClient: parts.httpClient, environment: parts.environment, fake: parts.fake)
        ports = parts.ports
        front = parts.front
        self.instances = instances
        self.balancer = balancer
        // pgbouncer's is left out: it sees SQL only, never logs it, and its byte rates would pass for codes.
        logs = parts.logs + instances.map(\.logPath) + [balancer.logPath]
    }

    /// What is started before the instances; torn down in reverse when a later step fails.
    private struct Parts {
        var database: ScratchCluster
        var pgbouncer: LoopbackDaemon
        var fake: FakeTwilio
        var httpClient: HTTPClient
        var environment: VerifydEnvironment
        var ports: [Int]
        var front: String
        var logs: [String]
    }

    static func start() async throws -> LoopbackDeployment {
        let database = try await ScratchCluster.create(settings: ["max_connections": "200"])
        var instances: [VerifydProcess] = []
        var started: Parts?
        do {
            try await database.query("CREATE DATABASE verifyd")
            let pgbouncer = try await startPgBouncer(in: database)
            let fake = try await FakeTwilio.start()
            let front = try LoopbackDaemon.freePort()
            var environment = VerifydEnvironment(
                databaseURL: "host=127.0.0.1 port=\(pgbouncer.port) user=postgres dbname=verifyd",
                publicURL: "http://127.0.0.1:\(front)")
            environment.useTwilio(
                apiURL: fake.baseURL, accountSid: fake.account.accountSID, authToken: fake.account.authToken)
            // The shipped drain (VERIFYD_SHUTDOWN_DRAIN_SECONDS' default), not the tests' 0.
            environment["VERIFYD_SHUTDOWN_DRAIN_SECONDS"] = nil
            // A 5 s lease (twice this and a second): a send cut off by a SIGKILL turns unknown soon.
            environment["VERIFYD_TWILIO_TIMEOUT_MS"] = "2000"
            let parts = Parts(
                database: database, pgbouncer: pgbouncer.daemon, fake: fake,
                httpClient: DeploymentClient.makeHTTPClient(),
                environment: environment, ports: try (0..<3).map { _ in try LoopbackDaemon.freePort() },
                front: "http://127.0.0.1:\(front)", logs: [])
            started = parts
            let migrate = try await migrate(parts, databaseURL: database.conninfo(database: "verifyd"))
            started?.logs.append(migrate.logPath)
            for port in parts.ports {
                instances.append(try await VerifydProcess.serve(environment: environment.values, port: port))
            }
            let balancer = try await startBalancer(listening: front, servers: parts.ports)
            return LoopbackDeployment(parts: started!, instances: instances, balancer: balancer)
        } catch {
            for instance in instances { await instance.stop() }
            if let started {
                await started.pgbouncer.stop()
                await started.fake.stop()
                try? await started.httpClient.shutdown()
            }
            try? await database.destroy()
            throw error
        }
    }

    /// Runs `verifyd migrate` to completion; throws unless it succeeds.
    private static func migrate(_ parts: Parts, databaseURL: String) async throws -> VerifydProcess {
        var environment = parts.environment
        environment["DATABASE_URL"] = databaseURL
        let process = try VerifydProcess.launch(["migrate"], environment: environment.values)
        let status = try await process.waitForExit(timeout: .seconds(60))
        guard status == 0 else { throw VerifydProcessError("verifyd migrate exited with \(status):\n\(process.log)") }
        return process
    }

    /// pgbouncer in transaction mode on a port of its own (Debian's own instance may hold 6432), trusting loopback
    /// clients as the cluster does, as the server user: it refuses to run as root.
    private static func startPgBouncer(in database: ScratchCluster) async throws -> (daemon: LoopbackDaemon, port: Int)
    {
        let port = try LoopbackDaemon.freePort()
        let folder = database.directory + "/pgbouncer"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try #""postgres" """#.write(toFile: folder + "/userlist.txt", atomically: true, encoding: .utf8)
        let configuration = """
            [databases]
            verifyd = host=127.0.0.1 port=\(database.port) dbname=verifyd

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(folder)/userlist.txt
            pool_mode = transaction
            max_client_conn = 200
            default_pool_size = 20

            """
        try configuration.write(toFile: folder + "/pgbouncer.ini", atomically: true, encoding: .utf8)
        let daemon = try LoopbackDaemon.launch(
            "pgbouncer", executable: try LoopbackDaemon.executable("pgbouncer"),
            arguments: [folder + "/pgbouncer.ini"], asServerUser: true)
        try await daemon.waitForLog(matching: "listening on 127.0.0.1:\(port)")
        return (daemon, port)
    }

    /// HAProxy running docker/haproxy.cfg in its loopback flavour. Started after the instances are ready: HAProxy
    /// counts a server up until its checks fail.
    private static func startBalancer(listening port: Int, servers: [Int]) async throws -> LoopbackDaemon {
        var environment = ["VERIFYD_BALANCER": "loopback", "VERIFYD_BALANCER_BIND": "127.0.0.1:\(port)"]
        for (index, server) in servers.enumerated() {
            environment["VERIFYD_BALANCER_SERVER_\(index + 1)"] = "127.0.0.1:\(server)"
        }
        let balancer = try LoopbackDaemon.launch(
            "haproxy", executable: try LoopbackDaemon.executable("haproxy"),
            arguments: ["-db", "-f", repositoryRoot.appendingPathComponent("docker/haproxy.cfg").path],
            environment: environment)
        let ready = await eventually(within: .seconds(30)) {
            (try? await TestHTTPClient().send("GET", "http://127.0.0.1:\(port)/readyz").status) == 200
        }
        guard ready else { throw VerifydProcessError("HAProxy did not answer /readyz:\n\(balancer.log)") }
        return balancer
    }

    /// Stops every process and removes the cluster.
    func stop() async {
        await balancer.stop()
        for instance in instances { await instance.stop() }
        await pgbouncer.stop()
        await fake.stop()
        try? await httpClient.shutdown()
        try? await database.destroy()
    }

    func instance(_ index: Int) -> VerifydProcess { instances[index] }

    /// HAProxy's name for instance `index` in its log (`verifyd/verifyd1`).
    nonisolated func serverName(_ index: Int) -> String { "verifyd/verifyd\(index + 1)" }

    /// Starts instance `index` again on its port and waits until the balancer sends it traffic again.
    func startAgain(_ index: Int) async throws {
        let ups = balancer.logLines(containing: "\(serverName(index)) is UP")
        let process = try await VerifydProcess.serve(environment: environment.values, port: ports[index])
        instances[index] = process
        logs.append(process.logPath)
        try await balancer.waitForLog(matching: "\(serverName(index)) is UP", count: ups + 1)
    }

    /// Keeps the log of a process the tests started on the side, for the code leak check.
    func adopt(log path: String) { logs.append(path) }

    var allLogs: [String] { logs }

    /// Runs SQL in the served database directly (not through pgbouncer) and returns psql's unaligned output.
    nonisolated func sql(_ query: String) async throws -> String {
        try await database.query(query, database: "verifyd")
    }
}
