import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Options of `callpulse serve` and `simulate` that the README promises, through the built binary.
@Suite(.serialized)
struct DaemonOptionsTests {
    /// The log as JSON objects, one a line.
    static func jsonLines(_ log: String) throws -> [NSDictionary] {
        try log.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary, "not a JSON object: \(line)")
        }
    }

    @Test("SIGINT stops the daemon gracefully, like SIGTERM: exit 0, the signal named in the log")
    func sigint() throws {
        let daemon = try DaemonProcess(["--clock", "event"])
        #expect(try daemon.post("/api/v1/events", envelope("a", "connecting", "2026-11-24T10:00:00Z")).status == 200)
        kill(daemon.process.processIdentifier, SIGINT)
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationReason == .exit)
        #expect(daemon.process.terminationStatus == 0)
        #expect(daemon.log.contains("signal=SIGINT [CallPulseServer] stopping\n"), "\(daemon.log)")
        #expect(daemon.log.hasSuffix("[CallPulseServer] stopped\n"), "\(daemon.log)")
    }

    @Test("--log-format json: every line is one JSON object with ts, level, logger, msg and the metadata as keys")
    func jsonLog() throws {
        let daemon = try DaemonProcess(["--log-format", "json"])
        #expect(daemon.stop() == 0)
        let lines = try Self.jsonLines(daemon.log)
        #expect(lines.map { $0["msg"] as? String ?? "" }.map { $0.hasPrefix("listening on") ? "listening on" : $0 }
                == ["listening on", "stopping", "stopped"])
        for line in lines {
            #expect(line["level"] as? String == "info")
            #expect(line["logger"] as? String == "callpulse")
            #expect((line["ts"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#, options: .regularExpression) != nil)
        }
        #expect(lines[0]["msg"] as? String == "listening on http://127.0.0.1:\(daemon.port)")
        #expect(lines[0]["clock"] as? String == "live")
        #expect(lines[0]["version"] as? String == "0.1.0")
        #expect(lines[1]["signal"] as? String == "SIGTERM")
    }

    @Test("--log-level notice leaves out info lines and keeps notices (an alert firing); the flags override log: in the config")
    func logLevel() throws {
        let rules = try temporaryFile("""
            rules:
              - alert: AnyWaiting
                metric: waiting
                op: ">="
                threshold: 1
            """, suffix: ".rules.yml")
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let daemon = try DaemonProcess(["--clock", "event", "--rules", rules, "--log-level", "notice", "--log-format", "json"],
                                       config: "log: { level: debug, format: text }\n", fixedPort: try HTTPClient.freePort())
        #expect(try daemon.post("/api/v1/events", envelope("a", "connecting", "2026-11-24T10:00:00Z")).status == 200)
        #expect(waitUntil { daemon.log.contains(#""msg": "alert firing""#) }, "\(daemon.log)")
        #expect(daemon.stop() == 0)
        let lines = try Self.jsonLines(daemon.log)
        #expect(lines.map { $0["level"] as? String } == ["notice"], "\(daemon.log)")
        #expect(lines.first?["alert"] as? String == "AnyWaiting")
        #expect(lines.first?["queue"] as? String == "Billing")
        #expect(!daemon.log.contains("listening on"))
    }

    /// Whether the daemon has closed `fd` (end of stream or reset), without waiting.
    static func closedByPeer(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        return read(fd, &byte, 1) <= 0
    }

    @Test("limits.connection_timeout closes idle connections: 1s closes one opened after another daemon's 1h one, which stays open")
    func connectionTimeout() throws {
        let patient = try DaemonProcess([], config: "limits: { connection_timeout: 1h }\n")
        defer { _ = patient.stop() }
        let quick = try DaemonProcess([], config: "limits: { connection_timeout: 1s }\n")
        defer { _ = quick.stop() }
        // Opened first: if both daemons used one timeout, this one would be closed first.
        let held = try HTTPClient.connect(port: patient.port)
        defer { close(held) }
        let idle = try HTTPClient.connect(port: quick.port)
        defer { close(idle) }
        #expect(waitUntil { Self.closedByPeer(idle) })
        #expect(!Self.closedByPeer(held))
        // The held connection still serves a request.
        try HTTPClient.write(held, Array("GET /-/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        var response: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(held, &buffer, buffer.count)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        #expect(try HTTPClient.parse(response).status == 200)
    }

    @Test("simulate --output writes the events to the file (stdout stays empty), the same as stdout for the seed")
    func simulateOutput() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-sim-\(UUID()).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let arguments = ["simulate", "--queues", "2", "--rate", "10", "--duration", "10m", "--seed", "3"]
        let written = try CLI.run(arguments + ["--output", path])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.isEmpty)
        let file = try String(contentsOfFile: path, encoding: .utf8)
        let count = file.split(separator: "\n").count
        #expect(written.stderr == "callpulse: wrote \(count) events to \(path)\n")
        #expect(count > 1_000)
        #expect(file == (try CLI.run(arguments)).stdout)
    }
}
