/// A call id, compared by its exact UTF-8 bytes. Ids up to 40 bytes (UUIDs are 36) live
/// inline, so a lookup in the call table touches no other heap memory; longer ones
/// (up to 256 bytes) keep their tail in a string.
public struct CallID: Hashable, Sendable, CustomStringConvertible {
    static let inlineCapacity = 40

    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0
    private var length: UInt16
    /// A cheap mix of the words, computed once: hashing and unequal compares use it.
    private var mix: UInt64
    /// The whole id, only when it is longer than `inlineCapacity`.
    private var overflow: String?

    public init(_ string: String) {
        var copy = string
        self = copy.withUTF8 { CallID(bytes: $0) }
    }

    init(bytes: UnsafeBufferPointer<UInt8>) {
        length = UInt16(truncatingIfNeeded: bytes.count)
        overflow = bytes.count > Self.inlineCapacity ? String(decoding: bytes, as: UTF8.self) : nil
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes).prefix(Self.inlineCapacity)))
        }
        (w0, w1, w2, w3, w4) = words
        var h = UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15
        for word in [w0, w1, w2, w3, w4] {
            h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
        }
        mix = h
    }

    /// The id as text.
    public var string: String {
        if let overflow { return overflow }
        var words = (w0, w1, w2, w3, w4)
        return withUnsafeBytes(of: &words) { raw in
            String(decoding: raw.prefix(Int(length)), as: UTF8.self)
        }
    }

    public var description: String { string }

    @inline(__always)
    public static func == (a: CallID, b: CallID) -> Bool {
        a.mix == b.mix && a.length == b.length && a.w0 == b.w0 && a.w1 == b.w1 && a.w2 == b.w2 && a.w3 == b.w3
            && a.w4 == b.w4 && (a.overflow == nil || a.overflow!.utf8.elementsEqual(b.overflow!.utf8))
    }

    @inline(__always)
    public func hash(into hasher: inout Hasher) {
        hasher.combine(mix)
    }
}
