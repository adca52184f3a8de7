import CallPulseSupport
import Foundation
import ServiceLifecycle

/// A `Service` whose work runs on a `WorkerThread`: a graceful stop (or cancellation) asks
/// the loop to end after its current step; `run` returns once it has (docs/architecture.md,
/// "Services").
struct WorkerService: Service {
    let worker: WorkerThread
    let step: @Sendable () -> Void
    /// Runs once after the last step, on the worker's thread (drain, final checkpoint, close).
    var finally: @Sendable () -> Void = {}

    func run() async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    worker.run(step: step, finally: finally) { finished.resume() }
                }
            } onGracefulShutdown: {
                worker.requestStop()
            }
        } onCancel: {
            worker.requestStop()
        }
    }
}

/// Runs blocking `work` (a restore, `MHD_stop_daemon`) on a thread of its own and returns its
/// result: Swift's cooperative pool has one thread per core and must not block.
func onOwnThread<Result: Sendable>(named name: String, _ work: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { (done: CheckedContinuation<Result, Never>) in
        let thread = Thread { done.resume(returning: work()) }
        thread.name = name
        thread.start()
    }
}
