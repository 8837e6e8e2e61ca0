import Logging
import Postgres
import VerifyCore

/// What `serve` verifies before it listens.
enum StartupChecks {
    /// Refuses to serve an older or altered schema; versions from a newer release are only reported, because each
    /// release's migrations stay compatible with the release before it.
    static func verifySchema(_ runner: MigrationRunner, migrateFirst: Bool, logger: Logger) async throws {
        if migrateFirst { try await runner.migrate() }
        let status = try await runner.status()
        if let changed = status.changed.first { throw MigrationError(.checksumMismatch, file: changed.fileName) }
        if !status.pending.isEmpty {
            throw StartupError(
                "\(status.pending.count) migration(s) pending (\(status.pending.map(\.fileName).joined(separator: ", "))): "
                    + "run `verifyd migrate`, or start with `verifyd serve --migrate`")
        }
        for unknown in status.unknown {
            logger.warning(
                "migrate.unknown_version",
                metadata: [
                    "version": "\(unknown.version)", "name": "\(unknown.name)",
                    "note": "applied by a newer release; serving with this release's schema expectations",
                ])
        }
    }

    static func verifyDefaultService(_ sid: ServiceSid?, services: any ServiceStore) async throws {
        guard let sid else { return }
        guard try await services.service(sid) != nil else {
            throw StartupError("VERIFYD_DEFAULT_SERVICE names \(sid), which does not exist")
        }
    }
}

/// A reason `serve` will not start, written for the operator.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
