import Foundation
import TestSupport
import Testing

/// Starts one `LoopbackDeployment` for the whole suite, and after its last test searches every log of the run,
/// verifyd's and HAProxy's, for every code the fake Twilio delivered and every number it delivered to, and
/// HAProxy's for paths.
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
        let numbers = deployment.client.numbersSentTo()
        let logs = await deployment.allLogs
        let balancerLog = deployment.balancer.log
        await deployment.stop()
        var leaks = logs.flatMap { path in Leaks.lines(in: path, containingAnyOf: codes.union(numbers)) }
        // No path reaches the balancer's log: the original routes carry numbers and codes.
        leaks += balancerLog.split(separator: "\n").filter { line in
            ["/v2/", "/twilio/", "/auth/", "/sms", "/healthz", "/readyz"].contains { line.contains($0) }
        }.map { "HAProxy: \($0)" }
        print(
            "deployment: searched \(logs.count) logs for the \(codes.count) codes issued and the \(numbers.count) "
                + "numbers they went to; found \(leaks.count)")
        guard leaks.isEmpty else { throw Leaks(lines: leaks) }
    }
}

extension Trait where Self == DeploymentScope {
    static var loopbackDeployment: Self { DeploymentScope() }
}

/// Log lines that hold a code the fake Twilio delivered, a whole number it delivered to, or a path.
struct Leaks: Error, CustomStringConvertible {
    let lines: [String]

    var description: String { "secrets in the logs:\n" + lines.prefix(20).joined(separator: "\n") }

    /// The lines of the file at `path` in which a run of digits, not part of a longer word, is one of `codes`.
    static func lines(in path: String, containingAnyOf codes: Set<String>) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { line in
            line.split { !$0.isLetter && !$0.isNumber }.contains { codes.contains(String($0)) }
        }.map { "\(path): \($0)" }
    }
}
