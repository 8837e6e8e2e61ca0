import Foundation

/// What the database has applied compared with the migrations this binary carries.
public struct MigrationStatus: Sendable {
    /// Applied and unchanged.
    public var applied: [AppliedMigration] = []
    /// Carried by this binary, not yet applied.
    public var pending: [Migration] = []
    /// Applied, but the file this binary carries differs from what was applied.
    public var changed: [Migration] = []
    /// Applied by a newer release: this binary keeps serving, because each release's migrations stay compatible
    /// with the release before it (expand, then contract).
    public var unknown: [AppliedMigration] = []

    /// Nothing to apply and nothing altered: the state `serve` requires.
    public var isCurrent: Bool { pending.isEmpty && changed.isEmpty }
}

/// A row of `schema_migrations`.
public struct AppliedMigration: Sendable, Hashable {
    public var version: Int
    public var name: String
    public var checksum: String
    public var appliedAt: Date
}
