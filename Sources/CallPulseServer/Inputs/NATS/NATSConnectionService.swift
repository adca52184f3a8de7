import CallPulseNATS
import Logging
import ServiceLifecycle

/// The NATS connection as a service (docs/spec/scale-out.md): once the server answers, the
/// stream is created when absent (an existing stream's settings win; a difference is a warning),
/// retried with back-off while it cannot be; the connection itself reconnects forever.
struct NATSConnectionService: Service {
    let client: JetStreamClient
    let stream: StreamSettings
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown { await ensureStream() }
        try? await gracefulShutdown()
    }

    private func ensureStream() async {
        var delay = Duration.milliseconds(250)
        var logged = false
        while !Task.isCancelled {
            guard client.isConnected else {
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            do {
                let (client, stream) = (self.client, self.stream)
                let result = await onOwnThread(named: "nats-stream") { () -> Result<[String], NATSError> in
                    do throws(NATSError) { return .success(try client.ensureStream(stream)) } catch { return .failure(error) }
                }
                switch result {
                case .success(let differences):
                    for difference in differences {
                        logger.warning("nats: stream \(stream.name) exists with other settings, which win: \(difference)")
                    }
                    return
                case .failure(let error):
                    if !logged { logger.warning("nats: cannot create or read stream \(stream.name), retrying: \(error.description)") }
                    logged = true
                }
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}
