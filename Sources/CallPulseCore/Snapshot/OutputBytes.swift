/// A growable byte buffer written through a pointer. Appending to `[UInt8]` a byte at a
/// time checks uniqueness and capacity out of line on every byte, which was most of the
/// 1,000-queue JSON render (docs/performance.md); here a write is a compare and a store.
/// Owned by one `JSONWriter`, which copies it before writing when it is shared.
final class OutputBytes {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    func copy() -> OutputBytes {
        let copy = OutputBytes(capacity: capacity)
        copy.base.update(from: base, count: count)
        copy.count = count
        return copy
    }

    /// Room for `extra` more bytes; returns where they go.
    @inline(__always)
    func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if count + extra > capacity { grow(to: count + extra) }
        return base + count
    }

    @inline(__always)
    func commit(_ written: Int) { count += written }

    private func grow(to minimum: Int) {
        let newCapacity = max(capacity * 2, minimum)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1).pointee = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        reserve(bytes.count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    var array: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
