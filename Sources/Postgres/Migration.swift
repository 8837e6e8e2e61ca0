import Crypto
import Foundation

/// One forward-only migration file, `NNNN_name.sql`: plain SQL that psql could run as well.
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let fileName: String
    public let sql: String
    /// SHA-256 of the file's bytes, lowercase hex; what `schema_migrations` records and later runs compare.
    public let checksum: String
    /// Set by a first line of `-- verifyd:no-transaction`, for statements such as `CREATE INDEX CONCURRENTLY` that
    /// cannot run inside a transaction. Such a file runs statement by statement under a session lock.
    public let runsOutsideTransaction: Bool

    public static let noTransactionMarker = "-- verifyd:no-transaction"

    public init(fileName: String, contents: [UInt8]) throws(MigrationError) {
        guard fileName.hasSuffix(".sql"), let underscore = fileName.firstIndex(of: "_"),
            let version = Int(fileName[..<underscore]), version > 0
        else {
            throw MigrationError(.badFileName, file: fileName)
        }
        self.version = version
        self.fileName = fileName
        self.name = String(fileName[fileName.index(after: underscore)...].dropLast(4))
        self.sql = String(decoding: contents, as: UTF8.self)
        self.checksum = SHA256.hash(data: contents).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        let firstLine = sql.prefix { !$0.isNewline }.trimmingCharacters(in: .whitespacesAndNewlines)
        self.runsOutsideTransaction = firstLine == Self.noTransactionMarker
    }

    /// Sorts files by version and refuses two files with the same version.
    public static func ordered(_ migrations: [Migration]) throws(MigrationError) -> [Migration] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.version == later.version {
            throw MigrationError(.duplicateVersion, file: later.fileName)
        }
        return sorted
    }
}

/// A migration problem that names the file and never quotes the server's message (see `PostgresError`).
public struct MigrationError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public struct Code: Sendable, Hashable {
        fileprivate let text: String
        public static let badFileName = Code(text: "is not named NNNN_name.sql")
        public static let duplicateVersion = Code(text: "has the same version as another file")
        public static let checksumMismatch = Code(
            text: "was changed after it was applied (its SHA-256 differs from schema_migrations); "
                + "migrations are forward-only: restore the file and add a new one")
        public static let failed = Code(text: "failed and was rolled back; fix it and run migrate again")
        public static let lockTimeout = Code(text: "could not take the migration lock in time")
    }

    public let code: Code
    public let file: String
    public let underlying: PostgresError?

    public init(_ code: Code, file: String, underlying: PostgresError? = nil) {
        self.code = code
        self.file = file
        self.underlying = underlying
    }

    public var description: String {
        var text = "migration \(file) \(code.text)"
        if let underlying { text += " (\(underlying))" }
        return text
    }

    public var debugDescription: String {
        guard let underlying else { return description }
        return "migration \(file) \(code.text) (\(underlying.debugDescription))"
    }
}
