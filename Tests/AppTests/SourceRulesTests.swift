import Foundation
import Testing

/// Rules that keep the code safe by construction, checked over the source tree.
@Suite("Source rules")
struct SourceRulesTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    static func files() throws -> [(path: String, text: String)] {
        let paths = try FileManager.default.subpathsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".swift") }
        return try paths.map { ($0, try String(contentsOf: sources.appendingPathComponent($0), encoding: .utf8)) }
    }

    @Test("SQL text is built from literals: raw SQL appears only where its name says so, in the places that need it")
    func rawSQLIsContained() throws {
        let allowed: [String: Set<String>] = [
            "unsafeSQL:": ["Postgres/PostgresQuery.swift"],
            "unsafeExecute(rawSQL:": ["Postgres/PostgresConnection.swift", "Postgres/MigrationRunner.swift"],
            "PQsendQuery(": ["Postgres/PostgresConnection+Wire.swift"],
        ]
        let files = try Self.files()
        #expect(files.count > 30)
        for (marker, places) in allowed {
            let found = Set(files.filter { $0.text.contains(marker) }.map(\.path))
            #expect(found.isSubset(of: places), "\(marker) used in \(found.subtracting(places))")
        }
    }

    @Test("no try! or fatalError in production code")
    func noCrashingShortcuts() throws {
        for (path, text) in try Self.files() {
            #expect(!text.contains("try!"), "try! in \(path)")
            #expect(!text.contains("fatalError("), "fatalError in \(path)")
        }
    }

    @Test("the domain module imports nothing of ours and nothing that does I/O")
    func pureDomain() throws {
        let imports = try Self.files().filter { $0.path.hasPrefix("VerifyCore/") }.flatMap { file in
            file.text.split(separator: "\n").filter { $0.hasPrefix("import ") }.map { String($0.dropFirst(7)) }
        }
        // Synchronization holds Mutex and Atomic: no I/O.
        #expect(Set(imports).isSubset(of: ["Crypto", "Foundation", "Logging", "Synchronization"]), "\(Set(imports))")
    }

    @Test("the HTTP module never sees PostgreSQL")
    func httpDoesNotImportPostgres() throws {
        let httpFiles = try Self.files().filter { $0.path.hasPrefix("HTTPAPI/") }
        #expect(!httpFiles.isEmpty)
        for (path, text) in httpFiles {
            #expect(!text.contains("import Postgres"), "\(path) imports Postgres")
            #expect(!text.contains("import VerifyStore"), "\(path) imports VerifyStore")
        }
    }
}
