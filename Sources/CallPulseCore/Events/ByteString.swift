/// A string compared, hashed and ordered by its UTF-8 bytes, with no Unicode
/// normalisation: call ids and queue names are exact (events.md).
public struct ByteString: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The text; always stored as contiguous UTF-8.
    public let string: String

    public init(_ string: String) {
        var contiguous = string
        contiguous.makeContiguousUTF8()
        self.string = contiguous
    }

    public init(stringLiteral value: String) { self.init(value) }

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.string = String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { string }

    /// The UTF-8 length in bytes.
    public var byteCount: Int { string.utf8.count }

    @inline(__always)
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(string.utf8).withUnsafeBufferPointer(body)
    }

    public static func == (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.withBytes { a in
            rhs.withBytes { b in
                a.count == b.count && a.elementsEqual(b)
            }
        }
    }

    public func hash(into hasher: inout Hasher) {
        withBytes { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// UTF-8 byte order (which is also code point order), never locale or UTF-16 order.
    public static func < (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.withBytes { a in
            rhs.withBytes { b in
                a.lexicographicallyPrecedes(b)
            }
        }
    }
}
