import CallPulseAlerting
import CallPulseCore
import CallPulseHTTP
import CallPulseSupport
import Foundation
import Logging
import ServiceLifecycle

/// `callpulse serve`: builds the parts — engine host, ingest pipeline, inputs, views, alerting,
/// journal — and runs every long-running one as a service in one `ServiceGroup`
/// (docs/architecture.md, "Services"). Services start in the order of `services` and stop in
/// the reverse: the demo, then ingest closes, the live feed ends the streams, the HTTP server
/// finishes its requests, alert evaluation stops, the hook senders give up, and the journal
/// drains and writes its last checkpoint. A graceful stop that outlasts `shutdown_timeout` is
/// cut short with a log line naming what did not stop.
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
    let pipeline: IngestPipeline
    let server: HTTPServer
    let address: SocketAddress
    let feed: LiveFeed
    private let router: Router
    /// The state directory's journal and checkpoints; nil without `state_dir`.
    let store: DurableStore?
    /// nil without rules (no rules file and no demo).
    let alerting: AlertService?
    let hooks: HookSenders?
    private let demo: DemoInput?
    private let stats: LockedBox<DaemonStats>
    /// `http://HOST:PORT` once the server has bound its port (hook payloads link to it).
    private let externalURL = LockedBox("")
    private let reload: Reload
    /// The NATS source (docs/spec/scale-out.md); nil without a `nats:` section.
    private let nats: NATSSource?

    public init(options: Options, logger: Logger) throws(ServerError) {
        self.options = options
        self.logger = logger
        let config = options.configuration
        address = config.listen
        do {
            host = try EngineHost(settings: config.core)
        } catch {
            throw ServerError(.invalidConfig, error.description)
        }
        // Several tokens a file, re-read on reload (docs/spec/security.md, "Tokens").
        let access = AccessPolicy(try TokenFiles.readAll(config.web))
        // HTTPS: the pair checked here, so a bad one stops `serve` before anything starts.
        let tlsFiles = TLSFiles(config.web)
        let tls = try tlsFiles?.read()
        let initialRules: RuleSet?
        if let rulesFile = config.rulesFile {
            do {
                initialRules = try RulesLoader.load(path: rulesFile, windows: config.core.windowMinutes,
                                                   intervalMinutes: config.core.intervals.lengthMinutes)
            } catch {
                throw ServerError(.invalidRules, "the rules file is invalid:\n" + error.description)
            }
        } else {
            initialRules = options.demo
                ? try? RulesLoader.parse(DemoRules.yaml, file: DemoRules.source, windows: config.core.windowMinutes,
                                     intervalMinutes: config.core.intervals.lengthMinutes) : nil
        }
        let clock: @Sendable () -> EpochMillis = { SystemClock.wallMillis() }
        let startedAt = clock()
        var initialStats = DaemonStats()
        initialStats.lastReloadSuccessAt = startedAt
        let stats = LockedBox(initialStats)
        self.stats = stats

        // Alerting: the evaluator and the hook senders.
        let externalURL = self.externalURL
        if let initialRules {
            let hooks = HookSenders(hooks: initialRules.hooks, externalURL: { externalURL.withLock { $0 } }, logger: logger)
            self.hooks = hooks
            alerting = AlertService(rulesFile: config.rulesFile ?? "", ruleSet: initialRules, host: host, hooks: hooks,
                                    instance: config.instance, logger: logger, clock: clock)
        } else {
            hooks = nil
            alerting = nil
        }
        let alerting = self.alerting
        let rulesFile = config.rulesFile, windows = config.core.windowMinutes, intervalMinutes = config.core.intervals.lengthMinutes
        let reloadRules: Reload.Step = {
            guard let alerting, let rulesFile else {
                return .success(rulesFile == nil ? "no rules file is configured" : "not started yet")
            }
            do throws(ServerError) {
                let set = try RulesLoader.load(path: rulesFile, windows: windows, intervalMinutes: intervalMinutes)
                alerting.reload(set)
                logger.info("rules reloaded", metadata: ["rules": "\(set.rules.count)", "hooks": "\(set.hooks.count)"])
                return .success("reloaded \(set.rules.count) rules and \(set.hooks.count) hooks")
            } catch {
                logger.error("rules reload failed; the old rules stay in force", metadata: ["problems": "\(error.description)"])
                return .failure(ServerError(error.kind, "the rules file is invalid, the old rules stay in force: "
                                                        + error.problems.joined(separator: "; ")))
            }
        }
        // The live feed (before the reload steps: a token rotation ends its streams).
        feed = LiveFeed(host: host, maxClients: config.limits.maxStreams, alerts: { alerting?.alerts ?? [] }, clock: clock)
        let feed = self.feed
        let web = config.web
        let reloadTokens: Reload.Step = {
            let readBefore = access.tokens.read
            let result = TokenFiles.reload(web, into: access)
            // A stream is authorised once, when it opens: a removed read token must not keep one
            // going. Every stream ends; wallboards reconnect with their token (security.md).
            if access.tokens.read != readBefore { feed.closeAll() }
            switch result {
            case .success(let message): logger.info("\(message)")
            case .failure(let error): logger.error("token reload: \(error.problems.joined(separator: "; "))")
            }
            return result
        }
        // The certificate step reaches the server once it exists (docs/spec/security.md, "TLS").
        let serving = LockedBox<HTTPServer?>(nil)
        let reloadCertificate = tlsFiles.map { [$0.reloadStep(server: serving, logger: logger)] } ?? []
        let reload = Reload(steps: [reloadRules, reloadTokens] + reloadCertificate, stats: stats, clock: clock)
        self.reload = reload

        // The journal, and the pipeline that notifies the alerts and the feed.
        store = config.stateDir.map {
            DurableStore(directory: $0, checkpointInterval: config.checkpointInterval.wholeMilliseconds, logger: logger)
        }
        pipeline = IngestPipeline(engine: host, journal: store)
        pipeline.addObserver { report in
            if report.accepted > 0 {
                alerting?.poke()
                feed.eventsApplied()
            }
            if !report.delays.isEmpty {
                stats.withLock { stats in for delay in report.delays { stats.eventDelay.observe(max(0, delay)) } }
            }
        }
        demo = options.demo ? DemoInput(pipeline: pipeline, clock: clock, logger: logger) : nil
        if let natsConfig = config.nats {
            nats = try NATSSource(config: natsConfig, instance: config.instance, pipeline: pipeline, host: host, logger: logger)
        } else {
            nats = nil
        }

        // The HTTP server: the ingest input and the views behind one router.
        let crossOrigin = CrossOrigin(origins: Set(config.web.corsOrigins))
        let status = StatusInfo(version: options.version, startedAt: startedAt, listen: address.description,
                                settings: config.core, maxBodyBytes: config.limits.maxBodyBytes,
                                tokens: (access.tokens.ingest != nil, access.tokens.admin != nil, access.tokens.read != nil),
                                tls: tls != nil)
        // limits.ingest_rate (docs/spec/security.md, "Rate limits"): off unless set.
        let rateLimit = config.limits.ingestRate.map { rate in
            IngestRateLimit(IngestRateLimits(rate: rate, burst: config.limits.effectiveIngestBurst ?? rate), stats: stats)
        }
        let router = Router(host: host, ingest: HTTPIngestInput(pipeline: pipeline, clock: clock, rateLimit: rateLimit,
                                                                relay: nats?.relay,
                                                                consumesStream: nats?.consumer != nil && nats?.relay == nil),
                            pipeline: pipeline,
                            stats: stats, status: status, access: access,
                            renderer: MetricsRenderer(exposeWindows: config.exposeWindows, version: options.version),
                            alerting: alerting, reload: reload, authFailures: AuthFailures(stats: stats, logger: logger),
                            clock: clock, feed: feed, store: store,
                            crossOrigin: crossOrigin,
                            pagePolicy: SecurityHeaders.pagePolicy(frameAncestors: config.web.frameAncestors),
                            source: nats?.status)
        self.router = router
        var serverConfig = HTTPServer.Configuration(address: address)
        serverConfig.connectionLimit = config.limits.maxConnections
        serverConfig.connectionsPerClient = config.limits.maxConnectionsPerClient
        serverConfig.connectionTimeoutSeconds = max(1, Int((config.limits.connectionTimeout.wholeMilliseconds + 999) / 1000))
        serverConfig.maxBodyBytes = config.limits.maxBodyBytes
        serverConfig.tls = tls
        if crossOrigin.isEnabled { serverConfig.crossOriginHeaders = { crossOrigin.headers(path: $0, origin: $1) } }
        serverConfig.everyAnswerHeaders = SecurityHeaders.everyAnswer
        let server = HTTPServer(configuration: serverConfig, logger: logger) { router.handle($0) }
        self.server = server
        serving.withLock { $0 = server }
    }

    /// What the server answers to `request` once its body is decoded (in process, without a
    /// socket: the fuzzer and the tests drive request handling through this).
    public func handle(_ request: HTTPRequest) -> HTTPResponse { router.handle(request) }

    /// The first step of a graceful stop: from here on ingest answers 503 `shutting_down`
    /// and applies nothing (the tests call it in process to see that answer).
    func stopAccepting() { pipeline.close() }

    /// Serves until SIGTERM or SIGINT (SIGHUP reloads: `Reload`); returns after a graceful
    /// stop, throws when a service failed (the group was stopped for it).
    public func run() async throws(ServerError) {
        let tracker = ServiceTracker(logger: logger)
        let connections = options.configuration.limits.maxConnections
        switch OpenFileLimit.raise(forConnections: connections) {
        case .enough:
            break
        case .raised(let from, let to):
            logger.info("open-file limit raised from \(from) to \(to) for limits.max_connections \(connections)")
        case .short(let limit, let needed):
            logger.warning("""
                open-file limit \(limit) is below the \(needed) that limits.max_connections \(connections) needs; \
                connections past it are refused: raise LimitNOFILE (systemd) or ulimit -n, or lower limits.max_connections
                """)
        }
        let group = GroupHandle()
        let signals = await SignalService.trap()
        let scheme = options.configuration.web.tlsCertFile == nil ? "http" : "https"
        var services: [TrackedService] = []
        // Started in this order, stopped in the reverse.
        // The live clock observes from the first start (docs/spec/forecast.md, "Observed span"):
        // kept by the state directory unless the daemon was down longer than a checkpoint
        // interval and a minute (a crash loses at most one interval of it).
        let tolerance = options.configuration.checkpointInterval.wholeMilliseconds + 60_000
        if let store {
            let (host, alerting, pipeline, logger) = (self.host, self.alerting, self.pipeline, self.logger)
            services.append(tracker.track(JournalService(store: store, settings: host.settings, logger: logger) { engine, alerts in
                host.replaceEngine(with: engine)
                if let note = host.resumeObserving(now: SystemClock.wallMillis(), tolerance: tolerance) {
                    logger.notice("state: \(note)")
                }
                alerting?.restore(alerts)
                alerting?.onChange.withLock { $0 = AlertService.ChangeHandler { store.saveAlerts($0) } }
                store.setCapture { (host.copyEngine(), alerting?.alerts ?? []) }
                pipeline.open()
                logger.info("ready: state restored, accepting events")
            }, as: "journal"))
        }
        if store == nil { _ = host.resumeObserving(now: SystemClock.wallMillis(), tolerance: tolerance) }
        if let hooks { services.append(tracker.track(hooks, as: "hook senders")) }
        if let alerting {
            services.append(tracker.track(alerting.service, as: "alert evaluator"))
            let source = options.configuration.rulesFile ?? DemoRules.source
            let counts = alerting.ruleCounts
            logger.info("alerting: \(counts.rules) rules, \(counts.hooks) hooks", metadata: ["rules_file": "\(source)"])
        }
        if let nats { services.append(tracker.track(nats.connectionService, as: "nats connection")) }
        let (address, externalURL, logger, clockName, version) = (self.address, self.externalURL, self.logger,
                                                                   host.settings.clock.rawValue, options.version)
        services.append(tracker.track(HTTPServerService(server: server) { port in
            let shown = SocketAddress(host: address.host, port: port)
            externalURL.withLock { $0 = "\(scheme)://\(shown)" }
            // Tests and scripts start on this line: everything answers from here on.
            logger.info("listening on \(scheme)://\(shown)", metadata: ["clock": "\(clockName)", "version": "\(version)"])
        }, as: "http server"))
        services.append(tracker.track(feed.service, as: "live feed"))
        services.append(tracker.track(pipeline, as: "ingest"))
        if let consumer = nats?.consumer { services.append(tracker.track(consumer.makeService(), as: "nats consumer")) }
        if let demo { services.append(tracker.track(demo.service, as: "demo")) }
        let reload = self.reload
        services.append(tracker.track(SignalService(signals: signals, reloadRules: {
            if case .success(let message) = reload.run() { logger.info("SIGHUP: \(message)") }
        }, stopGroup: { await group.triggerGracefulShutdown() }, logger: logger), as: "signals"))
        services.append(tracker.track(ShutdownDeadline(timeout: options.configuration.shutdownTimeout, tracker: tracker, logger: logger),
                                      as: ShutdownDeadline.name))

        let configuration = ServiceGroupConfiguration(
            services: services.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: $0.name)
            },
            logger: logger)
        // No maximumGracefulShutdownDuration: the group would cancel every service at the
        // deadline, out of order; ShutdownDeadline alone ends a stop that takes too long.
        let serviceGroup = ServiceGroup(configuration: configuration)
        group.set(serviceGroup)
        do {
            try await serviceGroup.run()
        } catch let error as PersistenceError {
            throw ServerError(.cannotRestoreState, "cannot restore the state directory: \(error.description)")
        } catch let error as HTTPAdapterError {
            throw ServerError(starting: error)
        } catch {
            throw ServerError(.serviceFailed, "\(error)")
        }
        logger.info("stopped")
    }
}
