import CallPulseCore

/// A notification for one hook: alerts firing or resolved at one instant.
public struct AlertNotification: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var status: String  // "firing" or "resolved"
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: EpochMillis
        public var endsAt: EpochMillis?

        public init(status: String, labels: [String: String], annotations: [String: String], startsAt: EpochMillis,
                    endsAt: EpochMillis?) {
            self.status = status
            self.labels = labels
            self.annotations = annotations
            self.startsAt = startsAt
            self.endsAt = endsAt
        }
    }

    public var receiver: String
    public var items: [Item]

    public init(receiver: String, items: [Item]) {
        self.receiver = receiver
        self.items = items
    }

    /// Alertmanager's zero time for "not ended".
    static let zeroTime = "0001-01-01T00:00:00Z"

    /// FNV-1a (64-bit) over the sorted label set, as Prometheus fingerprints one: each name
    /// and value followed by the 0xFF separator; printed as 16 hex digits.
    public static func fingerprint(_ labels: [String: String]) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        func add(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 1_099_511_628_211
        }
        for name in labels.keys.sorted() {
            for byte in name.utf8 { add(byte) }
            add(0xFF)
            for byte in labels[name]!.utf8 { add(byte) }
            add(0xFF)
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The Alertmanager webhook payload, version 4 (what `webhook` and `exec` hooks send).
    public func webhookPayload(externalURL: String) -> String {
        let status = items.contains { $0.status == "firing" } ? "firing" : "resolved"
        let common = Self.common(items.map(\.labels))
        let commonAnnotations = Self.common(items.map(\.annotations))
        let groupLabels = ["alertname": common["alertname"] ?? items.first?.labels["alertname"] ?? ""]
        var out = JSONWriter()
        out.beginObject()
        out.key("version"); out.string("4")
        out.key("groupKey"); out.string("{}:{alertname=\"\(groupLabels["alertname"]!)\"}")
        out.key("truncatedAlerts"); out.integer(0)
        out.key("status"); out.string(status)
        out.key("receiver"); out.string(receiver)
        out.key("groupLabels"); out.stringObject(groupLabels)
        out.key("commonLabels"); out.stringObject(common)
        out.key("commonAnnotations"); out.stringObject(commonAnnotations)
        out.key("externalURL"); out.string(externalURL)
        out.key("alerts")
        out.beginArray()
        for item in items {
            out.beginObject()
            out.key("status"); out.string(item.status)
            out.key("labels"); out.stringObject(item.labels)
            out.key("annotations"); out.stringObject(item.annotations)
            out.key("startsAt"); out.string(Timestamp.format(item.startsAt))
            out.key("endsAt"); out.string(item.endsAt.map(Timestamp.format) ?? Self.zeroTime)
            out.key("generatorURL"); out.string(externalURL + "/api/v1/alerts")
            out.key("fingerprint"); out.string(Self.fingerprint(item.labels))
            out.endObject()
        }
        out.endArray()
        out.endObject()
        return out.text + "\n"
    }

    /// The body of `POST /api/v2/alerts` for Alertmanager.
    public func alertmanagerPayload(externalURL: String) -> String {
        var out = JSONWriter()
        out.beginArray()
        for item in items {
            out.beginObject()
            out.key("labels"); out.stringObject(item.labels)
            out.key("annotations"); out.stringObject(item.annotations)
            out.key("startsAt"); out.string(Timestamp.format(item.startsAt))
            if let ends = item.endsAt {
                out.key("endsAt"); out.string(Timestamp.format(ends))
            }
            out.key("generatorURL"); out.string(externalURL + "/api/v1/alerts")
            out.endObject()
        }
        out.endArray()
        return out.text + "\n"
    }

    static func common(_ sets: [[String: String]]) -> [String: String] {
        guard var result = sets.first else { return [:] }
        for set in sets.dropFirst() { result = result.filter { set[$0.key] == $0.value } }
        return result
    }

}
