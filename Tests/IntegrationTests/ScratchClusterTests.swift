import Foundation
import TestSupport
import Testing

@Suite struct ScratchClusterTests {
    @Test func aScratchClusterStartsStopsStartsAgainAndIsDestroyed() async throws {
        let cluster = try await ScratchCluster.create()
        #expect(try await cluster.isReady())
        #expect(try await cluster.query("SELECT 1") == "1")

        try await cluster.stop()
        #expect(try await !cluster.isReady())

        try await cluster.start()
        #expect(try await cluster.query("SELECT 1") == "1")

        try await cluster.destroy()
        #expect(!FileManager.default.fileExists(atPath: cluster.directory))
    }

    @Test func aKilledScratchClusterRecoversOnTheSamePort() async throws {
        // Committed work must survive the crash, so this cluster commits synchronously (the default is off).
        try await ScratchCluster.withCluster(settings: ["synchronous_commit": "on"]) { cluster in
            try await cluster.query("CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (1)")
            let pid = try #require(await cluster.postmasterPID())

            try await cluster.kill()
            #expect(await !cluster.isRunning())
            #expect(try await !cluster.isReady())

            try await cluster.start()
            #expect(await cluster.postmasterPID() != pid)
            #expect(try await cluster.query("SELECT count(*) FROM survivor") == "1")
            #expect(try await cluster.query("SHOW synchronous_commit") == "on")
        }
    }
}
