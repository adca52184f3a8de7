import CallPulseAlerting
import CallPulseCore
import Logging
import ServiceLifecycle

/// The state directory as a service (README.md, "The daemon": durable state): restores the checkpoint
/// and journal first — ingest answers `not_ready` meanwhile — then runs the journal writer
/// until the graceful stop, which ends with a final checkpoint. A state that cannot be
/// restored ends the daemon with the reason.
struct JournalService: Service {
    let store: DurableStore
    let settings: Settings
    let logger: Logger
    /// Takes what was restored (engine, alert states) before the writer starts and ingest opens.
    let restored: @Sendable (Engine, [Alert]) -> Void

    func run() async throws {
        logger.info("state: restoring from \(store.directory)")
        let (store, settings) = (self.store, self.settings)
        let outcome = await onOwnThread(named: "restore") { () -> Result<Restored, PersistenceError> in
            do throws(PersistenceError) {
                let (engine, alerts) = try store.recover(settings: settings) { engine, outcomes, receivedAt in
                    engine.process(contentsOf: outcomes, receivedAt: receivedAt) { _ in }
                }
                return .success(Restored(engine: engine, alerts: alerts))
            } catch {
                return .failure(error)
            }
        }
        let state = try outcome.get()
        restored(state.engine, state.alerts)
        await WorkerService(worker: store.worker, step: { store.writerStep() }, finally: { store.writerFinish() }).run()
    }

    private struct Restored: Sendable {
        var engine: Engine
        var alerts: [Alert]
    }
}
