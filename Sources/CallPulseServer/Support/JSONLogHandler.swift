import CallPulseSupport
import Foundation
import Logging

/// Log lines as JSON objects (`log.format: json`), one per line on stderr.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "{\"ts\": "
        appendJSONString(ISO8601DateFormatter().string(from: Date()), to: &line)
        line += ", \"level\": "
        appendJSONString(event.level.rawValue, to: &line)
        line += ", \"logger\": "
        appendJSONString(label, to: &line)
        line += ", \"msg\": "
        appendJSONString(event.message.description, to: &line)
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            line += ", "
            appendJSONString(key, to: &line)
            line += ": "
            appendJSONString(value.description, to: &line)
        }
        line += "}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
