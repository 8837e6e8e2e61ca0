import Foundation

/// The environment `scripts/test` prepares before it runs `swift test --skip-build`.
///
/// - `VERIFYD_TEST_DATABASE_URL`: libpq conninfo (`host=127.0.0.1 port=… user=postgres dbname=postgres`) of a
///   throwaway cluster, as superuser. Tests create their own databases in it (see `databaseURL(database:)`).
/// - `VERIFYD_TEST_BINARY`: absolute path of the built `verifyd` executable.
/// - `VERIFYD_TEST_PG_BINDIR`: folder with `initdb`, `pg_ctl` and `postgres`.
/// - `VERIFYD_TEST_PG_USER`: OS user to run PostgreSQL server processes as (`postgres` when the tests run as root,
///   through `runuser -u USER --`); empty means run them directly.
/// - `VERIFYD_TEST_SCRATCH`: a short folder that user can traverse and write, for clusters and sockets of tests.
///
/// A missing variable is an error that says how to run the tests, never a silent skip.
public enum TestEnvironment {
    /// How to get a complete environment; part of every error message.
    public static let howToRun = """
        Run the tests with scripts/test: it starts a throwaway PostgreSQL, builds verifyd and exports \
        VERIFYD_TEST_DATABASE_URL, VERIFYD_TEST_BINARY, VERIFYD_TEST_PG_BINDIR, VERIFYD_TEST_PG_USER and \
        VERIFYD_TEST_SCRATCH (for one suite: scripts/test --filter PostgresTests). Or export them yourself, as \
        described at the top of scripts/test.
        """

    /// Conninfo of the throwaway cluster as superuser `postgres`, database `postgres`.
    public static var databaseURL: String {
        get throws { try value(of: "VERIFYD_TEST_DATABASE_URL") }
    }

    /// The same cluster, connected to `database`: in a conninfo string the later `dbname` wins.
    public static func databaseURL(database: String) throws -> String {
        "\(try databaseURL) dbname=\(database)"
    }

    /// Absolute path of the built `verifyd` executable.
    public static var binary: String {
        get throws { try value(of: "VERIFYD_TEST_BINARY") }
    }

    /// The `fake-twilio` executable, built beside `verifyd`.
    public static var fakeTwilioBinary: String {
        get throws {
            URL(fileURLWithPath: try binary).deletingLastPathComponent().appendingPathComponent("fake-twilio").path
        }
    }

    /// Folder with `initdb`, `pg_ctl` and `postgres`.
    public static var postgresBinDirectory: String {
        get throws { try value(of: "VERIFYD_TEST_PG_BINDIR") }
    }

    /// The OS user to run PostgreSQL server processes as, or `nil` to run them as the current user.
    public static var postgresUser: String? {
        get throws {
            let user = try value(of: "VERIFYD_TEST_PG_USER", allowEmpty: true)
            return user.isEmpty ? nil : user
        }
    }

    /// A short folder where tests may create clusters and sockets; `scripts/test` removes it at exit.
    public static var scratchDirectory: String {
        get throws { try value(of: "VERIFYD_TEST_SCRATCH") }
    }

    static func value(of name: String, allowEmpty: Bool = false) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], allowEmpty || !value.isEmpty else {
            throw TestEnvironmentError(variable: name)
        }
        return value
    }
}

/// A variable that `scripts/test` would have set is missing.
public struct TestEnvironmentError: Error, CustomStringConvertible {
    /// The missing variable.
    public let variable: String

    public var description: String {
        "\(variable) is not set. \(TestEnvironment.howToRun)"
    }
}
