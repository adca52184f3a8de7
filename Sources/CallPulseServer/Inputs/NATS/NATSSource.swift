import CallPulseCore
import CallPulseNATS
import CallPulseSupport
import Logging

/// The parts a `nats:` section makes (docs/spec/scale-out.md): one connection, the relay when
/// `publish`, the consumer when `consume`, and the status they share.
struct NATSSource: Sendable {
    let client: JetStreamClient
    let status: StreamSourceBox
    let relay: EventRelay?
    let consumer: StreamConsumer?
    let connectionService: NATSConnectionService

    init(config: NATSConfig, instance: String, pipeline: IngestPipeline, host: EngineHost, logger: Logger) throws(ServerError) {
        let status = StreamSourceBox(StreamSourceStatus(stream: config.stream, consumer: config.consume ? config.consumerName : nil,
                                                        publishing: config.publish))
        self.status = status
        let connection = NATSConnectionSettings(servers: config.servers, name: "callpulse \(instance)",
                                                tokenFile: config.tokenFile, credsFile: config.credsFile,
                                                tlsCAFile: config.tlsCAFile, tlsCertFile: config.tlsCertFile,
                                                tlsKeyFile: config.tlsKeyFile)
        // One log line when the connection is lost and one when it is back (docs/spec/scale-out.md).
        let outage = LockedBox<(connectedOnce: Bool, lostAt: UInt64?)>((false, nil))
        let servers = config.url
        do {
            client = try JetStreamClient(settings: connection) { connected in
                status.withLock { $0.connected = connected }
                outage.withLock { outage in
                    let now = SystemClock.monotonicNanos()
                    if connected {
                        if let lostAt = outage.lostAt {
                            let seconds = Double((now - lostAt) / 1_000_000) / 1000
                            logger.notice("nats: connected again after \(seconds) s", metadata: ["servers": "\(servers)"])
                        } else if !outage.connectedOnce {
                            logger.info("nats: connected", metadata: ["servers": "\(servers)"])
                        }
                        outage = (true, nil)
                    } else if outage.lostAt == nil {
                        logger.warning("nats: the server is unreachable; reconnecting with back-off, consuming and publishing wait",
                                       metadata: ["servers": "\(servers)"])
                        outage.lostAt = now
                    }
                }
            }
        } catch {
            throw ServerError(.invalidConfig, "nats: \(error.description)")
        }
        // A server down at the start calls no callback until it answers: say so now.
        if !client.isConnected {
            outage.withLock { outage in
                guard !outage.connectedOnce, outage.lostAt == nil else { return }
                logger.warning("nats: the server is unreachable; connecting with back-off, consuming and publishing wait",
                               metadata: ["servers": "\(servers)"])
                outage.lostAt = SystemClock.monotonicNanos()
            }
        }
        let subjects = ShardSubject(subject: config.subject, shards: config.shards)
        relay = config.publish ? EventRelay(client: client, subjects: subjects, status: status) : nil
        if config.consume {
            let filter = config.shard.map { "\(config.subject).\($0)" } ?? "\(config.subject).>"
            consumer = StreamConsumer(client: client, pipeline: pipeline, host: host, status: status,
                                      settings: .init(stream: config.stream, durable: config.consumerName, filter: filter,
                                                      contiguous: config.shard == nil, batch: config.fetchBatch,
                                                      ackWait: config.ackWait),
                                      logger: logger)
        } else {
            consumer = nil
        }
        connectionService = NATSConnectionService(
            client: client,
            stream: StreamSettings(name: config.stream, subjects: ["\(config.subject).>"], replicas: config.replicas,
                                   maxAge: config.maxAge, duplicateWindow: .seconds(120)),
            logger: logger)
    }
}
