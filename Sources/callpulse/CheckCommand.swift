import ArgumentParser
import CallPulseCore
import CallPulseServer
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `callpulse check config FILE`: every problem with its line; exit 0 valid, 1 invalid. A NATS
/// server that does not answer is a warning, not a problem (docs/spec/scale-out.md, "Config").
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a config file or a rules file.",
        discussion: "Prints every problem as FILE:LINE: message; exits 0 when valid, 1 when not."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable { case config, rules }

    @Argument(help: "What to check: config or rules.")
    var kind: Kind

    @Argument(help: "The file to check.")
    var file: String

    @Option(help: "With rules: the config the daemon runs with (its windows and intervals.length decide which rules hold).")
    var config: String?

    func validate() throws {
        if config != nil && kind == .config { throw ValidationError("--config goes with check rules; check config takes the file itself") }
    }

    func run() throws {
        do {
            switch kind {
            case .config:
                let loaded = try ConfigLoader.load(path: file)
                for server in loaded.nats?.servers ?? [] {
                    guard let (host, port) = NATSConfig.hostAndPort(of: server),
                          let reason = Self.unreachable(host: host, port: port, timeoutMillis: 2000) else { continue }
                    StandardError.write("\(file): warning: nats.url: cannot reach \(server): \(reason)")
                }
            case .rules:
                var core = Settings()
                if let config { core = try ConfigLoader.load(path: config).core }
                let set = try RulesLoader.load(path: file, windows: core.windowMinutes,
                                               intervalMinutes: core.intervals.lengthMinutes)
                print("\(file): \(set.rules.count) rules, \(set.hooks.count) hooks")
            }
            print("\(file): valid")
        } catch {
            StandardError.write(error.description)
            throw ExitCode.failure
        }
    }

    /// Why `host:port` takes no TCP connection within `timeoutMillis` (each of its addresses
    /// tried), or nil when one is taken: enough to tell a NATS server is there, without a client.
    static func unreachable(host: String, port: Int, timeoutMillis: Int32) -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { return "cannot resolve \(host): \(String(cString: gai_strerror(status)))" }
        defer { freeaddrinfo(first) }
        var reason = "no address for \(host)"
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next?.pointee {
            next = info.ai_next
            let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
            guard fd >= 0 else {
                reason = String(cString: strerror(errno))
                continue
            }
            defer { close(fd) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if connect(fd, info.ai_addr, info.ai_addrlen) == 0 { return nil }
            guard errno == EINPROGRESS else {
                reason = String(cString: strerror(errno))
                continue
            }
            var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&waiting, 1, timeoutMillis) > 0 else {
                reason = "no connection within \(timeoutMillis / 1000) s"
                continue
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == 0 { return nil }
            reason = String(cString: strerror(error))
        }
        return reason
    }
}
