import CallPulseNATS
import Logging
import ServiceLifecycle

/// The NATS connection as a service (docs/spec/scale-out.md): the stream is created when absent
/// (an existing stream's settings win; a difference is a warning) once the server answers, again
/// after every reconnect and every minute, so a server that lost its store, or a stream someone
/// deleted, is made again without a restart. The connection itself reconnects forever.
struct NATSConnectionService: Service {
    let client: JetStreamClient
    let stream: StreamSettings
    let logger: Logger
    /// How often the stream is checked while connected.
    var checkEvery: Duration = .seconds(60)

    func run() async {
        await cancelWhenGracefulShutdown { await keepStream() }
        try? await gracefulShutdown()
    }

    private func keepStream() async {
        var delay = Duration.milliseconds(250)
        var failing = false
        var reported = false
        while !Task.isCancelled {
            guard client.isConnected else {
                failing = true  // check at once when the connection is back
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            let (client, stream) = (self.client, self.stream)
            let result = await onOwnThread(named: "nats-stream") { () -> Result<[String], NATSError> in
                do throws(NATSError) { return .success(try client.ensureStream(stream)) } catch { return .failure(error) }
            }
            switch result {
            case .success(let differences):
                if !reported {
                    for difference in differences {
                        logger.warning("nats: stream \(stream.name) exists with other settings, which win: \(difference)")
                    }
                    reported = true
                }
                failing = false
                delay = .milliseconds(250)
            case .failure(let error):
                if !failing { logger.warning("nats: cannot create or read stream \(stream.name), retrying: \(error.description)") }
                failing = true
            }
            // While failing, back off; else wait for the next check or a lost connection.
            if failing {
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            } else {
                var waited = Duration.zero
                while waited < checkEvery && client.isConnected && !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(200))
                    waited += .milliseconds(200)
                }
            }
        }
    }
}
