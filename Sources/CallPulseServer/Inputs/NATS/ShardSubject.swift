/// Where an event is published (docs/spec/scale-out.md, "Config"): `<subject>.<shard>`, the
/// shard being FNV-1a (64 bit) of the call id's UTF-8 bytes modulo `shards`, so every event of a
/// call lands on the same shard.
struct ShardSubject: Sendable {
    let subject: String
    let shards: Int

    func subject(forCallID id: String) -> String {
        "\(subject).\(Self.shard(of: id, shards: shards))"
    }

    static func shard(of id: String, shards: Int) -> Int {
        guard shards > 1 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(shards))
    }
}
