import CCallPulseJSON

/// Turns the fields simdjson extracted from one value into an event or a rejection (docs/spec/events.md).
enum EventDecoder {
    typealias Candidate = FieldRules.Candidate

    static func decode(_ raw: inout CallPulseJSONEvent) -> DecodeOutcome {
        switch CallPulseJSONStatus(UInt32(bitPattern: raw.status)) {
        case CALLPULSE_JSON_MALFORMED:
            let message = String(cString: callpulse_json_error_message(raw.errorCode))
            return .rejected(Rejection(.malformedJSON, "the event is not valid JSON: \(message)"))
        case CALLPULSE_JSON_NOT_OBJECT:
            let type = FieldRules.typeName(CallPulseJSONKind(UInt32(bitPattern: raw.rootKind)))
            return .rejected(Rejection(.notAnObject, "the event is \(type), not a JSON object"))
        case CALLPULSE_JSON_MISSING_CALL:
            return .rejected(Rejection(.missingCall, missingCallDetail(raw)))
        default:
            break
        }
        return withUnsafeBytes(of: &raw.fields) { buffer in
            let fields = buffer.bindMemory(to: CallPulseJSONField.self)
            func candidate(_ index: CallPulseJSONFieldIndex, _ label: String) -> Candidate {
                Candidate(label: label, field: fields[Int(index.rawValue)])
            }
            do throws(Rejection) {
                let event = try resolve(
                    id: candidate(CALLPULSE_FIELD_ID, "call.id"),
                    event: candidate(CALLPULSE_FIELD_EVENT, "call.event"),
                    callState: candidate(CALLPULSE_FIELD_RF_CALL_STATE, "ResponseFields.CallState"),
                    callType: candidate(CALLPULSE_FIELD_CALL_TYPE, "call.CallType"),
                    responseType: candidate(CALLPULSE_FIELD_RF_TYPE, "ResponseFields.Type"),
                    mediaCallType: candidate(CALLPULSE_FIELD_MP_CALL_TYPE, "MediaProperties.callType"),
                    queueName: candidate(CALLPULSE_FIELD_MP_QUEUE_NAME, "MediaProperties.queueName"),
                    dn: candidate(CALLPULSE_FIELD_RF_DN, "ResponseFields.DN"),
                    queueTimestamp: candidate(CALLPULSE_FIELD_MP_QUEUE_TIMESTAMP, "MediaProperties.queueTimestamp"),
                    stateTime: candidate(CALLPULSE_FIELD_RF_CURRENT_STATE_TIME, "ResponseFields.CurrentStateTime"))
                return .event(event)
            } catch {
                return .rejected(error)
            }
        }
    }

    /// Names the field where finding the call stopped and what it held.
    private static func missingCallDetail(_ raw: CallPulseJSONEvent) -> String {
        let kind = CallPulseJSONKind(UInt32(bitPattern: raw.callKind))
        let field: String
        switch CallPulseJSONCallSite(UInt32(bitPattern: raw.callSite)) {
        case CALLPULSE_CALL_MESSAGE: field = "message"
        case CALLPULSE_CALL_MESSAGE_CALL: field = "message.call"
        case CALLPULSE_CALL_CALL: field = "call"
        default:
            return "no call object: the event has none of message.call, call, or a bare call's id or event"
        }
        if kind == CALLPULSE_JSON_ABSENT { return "no call object: \(field) is missing" }
        return "no call object: \(field) is \(FieldRules.typeName(kind)), not an object"
    }

    private static func resolve(id idField: Candidate, event: Candidate, callState: Candidate,
                                callType typeField: Candidate, responseType: Candidate, mediaCallType: Candidate,
                                queueName: Candidate, dn: Candidate, queueTimestamp: Candidate,
                                stateTime: Candidate) throws(Rejection) -> CallEvent {
        guard let idCandidate = FieldRules.firstOf(idField, nil) else {
            throw Rejection(.missingID, "call.id is missing")
        }
        let id = try name(idCandidate, reason: .badID) { CallID(bytes: $0) }

        guard let eventCandidate = FieldRules.firstOf(event, callState) else {
            throw Rejection(.missingEvent, "call.event and ResponseFields.CallState are both missing")
        }
        guard eventCandidate.kind == CALLPULSE_JSON_STRING else {
            throw Rejection(.unknownEvent, "\(eventCandidate.label) must be a string, not \(FieldRules.typeName(eventCandidate.kind))")
        }
        let eventText = FieldRules.trimmed(eventCandidate.bytes)
        guard let eventName = EventName(asciiCaseInsensitive: eventText) else {
            throw Rejection(.unknownEvent, "\(eventCandidate.label) \(FieldRules.shown(eventText)) is not one of connecting, missed, connected, rejected, hold, acw, dropped")
        }

        var callType = CallType.inbound
        if let typeCandidate = FieldRules.firstOf(typeField, responseType, mediaCallType) {
            guard typeCandidate.kind == CALLPULSE_JSON_STRING else {
                throw Rejection(.badCallType, "\(typeCandidate.label) must be a string, not \(FieldRules.typeName(typeCandidate.kind))")
            }
            let text = FieldRules.trimmed(typeCandidate.bytes)
            guard let parsed = CallType(asciiCaseInsensitive: text) else {
                throw Rejection(.badCallType, "\(typeCandidate.label) \(FieldRules.shown(text)) is not inbound, outbound or agent")
            }
            callType = parsed
        }

        var queue: ByteString?
        if let queueCandidate = FieldRules.firstOf(queueName, dn) {
            queue = try name(queueCandidate, reason: .badQueue) { ByteString(bytes: $0) }
        }

        let time = try timestamp(stateTime)
        let entry = try timestamp(queueTimestamp)
        return CallEvent(id: id, name: eventName, callType: callType, queue: queue, queueEntry: entry, stateTime: time)
    }

    /// Ids and queue names: a string or an integer literal's text; trimmed; ≤ 256 bytes; no Cc.
    private static func name<Name>(_ candidate: Candidate, reason: RejectionReason,
                                   _ make: (UnsafeBufferPointer<UInt8>) -> Name) throws(Rejection) -> Name {
        let text: UnsafeBufferPointer<UInt8>
        switch candidate.kind {
        case CALLPULSE_JSON_STRING:
            text = FieldRules.trimmed(candidate.bytes)
        case CALLPULSE_JSON_NUMBER:
            text = candidate.bytes
            guard FieldRules.isIntegerLiteral(text) else {
                throw Rejection(reason, "\(candidate.label) \(FieldRules.shown(text)) is a number but not an integer")
            }
        default:
            throw Rejection(reason, "\(candidate.label) must be a string or an integer, not \(FieldRules.typeName(candidate.kind))")
        }
        guard text.count <= FieldRules.maxNameBytes else {
            throw Rejection(reason, "\(candidate.label) \(FieldRules.shown(text)) is \(text.count) bytes long, over the limit of \(FieldRules.maxNameBytes)")
        }
        guard !FieldRules.containsControl(text) else {
            throw Rejection(reason, "\(candidate.label) \(FieldRules.shown(text)) contains a control character")
        }
        return make(text)
    }

    /// An optional timestamp: absent or null is nil; anything present must read.
    private static func timestamp(_ candidate: Candidate) throws(Rejection) -> EpochMillis? {
        switch candidate.kind {
        case CALLPULSE_JSON_ABSENT, CALLPULSE_JSON_NULL:
            return nil
        case CALLPULSE_JSON_STRING:
            let text = FieldRules.trimmed(candidate.bytes)
            if text.isEmpty { return nil }
            guard let millis = Timestamp.parse(text) else {
                throw Rejection(.badTimestamp, "\(candidate.label) \(FieldRules.shown(text)) is not a timestamp between 1970-01-01 and 9999-12-31")
            }
            return millis
        case CALLPULSE_JSON_NUMBER:
            guard let millis = Timestamp.parseEpochNumber(candidate.bytes) else {
                throw Rejection(.badTimestamp, "\(candidate.label) \(FieldRules.shown(candidate.bytes)) is not a Unix time between 1970-01-01 and 9999-12-31")
            }
            return millis
        default:
            throw Rejection(.badTimestamp, "\(candidate.label) must be a timestamp string or number, not \(FieldRules.typeName(candidate.kind))")
        }
    }
}
