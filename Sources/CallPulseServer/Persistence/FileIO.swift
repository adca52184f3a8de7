import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An I/O failure with the file and the system's reason (`No space left on device`, ...).
struct IOFailure: Error, CustomStringConvertible {
    var description: String
    var isNoSpace = false

    init(_ what: String, _ path: String, errno code: Int32 = errno) {
        description = "\(what) \(path): \(String(cString: strerror(code)))"
        isNoSpace = code == ENOSPC || code == EDQUOT
    }
}

/// The few POSIX file operations durability needs, with fsync where it matters.
enum FileIO {
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(IOFailure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw IOFailure("cannot write", path)
            }
            offset += written
        }
    }

    static func sync(_ fd: Int32, path: String) throws(IOFailure) {
        guard fdatasync(fd) == 0 else { throw IOFailure("cannot sync", path) }
    }

    /// fsync of a directory: makes a rename or a new file in it durable.
    static func syncDirectory(_ path: String) throws(IOFailure) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw IOFailure("cannot open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw IOFailure("cannot sync", path) }
    }

    /// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, fsync the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(IOFailure) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IOFailure("cannot create", temporary) }
        do throws(IOFailure) {
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw IOFailure("cannot sync", temporary) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let failure = IOFailure("cannot rename \(temporary) to", path)
            unlink(temporary)
            throw failure
        }
        try syncDirectory((path as NSString).deletingLastPathComponent)
    }

    static func read(_ path: String) throws(IOFailure) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw IOFailure("cannot read", path) }
        return [UInt8](data)
    }

    /// Names in `directory` with `prefix` and `suffix`, sorted.
    static func list(_ directory: String, prefix: String, suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.sorted()
    }
}
