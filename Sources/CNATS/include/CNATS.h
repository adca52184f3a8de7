// A small C ABI over libnats (Debian's libnats-dev) for what Swift does not do comfortably:
// connection options and callbacks into Swift with a context pointer, a batch of asynchronous
// JetStream publishes with its own acknowledgement tracking, pull consumers set up in one call,
// and fetches with their metadata parsed once (docs/spec/scale-out.md). Everything else is
// nats.c's own API.
#ifndef CNATS_H
#define CNATS_H

#include <stddef.h>
#include <stdint.h>
#include <nats/nats.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What the connection reports to its callback, always from nats.c's callback thread, in order.
typedef enum {
    CPNATS_DISCONNECTED = 0,
    CPNATS_CONNECTED = 1,   // first connect and every reconnect
    CPNATS_ASYNC_ERROR = 2, // `detail`: nats.c's text (a slow consumer, a server error)
    CPNATS_RELEASED = 3,    // the last call of all: the context may be released
} cpnats_event;

typedef void (*cpnats_event_callback)(void *context, cpnats_event event, const char *detail);

/// Connection settings; strings are only read during `cpnats_client_create`.
typedef struct {
    const char *const *servers;
    int serverCount;
    const char *name;
    const char *token;          // NULL: none
    const char *credsFile;      // NULL: none
    const char *tlsCAFile;      // NULL: the system's trust store (with tls:// URLs)
    const char *tlsCertFile;    // client certificate and key, or NULL
    const char *tlsKeyFile;
    int64_t requestTimeoutMillis;  // JetStream API requests (stream and consumer calls)
    cpnats_event_callback callback;
    void *context;
} cpnats_settings;

typedef struct cpnats_client cpnats_client;

/// Connects, or keeps trying in the background forever when no server answers yet (never gives
/// up, with back-off). NULL when the settings cannot be used (a bad URL, unreadable TLS files),
/// with nats.c's reason in `error`; then `callback` is never called. Otherwise CONNECTED comes
/// once connected (also when the connection was made within this call).
cpnats_client *cpnats_client_create(const cpnats_settings *settings, char *error, size_t error_size);

/// Closes the connection and frees the client. The callback gets no connection changes after
/// this, only CPNATS_RELEASED, on nats.c's thread, possibly after this returns.
void cpnats_client_destroy(cpnats_client *client);

int cpnats_client_is_connected(cpnats_client *client);

/// The largest message the connected server takes (its max_payload); 0 before the first connect.
int64_t cpnats_client_max_payload(cpnats_client *client);

/// The JetStream context for stream and consumer calls (safe from any thread).
jsCtx *cpnats_client_jetstream(cpnats_client *client);

/// Writes nats.c's description of the last failure on this thread (or of `status`) into `buffer`.
void cpnats_last_error(natsStatus status, char *buffer, size_t size);

// MARK: Publishing

/// One batch of asynchronous publishes with its own JetStream context, so its acknowledgements
/// and failures are never mixed with another batch's.
typedef struct cpnats_publication cpnats_publication;

/// Starts a batch that must be acknowledged within `timeoutMillis` from now. NULL when not
/// connected (publishing would only fill the reconnect buffer) or out of memory, with why in `error`.
cpnats_publication *cpnats_publication_begin(cpnats_client *client, int64_t timeoutMillis,
                                             char *error, size_t error_size);

/// Publishes one message with a `Nats-Msg-Id` header; 1 when handed to nats.c, 0 when it could
/// not be sent (the batch then stops sending; `end` reports why).
int cpnats_publication_add(cpnats_publication *publication, const char *subject,
                           const void *data, int length, const char *messageID);

typedef struct {
    int64_t acknowledged;   // positive PubAcks (duplicates included): in the stream
    int64_t duplicates;     // of those, the ones JetStream had already (duplicate window)
    int64_t refused;        // negative PubAcks
    int64_t unanswered;     // sent, but no PubAck before the deadline
    char detail[384];       // why not all were acknowledged; "" when all were
} cpnats_publish_outcome;

/// Waits until every message sent is acknowledged or refused, or the deadline passes, then
/// frees the batch. Late PubAcks are dropped: what is not acknowledged here is not counted.
void cpnats_publication_end(cpnats_publication *publication, cpnats_publish_outcome *outcome);

// MARK: Consuming

/// A durable pull consumer's subscription: pull requests of our own on an inbox.
typedef struct cpnats_puller cpnats_puller;

/// Deletes the durable consumer `durable` on `stream` if it exists, creates it as a pull consumer
/// (explicit ack, `ackWaitNanos`, `filter`, from `startSequence` or all when 0) and subscribes
/// an inbox for its messages. On failure, the step and nats.c's reason go into `error`.
natsStatus cpnats_pull_consumer(cpnats_client *client, const char *stream, const char *durable, const char *filter,
                                uint64_t startSequence, int64_t ackWaitNanos, int64_t maxAckPending,
                                cpnats_puller **puller, jsErrCode *errorCode, char *error, size_t error_size);

/// Ends delivery to the puller's subscription (the durable consumer stays).
void cpnats_puller_close(cpnats_puller *puller);

/// Frees the puller (after `cpnats_puller_close`, or closing it).
void cpnats_puller_destroy(cpnats_puller *puller);

/// Sends `body` ("+ACK", "+TERM") to a delivered message's reply subject; 0 when it could not.
int cpnats_reply(cpnats_puller *puller, natsMsg *message, const char *body);

/// What the reply subject of a delivered JetStream message says about it.
typedef struct {
    uint64_t streamSequence;    // 0 when the metadata cannot be read
    uint64_t consumerSequence;  // the delivery's number: 1, 2, 3, … from the consumer's creation
    uint64_t delivered;         // 1 on the first delivery, more on a redelivery
    int64_t timestamp;          // the stream's publish time, nanoseconds since the epoch
    uint64_t pending;           // messages left for the consumer after this one
} cpnats_message_info;

typedef struct {
    natsMsg **messages;
    cpnats_message_info *info;
    int count;
} cpnats_fetched;

/// Up to `max` messages: waits up to `timeoutMillis` for the first, then takes those that follow
/// within 2 ms. NATS_TIMEOUT when none came. `fetched` must be freed with `cpnats_fetched_free`
/// when NATS_OK. One thread at a time per puller.
natsStatus cpnats_fetch(cpnats_puller *puller, int max, int64_t timeoutMillis, cpnats_fetched *fetched);

void cpnats_fetched_free(cpnats_fetched *fetched);

#ifdef __cplusplus
}
#endif

/// The `Nats-Msg-Id` of an event (docs/spec/scale-out.md, "Publish"): the hex SHA-256 of its
/// bytes, from OpenSSL's libcrypto (which libnats itself uses), into `hex` (65 bytes with the NUL).
void cpnats_message_id(const uint8_t *bytes, size_t length, char hex[65]);

#endif
