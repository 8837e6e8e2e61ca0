import Foundation

extension ScratchCluster {
    /// A streaming standby of `primary` in a folder of its own: `pg_basebackup -R` copies the primary and writes
    /// `standby.signal` and `primary_conninfo`, then the standby starts on a port of its own and follows the primary
    /// over streaming replication (hot standby: it answers read-only queries).
    public static func standby(of primary: ScratchCluster) async throws -> ScratchCluster {
        let standby = ScratchCluster(
            port: try ServerProcess.freeLoopbackPort(), binDirectory: primary.binDirectory,
            serverUser: primary.serverUser,
            scratchDirectory: URL(fileURLWithPath: primary.directory).deletingLastPathComponent().path,
            settings: [:])
        try await standby.server("/bin/mkdir", ["-m", "0700", standby.directory, standby.socketDirectory])
        try await standby.server(
            standby.binDirectory + "/pg_basebackup",
            [
                "-D", standby.dataDirectory, "-h", "127.0.0.1", "-p", "\(primary.port)", "-U", "postgres",
                "-X", "stream", "-R", "-c", "fast", "--no-sync",
            ],
            timeout: .seconds(120))
        try await standby.start()
        return standby
    }

    /// Ends recovery on a standby (`pg_ctl promote`) and waits until it accepts writes.
    public func promote() async throws {
        try await pgCtl(["-w", "-t", "30", "promote"])
    }
}
