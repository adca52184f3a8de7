/// A call id, compared by its exact UTF-8 bytes. The first 40 bytes (UUIDs are 36) live
/// inline in a plain-data `CallKey`; longer ids (up to 256 bytes) also keep their text.
public struct CallID: Hashable, Sendable, CustomStringConvertible {
    /// The fixed-size, trivially copyable part: what call records store.
    public let key: CallKey
    /// The whole id, only when it is longer than `CallKey.inlineCapacity`.
    public let overflow: String?

    public init(_ string: String) {
        var copy = string
        self = copy.withUTF8 { CallID(bytes: $0) }
    }

    init(bytes: UnsafeBufferPointer<UInt8>) {
        key = CallKey(bytes: bytes)
        overflow = bytes.count > CallKey.inlineCapacity ? String(decoding: bytes, as: UTF8.self) : nil
    }

    /// The id as text.
    public var string: String { overflow ?? key.inlineString }

    public var description: String { string }

    public static func == (a: CallID, b: CallID) -> Bool {
        a.key == b.key && a.overflow.map { $0.utf8.elementsEqual(b.overflow!.utf8) } ?? true
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(key.mix) }
}

/// The first 40 bytes of a call id, its length and a seeded mix of all its bytes:
/// plain data, so records holding it copy without reference counting.
public struct CallKey: Equatable, Sendable {
    static let inlineCapacity = 40

    /// Per-process seed, so crafted ids cannot aim at one slot of the call table.
    private static let seed = UInt64.random(in: 1...UInt64.max)

    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0
    private var length: UInt16
    /// A seeded mix of every byte of the id.
    public private(set) var mix: UInt64

    init(bytes: UnsafeBufferPointer<UInt8>) {
        length = UInt16(truncatingIfNeeded: bytes.count)
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes).prefix(Self.inlineCapacity)))
        }
        (w0, w1, w2, w3, w4) = words
        var h = Self.seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        @inline(__always) func absorb(_ word: UInt64) {
            h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
        }
        absorb(w0); absorb(w1); absorb(w2); absorb(w3); absorb(w4)
        if bytes.count > Self.inlineCapacity {
            for byte in bytes.dropFirst(Self.inlineCapacity) { absorb(UInt64(byte)) }
        }
        mix = h ^ (h >> 29)
    }

    var isInline: Bool { Int(length) <= Self.inlineCapacity }

    var inlineString: String {
        var words = (w0, w1, w2, w3, w4)
        return withUnsafeBytes(of: &words) { raw in
            String(decoding: raw.prefix(min(Int(length), Self.inlineCapacity)), as: UTF8.self)
        }
    }

    @inline(__always)
    public static func == (a: CallKey, b: CallKey) -> Bool {
        a.mix == b.mix && a.length == b.length && a.w0 == b.w0 && a.w1 == b.w1 && a.w2 == b.w2 && a.w3 == b.w3
            && a.w4 == b.w4
    }
}
