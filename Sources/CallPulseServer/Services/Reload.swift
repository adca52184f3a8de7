import CallPulseCore
import CallPulseSupport

/// What SIGHUP and `POST /-/reload` do: each step in turn — the rules file, the token files,
/// the TLS certificate (docs/spec/security.md) — and each step keeps what it had when its
/// files are bad. Every step runs even after one failed, so a broken rules file does not
/// hold back a token rotation.
struct Reload: Sendable {
    /// One part: a sentence on what it reloaded, or why it kept the old (its error's problems
    /// are whole sentences, saying what stays in force).
    typealias Step = @Sendable () -> Result<String, ServerError>

    let steps: [Step]
    let stats: LockedBox<DaemonStats>
    let clock: @Sendable () -> EpochMillis
    /// One reload at a time: SIGHUP and several `POST /-/reload` may come together, and a slower
    /// one must not write back what a later one replaced.
    private let serial = LockedBox(())

    init(steps: [Step], stats: LockedBox<DaemonStats>, clock: @escaping @Sendable () -> EpochMillis) {
        self.steps = steps
        self.stats = stats
        self.clock = clock
    }

    /// The steps' sentences joined by "; ", or the first failure's code with every failure's
    /// problems; `callpulse_config_last_reload_successful` says whether all succeeded.
    func run() -> Result<String, ServerError> {
        serial.withLock { _ in runSteps() }
    }

    private func runSteps() -> Result<String, ServerError> {
        var done: [String] = []
        var failures: [ServerError] = []
        for step in steps {
            switch step() {
            case .success(let message): done.append(message)
            case .failure(let error): failures.append(error)
            }
        }
        let now = clock()
        stats.withLock {
            $0.lastReloadSuccessful = failures.isEmpty
            if failures.isEmpty { $0.lastReloadSuccessAt = now }
        }
        guard let first = failures.first else { return .success(done.joined(separator: "; ")) }
        return .failure(ServerError(first.kind, problems: failures.flatMap(\.problems)))
    }
}
