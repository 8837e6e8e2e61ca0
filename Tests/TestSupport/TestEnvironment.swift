import Foundation

/// Temporary stand-in until the scripts branch lands its TestEnvironment.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "\(name) is not set: run the tests with scripts/test, which starts PostgreSQL and sets it"
        }
    }

    public static func databaseURL() throws -> String {
        guard let value = ProcessInfo.processInfo.environment["VERIFYD_TEST_DATABASE_URL"] else {
            throw Missing(name: "VERIFYD_TEST_DATABASE_URL")
        }
        return value
    }
}
