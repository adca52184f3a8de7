/// A string compared and hashed by its UTF-8 bytes, with no Unicode normalisation:
/// call ids and queue names are exact (docs/spec/events.md).
public struct ByteString: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The text; always stored as contiguous UTF-8.
    public let string: String
    /// ASCII text compares byte-wise through `String`'s own fast path.
    private let isASCII: Bool

    public init(_ string: String) {
        var contiguous = string
        contiguous.makeContiguousUTF8()
        self.string = contiguous
        self.isASCII = contiguous.utf8.allSatisfy { $0 < 0x80 }
    }

    public init(stringLiteral value: String) { self.init(value) }

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.string = String(decoding: bytes, as: UTF8.self)
        var ascii = true
        for byte in bytes where byte >= 0x80 {
            ascii = false
            break
        }
        self.isASCII = ascii
    }

    public var description: String { string }

    /// The UTF-8 length in bytes.
    public var byteCount: Int { string.utf8.count }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(string.utf8).withUnsafeBufferPointer(body)
    }

    /// `String`'s `==` treats canonically equivalent text as equal; bytes decide here.
    /// (Equal bytes imply equal `String`s, so hashing the `String` stays consistent.)
    @inline(__always)
    public static func == (lhs: ByteString, rhs: ByteString) -> Bool {
        guard lhs.string == rhs.string else { return false }
        return (lhs.isASCII && rhs.isASCII) || lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    @inline(__always)
    public func hash(into hasher: inout Hasher) {
        hasher.combine(string)
    }

    /// UTF-8 byte order (which is also code point order), never locale or UTF-16 order.
    public static func < (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.string.utf8.lexicographicallyPrecedes(rhs.string.utf8)
    }
}
