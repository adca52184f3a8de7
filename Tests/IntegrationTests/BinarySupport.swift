import Foundation
import Testing

/// Runs the built `callpulse` binary, as a user would.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary next to the test bundle (`swift build --build-tests` builds both).
    static let binary: URL = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("callpulse")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/callpulse")
        return fallback
    }()

    /// Runs `callpulse ARGS`, feeding `stdin`; output goes through files so large outputs cannot block.
    static func run(_ arguments: [String], stdin: Data? = nil) throws -> Result {
        try run(executable: binary, arguments, stdin: stdin)
    }

    /// Runs any executable the same way (peers such as promtool, the browser driver).
    static func run(executable: URL, _ arguments: [String], stdin: Data? = nil, in workingDirectory: URL? = nil)
        throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-cli-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out"), err = directory.appendingPathComponent("err")
        try Data().write(to: out)
        try Data().write(to: err)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let stdin {
            let input = directory.appendingPathComponent("in")
            try stdin.write(to: input)
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }
}

/// Shared fixtures (copies of ../shared/examples and ../shared/samples).
func fixturePath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

/// A scratch file with `contents`, removed by the caller.
func temporaryFile(_ contents: String, suffix: String = ".ndjson") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-\(UUID())\(suffix)").path
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The `queues` part of a snapshot as parsed JSON, for comparisons that ignore `ingest`.
func queuesJSON(_ snapshot: String) throws -> NSArray {
    let object = try JSONSerialization.jsonObject(with: Data(snapshot.utf8)) as! NSDictionary
    return object["queues"] as! NSArray
}

/// A reference checker of Tests/Reference run on the built binary with `--summary FILE`:
/// its output, exit status and the summary it wrote.
enum ReferenceCheck {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// `../shared/tools/gen.py`: input data beside the repository, not a tool to install.
    static let generator = repository.deletingLastPathComponent().appendingPathComponent("shared/tools/gen.py")
    static let sharedPresent = FileManager.default.fileExists(atPath: generator.path)

    static func run(_ script: String, _ arguments: [String]) throws -> (output: String, status: Int32, summary: [String: Any]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-reference-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let summaryPath = directory.appendingPathComponent("summary.json").path
        let driver = repository.appendingPathComponent("Tests/Reference/" + script)
        let result = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", driver.path, "--binary", CLI.binary.path, "--summary", summaryPath,
        ] + arguments)
        let output = result.stdout + result.stderr
        let data = try #require(FileManager.default.contents(atPath: summaryPath), "no summary: \(output)")
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (output, result.status, summary)
    }
}
