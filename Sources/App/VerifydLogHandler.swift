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
    /// Metadata of the moment (the request id of the request being served), read for every line.
    public var metadataProvider: Logger.MetadataProvider?
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

    /// Numbers stay numbers in JSON (`status`, `ms`), so a log pipeline can compare them; everything else is text.
    private static func jsonValue(_ value: Logger.MetadataValue) -> Any {
        if case .stringConvertible(let convertible) = value, convertible is any BinaryInteger {
            return Int("\(convertible)") ?? "\(convertible)"
        }
        return "\(value)"
    }

    public func log(event: LogEvent) {
        // Later sources win: the handler's metadata, the provider's, the event's. Most lines have only the last two.
        var merged = metadata
        func add(_ source: Logger.Metadata?) {
            guard let source, !source.isEmpty else { return }
            if merged.isEmpty { merged = source } else { merged.merge(source) { _, new in new } }
        }
        add(metadataProvider?.get())
        add(event.metadata)
        // ISO 8601 in UTC to the second, as `Date.formatted(.iso8601)` writes it, at a small part of the cost.
        let time = TwilioDate.format(Date())
        var line: [UInt8]
        switch format {
        case .text:
            line = Self.textLine(time: time, level: event.level, label: label, message: event.message, merged)
        case .json:
            var object: [String: Any] = merged.mapValues(Self.jsonValue)
            object["time"] = time
            object["level"] = "\(event.level)"
            object["logger"] = label
            object["message"] = "\(event.message)"
            line = [UInt8]((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
            line.append(UInt8(ascii: "\n"))
        }
        Self.redactBuckets(in: &line)
        Self.lock.lock()
        defer { Self.lock.unlock() }
        Self.output.write(Data(line))
    }

    /// `time level label: message key=value …`, keys in order, built as bytes: made by string appends and
    /// interpolation, a line cost 36 k instructions (callgrind), and a check writes two.
    static func textLine(
        time: String, level: Logger.Level, label: String, message: Logger.Message, _ metadata: Logger.Metadata
    ) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line += time.utf8
        line.append(UInt8(ascii: " "))
        line += level.rawValue.utf8
        line.append(UInt8(ascii: " "))
        line += label.utf8
        line += ": ".utf8
        line += message.description.utf8
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line.append(UInt8(ascii: " "))
            line += key.utf8
            line.append(UInt8(ascii: "="))
            if case .string(let text) = value { line += text.utf8 } else { line += value.description.utf8 }
        }
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// SIDs of rows that belong to a phone (`VE`, `VL`, `GN`) start with 16 bits of the number's SHA-256 (see
    /// `Sid`), enough to cut a US number down to ~150,000 candidates, and a log line may carry several of them
    /// beside a masked number. Every line therefore loses those four digits, wherever they are (metadata, request
    /// paths, messages): `VE****` and the 28 random digits, still unique enough to follow one verification through
    /// the log. Chosen over a keyed bucket, which would change every SID and every store, for now; the SIDs given to
    /// API callers keep their bucket, so a caller's own logs are theirs to guard.
    ///
    /// A scan of the line's bytes rather than a `Regex`: the regex literal was built and run on every line, and was
    /// most of a check's CPU (callgrind: 73 % of its instructions in this handler, 40 % building the regex). In
    /// place, on the line's bytes as `log` builds them.
    static func redactBuckets(in bytes: inout [UInt8]) {
        var index = 0
        // A SID is its two-letter prefix and 32 hex digits: the bucket's 4, then 28 random ones.
        while index + 34 <= bytes.count {
            if isPhoneSidPrefix(bytes[index], bytes[index + 1]), bytes[(index + 2)..<(index + 34)].allSatisfy(isHex) {
                for digit in (index + 2)..<(index + 6) { bytes[digit] = UInt8(ascii: "*") }
                index += 34
            } else {
                index += 1
            }
        }
    }

    private static func isPhoneSidPrefix(_ first: UInt8, _ second: UInt8) -> Bool {
        switch (first, second) {
        case (UInt8(ascii: "V"), UInt8(ascii: "E")), (UInt8(ascii: "V"), UInt8(ascii: "L")),
            (UInt8(ascii: "G"), UInt8(ascii: "N")):
            true
        default: false
        }
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default: false
        }
    }
}
