#include "CNATS.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

// MARK: Connection

// What nats.c's connection callbacks reach. Shared by the client and the connection, freed by
// whichever lets go last: the connection's last callback (closed) may come after destroy returns.
typedef struct {
    pthread_mutex_t lock;  // serializes the callback's calls and guards the fields below
    int connected;         // the state last given to the callback
    int reported;          // some connection event came from nats.c already
    int closing;           // set by destroy: connection changes are no longer reported
    cpnats_event_callback callback;
    void *context;
    atomic_int references;
} events;

struct cpnats_client {
    natsConnection *connection;
    jsCtx *js;
    events *events;
};

static void events_release(events *e) {
    if (atomic_fetch_sub(&e->references, 1) != 1) return;
    pthread_mutex_destroy(&e->lock);
    free(e);
}

// Tells the callback about a change only, so it sees alternating true and false.
static void report_state(events *e, int connected, int from_nats) {
    pthread_mutex_lock(&e->lock);
    // The connect made inside cpnats_client_create is reported only if nats.c reported nothing yet.
    int stale = !from_nats && e->reported;
    if (from_nats) e->reported = 1;
    if (!e->closing && !stale && e->connected != connected) {
        e->connected = connected;
        e->callback(e->context, connected ? CPNATS_CONNECTED : CPNATS_DISCONNECTED, NULL);
    }
    pthread_mutex_unlock(&e->lock);
}

static void silent(void *context, cpnats_event event, const char *detail) {
    (void)context;
    (void)event;
    (void)detail;
}

static void on_connected(natsConnection *nc, void *closure) {
    (void)nc;
    report_state(closure, 1, 1);
}

static void on_disconnected(natsConnection *nc, void *closure) {
    (void)nc;
    report_state(closure, 0, 1);
}

static void on_closed(natsConnection *nc, void *closure) {
    (void)nc;
    events *e = closure;
    // nats.c posts every callback of a connection to one queue, and closed last.
    pthread_mutex_lock(&e->lock);
    e->callback(e->context, CPNATS_RELEASED, NULL);
    pthread_mutex_unlock(&e->lock);
    events_release(e);
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus status, void *closure) {
    (void)nc;
    events *e = closure;
    char detail[320];
    const char *subject = sub ? natsSubscription_GetSubject(sub) : NULL;
    snprintf(detail, sizeof detail, "%s%s%s", natsStatus_GetText(status), subject ? " on " : "", subject ? subject : "");
    pthread_mutex_lock(&e->lock);
    if (!e->closing) e->callback(e->context, CPNATS_ASYNC_ERROR, detail);
    pthread_mutex_unlock(&e->lock);
}

// Back-off from 100 ms doubling to 5 s, ±25 % so replicas that lost the same server do not
// come back in lockstep. `attempts` counts passes over the server list in this outage.
static int64_t reconnect_delay(natsConnection *nc, int attempts, void *closure) {
    (void)nc;
    (void)closure;
    int64_t delay = 100;
    for (int i = 1; i < attempts && delay < 5000; i++) delay *= 2;
    if (delay > 5000) delay = 5000;
    int64_t quarter = delay / 4;
    // A seed of this process and thread (rand() is neither): replicas draw different jitter.
    static _Thread_local unsigned int seed;
    if (seed == 0) seed = (unsigned int)getpid() ^ (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)&seed;
    return delay - quarter + (int64_t)(rand_r(&seed) % (int)(2 * quarter + 1));
}

void cpnats_last_error(natsStatus status, char *buffer, size_t size) {
    if (size == 0) return;
    natsStatus last = NATS_OK;
    const char *text = nats_GetLastError(&last);
    if (text && *text && last == status) {
        // nats.c starts its text with where it was raised, "(jsm.c:2867): ": not for a log line.
        const char *end = text[0] == '(' ? strstr(text, "): ") : NULL;
        snprintf(buffer, size, "%s", end ? end + 3 : text);
    } else {
        snprintf(buffer, size, "%s", natsStatus_GetText(status));
    }
}

static void fail(natsStatus status, char *error, size_t size, const char *what) {
    if (size == 0) return;
    char reason[256];
    cpnats_last_error(status, reason, sizeof reason);
    snprintf(error, size, "%s: %s", what, reason);
}

cpnats_client *cpnats_client_create(const cpnats_settings *settings, char *error, size_t error_size) {
    events *e = calloc(1, sizeof *e);
    cpnats_client *client = calloc(1, sizeof *client);
    natsOptions *options = NULL;
    natsStatus s = (e && client) ? natsOptions_Create(&options) : NATS_NO_MEMORY;
    if (s != NATS_OK) {
        free(e);
        free(client);
        fail(s, error, error_size, "cannot set up the NATS client");
        return NULL;
    }
    pthread_mutex_init(&e->lock, NULL);
    e->callback = settings->callback;
    e->context = settings->context;
    atomic_init(&e->references, 2);  // the client's and the connection's

    const char *what = "the NATS server URLs are not usable";
    s = natsOptions_SetServers(options, (const char **)settings->servers, settings->serverCount);
    if (s == NATS_OK && settings->name) s = natsOptions_SetName(options, settings->name);
    if (s == NATS_OK && settings->token) {
        what = "the NATS token is not usable";
        s = natsOptions_SetToken(options, settings->token);
    }
    if (s == NATS_OK && settings->credsFile) {
        what = "the NATS credentials file is not usable";
        s = natsOptions_SetUserCredentialsFromFiles(options, settings->credsFile, NULL);
    }
    if (s == NATS_OK && (settings->tlsCAFile || settings->tlsCertFile)) {
        what = "the NATS TLS files are not usable";
        s = natsOptions_SetSecure(options, true);
        if (s == NATS_OK && settings->tlsCAFile) s = natsOptions_LoadCATrustedCertificates(options, settings->tlsCAFile);
        if (s == NATS_OK && settings->tlsCertFile) {
            s = natsOptions_LoadCertificatesChain(options, settings->tlsCertFile, settings->tlsKeyFile);
        }
    }
    if (s == NATS_OK) {
        what = "cannot set up the NATS client";
        // Never give up (libnats' default stops after 60 tries), also on the first connect.
        s = natsOptions_SetMaxReconnect(options, -1);
        if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(options, true, on_connected, e);
        if (s == NATS_OK) s = natsOptions_SetCustomReconnectDelay(options, reconnect_delay, NULL);
        if (s == NATS_OK) s = natsOptions_SetReconnectedCB(options, on_connected, e);
        if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(options, on_disconnected, e);
        if (s == NATS_OK) s = natsOptions_SetClosedCB(options, on_closed, e);
        if (s == NATS_OK) s = natsOptions_SetErrorHandler(options, on_async_error, e);
        // A request in flight fails at a disconnect instead of waiting out its timeout.
        if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(options, true);
        // A dead host (no reset, no FIN) is noticed within about 15 s, not libnats' 4 minutes.
        if (s == NATS_OK) s = natsOptions_SetPingInterval(options, 5000);
        if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(options, 2);
        // A stalled server (a full socket) must not block a publishing thread forever.
        if (s == NATS_OK) s = natsOptions_SetWriteDeadline(options, 5000);
    }
    if (s == NATS_OK) {
        what = "cannot connect to NATS";
        s = natsConnection_Connect(&client->connection, options);
        if (s == NATS_NOT_YET_CONNECTED) s = NATS_OK;  // retrying in the background
    }
    if (s != NATS_OK) {
        // No connection exists: nothing will ever call back.
        fail(s, error, error_size, what);
        natsOptions_Destroy(options);
        pthread_mutex_destroy(&e->lock);
        free(e);
        free(client);
        return NULL;
    }
    natsOptions_Destroy(options);  // the connection keeps its own copy
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = settings->requestTimeoutMillis;
    s = natsConnection_JetStream(&client->js, client->connection, &js_options);
    if (s != NATS_OK) {
        fail(s, error, error_size, "cannot set up JetStream");
        // The connection's closed callback must not reach a caller that gets NULL.
        pthread_mutex_lock(&e->lock);
        e->closing = 1;
        e->callback = silent;
        pthread_mutex_unlock(&e->lock);
        natsConnection_Destroy(client->connection);
        events_release(e);  // the connection's reference goes with its closed callback
        free(client);
        return NULL;
    }
    client->events = e;
    if (natsConnection_Status(client->connection) == NATS_CONN_STATUS_CONNECTED) report_state(e, 1, 0);
    return client;
}

void cpnats_client_destroy(cpnats_client *client) {
    if (!client) return;
    pthread_mutex_lock(&client->events->lock);
    client->events->closing = 1;
    pthread_mutex_unlock(&client->events->lock);
    jsCtx_Destroy(client->js);
    natsConnection_Destroy(client->connection);
    events_release(client->events);
    free(client);
}

int cpnats_client_is_connected(cpnats_client *client) {
    return natsConnection_Status(client->connection) == NATS_CONN_STATUS_CONNECTED;
}

jsCtx *cpnats_client_jetstream(cpnats_client *client) { return client->js; }

int64_t cpnats_client_max_payload(cpnats_client *client) {
    return natsConnection_GetMaxPayload(client->connection);
}

// MARK: Publishing

struct cpnats_publication {
    jsCtx *js;
    natsConnection *connection;
    int64_t deadline;  // nats_Now() milliseconds
    int stopped;
    char send_failure[256];
    // Written by the PubAck handler (on this batch's own reply thread) and read once
    // js_PublishAsyncComplete says no handler is running any more.
    atomic_llong acknowledged, duplicates, refused;
    atomic_int refusal_written;
    char refusal[256];
};

static void on_pub_ack(jsCtx *js, natsMsg *message, jsPubAck *ack, jsPubAckErr *error, void *closure) {
    (void)js;
    cpnats_publication *p = closure;
    if (ack) {
        atomic_fetch_add(&p->acknowledged, 1);
        if (ack->Duplicate) atomic_fetch_add(&p->duplicates, 1);
    } else if (error) {
        if (atomic_fetch_add(&p->refused, 1) == 0) {
            if (error->ErrCode) {
                snprintf(p->refusal, sizeof p->refusal, "%s (JetStream error %d)", error->ErrText ? error->ErrText : "",
                         (int)error->ErrCode);
            } else if (error->Err == NATS_NO_RESPONDERS) {
                snprintf(p->refusal, sizeof p->refusal, "no stream takes this subject (no responders)");
            } else {
                snprintf(p->refusal, sizeof p->refusal, "%s", error->ErrText ? error->ErrText : natsStatus_GetText(error->Err));
            }
            atomic_store(&p->refusal_written, 1);
        }
    }
    natsMsg_Destroy(message);  // with an AckHandler, the handler owns the message
}

cpnats_publication *cpnats_publication_begin(cpnats_client *client, int64_t timeoutMillis, char *error, size_t error_size) {
    if (!cpnats_client_is_connected(client)) {
        snprintf(error, error_size, "not connected to a NATS server (reconnecting)");
        return NULL;
    }
    cpnats_publication *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    p->connection = client->connection;
    p->deadline = nats_Now() + timeoutMillis;
    jsOptions options;
    jsOptions_Init(&options);
    options.PublishAsync.AckHandler = on_pub_ack;
    options.PublishAsync.AckHandlerClosure = p;
    options.PublishAsync.MaxPending = 0;  // the whole batch in flight
    natsStatus s = natsConnection_JetStream(&p->js, client->connection, &options);
    if (s != NATS_OK) {
        fail(s, error, error_size, "cannot set up JetStream");
        free(p);
        return NULL;
    }
    return p;
}

int cpnats_publication_add(cpnats_publication *p, const char *subject, const void *data, int length,
                           const char *messageID) {
    if (p->stopped) return 0;
    natsMsg *message = NULL;
    natsStatus s = natsMsg_Create(&message, subject, NULL, data, length);
    if (s == NATS_OK) s = natsMsgHeader_Set(message, "Nats-Msg-Id", messageID);
    if (s == NATS_OK) s = js_PublishMsgAsync(p->js, &message, NULL);  // takes the message on success
    if (s != NATS_OK) {
        fail(s, p->send_failure, sizeof p->send_failure, "cannot send");
        natsMsg_Destroy(message);
        p->stopped = 1;
        return 0;
    }
    return 1;
}

void cpnats_publication_end(cpnats_publication *p, cpnats_publish_outcome *outcome) {
    memset(outcome, 0, sizeof *outcome);
    jsPubOptions options;
    jsPubOptions_Init(&options);
    int64_t left = p->deadline - nats_Now();
    options.MaxWait = left > 0 ? left : 1;  // 0 would wait forever
    natsStatus s = js_PublishAsyncComplete(p->js, &options);
    if (s == NATS_TIMEOUT) {
        // Whatever has no PubAck yet is dropped from tracking: a late PubAck then finds nothing.
        natsMsgList pending = {0};
        if (js_PublishAsyncGetPendingList(&pending, p->js) == NATS_OK) {
            outcome->unanswered = pending.Count;
            natsMsgList_Destroy(&pending);
        }
        // A PubAck being handled right now finishes before the counts are read.
        options.MaxWait = 1000;
        js_PublishAsyncComplete(p->js, &options);
    }
    outcome->acknowledged = atomic_load(&p->acknowledged);
    outcome->duplicates = atomic_load(&p->duplicates);
    outcome->refused = atomic_load(&p->refused);
    if (outcome->refused > 0 && atomic_load(&p->refusal_written)) {
        snprintf(outcome->detail, sizeof outcome->detail, "JetStream refused %lld: %s", (long long)outcome->refused,
                 p->refusal);
    } else if (p->stopped) {
        snprintf(outcome->detail, sizeof outcome->detail, "%s", p->send_failure);
    } else if (outcome->unanswered > 0) {
        int connected = natsConnection_Status(p->connection) == NATS_CONN_STATUS_CONNECTED;
        snprintf(outcome->detail, sizeof outcome->detail, "no PubAck for %lld in time%s", (long long)outcome->unanswered,
                 connected ? "" : " (the connection to NATS was lost)");
    }
    jsCtx_Destroy(p->js);
    free(p);
}

// MARK: Consuming

struct cpnats_puller {
    natsConnection *connection;
    natsSubscription *subscription;  // a plain subscription on `inbox`
    char next[512];                  // $JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>
    char inbox[128];
    int open;                        // a pull request of ours is open on the server
    int remaining;                   // its messages not delivered yet
    int64_t expiresAt;               // when the server ends it (nats_Now milliseconds)
};

natsStatus cpnats_pull_consumer(cpnats_client *client, const char *stream, const char *durable, const char *filter,
                                uint64_t startSequence, int64_t ackWaitNanos, int64_t maxAckPending,
                                cpnats_puller **puller, jsErrCode *errorCode, char *error, size_t error_size) {
    char what[256];
    jsCtx *js = client->js;
    natsStatus s = js_DeleteConsumer(js, stream, durable, NULL, errorCode);
    if (s == NATS_NOT_FOUND) s = NATS_OK;  // none yet (or no stream: adding says so)
    if (s != NATS_OK) {
        snprintf(what, sizeof what, "cannot delete the consumer %s of stream %s", durable, stream);
        fail(s, error, error_size, what);
        return s;
    }
    jsConsumerConfig config;
    jsConsumerConfig_Init(&config);
    config.Durable = durable;
    config.AckPolicy = js_AckExplicit;
    config.AckWait = ackWaitNanos;
    config.FilterSubject = filter;
    config.DeliverPolicy = startSequence > 0 ? js_DeliverByStartSequence : js_DeliverAll;
    config.OptStartSeq = startSequence;
    config.MaxAckPending = maxAckPending;
    jsConsumerInfo *info = NULL;
    s = js_AddConsumer(&info, js, stream, &config, NULL, errorCode);
    jsConsumerInfo_Destroy(info);
    if (s != NATS_OK) {
        snprintf(what, sizeof what, "cannot create the consumer %s of stream %s", durable, stream);
        fail(s, error, error_size, what);
        return s;
    }
    // Pull requests of our own to a plain subscription, not nats.c's pull subscription: 3.4's
    // fetch loses count of its batch when messages of an earlier request wait in the subscription
    // (more than half a batch), collects past it and writes beyond its array.
    cpnats_puller *p = calloc(1, sizeof *p);
    if (!p) return NATS_NO_MEMORY;
    p->connection = client->connection;
    snprintf(p->next, sizeof p->next, "$JS.API.CONSUMER.MSG.NEXT.%s.%s", stream, durable);
    natsInbox *inbox = NULL;
    s = natsInbox_Create(&inbox);
    if (s == NATS_OK) {
        snprintf(p->inbox, sizeof p->inbox, "%s", (const char *)inbox);
        natsInbox_Destroy(inbox);
        s = natsConnection_SubscribeSync(&p->subscription, client->connection, p->inbox);
    }
    // Up to MaxAckPending messages may be delivered ahead: the subscription must hold them all.
    if (s == NATS_OK) s = natsSubscription_SetPendingLimits(p->subscription, -1, -1);
    if (s != NATS_OK) {
        natsSubscription_Destroy(p->subscription);
        free(p);
        snprintf(what, sizeof what, "cannot subscribe to the consumer %s of stream %s", durable, stream);
        fail(s, error, error_size, what);
        return s;
    }
    *puller = p;
    return NATS_OK;
}

void cpnats_puller_close(cpnats_puller *puller) { natsSubscription_Unsubscribe(puller->subscription); }

void cpnats_puller_destroy(cpnats_puller *puller) {
    natsSubscription_Destroy(puller->subscription);
    free(puller);
}

int cpnats_reply(cpnats_puller *puller, natsMsg *message, const char *body) {
    const char *reply = natsMsg_GetReply(message);
    if (!reply || !*reply) return 0;
    return natsConnection_PublishString(puller->connection, reply, body) == NATS_OK;
}

// Reads the reply subject of a delivered message without allocating:
// v1 $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>
// v2 $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>[.<token>]
static cpnats_message_info message_info(natsMsg *message) {
    cpnats_message_info info = {0, 0, 0, 0, 0};
    const char *reply = natsMsg_GetReply(message);
    static const char prefix[] = "$JS.ACK.";
    if (!reply || strncmp(reply, prefix, sizeof prefix - 1) != 0) return info;
    const char *tokens[12];
    int count = 0;
    const char *p = reply + sizeof prefix - 1;
    tokens[count++] = p;
    for (; *p && count < 12; p++) {
        if (*p == '.') tokens[count++] = p + 1;
    }
    int first;
    if (count == 7) first = 0;
    else if (count >= 9) first = 2;
    else return info;
    info.delivered = strtoull(tokens[first + 2], NULL, 10);
    info.streamSequence = strtoull(tokens[first + 3], NULL, 10);
    info.consumerSequence = strtoull(tokens[first + 4], NULL, 10);
    info.timestamp = strtoll(tokens[first + 5], NULL, 10);
    info.pending = strtoull(tokens[first + 6], NULL, 10);
    return info;
}

// How long the server keeps a pull request open, and how long a fetch that has messages waits
// for the next one before it returns them.
static const int64_t requestMillis = 5000;
static const int64_t gapMillis = 2;

natsStatus cpnats_fetch(cpnats_puller *p, int max, int64_t timeoutMillis, cpnats_fetched *fetched) {
    memset(fetched, 0, sizeof *fetched);
    if (max <= 0 || timeoutMillis <= 0) return NATS_INVALID_ARG;
    natsMsg **messages = malloc((size_t)max * sizeof(natsMsg *));
    if (!messages) return NATS_NO_MEMORY;
    int64_t deadline = nats_Now() + timeoutMillis;
    int count = 0;
    natsStatus s = NATS_OK;
    while (count < max) {
        int64_t now = nats_Now();
        // Its end never came (the connection was lost meanwhile): ask again.
        if (p->open && now > p->expiresAt + 1000) p->open = 0;
        if (!p->open) {
            // One request open at a time, for a whole batch: the server delivers what waits at
            // once and the rest as it comes, until the batch is full or the request expires.
            char request[96];
            snprintf(request, sizeof request, "{\"batch\":%d,\"expires\":%lld}", max,
                     (long long)(requestMillis * 1000000));
            s = natsConnection_PublishRequestString(p->connection, p->next, p->inbox, request);
            if (s != NATS_OK) break;
            p->open = 1;
            p->remaining = max;
            p->expiresAt = now + requestMillis;
        }
        // Nothing yet: wait for the first message; else return what came unless more follows at once.
        int64_t wait = count == 0 ? deadline - now : gapMillis;
        if (wait <= 0) {
            s = NATS_TIMEOUT;
            break;
        }
        natsMsg *message = NULL;
        s = natsSubscription_NextMsg(&message, p->subscription, wait);
        if (s != NATS_OK) break;
        const char *status = NULL;
        if (natsMsg_GetDataLength(message) == 0 && natsMsgHeader_Get(message, "Status", &status) == NATS_OK && status) {
            // 404, 408, 409: the request ended (expired, or the consumer changed); 100 is a heartbeat.
            if (strncmp(status, "100", 3) != 0) p->open = 0;
            natsMsg_Destroy(message);
            continue;
        }
        messages[count++] = message;
        if (--p->remaining <= 0) p->open = 0;
    }
    if (count == 0) {
        free(messages);
        return s;
    }
    fetched->messages = messages;
    fetched->info = malloc((size_t)count * sizeof(cpnats_message_info));
    if (!fetched->info) {
        for (int i = 0; i < count; i++) natsMsg_Destroy(messages[i]);
        free(messages);
        memset(fetched, 0, sizeof *fetched);
        return NATS_NO_MEMORY;
    }
    for (int i = 0; i < count; i++) fetched->info[i] = message_info(messages[i]);
    fetched->count = count;
    return NATS_OK;
}

void cpnats_fetched_free(cpnats_fetched *fetched) {
    for (int i = 0; i < fetched->count; i++) natsMsg_Destroy(fetched->messages[i]);
    free(fetched->messages);
    free(fetched->info);
    memset(fetched, 0, sizeof *fetched);
}

void cpnats_message_id(const uint8_t *bytes, size_t length, char hex[65]) {
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(bytes, length, digest, &size, EVP_sha256(), NULL) != 1) size = 0;
    for (unsigned int i = 0; i < size && i < 32; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0xF];
    }
    hex[2 * (size < 32 ? size : 32)] = 0;
}
