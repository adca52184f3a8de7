import CCallPulseJSON

/// Input bytes followed by the zero padding simdjson may read past the end.
public struct JSONText: Sendable {
    /// The bytes simdjson may read past the end of any buffer.
    public static let padding = Int(callpulse_json_padding())

    /// Content, then `padding` zero bytes.
    private var storage: [UInt8]

    /// The content's length in bytes.
    public private(set) var count: Int

    public init() {
        storage = [UInt8](repeating: 0, count: Self.padding)
        count = 0
    }

    public init(_ bytes: some Sequence<UInt8>) {
        self.init()
        append(contentsOf: bytes)
    }

    public init(_ string: String) { self.init(Array(string.utf8)) }

    /// Replaces the content, keeping the storage (one buffer reused for many small inputs).
    public mutating func replaceContent(with bytes: UnsafeRawBufferPointer) {
        storage.removeAll(keepingCapacity: true)
        storage.append(contentsOf: bytes)
        count = storage.count
        storage.append(contentsOf: repeatElement(0, count: Self.padding))
    }

    /// Appends content, keeping the padding at the end.
    public mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        storage.removeLast(Self.padding)
        storage.append(contentsOf: bytes)
        count = storage.count
        storage.append(contentsOf: repeatElement(0, count: Self.padding))
    }



    /// The content; `padding` more bytes past its end are readable.
    public func withContent<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
    }
}
