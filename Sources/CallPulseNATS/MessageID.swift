import CNATS

extension JetStreamClient {
    /// The `Nats-Msg-Id` of an event: the hex SHA-256 of its bytes as received, so JetStream's
    /// duplicate window drops an event a connector sends again (docs/spec/scale-out.md, "Publish").
    public static func messageID(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { digest($0) }
    }

    public static func messageID(of bytes: ArraySlice<UInt8>) -> String {
        bytes.withUnsafeBufferPointer { digest($0) }
    }

    private static func digest(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var hex = [CChar](repeating: 0, count: 65)
        cpnats_message_id(bytes.baseAddress, bytes.count, &hex)
        return String(decoding: hex.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
