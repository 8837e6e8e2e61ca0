import Foundation
import Testing

/// Starts one `LoopbackDeployment` for the whole suite, and after its last test searches every log of the run,
/// verifyd's and HAProxy's, for every code the fake Twilio delivered.
struct DeploymentScope: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let deployment = try await LoopbackDeployment.start()
        do {
            try await LoopbackDeployment.$current.withValue(deployment) { try await function() }
        } catch {
            await deployment.stop()
            throw error
        }
        let codes = deployment.client.issuedCodes()
        let logs = await deployment.allLogs
        await deployment.stop()
        let leaks = logs.flatMap { path in CodeLeaks.lines(in: path, containingAnyOf: codes) }
        print("deployment: searched \(logs.count) logs for the \(codes.count) codes issued; found \(leaks.count)")
        guard leaks.isEmpty else { throw CodeLeaks(lines: leaks) }
    }
}

extension Trait where Self == DeploymentScope {
    static var loopbackDeployment: Self { DeploymentScope() }
}

/// Log lines that hold a code the fake Twilio delivered.
struct CodeLeaks: Error, CustomStringConvertible {
    let lines: [String]

    var description: String { "codes in the logs:\n" + lines.prefix(20).joined(separator: "\n") }

    /// The lines of the file at `path` in which a run of digits, not part of a longer word, is one of `codes`.
    static func lines(in path: String, containingAnyOf codes: Set<String>) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { line in
            line.split { !$0.isLetter && !$0.isNumber }.contains { codes.contains(String($0)) }
        }.map { "\(path): \($0)" }
    }
}
