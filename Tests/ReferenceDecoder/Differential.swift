import CallPulseCore

/// The fast decoder's outcomes in the reference's plain terms, and the comparison of the two.
/// (Only this file sees CallPulseCore; the reference itself shares nothing with it.)
public enum Differential {
    /// What `EventReader` makes of a whole input.
    public static func fast(_ input: [UInt8], reader: EventReader) -> [ReferencePositioned] {
        var outcomes: [ReferencePositioned] = []
        reader.read(JSONText(input)) { positioned in
            let outcome: ReferenceOutcome
            switch positioned.outcome {
            case .event(let event):
                outcome = .accepted(ReferenceEvent(
                    id: Array(event.id.string.utf8), event: event.name.name, callType: event.callType.name,
                    queue: event.queue.map { Array($0.string.utf8) }, queueEntry: event.queueEntry,
                    stateTime: event.stateTime))
            case .rejected(let rejection):
                outcome = .rejected(rejection.reason.rawValue)
            }
            outcomes.append(ReferencePositioned(index: positioned.index, line: positioned.line, outcome: outcome))
        }
        return outcomes
    }

    /// Nil when both decoders agree on every outcome (count, index, line, accepted values or
    /// rejection reason); else a report showing the input and both sides.
    public static func difference(_ input: [UInt8], reader: EventReader) -> String? {
        let fastOutcomes = fast(input, reader: reader)
        let referenceOutcomes = ReferenceDecoder.read(input)
        if fastOutcomes == referenceOutcomes { return nil }
        let mismatch = zip(fastOutcomes, referenceOutcomes).enumerated().first { $0.element.0 != $0.element.1 }
        let first = mismatch.map { "at outcome \($0.offset)" } ?? "in the number of outcomes"
        return """
            fast decoder and reference differ \(first) (\(fastOutcomes.count) vs \(referenceOutcomes.count) outcomes)
            input (\(input.count) bytes): \(Shown.bytes(input, limit: 2000))
            fast:      \(fastOutcomes.map(\.description).joined(separator: "\n           "))
            reference: \(referenceOutcomes.map(\.description).joined(separator: "\n           "))
            """
    }
}
