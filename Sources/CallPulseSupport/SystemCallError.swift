#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with what was being done, to which file, and the system's reason
/// ("cannot write /var/lib/callpulse/journal-00000001: No space left on device").
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done ("cannot write", "cannot read").
    public var operation: String
    /// The file or object it was done to; empty when there is none worth naming.
    public var path: String
    /// The `errno` value.
    public var code: Int32

    public init(_ operation: String = "", _ path: String = "", errno code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// The system's sentence for `code` ("No space left on device").
    public var reason: String { String(cString: strerror(code)) }

    /// A full disk or an exhausted quota: durability degrades (503) rather than corrupts.
    public var isNoSpace: Bool { code == ENOSPC || code == EDQUOT }

    public var description: String {
        let subject = [operation, path].filter { !$0.isEmpty }.joined(separator: " ")
        return subject.isEmpty ? reason : "\(subject): \(reason)"
    }
}
