import CallPulseCore
import CallPulseHTTP
import Foundation
import Logging

/// `callpulse serve`: the engine behind the HTTP server, until a signal stops it.
public final class Daemon: Sendable {
    public struct Options: Sendable {
        public var configuration: Configuration
        public var demo = false
        public var version = "0.1.0"

        public init(configuration: Configuration) { self.configuration = configuration }
    }

    let options: Options
    let logger: Logger
    let host: EngineHost
    let server: HTTPServer
    let address: SocketAddress
    let feed: LiveFeed
    private let router: Router
    /// The state directory's journal and checkpoints; nil without `state_dir`.
    let store: DurableStore?
    /// False until state is restored (`/-/ready`, ingest 503 before).
    private let ready: LockedBox<Bool>
    /// Why the daemon gave up after starting (state that cannot be restored).
    private let fatal = LockedBox<String?>(nil)
    private let reloadRules: @Sendable () -> Result<String, ServerError>
    private let demoRunning = LockedBox(false)
    private let accepting = LockedBox(true)
    private let alerting = LockedBox<AlertService?>(nil)
    private let stats: LockedBox<DaemonStats>
    /// The rules loaded at start, until the alert service takes them over.
    private let initialRules: RuleSet?

    public init(options: Options, logger: Logger) throws(ServerError) {
        self.options = options
        self.logger = logger
        let config = options.configuration
        let address = config.listen
        self.address = address
        do {
            host = try EngineHost(settings: config.core)
        } catch {
            throw ServerError(.invalidConfig, error.description)
        }
        func token(_ key: String, _ path: String?) throws(ServerError) -> String? {
            guard let path else { return nil }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ServerError(.unreadableTokenFile, "\(key): cannot read the token file '\(path)'")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let access = AccessPolicy(ingestToken: try token("web.ingest_token_file", config.web.ingestTokenFile),
                                  adminToken: try token("web.admin_token_file", config.web.adminTokenFile),
                                  readToken: try token("web.read_token_file", config.web.readTokenFile))
        var tls: (key: String, certificate: String)?
        if let keyFile = config.web.tlsKeyFile, let certificateFile = config.web.tlsCertFile {
            guard let key = try? String(contentsOfFile: keyFile, encoding: .utf8),
                  let certificate = try? String(contentsOfFile: certificateFile, encoding: .utf8) else {
                throw ServerError(.unreadableTLSFiles, "web: cannot read tls_key_file '\(keyFile)' or tls_cert_file '\(certificateFile)'")
            }
            tls = (key, certificate)
        }
        if let rulesFile = config.rulesFile {
            do {
                initialRules = try RulesLoader.load(path: rulesFile, windows: config.core.windowMinutes)
            } catch {
                throw ServerError(.invalidRules, "the rules file is invalid:\n" + error.description)
            }
        } else {
            initialRules = options.demo
                ? try? RulesLoader.parse(DemoRules.yaml, file: DemoRules.source, windows: config.core.windowMinutes) : nil
        }
        let startedAt = Self.wallClock()
        var initialStats = DaemonStats()
        initialStats.lastReloadSuccessAt = startedAt
        let stats = LockedBox(initialStats)
        self.stats = stats
        let status = StatusInfo(version: options.version, startedAt: startedAt, listen: address.description,
                                settings: config.core, maxBodyBytes: config.limits.maxBodyBytes,
                                tokens: (access.ingestToken != nil, access.adminToken != nil, access.readToken != nil),
                                tls: tls != nil)
        let alerting = self.alerting
        let rulesFile = config.rulesFile, windows = config.core.windowMinutes
        let logger = self.logger
        let reloadRules: @Sendable () -> Result<String, ServerError> = {
            guard let service = alerting.withLock({ $0 }) else {
                return .success(rulesFile == nil ? "no rules file is configured; nothing to reload" : "not started yet")
            }
            do throws(ServerError) {
                let set = try RulesLoader.load(path: rulesFile ?? "", windows: windows)
                service.reload(set)
                stats.withLock {
                    $0.lastReloadSuccessful = true
                    $0.lastReloadSuccessAt = Daemon.wallClock()
                }
                logger.info("rules reloaded", metadata: ["rules": "\(set.rules.count)", "hooks": "\(set.hooks.count)"])
                return .success("reloaded \(set.rules.count) rules and \(set.hooks.count) hooks")
            } catch {
                stats.withLock { $0.lastReloadSuccessful = false }
                logger.error("rules reload failed; the old rules stay in force", metadata: ["problems": "\(error.description)"])
                return .failure(error)
            }
        }
        let feed = LiveFeed(host: host, maxClients: config.limits.maxStreams,
                            alerts: { alerting.withLock { $0 }?.alerts ?? [] }, clock: { Daemon.wallClock() })
        self.feed = feed
        let store = config.stateDir.map {
            DurableStore(directory: $0, checkpointInterval: config.checkpointInterval.wholeMilliseconds, logger: logger)
        }
        self.store = store
        let ready = LockedBox(store == nil)
        self.ready = ready
        let router = Router(host: host, stats: stats, status: status, access: access,
                            renderer: MetricsRenderer(exposeWindows: config.exposeWindows, version: options.version),
                            ready: ready, accepting: accepting, alerting: alerting, reloadRules: reloadRules,
                            clock: { Daemon.wallClock() }, feed: feed, store: store)
        self.reloadRules = reloadRules
        self.router = router
        var serverConfig = HTTPServer.Configuration(address: address)
        serverConfig.connectionLimit = config.limits.maxConnections
        serverConfig.connectionsPerClient = config.limits.maxConnectionsPerClient
        serverConfig.connectionTimeoutSeconds = max(1, Int((config.limits.connectionTimeout.wholeMilliseconds + 999) / 1000))
        serverConfig.maxBodyBytes = config.limits.maxBodyBytes
        serverConfig.tls = tls
        server = HTTPServer(configuration: serverConfig, logger: logger) { router.handle($0) }
    }

    /// What the server answers to `request` once its body is decoded (in process, without a
    /// socket: the fuzzer drives request handling through this).
    public func handle(_ request: HTTPRequest) -> HTTPResponse { router.handle(request) }

    /// The wall clock in ms: the live clock's `now`.
    static func wallClock() -> EpochMillis {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return EpochMillis(spec.tv_sec) * 1000 + EpochMillis(spec.tv_nsec / 1_000_000)
    }

    /// Serves until SIGTERM or SIGINT; SIGHUP reloads. Returns after a graceful stop.
    public func run() throws(ServerError) {
        // Block the signals before any thread starts, so only `sigwait` below receives them.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let port: Int
        do {
            port = try server.start()
        } catch {
            throw ServerError(.cannotListen, error.description)
        }
        let scheme = options.configuration.web.tlsCertFile == nil ? "http" : "https"
        let shown = SocketAddress(host: address.host, port: port)
        if let rules = initialRules {
            let service = AlertService(rulesFile: options.configuration.rulesFile ?? "", ruleSet: rules, host: host,
                                       externalURL: "\(scheme)://\(shown)", logger: logger, clock: { Daemon.wallClock() })
            alerting.withLock { $0 = service }
            let source = options.configuration.rulesFile ?? DemoRules.source
            logger.info("alerting: \(rules.rules.count) rules, \(rules.hooks.count) hooks", metadata: ["rules_file": "\(source)"])
        }
        // Logged once everything answers: tests and scripts start on this line.
        logger.info("listening on \(scheme)://\(shown)",
                    metadata: ["clock": "\(host.settings.clock.rawValue)", "version": "\(options.version)"])
        if let store {
            restoreState(from: store)
        } else if options.demo {
            startDemo()
        }

        while true {
            var received: Int32 = 0
            sigwait(&signals, &received)
            if received == SIGHUP {
                if case .success(let message) = reloadRules() { logger.info("SIGHUP: \(message)") }
                continue
            }
            logger.info("stopping", metadata: ["signal": "\(received == SIGTERM ? "SIGTERM" : "SIGINT")"])
            demoRunning.withLock { $0 = false }
            stopAccepting()
            feed.stop()
            server.stop()
            alerting.withLock { $0 }?.stop()
            store?.stop()
            if let reason = fatal.withLock({ $0 }) { throw ServerError(.cannotRestoreState, reason) }
            logger.info("stopped")
            return
        }
    }

    /// The first step of a graceful stop: from here on ingest answers 503 `shutting_down`
    /// and applies nothing (the tests call it in process to see that answer).
    func stopAccepting() {
        accepting.withLock { $0 = false }
    }

    /// Restores the state directory on its own thread (`/-/ready` says 503 meanwhile); a state
    /// that cannot be restored stops the daemon with the reason.
    private func restoreState(from store: DurableStore) {
        logger.info("state: restoring from \(store.directory)")
        let host = self.host, alerting = self.alerting, ready = self.ready, fatal = self.fatal, logger = self.logger
        let demo = options.demo
        Thread.detachNewThread { [self] in
            do throws(PersistenceError) {
                let alerts = try host.restore(from: store)
                let service = alerting.withLock { $0 }
                service?.restore(alerts)
                service?.onChange.withLock { $0 = AlertService.ChangeHandler { store.saveAlerts($0) } }
                store.setCapture { (host.copyEngine(), alerting.withLock { $0 }?.alerts ?? []) }
                ready.withLock { $0 = true }
                logger.info("ready: state restored, accepting events")
                if demo { startDemo() }
            } catch {
                fatal.withLock { $0 = "cannot restore the state directory: \(error.description)" }
                logger.critical("cannot restore the state directory: \(error.description)")
                kill(getpid(), SIGTERM)
            }
        }
    }

    /// `--demo`: the simulator feeds this daemon in real time, through the same decoder.
    private func startDemo() {
        demoRunning.withLock { $0 = true }
        logger.info("demo: simulating 6 queues at about 20 events/s")
        let host = self.host, running = demoRunning, logger = self.logger, alertingBox = alerting
        Thread.detachNewThread {
            let start = Daemon.wallClock()
            var pacer = LivePacer(generator: TrafficGenerator(queues: 6, eventsPerSecond: 20, start: start,
                                                              seed: UInt64(start), firstSpikeAfter: 90_000))
            pacer.run(clock: { Daemon.wallClock() }, keepGoing: { running.withLock { $0 } }) { body, _, now in
                let report = host.ingest(body, receivedAt: now)
                if report.accepted > 0 { alertingBox.withLock { $0 }?.poke() }
                if report.rejected > 0 { logger.warning("demo: \(report.rejected) events rejected") }
            }
        }
    }
}
