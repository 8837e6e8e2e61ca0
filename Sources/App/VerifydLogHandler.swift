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
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        // ISO 8601 in UTC to the second, as `Date.formatted(.iso8601)` writes it, at a small part of the cost.
        let time = TwilioDate.format(Date())
        let line: String
        switch format {
        case .text:
            let pairs = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(time) \(event.level) \(label): \(event.message)" + (pairs.isEmpty ? "" : " " + pairs) + "\n"
        case .json:
            var object: [String: Any] = merged.mapValues(Self.jsonValue)
            object["time"] = time
            object["level"] = "\(event.level)"
            object["logger"] = label
            object["message"] = "\(event.message)"
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        }
        let redacted = Self.redactingBuckets(line)
        Self.lock.lock()
        defer { Self.lock.unlock() }
        Self.output.write(Data(redacted.utf8))
    }

    /// SIDs of rows that belong to a phone (`VE`, `VL`, `GN`) start with 16 bits of the number's SHA-256 (see
    /// `Sid`), enough to cut a US number down to ~150,000 candidates, and a log line may carry several of them
    /// beside a masked number. Every line therefore loses those four digits, wherever they are (metadata, request
    /// paths, messages): `VE****` and the 28 random digits, still unique enough to follow one verification through
    /// the log. Chosen over a keyed bucket, which would change every SID and every store, for now; the SIDs given to
    /// API callers keep their bucket, so a caller's own logs are theirs to guard.
    ///
    /// A scan of the line's bytes rather than a `Regex`: the regex literal was built and run on every line, and was
    /// most of a check's CPU (callgrind: 73 % of its instructions in this handler, 40 % building the regex).
    static func redactingBuckets(_ line: String) -> String {
        var bytes = Array(line.utf8)
        var index = 0
        var changed = false
        // A SID is its two-letter prefix and 32 hex digits: the bucket's 4, then 28 random ones.
        while index + 34 <= bytes.count {
            if isPhoneSidPrefix(bytes[index], bytes[index + 1]), bytes[(index + 2)..<(index + 34)].allSatisfy(isHex) {
                bytes.replaceSubrange((index + 2)..<(index + 6), with: repeatElement(UInt8(ascii: "*"), count: 4))
                changed = true
                index += 34
            } else {
                index += 1
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : line
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
