/// The bytes of a checkpoint: integers little-endian, arrays of plain data copied whole
/// (a million call records are one copy, not a million encodes).
public struct StateWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    public mutating func int(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func int(_ value: Int) { int(Int64(value)) }

    public mutating func optional(_ value: Int64?) {
        int(value == nil ? 0 : 1)
        int(value ?? 0)
    }

    /// An array of a type without references, as its count and its memory.
    public mutating func plain<T>(_ array: [T]) {
        precondition(_isPOD(T.self), "only plain data is copied whole")
        int(array.count)
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ value: String) { plain(Array(value.utf8)) }
}

/// Reads what `StateWriter` wrote; every read checks that the bytes are there.
public struct StateReader {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { offset == bytes.count }

    public mutating func int() throws(CoreError) -> Int64 {
        guard offset + 8 <= bytes.count else { throw CoreError(.unreadableState, "the state ends early") }
        var value: Int64 = 0
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<(offset + 8)]) }
        offset += 8
        return Int64(littleEndian: value)
    }

    public mutating func count(max: Int = Int(Int32.max)) throws(CoreError) -> Int {
        let value = try int()
        guard value >= 0 && value <= max else { throw CoreError(.unreadableState, "a count of \(value) is out of range") }
        return Int(value)
    }

    public mutating func optional() throws(CoreError) -> Int64? {
        let present = try int()
        let value = try int()
        return present == 0 ? nil : value
    }

    public mutating func plain<T>(_ type: T.Type = T.self) throws(CoreError) -> [T] {
        precondition(_isPOD(T.self), "only plain data is copied whole")
        let count = try self.count()
        let size = count * MemoryLayout<T>.stride
        guard offset + size <= bytes.count else { throw CoreError(.unreadableState, "the state ends early") }
        // An empty array without init(unsafeUninitializedCapacity:): at capacity 0 that stores the
        // count into the standard library's one shared empty-array object, a data race with every
        // thread reading an empty array (ThreadSanitizer reports it while the state is restored).
        guard count > 0 else { return [] }
        let array = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + size)]))
            }
            initialized = count
        }
        offset += size
        return array
    }

    /// An array that must have exactly `count` elements (it sits in a structure of that size).
    public mutating func plain<T>(count: Int) throws(CoreError) -> [T] {
        let array: [T] = try plain()
        guard array.count == count else { throw CoreError(.unreadableState, "an array of \(array.count) where \(count) belong") }
        return array
    }

    public mutating func string() throws(CoreError) -> String {
        String(decoding: try plain(UInt8.self), as: UTF8.self)
    }
}
