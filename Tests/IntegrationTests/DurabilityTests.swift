import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--state-dir`: SIGKILL at random moments under load, torn journal tails, corrupt
/// checkpoints and a full disk, against the built daemon.
@Suite(.serialized)
struct DurabilityTests {
    static let rules = """
        evaluation_interval: 1s
        rules:
          - alert: AnyMissed
            metric: missed
            window: today
            op: ">="
            threshold: 1
            for: 0s
          - alert: ManyMissed
            metric: missed
            window: today
            op: ">="
            threshold: 1000000
            for: 1h
        """

    /// A state directory, a rules file and the daemons that use them, all removed after.
    final class Setup {
        let directory: String
        let stateDir: String
        let rulesPath: String
        var daemon: DaemonProcess?

        init(stateDir: String? = nil) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-durable-\(UUID())").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            self.stateDir = stateDir ?? directory + "/state"
            rulesPath = directory + "/rules.yml"
            try DurabilityTests.rules.write(toFile: rulesPath, atomically: true, encoding: .utf8)
        }

        func start(checkpoint: String = "1s") throws -> DaemonProcess {
            let started = try DaemonProcess(["--clock", "event", "--state-dir", stateDir, "--rules", rulesPath],
                                            config: "checkpoint_interval: \(checkpoint)\n")
            daemon = started
            return started
        }

        /// Waits (bounded by `patience`) for `/-/ready`.
        func ready(_ daemon: DaemonProcess) -> Bool {
            waitUntil { (try? daemon.get("/-/ready").status) == 200 }
        }

        /// How many checkpoints `daemon` has written, from its log.
        static func checkpoints(_ daemon: DaemonProcess) -> Int {
            daemon.log.components(separatedBy: "state: wrote checkpoint-").count - 1
        }

        func kill9() {
            guard let daemon, daemon.process.isRunning else { return }
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
        }

        deinit {
            kill9()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Simulated traffic cut into numbered batches of NDJSON.
    static func batches(count: Int, size: Int, seed: Int) throws -> [String] {
        let run = try CLI.run(["simulate", "--queues", "4", "--rate", "60", "--count", "\(count * size)", "--seed", "\(seed)"])
        let lines = run.stdout.split(separator: "\n").map(String.init)
        return stride(from: 0, to: lines.count, by: size).map { lines[$0..<min($0 + size, lines.count)].joined(separator: "\n") }
    }

    /// What `callpulse replay` makes of `batches`: the reference for "exactly once".
    static func reference(_ batches: [String]) throws -> (queues: NSArray, accepted: Int) {
        let replay = try CLI.run(["replay", "-"], stdin: Data((batches.joined(separator: "\n") + "\n").utf8))
        let snapshot = try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as! NSDictionary
        let accepted = (snapshot["ingest"] as! NSDictionary)["accepted"] as! Int
        return (snapshot["queues"] as! NSArray, accepted)
    }

    static func state(_ daemon: DaemonProcess) throws -> (queues: NSArray, accepted: Int) {
        let snapshot = try daemon.get("/api/v1/queues").json()
        return (snapshot["queues"] as! NSArray, (snapshot["ingest"] as! NSDictionary)["accepted"] as! Int)
    }

    static func alerts(_ daemon: DaemonProcess) throws -> [NSDictionary] {
        (try daemon.get("/api/v1/alerts").json()["alerts"] as? [NSDictionary] ?? []).map { alert in
            let copy = alert.mutableCopy() as! NSMutableDictionary
            copy.removeObject(forKey: "value")
            copy.removeObject(forKey: "annotations")
            return copy
        }
    }

    @Test("SIGKILL under load with a request in flight: after each restart the totals are exactly the events acknowledged")
    func crashUnderLoad() throws {
        let setup = try Setup()
        let all = try Self.batches(count: 600, size: 50, seed: 11)
        var sent: [String] = []  // every batch acknowledged, or re-sent until it was
        var next = 0
        var kills = 0, answeredFirst = 0
        var random = SystemRandomNumberGenerator()
        for cycle in 0..<4 {
            let daemon = try setup.start()
            #expect(setup.ready(daemon), "not ready after restart \(cycle)")
            // The batch in flight when the last kill came may or may not be stored: send it again,
            // as a connector would; if it was stored, its events are duplicates and change nothing.
            if let last = sent.last, cycle > 0 {
                #expect(try daemon.post("/api/v1/events", last).status == 200)
            }
            let pid = daemon.process.processIdentifier
            let end = min(all.count, next + 150)
            // Cycles 0-2 end in a SIGKILL sent right after a request was written, before its reply
            // is read: the request is in flight by construction, at a random point of the cycle.
            let victim = cycle < 3 ? next + Int.random(in: 1..<(end - next), using: &random) : -1
            while next < end {
                if next == victim {
                    let reply = Self.postThenKill(port: daemon.port, pid: pid, body: all[next])
                    daemon.process.waitUntilExit()
                    kills += 1
                    if reply == 200 { answeredFirst += 1 }  // the daemon won the race: stored and answered
                    sent.append(all[next])  // acknowledged or not: re-sent after the restart either way
                    next += 1
                    break
                }
                let reply = try daemon.post("/api/v1/events", all[next])
                #expect(reply.status == 200)
                sent.append(all[next])
                next += 1
            }
        }
        // The last daemon is alive: its numbers must be the reference's, to the last window.
        let daemon = setup.daemon!
        if let last = sent.last { _ = try daemon.post("/api/v1/events", last) }
        let expected = try Self.reference(sent)
        let got = try Self.state(daemon)
        #expect(kills == 3)
        #expect(got.accepted == expected.accepted, "accepted \(got.accepted), acknowledged \(expected.accepted)")
        #expect(got.queues == expected.queues, "the restored queues differ from a replay of what was acknowledged")
        #expect(sent.count > 20)
        print("durability: \(kills) SIGKILLs with a request in flight (\(answeredFirst) answered before dying), \(sent.count) batches, \(expected.accepted) events acknowledged and restored")

        // Alert states survive a kill when idle: same alerts, same since and fired times. Wait
        // until the firing alert is both served and saved (alerts.json is written on a change).
        #expect(try waitUntil {
            let firing = try Self.alerts(daemon).contains {
                ($0["labels"] as? NSDictionary)?["alertname"] as? String == "AnyMissed" && $0["state"] as? String == "firing"
            }
            let saved = (try? String(contentsOfFile: setup.stateDir + "/alerts.json", encoding: .utf8)) ?? ""
            return firing && saved.contains("AnyMissed") && saved.contains("firing")
        })
        let before = try Self.alerts(daemon)
        #expect(before.contains { ($0["labels"] as? NSDictionary)?["alertname"] as? String == "AnyMissed" })
        setup.kill9()
        let again = try setup.start()
        #expect(setup.ready(again))
        #expect(try Self.alerts(again) == before)
        #expect(try Self.state(again).queues == expected.queues)
    }

    @Test("checkpoints every second while ingesting: five are written, with ingest between them, the daemon keeps serving, a restart matches")
    func manyCheckpoints() throws {
        let setup = try Setup()
        let batches = try Self.batches(count: 100, size: 20, seed: 21)
        let daemon = try setup.start(checkpoint: "1s")
        #expect(setup.ready(daemon))
        var sent: [String] = []
        // Five rounds: 20 batches, then the next checkpoint (written within about a second of them).
        // The third checkpoint once crashed (see DurableStore.Capture).
        for round in 1...5 {
            for batch in batches[((round - 1) * 20)..<(round * 20)] {
                #expect(try daemon.post("/api/v1/events", batch).status == 200)
                sent.append(batch)
            }
            #expect(waitUntil { Setup.checkpoints(daemon) >= round || !daemon.process.isRunning },
                    "round \(round): \(Setup.checkpoints(daemon)) checkpoints")
        }
        #expect(Setup.checkpoints(daemon) >= 5)
        #expect(daemon.process.isRunning)
        #expect(try daemon.get("/-/healthy").status == 200)
        setup.kill9()
        let restarted = try setup.start(checkpoint: "1h")
        #expect(setup.ready(restarted))
        #expect(try Self.state(restarted).queues == (try Self.reference(sent)).queues)
    }

    @Test("a torn journal tail is cut at the last whole record with a warning; nothing acknowledged is lost")
    func tornTail() throws {
        let setup = try Setup()
        let batches = try Self.batches(count: 10, size: 40, seed: 5)
        let daemon = try setup.start(checkpoint: "1h")
        #expect(setup.ready(daemon))
        for batch in batches { #expect(try daemon.post("/api/v1/events", batch).status == 200) }
        let before = try Self.state(daemon)
        setup.kill9()
        let segments = try FileManager.default.contentsOfDirectory(atPath: setup.stateDir).filter { $0.hasPrefix("journal-") }.sorted()
        let handle = try #require(FileHandle(forWritingAtPath: setup.stateDir + "/" + segments.last!))
        handle.seekToEndOfFile()
        handle.write(Data([0x40, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 7, 0, 0]))  // a record cut off mid-header
        try handle.close()
        let restarted = try setup.start(checkpoint: "1h")
        #expect(setup.ready(restarted))
        #expect(restarted.log.contains("torn or corrupt tail"))
        let after = try Self.state(restarted)
        #expect(after.queues == before.queues)
        #expect(after.accepted == before.accepted)
        #expect(try restarted.post("/api/v1/events", envelope("t1", "connecting", "2026-11-24T12:00:00Z")).status == 200)
    }

    @Test("a corrupt newest checkpoint falls back to the previous one and the journal; with none usable the daemon refuses to start")
    func corruptCheckpoint() throws {
        let setup = try Setup()
        let batches = try Self.batches(count: 12, size: 40, seed: 9)
        var daemon = try setup.start(checkpoint: "1s")
        #expect(setup.ready(daemon))
        for (index, batch) in batches.enumerated() {
            #expect(try daemon.post("/api/v1/events", batch).status == 200)
            if index % 4 == 3 {  // a checkpoint after every 4 batches
                let expected = (index + 1) / 4
                #expect(waitUntil { Setup.checkpoints(daemon) >= expected })
            }
        }
        #expect(daemon.stop() == 0)  // a graceful stop writes one more
        let before = try Self.reference(batches)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: setup.stateDir)
            .filter { $0.hasPrefix("checkpoint-") }.sorted()
        #expect(checkpoints.count == 2)
        let newest = setup.stateDir + "/" + checkpoints.last!
        var bytes = try Data(contentsOf: URL(fileURLWithPath: newest))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: newest))

        daemon = try setup.start(checkpoint: "1h")
        #expect(setup.ready(daemon))
        #expect(daemon.log.contains("is unusable (the checksum does not match)"))
        #expect(try Self.state(daemon).queues == before.queues)
        setup.kill9()

        // Both checkpoints corrupt, and the journal no longer starts at record 0.
        for name in checkpoints {
            let path = setup.stateDir + "/" + name
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            data[40] ^= 0xFF
            try data.write(to: URL(fileURLWithPath: path))
        }
        let journal = try FileManager.default.contentsOfDirectory(atPath: setup.stateDir).filter { $0.hasPrefix("journal-") }.sorted()
        if journal.first == "journal-00000000000000000000.log" {
            try FileManager.default.removeItem(atPath: setup.stateDir + "/" + journal.first!)
        }
        let refused = try setup.start(checkpoint: "1h")
        refused.process.waitUntilExit()
        #expect(refused.process.terminationStatus == 1)
        #expect(refused.log.contains("Refusing to start over existing data"))
    }

    @Test("a full disk (a real 2 MiB tmpfs): ingest answers 503 and stores nothing, then recovers by itself when space returns")
    func fullDisk() throws {
        let setup = try Setup()
        let mountPoint = setup.directory + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        // As root (CI), or through passwordless sudo.
        func privileged(_ tool: String, _ arguments: [String]) -> Process {
            let process = Process()
            let root = getuid() == 0
            process.executableURL = URL(fileURLWithPath: root ? tool : "/usr/bin/sudo")
            process.arguments = root ? arguments : ["-n", tool] + arguments
            return process
        }
        let mount = privileged("/bin/mount", ["-t", "tmpfs", "-o", "size=2m,mode=1777", "tmpfs", mountPoint])
        try mount.run()
        mount.waitUntilExit()
        #expect(mount.terminationStatus == 0, "mounting a tmpfs needs root or passwordless sudo (the CI runs as root)")
        guard mount.terminationStatus == 0 else { return }
        defer {
            let unmount = privileged("/bin/umount", [mountPoint])
            try? unmount.run()
            unmount.waitUntilExit()
        }
        let state = try Setup(stateDir: mountPoint + "/state")
        let daemon = try state.start(checkpoint: "1h")
        #expect(state.ready(daemon))
        // Fill the filesystem but for a little room.
        let filler = mountPoint + "/filler"
        #expect(FileManager.default.createFile(atPath: filler, contents: Data(count: 2 * 1024 * 1024 - 96 * 1024)))
        let batches = try Self.batches(count: 60, size: 50, seed: 3)
        var acknowledged: [String] = []
        var refusal: HTTPReply?
        for batch in batches {
            let reply = try daemon.post("/api/v1/events", batch)
            if reply.status == 200 { acknowledged.append(batch); continue }
            refusal = reply
            break
        }
        let refused = try #require(refusal)
        #expect(refused.status == 503)
        #expect(try refused.json()["reason"] as? String == "cannot_store")
        #expect((try refused.json()["error"] as? String)?.contains("No space left on device") == true)
        #expect(try daemon.get("/metrics").text.contains("\ncallpulse_journal_healthy 0\n"))
        #expect(daemon.log.contains("cannot store events"))
        #expect(try Self.state(daemon).accepted == (try Self.reference(acknowledged)).accepted)  // nothing applied

        try FileManager.default.removeItem(atPath: filler)
        let more = batches[acknowledged.count...].prefix(5)
        for batch in more {
            #expect(try daemon.post("/api/v1/events", batch).status == 200)
            acknowledged.append(batch)
        }
        #expect(try daemon.get("/metrics").text.contains("\ncallpulse_journal_healthy 1\n"))
        state.kill9()
        let restarted = try state.start(checkpoint: "1h")
        #expect(state.ready(restarted))
        let expected = try Self.reference(acknowledged)
        #expect(try Self.state(restarted).queues == expected.queues)
        #expect(try Self.state(restarted).accepted == expected.accepted)
    }

    /// Writes one POST, sends SIGKILL to `pid` as soon as it is written, then reads what came
    /// back: the status if a whole response arrived before the daemon died, else nil.
    static func postThenKill(port: Int, pid: Int32, body: String) -> Int? {
        guard let fd = try? HTTPClient.connect(port: port) else {
            kill(pid, SIGKILL)
            return nil
        }
        defer { close(fd) }
        let bytes = Array(body.utf8)
        let head = "POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(bytes.count)\r\n\r\n"
        let written = (try? HTTPClient.write(fd, Array(head.utf8) + bytes)) != nil
        kill(pid, SIGKILL)
        guard written else { return nil }
        return (try? HTTPClient.parse(HTTPClient.readToEnd(fd)))?.status
    }
}
