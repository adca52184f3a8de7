import CallPulseSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few POSIX file operations durability needs, with fsync where it matters.
enum FileIO {
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("cannot write", path)
            }
            offset += written
        }
    }

    static func sync(_ fd: Int32, path: String) throws(SystemCallError) {
        guard fdatasync(fd) == 0 else { throw SystemCallError("cannot sync", path) }
    }

    /// fsync of a directory: makes a rename or a new file in it durable.
    static func syncDirectory(_ path: String) throws(SystemCallError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemCallError("cannot open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemCallError("cannot sync", path) }
    }

    /// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, fsync the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(SystemCallError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemCallError("cannot create", temporary) }
        do throws(SystemCallError) {
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw SystemCallError("cannot sync", temporary) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let failure = SystemCallError("cannot rename \(temporary) to", path)
            unlink(temporary)
            throw failure
        }
        try syncDirectory((path as NSString).deletingLastPathComponent)
    }

    static func read(_ path: String) throws(SystemCallError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw SystemCallError("cannot read", path) }
        return [UInt8](data)
    }

    /// Names in `directory` with `prefix` and `suffix`, sorted.
    static func list(_ directory: String, prefix: String, suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.sorted()
    }
}
