import Foundation

/// Writes to stderr: errors and per-event reports never mix with the snapshot on stdout.
enum StandardError {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
