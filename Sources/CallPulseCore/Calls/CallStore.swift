/// Every call record, in a slab, with an open-addressing index by call id.
/// Lookups touch one index word and the record itself: no hashing beyond the id's
/// precomputed mix and no reference counting (issue: the apply loop is memory-bound).
struct CallStore {
    private(set) var records: [CallRecord] = []
    private var freeSlots: [Int32] = []
    /// Full text of ids longer than `CallKey.inlineCapacity`, by slot.
    private var longIDs: [Int32: String] = [:]
    /// Linear-probing index: 0 is empty, else (upper 32 bits of the mix) << 32 | (slot + 1).
    private var index: [UInt64] = [UInt64](repeating: 0, count: 1024)
    private var mask = 1023
    /// Live records.
    private(set) var count = 0

    @inline(__always)
    private static func tag(_ mix: UInt64) -> UInt64 { mix & 0xFFFF_FFFF_0000_0000 }

    /// The slot of the record for `id`, if any.
    @inline(__always)
    func find(_ id: CallID) -> Int? {
        let tag = Self.tag(id.key.mix)
        var position = Int(truncatingIfNeeded: id.key.mix) & mask
        while true {
            let entry = index[position]
            if entry == 0 { return nil }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let slot = Int(entry & 0xFFFF_FFFF) - 1
                if records[slot].key == id.key && (id.overflow == nil || longIDs[Int32(slot)] == id.overflow) {
                    return slot
                }
            }
            position = (position + 1) & mask
        }
    }

    /// Loads the index entries and records that lookups of `keys` will touch, all before
    /// using any: independent loads overlap, so a batch pays about one memory latency.
    /// Returns a value derived from the loads so they cannot be optimised away.
    func warm(_ keys: WarmKeys) -> UInt64 {
        var sink: UInt64 = 0
        for i in 0..<keys.count { sink &+= index[Int(truncatingIfNeeded: keys[i]) & mask] }
        for i in 0..<keys.count {
            let entry = index[Int(truncatingIfNeeded: keys[i]) & mask]
            if entry != 0 { sink &+= UInt64(bitPattern: records[Int(entry & 0xFFFF_FFFF) - 1].lastTime) }
        }
        return sink
    }

    subscript(slot: Int) -> CallRecord {
        get { records[slot] }
        _modify { yield &records[slot] }
    }

    /// Stores a new record for `id` (which must not be present) and returns its slot.
    mutating func insert(_ record: CallRecord, id: CallID) -> Int {
        if (count + 1) * 2 > index.count { grow() }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
            records[slot] = record
        } else {
            slot = records.count
            records.append(record)
        }
        if let overflow = id.overflow { longIDs[Int32(slot)] = overflow }
        count += 1
        place(mix: record.key.mix, slot: slot)
        return slot
    }

    /// Frees `slot` and removes it from the index (backward-shift deletion, no tombstones).
    mutating func remove(_ slot: Int) {
        var position = Int(truncatingIfNeeded: records[slot].key.mix) & mask
        while Int(index[position] & 0xFFFF_FFFF) - 1 != slot { position = (position + 1) & mask }
        var hole = position
        var next = (hole + 1) & mask
        while index[next] != 0 {
            let home = Int(truncatingIfNeeded: records[Int(index[next] & 0xFFFF_FFFF) - 1].key.mix) & mask
            // Move the entry back if its home does not lie cyclically in (hole, next].
            if (next - home) & mask >= (next - hole) & mask {
                index[hole] = index[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        index[hole] = 0
        records[slot].live = false
        longIDs.removeValue(forKey: Int32(slot))
        freeSlots.append(Int32(slot))
        count -= 1
    }

    /// The id of the record in `slot`.
    func id(at slot: Int) -> String {
        longIDs[Int32(slot)] ?? records[slot].key.inlineString
    }

    private mutating func place(mix: UInt64, slot: Int) {
        var position = Int(truncatingIfNeeded: mix) & mask
        while index[position] != 0 { position = (position + 1) & mask }
        index[position] = Self.tag(mix) | UInt64(slot + 1)
    }

    private mutating func grow() {
        index = [UInt64](repeating: 0, count: index.count * 2)
        mask = index.count - 1
        for (slot, record) in records.enumerated() where record.live { place(mix: record.key.mix, slot: slot) }
    }
}

/// Up to 16 call-key mixes, stored inline (no allocation per batch).
struct WarmKeys {
    static let capacity = 16
    private var mixes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private(set) var count = 0

    mutating func append(_ key: CallKey) {
        withUnsafeMutableBytes(of: &mixes) { $0.storeBytes(of: key.mix, toByteOffset: count * 8, as: UInt64.self) }
        count += 1
    }

    subscript(index: Int) -> UInt64 {
        withUnsafeBytes(of: mixes) { $0.load(fromByteOffset: index * 8, as: UInt64.self) }
    }
}

extension CallStore {
    /// The records and free slots; not the index: mixes are seeded per process, so the
    /// restoring process computes its own.
    func write(to out: inout StateWriter) {
        out.plain(records)
        out.plain(freeSlots)
        out.int(count)
        out.int(longIDs.count)
        for (slot, id) in longIDs.sorted(by: { $0.key < $1.key }) {
            out.int(Int64(slot))
            out.string(id)
        }
    }

    mutating func read(from input: inout StateReader) throws(CoreError) {
        records = try input.plain()
        freeSlots = try input.plain()
        count = try input.count()
        longIDs = [:]
        for _ in 0..<(try input.count()) {
            let slot = try input.int()
            guard slot >= 0 && slot < records.count else { throw CoreError(.unreadableState, "a long call id names slot \(slot)") }
            longIDs[Int32(slot)] = try input.string()
        }
        guard records.lazy.filter(\.live).count == count else { throw CoreError(.unreadableState, "the call records do not add up") }
        // Re-key every record with this process's seed, then index them.
        for slot in records.indices where records[slot].live {
            let id = longIDs[Int32(slot)] ?? records[slot].key.inlineString
            records[slot].key = CallID(id).key
        }
        var size = 1024
        while size < 2 * (count + 1) { size *= 2 }
        index = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for slot in records.indices where records[slot].live { place(mix: records[slot].key.mix, slot: slot) }
    }
}
