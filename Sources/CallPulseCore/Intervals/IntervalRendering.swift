/// Renders interval reports as docs/spec/intervals.md defines: JSON with the snapshot's number
/// rules, or CSV (RFC 4180, CRLF, the JSON key order, `null` as an empty field).
public enum IntervalRendering {
    public static func json(_ report: IntervalReport) -> [UInt8] {
        var out = JSONWriter(capacity: 4096 + report.rows.count * 900)
        out.beginObject()
        out.key("timezone"); out.string(report.timezone)
        out.key("step"); out.string(report.step)
        out.key("from"); out.localTimestamp(report.from, offsetSeconds: report.fromOffset)
        out.key("to"); out.localTimestamp(report.to, offsetSeconds: report.toOffset)
        out.key("intervals")
        out.beginArray()
        for row in report.rows {
            out.beginObject()
            out.key("queue"); out.string(row.queue.string)
            out.key("start"); out.localTimestamp(row.start, offsetSeconds: row.startOffset)
            out.key("end"); out.localTimestamp(row.end, offsetSeconds: row.endOffset)
            out.key("complete"); out.bool(row.complete)
            SnapshotJSON.renderCounterFields(row.counters, formula: row.formula, into: &out)
            out.endObject()
        }
        out.endArray()
        out.endObject()
        out.appendRaw(0x0A)
        return out.bytes
    }

    /// The CSV header: `queue,start,end,complete`, then every counter and derived value.
    public static let csvColumns: [String] = {
        var columns = ["queue", "start", "end", "complete"]
        Counters.zero.forEachField { key, _, _ in columns.append(key.description) }
        DerivedValues(.zero, formula: .standard).forEachField { key, _ in columns.append(key.description) }
        return columns
    }()

    public static func csv(_ report: IntervalReport) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + report.rows.count * 260)
        out.append(contentsOf: csvColumns.joined(separator: ",").utf8)
        out.append(contentsOf: [0x0D, 0x0A])
        var names: [ByteString: [UInt8]] = [:]
        for row in report.rows {
            if names[row.queue] == nil { names[row.queue] = quoted(row.queue.string) }
            out.append(contentsOf: names[row.queue]!)
            out.append(UInt8(ascii: ","))
            Timestamp.appendLocal(row.start, offsetSeconds: row.startOffset, to: &out)
            out.append(UInt8(ascii: ","))
            Timestamp.appendLocal(row.end, offsetSeconds: row.endOffset, to: &out)
            out.append(contentsOf: row.complete ? Array(",true".utf8) : Array(",false".utf8))
            row.counters.forEachField { _, value, isDuration in
                out.append(UInt8(ascii: ","))
                if isDuration {
                    DecimalBytes.appendSeconds(value, keepDecimal: true, to: &out)
                } else {
                    DecimalBytes.appendInteger(value, to: &out)
                }
            }
            DerivedValues(row.counters, formula: row.formula).forEachField { _, value in
                out.append(UInt8(ascii: ","))
                switch value {
                case .ratio(let ratio): if let ratio { out.append(contentsOf: ratio.description.utf8) }
                case .seconds(let millis): if let millis { DecimalBytes.appendSeconds(millis, keepDecimal: true, to: &out) }
                }
            }
            out.append(contentsOf: [0x0D, 0x0A])
        }
        return out
    }

    /// A CSV field: quoted (with `"` doubled) when it holds a comma, a quote or a line break.
    static func quoted(_ field: String) -> [UInt8] {
        let bytes = Array(field.utf8)
        guard bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return bytes }
        var out: [UInt8] = [0x22]
        for byte in bytes {
            out.append(byte)
            if byte == 0x22 { out.append(0x22) }
        }
        out.append(0x22)
        return out
    }
}
