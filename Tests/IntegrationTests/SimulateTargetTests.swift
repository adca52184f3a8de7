import Foundation
import Testing

/// `callpulse simulate --target`: real-time traffic into a running daemon.
@Suite(.serialized)
struct SimulateTargetTests {
    @Test("simulate --target posts in real time; the daemon counts exactly what the simulator reports accepted")
    func postsToDaemon() throws {
        let daemon = try DaemonProcess([])
        defer { _ = daemon.stop() }
        let run = try CLI.run(["simulate", "--target", "http://127.0.0.1:\(daemon.port)", "--rate", "300",
                               "--queues", "3", "--duration", "3s", "--seed", "5"])
        #expect(run.status == 0, "\(run.stderr)")
        let last = run.stderr.split(separator: "\n").last.map(String.init) ?? ""
        let reported = last.range(of: #"accepted (\d+)"#, options: .regularExpression)
            .map { Int(last[$0].split(separator: " ")[1]) ?? 0 } ?? 0
        #expect(reported > 50, "\(run.stderr)")
        #expect(last.contains("rejected 0"))
        let status = try daemon.get("/api/v1/status").json()
        #expect((status["ingest"] as? NSDictionary)?["accepted"] as? Int == reported)
    }

    @Test("simulate --target: an unreachable target or a refusal exits 1 with a sentence saying so")
    func failures() throws {
        let port = try HTTPClient.freePort()
        let unreachable = try CLI.run(["simulate", "--target", "http://127.0.0.1:\(port)", "--duration", "1s"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("were never stored by the target"))

        let token = try temporaryFile("s3cret\n", suffix: ".token")
        defer { try? FileManager.default.removeItem(atPath: token) }
        let daemon = try DaemonProcess([], config: "web: { ingest_token_file: \(token) }\n")
        defer { _ = daemon.stop() }
        let refused = try CLI.run(["simulate", "--target", "http://127.0.0.1:\(daemon.port)", "--duration", "5s",
                                   "--rate", "200"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("answered HTTP 401"), "\(refused.stderr)")
        let allowed = try CLI.run(["simulate", "--target", "http://127.0.0.1:\(daemon.port)", "--duration", "1s",
                                   "--rate", "200", "--token-file", token])
        #expect(allowed.status == 0, "\(allowed.stderr)")

        let usage = try CLI.run(["simulate", "--target", "127.0.0.1:9478"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("must be an http:// or https:// URL"))
    }
}

/// The fuzz targets, built without libFuzzer, replay the saved corpus and every crasher:
/// what the fuzzer once found stays fixed.
@Suite struct FuzzCorpusRegressionTests {
    @Test("every corpus input and every saved crasher runs through both fuzz targets without a crash",
          arguments: ["events", "requests"])
    func replayCorpus(target: String) throws {
        let binary = CLI.binary.deletingLastPathComponent().appendingPathComponent("callpulse-fuzz-\(target)")
        #expect(FileManager.default.isExecutableFile(atPath: binary.path), "build the fuzz targets: swift build")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz")
        let directories = ["corpus/\(target)", "crashers/\(target)"].map { root.appendingPathComponent($0).path }
        let run = try CLI.run(executable: binary, directories)
        #expect(run.status == 0)
        // Every file of both directories ran (the replayer counts each file it reads, hidden ones too).
        let files = try directories.reduce(0) { $0 + (try FileManager.default.contentsOfDirectory(atPath: $1).count) }
        #expect(files > 5)
        #expect(run.stdout == "replayed \(files) inputs\n")
    }
}
