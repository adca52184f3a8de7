#if canImport(Glibc)
import CallPulseSupport
import Glibc
#endif
import CallPulseCore

/// A growable byte buffer filled by read(2), with simdjson's padding always readable past
/// the content. Consumed bytes are dropped by moving the rest to the front.
final class ReadBuffer {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private var start = 0
    private var end = 0

    init(capacity: Int) {
        self.capacity = capacity + JSONText.padding
        storage = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: self.capacity)
    }

    deinit { storage.deallocate() }

    var count: Int { end - start }

    /// The unconsumed bytes; `JSONText.padding` more are readable past the end.
    var content: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage.assumingMemoryBound(to: UInt8.self) + start, count: end - start)
    }

    func consume(_ length: Int) {
        start += length
        if start == end {
            start = 0
            end = 0
        }
    }

    func removeAll() {
        start = 0
        end = 0
    }

    /// Reads once from `fd`; returns false at end of input.
    func fill(from fd: Int32, chunk: Int) throws(SystemCallError) -> Bool {
        if start > 0 && (capacity - JSONText.padding - end) < chunk {
            storage.copyMemory(from: storage + start, byteCount: end - start)
            end -= start
            start = 0
        }
        if capacity - JSONText.padding - end < chunk {
            let newCapacity = max(capacity * 2, end + chunk + JSONText.padding)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 64)
            grown.copyMemory(from: storage, byteCount: end)
            (grown + end).initializeMemory(as: UInt8.self, repeating: 0, count: newCapacity - end)
            storage.deallocate()
            storage = grown
            capacity = newCapacity
        }
        while true {
            let got = read(fd, storage + end, chunk)
            if got < 0 {
                if errno == EINTR { continue }
                throw SystemCallError(errno: errno)
            }
            end += got
            // Keep the padding zeroed: a previous, longer fill may have left bytes there.
            (storage + end).initializeMemory(as: UInt8.self, repeating: 0, count: JSONText.padding)
            return got > 0
        }
    }
}
