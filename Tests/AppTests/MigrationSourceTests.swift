import Foundation
import Postgres
import Testing

@testable import App

@Suite("Migrations built into the binary")
struct MigrationSourceTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("migrations").path

    @Test("the embedded list is exactly the migrations folder, byte for byte")
    func embeddedMatchesFolder() throws {
        let embedded = try MigrationSource.load(directory: nil)
        let onDisk = try MigrationSource.load(directory: Self.folder)
        #expect(
            embedded.map(\.fileName) == onDisk.map(\.fileName),
            "update migrationFiles in Package.swift and MigrationSource.embedded")
        #expect(embedded.map(\.checksum) == onDisk.map(\.checksum))
        #expect(try Migration.ordered(embedded).map(\.version) == embedded.map(\.version).sorted())
    }
}
