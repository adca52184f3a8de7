import Foundation

/// Writes to stderr: errors and per-event reports never mix with the snapshot on stdout.
enum StandardError {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// The wall clock in ms, read only at the edge.
func wallClockMillis() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
}
