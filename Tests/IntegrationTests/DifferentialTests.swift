import Foundation
import Testing

/// Large generated streams with every fault of the spec, checked against an independent
/// model (Tests/Reference/reference.py), and the re-send guarantee on the same streams.
struct DifferentialTests {
    static let referenceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Reference").path

    /// Runs a bash pipeline; with `set -o pipefail` any failing stage fails it.
    func shell(_ script: String) throws -> CLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -euo pipefail\n" + script]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                          stderr: String(decoding: stderr, as: UTF8.self))
    }

    func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-diff-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("python3 is available (the reference model needs it; CI must not skip)")
    func pythonPresent() throws {
        #expect(try shell("python3 -c 'import zoneinfo, decimal'").status == 0)
    }

    struct Setup: Sendable, CustomTestStringConvertible {
        var seed: Int
        var config: String
        var referenceFlags: String
        var testDescription: String { "seed \(seed) \(referenceFlags)" }
    }

    static let setups = [
        Setup(seed: 11, config: "", referenceFlags: ""),
        Setup(seed: 12, config: "timezone: Europe/Paris\nlimits: { max_queues: 5, max_active_calls: 40 }\n",
              referenceFlags: "--timezone Europe/Paris --max-queues 5 --max-active-calls 40"),
        Setup(seed: 13, config: "timezone: America/New_York\n", referenceFlags: "--timezone America/New_York"),
    ]

    @Test("callpulse replay equals the reference model on a faulty 3-hour stream across midnight", arguments: setups)
    func matchesReference(_ setup: Setup) throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try setup.config.write(toFile: "\(dir)/config.yml", atomically: true, encoding: .utf8)
        let bin = CLI.binary.path, ref = Self.referenceDirectory
        let result = try shell("""
            '\(bin)' simulate --queues 6 --rate 5 --duration 3h --seed \(setup.seed) --start 2026-11-24T21:30:00Z \
              | python3 '\(ref)/faults.py' \(setup.seed) > '\(dir)/events.ndjson'
            '\(bin)' replay --config '\(dir)/config.yml' '\(dir)/events.ndjson' > '\(dir)/callpulse.json' 2> '\(dir)/rejections.txt'
            python3 '\(ref)/reference.py' \(setup.referenceFlags) '\(dir)/events.ndjson' > '\(dir)/reference.json'
            python3 '\(ref)/compare.py' '\(dir)/callpulse.json' '\(dir)/reference.json'
            """)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("0 differences"))
        let rejections = try String(contentsOfFile: "\(dir)/rejections.txt", encoding: .utf8)
        #expect(rejections.split(separator: "\n").count > 100)
    }

    @Test("re-sending a stream of timed events, faults included, changes no statistic")
    func resendChangesNothing() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = CLI.binary.path, ref = Self.referenceDirectory
        let result = try shell("""
            '\(bin)' simulate --queues 4 --rate 4 --duration 2h --seed 21 \
              | python3 '\(ref)/faults.py' 21 --timed-only > '\(dir)/events.ndjson'
            '\(bin)' replay '\(dir)/events.ndjson' > '\(dir)/once.json' 2>/dev/null
            '\(bin)' replay '\(dir)/events.ndjson' '\(dir)/events.ndjson' '\(dir)/events.ndjson' > '\(dir)/thrice.json' 2>/dev/null
            """)
        #expect(result.status == 0, "\(result.stderr)")
        let once = try String(contentsOfFile: "\(dir)/once.json", encoding: .utf8)
        let thrice = try String(contentsOfFile: "\(dir)/thrice.json", encoding: .utf8)
        #expect(try queuesJSON(once) == queuesJSON(thrice))
        #expect(try queuesJSON(once).count >= 4)
    }
}
