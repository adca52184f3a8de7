#if canImport(Glibc)
import Glibc
#endif

/// A value guarded by a pthread mutex: the one lock type of CallPulse. ThreadSanitizer
/// understands pthread mutexes and condition variables (it reports false races on
/// `Synchronization.Mutex`, which is futex-based on Linux), so every shared mutable value
/// sits in one of these.
public final class LockedBox<Value>: @unchecked Sendable {
    // @unchecked Sendable is sound: `value` is only read or written inside `withLock` (or
    // the waiting variants), which hold `mutex` for the whole access, so no two threads
    // touch it at once.
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
        // Timed waits measure against the monotonic clock: a wall-clock step must not stretch them.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&changed, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    /// Waits until `ready` holds for the value, then runs `body` with exclusive access and
    /// wakes every other waiter (what `body` changed may be what they wait for).
    public func withLock<Result>(waitingUntil ready: (Value) -> Bool,
                                 _ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(&mutex)
        defer {
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
        }
        while !ready(value) { pthread_cond_wait(&changed, &mutex) }
        return try body(&value)
    }

    /// Waits until `ready` holds for the value or `timeout` has passed (a negative one does
    /// not wait), then runs `body` with exclusive access (`body` learns whether `ready` held)
    /// and wakes every other waiter.
    public func withLock<Result>(waitingUntil ready: (Value) -> Bool, atMost timeout: Duration,
                                 _ body: (inout Value, _ ready: Bool) throws -> Result) rethrows -> Result {
        let nanoseconds = timeout.wholeNanoseconds
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let total = UInt64(deadline.tv_nsec) + nanoseconds % 1_000_000_000
        deadline.tv_sec += Int(nanoseconds / 1_000_000_000) + Int(total / 1_000_000_000)
        deadline.tv_nsec = Int(total % 1_000_000_000)
        pthread_mutex_lock(&mutex)
        defer {
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
        }
        while !ready(value) {
            if pthread_cond_timedwait(&changed, &mutex, &deadline) == ETIMEDOUT { break }
        }
        return try body(&value, ready(value))
    }

    /// Runs `body` with exclusive access, then wakes every waiter: for a change someone waits for.
    public func withLockNotifyingWaiters<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(&mutex)
        defer {
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
        }
        return try body(&value)
    }

    /// Runs `body` with exclusive access to the value.
    @inline(__always)
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
    }
}
