import CMicroHTTPD
import CallPulseSupport

/// The outgoing side of one streaming response (Server-Sent Events): producers `send`
/// bytes from any thread; the server drains them when the socket can take more and parks
/// the connection (MHD suspend, no thread held) while there is nothing to write.
public final class EventChannel: Sendable {
    struct State {
        var pending: [UInt8] = []
        /// Bytes of `pending` already handed to MHD.
        var offset = 0
        var closed = false
        /// The MHD connection while the server owns this channel, as an integer so the
        /// state stays Sendable; nil before the response is queued.
        var connection: UInt?
        var suspended = false
    }

    /// The most bytes a slow reader may fall behind before the channel gives up on it.
    public let maxPending: Int
    let state = LockedBox(State())

    public init(maxPending: Int = 16 << 20) { self.maxPending = maxPending }

    /// Queues `bytes` for the client. False when the channel is closed (client gone, server
    /// stopping, or the client fell more than `maxPending` bytes behind and was dropped).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            if state.pending.count - state.offset + bytes.count > maxPending {
                state.closed = true  // a reader this far behind is not reading: end its stream
            } else {
                state.pending.append(contentsOf: bytes)
            }
            Self.wake(&state)
            return !state.closed
        }
    }

    /// Ends the stream after what is already queued.
    public func close() {
        state.withLock { state in
            state.closed = true
            Self.wake(&state)
        }
    }

    /// True once the stream has ended or the client has gone.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Resumes a parked connection. Called with the lock held, so it cannot interleave with
    /// `read`'s decision to suspend: MHD sees suspend and resume in the order we decided them.
    private static func wake(_ state: inout State) {
        guard state.suspended, let connection = state.connection else { return }
        state.suspended = false
        MHD_resume_connection(OpaquePointer(bitPattern: connection))
    }

    /// MHD's content reader: copies up to `capacity` bytes into `buffer`; at the end returns
    /// MHD_CONTENT_READER_END_OF_STREAM (-1); with nothing to send, suspends and returns 0.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        state.withLock { state in
            let available = state.pending.count - state.offset
            if available > 0 {
                let count = min(available, capacity)
                state.pending.withUnsafeBytes { bytes in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + state.offset, byteCount: count)
                }
                state.offset += count
                if state.offset == state.pending.count {
                    state.pending.removeAll(keepingCapacity: state.pending.capacity <= 1 << 16)
                    state.offset = 0
                }
                return count
            }
            if state.closed { return -1 }
            guard let connection = state.connection else { return -1 }
            state.suspended = true
            MHD_suspend_connection(OpaquePointer(bitPattern: connection))
            return 0
        }
    }

    /// Binds the channel to the MHD connection that serves it.
    func attach(_ connection: OpaquePointer) {
        state.withLock { $0.connection = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(connection))) }
    }

    /// MHD has released the response: the client is gone or the stream ended.
    func detach() {
        state.withLock { state in
            state.closed = true
            state.connection = nil
            state.suspended = false
            state.pending = []
            state.offset = 0
        }
    }
}
