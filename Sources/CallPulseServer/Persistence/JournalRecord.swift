import CallPulseCore
import CZlib

/// One journal record: an ingest batch as it was decoded (events and rejection reasons, in
/// order) and the time it was received, so a replay applies exactly what was applied.
/// Framing on disk: length (u32), CRC-32 of sequence and payload (u32), sequence (u64), payload.
///
/// A batch of stream messages (docs/spec/scale-out.md, "Consume") has several receive times
/// (each message's publish time) and the stream position it reaches: its payload starts with
/// `streamMarker` (never a receive time), the position and the number of groups, then each
/// group as a plain batch's payload.
enum JournalRecord {
    static let headerSize = 16
    static let streamMarker = UInt64.max - 1

    /// What a record holds: groups of outcomes with their receive time, and for stream
    /// messages the last stream sequence among them.
    struct Contents {
        var groups: [(outcomes: [DecodeOutcome], receivedAt: EpochMillis)] = []
        var sourcePosition: UInt64?
        /// The stream the position counts in (`Engine.sourceStream`).
        var sourceStream = ""
    }

    /// The payload for `outcomes` received at `receivedAt`.
    static func encode(_ outcomes: [DecodeOutcome], receivedAt: EpochMillis) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + outcomes.count * 96)
        encodeGroup(outcomes[...], receivedAt: receivedAt, into: &out)
        return out
    }

    /// The payload for stream messages: `groups` are ranges of `outcomes` sharing a receive time.
    static func encode(_ outcomes: [DecodeOutcome], groups: [StreamGroup], sourcePosition: UInt64,
                       sourceStream: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(28 + sourceStream.utf8.count + groups.count * 12 + outcomes.count * 96)
        append(streamMarker, to: &out)
        append(sourcePosition, to: &out)
        appendText(sourceStream, to: &out)
        append(UInt32(groups.count), to: &out)
        for group in groups { encodeGroup(outcomes[group.outcomes], receivedAt: group.receivedAt, into: &out) }
        return out
    }

    private static func encodeGroup(_ outcomes: ArraySlice<DecodeOutcome>, receivedAt: EpochMillis, into out: inout [UInt8]) {
        append(UInt64(bitPattern: receivedAt), to: &out)
        append(UInt32(outcomes.count), to: &out)
        for outcome in outcomes {
            switch outcome {
            case .event(let event):
                out.append(0)
                out.append(event.name.rawValue)
                out.append(event.callType.rawValue)
                out.append((event.queue == nil ? 0 : 1) | (event.queueEntry == nil ? 0 : 2) | (event.stateTime == nil ? 0 : 4))
                appendText(event.id.string, to: &out)
                if let queue = event.queue { appendText(queue.string, to: &out) }
                if let entry = event.queueEntry { append(UInt64(bitPattern: entry), to: &out) }
                if let time = event.stateTime { append(UInt64(bitPattern: time), to: &out) }
            case .rejected(let rejection):
                out.append(1)
                out.append(UInt8(RejectionReason.allCases.firstIndex(of: rejection.reason)!))
            }
        }
    }

    /// The record back; nil when the payload is not one `encode` wrote.
    static func decode(_ payload: ArraySlice<UInt8>) -> Contents? {
        var reader = Reader(bytes: payload)
        var contents = Contents()
        guard let first = reader.u64() else { return nil }
        if first == streamMarker {
            guard let position = reader.u64(), let stream = reader.text(), let count = reader.u32() else { return nil }
            contents.sourcePosition = position
            contents.sourceStream = stream
            for _ in 0..<count {
                guard let received = reader.u64(), let group = decodeGroup(&reader, receivedAt: received) else { return nil }
                contents.groups.append(group)
            }
        } else {
            guard let group = decodeGroup(&reader, receivedAt: first) else { return nil }
            contents.groups = [group]
        }
        return reader.isAtEnd ? contents : nil
    }

    private static func decodeGroup(_ reader: inout Reader, receivedAt received: UInt64)
        -> (outcomes: [DecodeOutcome], receivedAt: EpochMillis)? {
        guard let count = reader.u32() else { return nil }
        var outcomes: [DecodeOutcome] = []
        outcomes.reserveCapacity(Int(min(count, 1 << 20)))
        for _ in 0..<count {
            guard let tag = reader.u8() else { return nil }
            if tag == 1 {
                guard let index = reader.u8(), Int(index) < RejectionReason.allCases.count else { return nil }
                outcomes.append(.rejected(Rejection(RejectionReason.allCases[Int(index)], "")))
                continue
            }
            guard tag == 0, let nameRaw = reader.u8(), let name = EventName(rawValue: nameRaw),
                  let typeRaw = reader.u8(), let type = CallType(rawValue: typeRaw), let flags = reader.u8(),
                  let id = reader.text() else { return nil }
            var event = CallEvent(id: CallID(id), name: name, callType: type)
            if flags & 1 != 0 { guard let queue = reader.text() else { return nil }; event.queue = ByteString(queue) }
            if flags & 2 != 0 { guard let entry = reader.u64() else { return nil }; event.queueEntry = EpochMillis(bitPattern: entry) }
            if flags & 4 != 0 { guard let time = reader.u64() else { return nil }; event.stateTime = EpochMillis(bitPattern: time) }
            outcomes.append(.event(event))
        }
        return (outcomes, EpochMillis(bitPattern: received))
    }

    /// The framed record for `payload` with sequence number `sequence`.
    static func frame(_ payload: [UInt8], sequence: UInt64, into out: inout [UInt8]) {
        var sequenceBytes: [UInt8] = []
        append(sequence, to: &sequenceBytes)
        append(UInt32(payload.count), to: &out)
        append(checksum(sequenceBytes, payload[...]), to: &out)
        out += sequenceBytes
        out += payload
    }

    /// CRC-32 (zlib's) of `head` then `body`.
    static func checksum(_ head: [UInt8], _ body: ArraySlice<UInt8>) -> UInt32 {
        var crc = head.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        body.withUnsafeBufferPointer { crc = UInt32(crc32(UInt(crc), $0.baseAddress, UInt32($0.count))) }
        return crc
    }

    static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func appendText(_ text: String, to out: inout [UInt8]) {
        append(UInt32(text.utf8.count), to: &out)
        out += text.utf8
    }

    /// Bounds-checked little-endian reads.
    struct Reader {
        let bytes: ArraySlice<UInt8>
        var offset: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            offset = bytes.startIndex
        }

        var isAtEnd: Bool { offset == bytes.endIndex }

        mutating func u8() -> UInt8? {
            guard offset < bytes.endIndex else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard offset + size <= bytes.endIndex else { return nil }
            var value = T.zero
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<(offset + size)]) }
            offset += size
            return T(littleEndian: value)
        }

        mutating func u32() -> UInt32? { integer(UInt32.self) }
        mutating func u64() -> UInt64? { integer(UInt64.self) }

        mutating func text() -> String? {
            guard let count = u32(), offset + Int(count) <= bytes.endIndex else { return nil }
            defer { offset += Int(count) }
            return String(decoding: bytes[offset..<(offset + Int(count))], as: UTF8.self)
        }
    }
}
