import Testing

@testable import Postgres

@Suite("SQL statement splitter")
struct SQLStatementSplitterTests {
    @Test(
        "splits at top-level semicolons only",
        arguments: [
            ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]),
            ("SELECT ';'; SELECT 2", ["SELECT ';'", "SELECT 2"]),
            ("SELECT \"a;b\" FROM t", ["SELECT \"a;b\" FROM t"]),
            ("-- a; comment\nSELECT 1;", ["-- a; comment\nSELECT 1"]),
            ("/* x; y */ SELECT 1; SELECT 2", ["/* x; y */ SELECT 1", "SELECT 2"]),
            ("DO $$ BEGIN PERFORM 1; END $$; SELECT 3", ["DO $$ BEGIN PERFORM 1; END $$", "SELECT 3"]),
            ("DO $fn$ SELECT ';' $fn$;", ["DO $fn$ SELECT ';' $fn$"]),
            ("-- verifyd:no-transaction\n-- only comments;\n", []),
            ("SELECT $1;", ["SELECT $1"]),
        ])
    func split(_ sql: String, _ expected: [String]) {
        #expect(SQLStatementSplitter.split(sql) == expected)
    }
}
