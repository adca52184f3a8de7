import Foundation
import Testing

/// `replay` streams NDJSON: memory follows calls and queues, not the input's size.
struct StreamingTests {
    /// Peak RSS in KiB of `callpulse ARGS`, measured by GNU time.
    func peakRSS(_ arguments: [String]) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%M", CLI.binary.path] + arguments
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let output = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let last = String(decoding: output, as: UTF8.self).split(separator: "\n").last ?? ""
        return Int(last) ?? Int.max
    }

    /// A file of `copies` × the same 1,000 events (re-sends of one hour of calls).
    func repeatedInput(copies: Int) throws -> String {
        let chunk = try CLI.run(["simulate", "--queues", "5", "--rate", "50", "--count", "1000", "--seed", "3"]).stdout
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-stream-\(UUID()).ndjson").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let data = Data(chunk.utf8)
        for _ in 0..<copies { handle.write(data) }
        try handle.close()
        return path
    }

    // Under `make sanitize` the allocator keeps freed memory in quarantine: RSS says nothing there.
    @Test("a 150 MB input needs no more memory than a 1.5 MB one",
          .enabled(if: ProcessInfo.processInfo.environment["CALLPULSE_SANITIZER"] == nil))
    func memoryFollowsCallsNotInput() throws {
        let small = try repeatedInput(copies: 2)
        let large = try repeatedInput(copies: 200)
        defer {
            try? FileManager.default.removeItem(atPath: small)
            try? FileManager.default.removeItem(atPath: large)
        }
        let size = try FileManager.default.attributesOfItem(atPath: large)[.size] as! Int
        #expect(size > 140_000_000)
        let smallRSS = try peakRSS(["replay", small])
        let largeRSS = try peakRSS(["replay", large])
        // Read buffers are a few MiB; anything near the input's size means it was held whole.
        #expect(largeRSS - smallRSS < 24 * 1024, "peak RSS \(smallRSS) KiB vs \(largeRSS) KiB")
    }
}
