import Logging
import Synchronization

/// Every line an app logged through `HTTPFixtureLogHandler`, rendered with its label and all metadata.
public final class HTTPFixtureLogs: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    public var all: [String] { lines.withLock { $0 } }

    /// The lines whose message is `message` (e.g. `request`).
    public func lines(withMessage message: String) -> [String] {
        all.filter { $0.contains(": \(message) ") || $0.hasSuffix(": \(message)") }
    }
}

/// A `LogHandler` that keeps lines instead of printing them. Logging's bootstrap can run once per process, so
/// tests hand a `Logger` made with this handler to `buildApplication` instead.
public struct HTTPFixtureLogHandler: LogHandler {
    public var logLevel: Logger.Level = .trace
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let logs: HTTPFixtureLogs

    public init(label: String, logs: HTTPFixtureLogs) {
        self.label = label
        self.logs = logs
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let pairs = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\($0)" } ?? ""
        logs.append("\(event.level) \(label): \(event.message) \(pairs) source=\(event.source)\(error)")
    }
}
