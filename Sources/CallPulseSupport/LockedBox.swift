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
        pthread_cond_init(&changed, nil)
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

    /// Runs `body` with exclusive access to the value.
    @inline(__always)
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
    }
}
