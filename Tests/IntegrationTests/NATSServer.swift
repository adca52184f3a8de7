import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real `nats-server -js` (Debian's `nats-server`) on a loopback port with a temporary store
/// directory (docs/spec/scale-out.md, "Tests and figures"). It can be killed with SIGKILL,
/// frozen, and restarted on the same port and store directory: file storage survives.
final class NATSServer {
    static let binary = "/usr/sbin/nats-server"
    static let underCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let present = FileManager.default.isExecutableFile(atPath: binary)

    let name: String
    let port: Int
    /// The monitoring port (`/jsz`, `/varz`).
    let monitorPort: Int
    let storeDirectory: String
    private let directory: String
    private let extraArguments: [String]
    private var process: Process?
    private var starts = 0

    var url: String { "nats://127.0.0.1:\(port)" }

    /// Starts the server unless `start` is false. `port`: a fixed client port (a client can be
    /// started before its server); by default a free one.
    init(name: String = "callpulse-test", port: Int? = nil, arguments: [String] = [], start: Bool = true) throws {
        self.name = name
        self.port = try port ?? HTTPClient.freePort()
        monitorPort = try HTTPClient.freePort()
        extraArguments = arguments
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("callpulse-nats-\(UUID())").path
        storeDirectory = directory + "/store"
        try FileManager.default.createDirectory(atPath: storeDirectory, withIntermediateDirectories: true)
        if start { try self.start() }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var isRunning: Bool { process?.isRunning ?? false }

    /// Everything the server logged since the last start.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    private var logPath: String { "\(directory)/log-\(starts)" }

    /// Launches the server and waits until it is ready and accepts connections.
    func start() throws {
        precondition(!isRunning, "nats-server \(name) is already running")
        starts += 1
        let started = Process()
        started.executableURL = URL(fileURLWithPath: Self.binary)
        started.arguments = ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-m", "\(monitorPort)", "-sd", storeDirectory,
                             "-n", name] + extraArguments
        try Data().write(to: URL(fileURLWithPath: logPath))
        started.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        started.standardOutput = FileHandle.nullDevice
        try started.run()
        process = started
        let port = self.port, path = logPath
        let ready = waitUntil {
            guard started.isRunning else { return true }
            guard ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains("Server is ready"),
                  let fd = try? HTTPClient.connect(port: port) else { return false }
            close(fd)
            return true
        }
        guard ready, started.isRunning else {
            stop()
            throw NATSServerFailure(message: "nats-server \(name) did not start on port \(port):\n\(log)")
        }
    }

    /// SIGKILL: no goodbye to clients, nothing flushed beyond what the server wrote already.
    func kill9() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGSTOP: the server keeps its connections but answers nothing until `resume`. Returns
    /// once every one of its threads has stopped: `kill` returns when SIGSTOP is queued, and a
    /// thread running on the other CPU meanwhile still answers what it has read (CI once saw
    /// 10 PubAcks from a "frozen" server under ASan).
    func pause() {
        guard let process, process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGSTOP)
        #expect(waitUntil { Self.allThreadsStopped(pid) }, "nats-server \(pid) did not stop on SIGSTOP")
    }

    /// Whether /proc shows every thread of `pid` in state T (stopped by a signal).
    private static func allThreadsStopped(_ pid: pid_t) -> Bool {
        let tasks = "/proc/\(pid)/task"
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: tasks), !threads.isEmpty else {
            return false
        }
        return threads.allSatisfy { thread in
            // The state is the field after the parenthesised command name, which may hold spaces.
            guard let stat = try? String(contentsOfFile: "\(tasks)/\(thread)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            return stat[close...].dropFirst().trimmingCharacters(in: .whitespaces).first == "T"
        }
    }

    func resume() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGCONT)
    }

    /// Kills the server if it runs, then starts it again on the same port and store directory.
    func restart() throws {
        kill9()
        try start()
    }

    /// SIGTERM (after SIGCONT, should it be frozen), then waits for the exit.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGCONT)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// The monitoring endpoint's JSON (`/jsz`, `/varz`), or nil.
    func monitor(_ path: String) -> NSDictionary? {
        guard let reply = try? HTTPClient.send(port: monitorPort, method: "GET", path: path), reply.status == 200 else {
            return nil
        }
        return try? reply.json()
    }
}

/// Three `NATSServer`s clustered on loopback ports (routes to each other, distinct names), ready
/// once JetStream's meta group has a leader that all three agree on.
final class NATSCluster {
    let servers: [NATSServer]

    var urls: [String] { servers.map(\.url) }

    init(size: Int = 3) throws {
        var clusterPorts: [Int] = []
        while clusterPorts.count < size {
            let port = try HTTPClient.freePort()
            if !clusterPorts.contains(port) { clusterPorts.append(port) }
        }
        let routes = clusterPorts.map { "nats://127.0.0.1:\($0)" }.joined(separator: ",")
        var servers: [NATSServer] = []
        for (index, clusterPort) in clusterPorts.enumerated() {
            // The first members start without a JetStream leader; the last one completes the group.
            servers.append(try NATSServer(name: "callpulse-\(index + 1)", arguments: [
                "--cluster_name", "callpulse-test", "--cluster", "nats://127.0.0.1:\(clusterPort)", "--routes", routes,
            ]))
        }
        self.servers = servers
        let agreed = waitUntil {
            let leaders = servers.map { server in
                (server.monitor("/jsz")?["meta_cluster"] as? NSDictionary)?["leader"] as? String ?? ""
            }
            return !leaders[0].isEmpty && Set(leaders).count == 1
        }
        guard agreed else {
            throw NATSServerFailure(message: "the NATS cluster elected no JetStream leader:\n" + servers.map(\.log).joined(separator: "\n"))
        }
    }
}

struct NATSServerFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
