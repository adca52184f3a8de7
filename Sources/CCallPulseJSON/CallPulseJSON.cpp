// simdjson's DOM parser validates the whole value strictly (UTF-8, escapes,
// surrogates, depth); number texts are read back with the On-Demand API,
// which keeps a number's exact text (docs/spec/events.md: "its text is taken as written").
#include "CCallPulseJSON.h"

#include <simdjson.h>

#include <cstring>
#include <string>
#include <string_view>

using namespace simdjson;

struct CallPulseJSONParser {
    dom::parser dom;
    dom::parser deep;  // one level more than `dom`; see parse_strict
    ondemand::parser onDemand;
    padded_string scratch;
    size_t maxDepth;
};

namespace {

/// Where a value sits: the ordinal of the field taken at each object level from the root.
/// Ordinals, not keys: simdjson's On-Demand compares keys as written (escapes and all) while
/// the DOM compares them unescaped, and a repeated key must resolve to the same occurrence.
/// The deepest value read is message.call.ResponseFields.MediaProperties.queueTimestamp.
struct Path {
    static constexpr size_t capacity = 5;
    uint32_t ordinals[capacity];
    size_t count = 0;
    Path with(uint32_t ordinal) const {
        Path next = *this;
        if (next.count < capacity) { next.ordinals[next.count] = ordinal; }
        next.count++;  // an overflow makes raw_number fail instead of writing past the array
        return next;
    }
};

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// The first field named `key` (a key holding null counts as absent when finding the call,
/// docs/spec/events.md), with its ordinal.
bool lookup(dom::object object, std::string_view key, dom::element &out, uint32_t &ordinal) {
    // As dom::object::at_key does it (lengths compared first), counting the fields passed.
    uint32_t index = 0;
    for (auto field = object.begin(), end = object.end(); field != end; ++field, ++index) {
        if (field.key_equals(key)) {
            out = field.value();
            ordinal = index;
            return !out.is_null();
        }
    }
    return false;
}

int32_t kind_of(dom::element element) {
    switch (element.type()) {
    case dom::element_type::NULL_VALUE: return CALLPULSE_JSON_NULL;
    case dom::element_type::STRING: return CALLPULSE_JSON_STRING;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return CALLPULSE_JSON_NUMBER;
    case dom::element_type::BOOL: return CALLPULSE_JSON_BOOL;
    case dom::element_type::OBJECT: return CALLPULSE_JSON_OBJECT;
    case dom::element_type::ARRAY: return CALLPULSE_JSON_ARRAY;
    }
    return CALLPULSE_JSON_NULL;
}

/// The value of the `ordinal`-th field of `object`.
bool nth_field(ondemand::object object, uint32_t ordinal, ondemand::value &out) {
    uint32_t index = 0;
    for (auto field : object) {
        if (field.error()) { return false; }
        if (index++ == ordinal) { return !field.value().get(out); }
    }
    return false;
}

/// The exact text of the number at `path`, read with On-Demand from the original bytes
/// (the DOM keeps only the parsed value; docs/spec/events.md takes a number's text as written).
bool raw_number(CallPulseJSONParser *parser, const uint8_t *bytes, size_t length, const Path &path,
                CallPulseJSONField &field) {
    if (path.count == 0 || path.count > Path::capacity) { return false; }
    auto document = parser->onDemand.iterate(reinterpret_cast<const char *>(bytes), length,
                                             length + SIMDJSON_PADDING);
    if (document.error()) { return false; }
    ondemand::object root;
    if (document.get_object().get(root)) { return false; }
    ondemand::value value;
    if (!nth_field(root, path.ordinals[0], value)) { return false; }
    for (size_t i = 1; i < path.count; i++) {
        ondemand::object object;
        if (value.get_object().get(object)) { return false; }
        if (!nth_field(object, path.ordinals[i], value)) { return false; }
    }
    std::string_view token = value.raw_json_token();
    while (!token.empty() && is_json_space(token.back())) { token.remove_suffix(1); }
    field.bytes = reinterpret_cast<const uint8_t *>(token.data());
    field.length = token.size();
    return true;
}

/// Checks one number token against JSON's grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
bool is_json_number(const char *p, size_t n) {
    size_t i = 0;
    if (i < n && p[i] == '-') { i++; }
    if (i >= n) { return false; }
    if (p[i] == '0') {
        i++;
    } else if (p[i] >= '1' && p[i] <= '9') {
        while (i < n && p[i] >= '0' && p[i] <= '9') { i++; }
    } else {
        return false;
    }
    if (i < n && p[i] == '.') {
        i++;
        size_t start = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') { i++; }
        if (i == start) { return false; }
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) { i++; }
        size_t start = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') { i++; }
        if (i == start) { return false; }
    }
    return i == n;
}

/// DOM cannot hold numbers beyond 64 bits (1e400, 30-digit integers), yet they are valid JSON.
/// Copies the text with every valid number token replaced by `0` and spaces, so DOM can
/// validate the rest; returns false when a token breaks the number grammar.
bool neutralise_numbers(CallPulseJSONParser *parser, const uint8_t *bytes, size_t length) {
    parser->scratch = padded_string(reinterpret_cast<const char *>(bytes), length);
    char *text = parser->scratch.data();
    bool inString = false;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (inString) {
            if (c == '\\') { i++; } else if (c == '"') { inString = false; }
            continue;
        }
        if (c == '"') { inString = true; continue; }
        if (c == '-' || (c >= '0' && c <= '9')) {
            size_t end = i;
            while (end < length && (text[end] == '-' || text[end] == '+' || text[end] == '.' ||
                                    text[end] == 'e' || text[end] == 'E' ||
                                    (text[end] >= '0' && text[end] <= '9'))) {
                end++;
            }
            if (!is_json_number(text + i, end - i)) { return false; }
            text[i] = '0';
            std::memset(text + i + 1, ' ', end - i - 1);
            i = end - 1;
        }
    }
    return true;
}

/// Fills `field` from one JSON value (numbers are read back as written).
void fill(CallPulseJSONParser *parser, const uint8_t *bytes, size_t length, dom::element element,
          const Path &path, CallPulseJSONField &field) {
    if (field.kind != CALLPULSE_JSON_ABSENT) { return; }  // a repeated key: the first one counts
    field.kind = kind_of(element);
    if (field.kind == CALLPULSE_JSON_STRING) {
        std::string_view text = element.get_string().value_unsafe();
        field.bytes = reinterpret_cast<const uint8_t *>(text.data());
        field.length = text.size();
    } else if (field.kind == CALLPULSE_JSON_NUMBER && !raw_number(parser, bytes, length, path, field)) {
        // Cannot happen for a document the DOM accepted; an empty text reads as an invalid number.
        field.bytes = bytes;
        field.length = 0;
    }
}

/// One pass over an object's fields: the keys wanted, each with the slot it fills
/// (a negative slot marks a nested object to descend into).
struct Wanted {
    std::string_view key;
    int slot;
};

constexpr int kResponseFields = -1;
constexpr int kMediaProperties = -2;

const Wanted kCallKeys[] = {
    {"id", CALLPULSE_FIELD_ID}, {"event", CALLPULSE_FIELD_EVENT}, {"CallType", CALLPULSE_FIELD_CALL_TYPE},
    {"ResponseFields", kResponseFields},
};
const Wanted kResponseFieldKeys[] = {
    {"CallState", CALLPULSE_FIELD_RF_CALL_STATE}, {"Type", CALLPULSE_FIELD_RF_TYPE}, {"DN", CALLPULSE_FIELD_RF_DN},
    {"CurrentStateTime", CALLPULSE_FIELD_RF_CURRENT_STATE_TIME}, {"MediaProperties", kMediaProperties},
};
const Wanted kMediaKeys[] = {
    {"callType", CALLPULSE_FIELD_MP_CALL_TYPE}, {"queueName", CALLPULSE_FIELD_MP_QUEUE_NAME},
    {"queueTimestamp", CALLPULSE_FIELD_MP_QUEUE_TIMESTAMP},
};

template <size_t N>
void read_fields(CallPulseJSONParser *parser, const uint8_t *bytes, size_t length, dom::object object,
                 const Path &path, const Wanted (&wanted)[N], CallPulseJSONEvent *out) {
    bool nestedSeen[2] = {false, false};
    uint32_t ordinal = 0;
    for (dom::key_value_pair field : object) {
        const uint32_t here = ordinal++;
        for (const Wanted &want : wanted) {
            if (field.key != want.key) { continue; }
            if (want.slot >= 0) {
                fill(parser, bytes, length, field.value, path.with(here), out->fields[want.slot]);
            } else if (!nestedSeen[-want.slot - 1]) {
                // ResponseFields and MediaProperties read as absent when null or not objects.
                nestedSeen[-want.slot - 1] = true;
                if (!field.value.is_object()) { break; }
                dom::object nested = field.value.get_object().value_unsafe();
                if (want.slot == kResponseFields) {
                    read_fields(parser, bytes, length, nested, path.with(here), kResponseFieldKeys, out);
                } else {
                    read_fields(parser, bytes, length, nested, path.with(here), kMediaKeys, out);
                }
            }
            break;
        }
    }
}

void extract(CallPulseJSONParser *parser, const uint8_t *bytes, size_t length, dom::element root,
             CallPulseJSONEvent *out) {
    out->rootKind = kind_of(root);
    if (out->rootKind != CALLPULSE_JSON_OBJECT) {
        out->status = CALLPULSE_JSON_NOT_OBJECT;
        return;
    }
    // Finding the call (docs/spec/events.md): message.call, else call, else a bare call object.
    dom::object top = root.get_object().value_unsafe();
    dom::element found;
    uint32_t ordinal = 0;
    Path path;
    auto missing = [out](int32_t site, int32_t kind) {
        out->status = CALLPULSE_JSON_MISSING_CALL;
        out->callSite = site;
        out->callKind = kind;
    };
    if (lookup(top, "message", found, ordinal)) {
        path = path.with(ordinal);
        if (!found.is_object()) { return missing(CALLPULSE_CALL_MESSAGE, kind_of(found)); }
        dom::element call;
        if (!lookup(found.get_object().value_unsafe(), "call", call, ordinal)) {
            return missing(CALLPULSE_CALL_MESSAGE_CALL, CALLPULSE_JSON_ABSENT);
        }
        if (!call.is_object()) { return missing(CALLPULSE_CALL_MESSAGE_CALL, kind_of(call)); }
        found = call;
        path = path.with(ordinal);
    } else if (lookup(top, "call", found, ordinal)) {
        if (!found.is_object()) { return missing(CALLPULSE_CALL_CALL, kind_of(found)); }
        path = path.with(ordinal);
    } else {
        dom::element ignored;
        if (!lookup(top, "id", ignored, ordinal) && !lookup(top, "event", ignored, ordinal)) {
            return missing(CALLPULSE_CALL_NO_KEY, CALLPULSE_JSON_ABSENT);
        }
        found = root;
    }
    read_fields(parser, bytes, length, found.get_object().value_unsafe(), path, kCallKeys, out);
}

/// True when a container in `text` (valid JSON) opens deeper than `limit` levels.
bool deeper_than(const uint8_t *text, size_t length, size_t limit) {
    size_t depth = 0;
    bool inString = false;
    for (size_t i = 0; i < length; i++) {
        uint8_t c = text[i];
        if (inString) {
            if (c == '\\') { i++; } else if (c == '"') { inString = false; }
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit) { return true; }
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return false;
}

/// Parses one value under docs/spec/events.md's strictness: numbers beyond 64 bits are valid JSON, and
/// nesting is limited to `maxDepth` levels inclusive. simdjson rejects a non-empty container at
/// its max_depth yet accepts an empty one there, so a DEPTH_ERROR is re-checked with a parser
/// one level deeper and an exact count. Either fallback may reveal the other's error, so each
/// is tried once in whatever order they appear; only such documents pay for them.
error_code parse_strict(CallPulseJSONParser *parser, const uint8_t *bytes, size_t length, dom::element &root) {
    const uint8_t *text = bytes;
    dom::parser *dom = &parser->dom;
    error_code error = dom->parse(text, length, false).get(root);
    for (;;) {
        if (error == NUMBER_ERROR && text == bytes) {
            if (!neutralise_numbers(parser, bytes, length)) { return NUMBER_ERROR; }
            text = reinterpret_cast<const uint8_t *>(parser->scratch.data());
        } else if (error == DEPTH_ERROR && dom == &parser->dom) {
            if (parser->deep.max_depth() != parser->maxDepth + 1 &&
                parser->deep.allocate(4096, parser->maxDepth + 1) != SUCCESS) {
                return MEMALLOC;
            }
            dom = &parser->deep;
        } else {
            break;
        }
        error = dom->parse(text, length, false).get(root);
    }
    if (error == SUCCESS && dom == &parser->deep && deeper_than(text, length, parser->maxDepth)) {
        return DEPTH_ERROR;
    }
    return error;
}

} // namespace

extern "C" {

size_t callpulse_json_padding(void) { return SIMDJSON_PADDING; }

CallPulseJSONParser *callpulse_json_parser_create(size_t maxDepth) {
    auto *parser = new CallPulseJSONParser();
    parser->maxDepth = maxDepth;
    if (parser->dom.allocate(4096, maxDepth) != SUCCESS) {
        delete parser;
        return nullptr;
    }
    return parser;
}

void callpulse_json_parser_destroy(CallPulseJSONParser *parser) { delete parser; }

int32_t callpulse_json_validate(CallPulseJSONParser *parser, const uint8_t *bytes, size_t length) {
    dom::element root;
    return parse_strict(parser, bytes, length, root);
}

int32_t callpulse_json_read_event(CallPulseJSONParser *parser, const uint8_t *bytes, size_t length,
                                  CallPulseJSONEvent *out) {
    std::memset(out, 0, sizeof(*out));
    dom::element root;
    error_code error = parse_strict(parser, bytes, length, root);
    if (error != SUCCESS) {
        out->status = CALLPULSE_JSON_MALFORMED;
        out->errorCode = error;
        return out->status;
    }
    extract(parser, bytes, length, root, out);
    return out->status;
}

const char *callpulse_json_error_message(int32_t code) {
    return error_message(static_cast<error_code>(code));
}

} // extern "C"
