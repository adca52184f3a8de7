// A small C ABI over simdjson for CallPulse's event decoder.
// Only the event fields of docs/spec/events.md cross this boundary; all rules
// (first-of resolution, trimming, reasons) live in Swift.
#ifndef CCALLPULSE_JSON_H
#define CCALLPULSE_JSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// How a looked-up JSON value appeared.
typedef enum {
    CALLPULSE_JSON_ABSENT = 0,
    CALLPULSE_JSON_NULL = 1,
    CALLPULSE_JSON_STRING = 2,  // bytes: the unescaped UTF-8 text
    CALLPULSE_JSON_NUMBER = 3,  // bytes: the number's text exactly as written
    CALLPULSE_JSON_BOOL = 4,
    CALLPULSE_JSON_OBJECT = 5,
    CALLPULSE_JSON_ARRAY = 6,
} CallPulseJSONKind;

/// Outcome of reading one value as an event.
typedef enum {
    CALLPULSE_JSON_OK = 0,
    CALLPULSE_JSON_MALFORMED = 1,
    CALLPULSE_JSON_NOT_OBJECT = 2,
    CALLPULSE_JSON_MISSING_CALL = 3,
} CallPulseJSONStatus;

/// Where finding the call stopped, for a `missing_call` detail (docs/spec/events.md, "Finding the call").
typedef enum {
    CALLPULSE_CALL_NO_KEY = 0,        // no message, call, id or event key (or all null)
    CALLPULSE_CALL_MESSAGE = 1,       // message is not an object
    CALLPULSE_CALL_MESSAGE_CALL = 2,  // message.call is absent, null or not an object
    CALLPULSE_CALL_CALL = 3,          // call is not an object
} CallPulseJSONCallSite;

/// The call fields the decoder reads, in a fixed order.
typedef enum {
    CALLPULSE_FIELD_ID = 0,
    CALLPULSE_FIELD_EVENT,
    CALLPULSE_FIELD_CALL_TYPE,
    CALLPULSE_FIELD_RF_CALL_STATE,
    CALLPULSE_FIELD_RF_TYPE,
    CALLPULSE_FIELD_RF_DN,
    CALLPULSE_FIELD_RF_CURRENT_STATE_TIME,
    CALLPULSE_FIELD_MP_CALL_TYPE,
    CALLPULSE_FIELD_MP_QUEUE_NAME,
    CALLPULSE_FIELD_MP_QUEUE_TIMESTAMP,
    CALLPULSE_FIELD_COUNT
} CallPulseJSONFieldIndex;

/// One field: its kind and, for strings and numbers, its bytes.
typedef struct {
    const uint8_t *bytes;
    size_t length;
    int32_t kind;
} CallPulseJSONField;

/// The decoder's view of one event object.
typedef struct {
    int32_t status;      // CallPulseJSONStatus
    int32_t errorCode;   // simdjson's error code when status is MALFORMED
    int32_t rootKind;    // CallPulseJSONKind of the whole value
    int32_t callSite;    // CallPulseJSONCallSite when status is MISSING_CALL
    int32_t callKind;    // CallPulseJSONKind found there (ABSENT when missing)
    CallPulseJSONField fields[CALLPULSE_FIELD_COUNT];
} CallPulseJSONEvent;

typedef struct CallPulseJSONParser CallPulseJSONParser;

/// Bytes that must be readable past the end of every buffer given to this API.
size_t callpulse_json_padding(void);

/// A parser that rejects nesting deeper than `maxDepth` (outermost value is level 1).
CallPulseJSONParser *callpulse_json_parser_create(size_t maxDepth);
void callpulse_json_parser_destroy(CallPulseJSONParser *parser);

/// Parses one JSON value and extracts the call fields. Strings stay valid until the next call.
int32_t callpulse_json_read_event(CallPulseJSONParser *parser, const uint8_t *bytes, size_t length,
                                  CallPulseJSONEvent *out);

/// Validates one JSON value; returns 0 or simdjson's error code.
int32_t callpulse_json_validate(CallPulseJSONParser *parser, const uint8_t *bytes, size_t length);

/// simdjson's message for an error code.
const char *callpulse_json_error_message(int32_t code);

#ifdef __cplusplus
}
#endif

#endif
