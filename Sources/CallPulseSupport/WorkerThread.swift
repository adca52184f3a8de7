import Foundation

/// A loop on a thread of its own: runs a step whenever it is woken, and every `interval`
/// when one is set, until it is stopped. The one skeleton behind every long-running part
/// that blocks (journal commits, hook deliveries, alert evaluation, the live feed, the
/// demo): blocking work must not sit on Swift's cooperative thread pool, which has one
/// thread per core. Nothing starts until `run` is called (docs/architecture.md, "Services").
public final class WorkerThread: Sendable {
    private struct State {
        var stopRequested = false
        var woken = false
        var finished = false
        var interval: Duration?
    }

    /// The name the thread carries (`top -H`, debuggers) and logs use.
    public let name: String
    private let state: LockedBox<State>

    /// `interval`: the step's period when nothing wakes it; nil: only when woken.
    public init(name: String, interval: Duration?) {
        self.name = name
        state = LockedBox(State(interval: interval))
    }

    /// Changes the period (a rules reload changes the evaluation interval); takes effect at once.
    public func setInterval(_ interval: Duration?) {
        state.withLockNotifyingWaiters { $0.interval = interval }
    }

    /// Asks for a step as soon as the current one ends; wakes coalesce.
    public func wake() {
        state.withLockNotifyingWaiters { $0.woken = true }
    }

    /// Asks the loop to end after the step in progress; `step` is not called again.
    public func requestStop() {
        state.withLockNotifyingWaiters { $0.stopRequested = true }
    }

    /// True once `requestStop` was called: a long step (a retry loop) checks this to give up early.
    public var isStopping: Bool { state.withLock { $0.stopRequested } }

    /// Waits up to `seconds` inside a step (a retry's back-off); true when a stop cut it short.
    public func sleep(seconds: Double) -> Bool {
        state.withLock(waitingUntil: { $0.stopRequested }, atMost: .seconds(seconds)) { _, stopped in stopped }
    }

    /// True once the loop has ended and `finally` has run.
    public var hasFinished: Bool { state.withLock { $0.finished } }

    /// Blocks the calling thread until the loop that `run` started has ended.
    public func waitUntilFinished() {
        state.withLock(waitingUntil: { $0.finished }) { _ in }
    }

    /// Starts the thread: `step` runs when woken or when the interval passes, `finally` once
    /// after the last step (on the same thread), then `whenFinished`.
    public func run(step: @escaping @Sendable () -> Void, finally: @escaping @Sendable () -> Void = {},
                    whenFinished: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            while waitForWork() { step() }
            finally()
            state.withLockNotifyingWaiters { $0.finished = true }
            whenFinished()
        }
        thread.name = name
        thread.start()
    }

    /// Blocks until a wake, the interval or a stop; false when the loop must end.
    private func waitForWork() -> Bool {
        let due: (State) -> Bool = { $0.woken || $0.stopRequested }
        let keepGoing: (inout State, Bool) -> Bool = { state, _ in
            state.woken = false
            return !state.stopRequested
        }
        guard let interval = state.withLock({ $0.interval }) else {
            return state.withLock(waitingUntil: due) { keepGoing(&$0, true) }
        }
        return state.withLock(waitingUntil: due, atMost: interval, keepGoing)
    }
}
