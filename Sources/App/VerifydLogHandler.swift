import Foundation
import HTTPAPI
import Logging

/// One line per log entry on standard error: `time level label: message key=value …` for people, or a JSON object
/// for machines. Standard output belongs to what a command prints for its caller (`check`'s status line, which
/// Nagios reads as the first line, and the admin commands' JSON lines). Metadata values are written as given;
/// callers keep codes, secrets and full numbers out of them.
public struct VerifydLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: LogSettings.Format
    private static let output = FileHandle.standardError
    private static let lock = NSLock()

    public init(label: String, settings: LogSettings) {
        self.label = label
        self.logLevel = settings.level
        self.format = settings.format
    }

    /// Installs this handler for every logger the process makes.
    public static func bootstrap(_ settings: LogSettings) {
        LoggingSystem.bootstrap { label in VerifydLogHandler(label: label, settings: settings) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // The event's metadata wins over the logger's; collected as pairs, which costs less than merging dictionaries.
        var merged = Array(metadata)
        if let extra = event.metadata, !extra.isEmpty {
            merged.removeAll { extra[$0.key] != nil }
            merged.append(contentsOf: extra)
        }
        // ISO 8601 in UTC to the second, as `Date.formatted(.iso8601)` writes it, at a small part of the cost.
        let time = TwilioDate.format(Date())
        let line: String
        switch format {
        case .text:
            let pairs = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(time) \(event.level) \(label): \(event.message)" + (pairs.isEmpty ? "" : " " + pairs) + "\n"
        case .json:
            var object = [String: String](uniqueKeysWithValues: merged.map { ($0.key, "\($0.value)") })
            object["time"] = time
            object["level"] = "\(event.level)"
            object["logger"] = label
            object["message"] = "\(event.message)"
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        }
        Self.lock.lock()
        defer { Self.lock.unlock() }
        Self.output.write(Data(line.utf8))
    }
}
