import Logging

/// How verifyd logs: a level and a format (text for people, JSON lines for machines).
public struct LogSettings: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    public var level: Logger.Level
    public var format: Format

    public init(level: Logger.Level = .info, format: Format = .text) {
        self.level = level
        self.format = format
    }

    static func read(_ reader: inout EnvironmentReader) -> LogSettings {
        LogSettings(
            level: reader.choice("VERIFYD_LOG_LEVEL", default: Logger.Level.info),
            format: reader.choice("VERIFYD_LOG_FORMAT", default: Format.text)
        )
    }
}
