#include "CallPulseTLS.h"
#include "TLSCallbacks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The server's certificate and the intermediates after it; more is not a chain anyone serves.
enum { max_chain = 16 };

struct callpulse_tls_identity {
    gnutls_pcert_st chain[max_chain];
    unsigned int length;
    gnutls_privkey_t key;
    callpulse_tls_identity *next_retired;
};

struct callpulse_tls_slot {
    _Atomic(callpulse_tls_identity *) current;
    pthread_mutex_t lock;  // guards `retired`
    callpulse_tls_identity *retired;
};

static gnutls_datum_t datum(const char *text) {
    return (gnutls_datum_t){(unsigned char *)text, (unsigned int)strlen(text)};
}

static void report(char *error, size_t size, const char *what, int code) {
    if (size > 0) snprintf(error, size, "%s: %s", what, gnutls_strerror(code));
}

callpulse_tls_identity *callpulse_tls_identity_create(const char *key, const char *certificate,
                                                      char *error, size_t error_size) {
    gnutls_datum_t key_data = datum(key), certificate_data = datum(certificate);
    // GnuTLS's own check that the key belongs to the certificate, on a throwaway credential.
    gnutls_certificate_credentials_t check;
    if (gnutls_certificate_allocate_credentials(&check) != GNUTLS_E_SUCCESS) {
        report(error, error_size, "cannot check the pair", GNUTLS_E_MEMORY_ERROR);
        return NULL;
    }
    int result = gnutls_certificate_set_x509_key_mem2(check, &certificate_data, &key_data, GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_certificate_free_credentials(check);
    if (result < 0) {
        // GnuTLS says "The requested data were not available." for a file with no PEM block.
        report(error, error_size,
               result == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE || result == GNUTLS_E_BASE64_DECODING_ERROR
                   ? "GnuTLS finds no PEM key or certificate"
                   : "GnuTLS cannot use this key and certificate",
               result);
        return NULL;
    }
    callpulse_tls_identity *identity = calloc(1, sizeof *identity);
    if (!identity) {
        report(error, error_size, "cannot load the pair", GNUTLS_E_MEMORY_ERROR);
        return NULL;
    }
    identity->length = max_chain;
    result = gnutls_pcert_list_import_x509_raw(identity->chain, &identity->length, &certificate_data,
                                               GNUTLS_X509_FMT_PEM, 0);
    if (result < 0) {
        identity->length = 0;
        report(error, error_size, "cannot load the certificate chain", result);
        callpulse_tls_identity_free(identity);
        return NULL;
    }
    result = gnutls_privkey_init(&identity->key);
    if (result >= 0) result = gnutls_privkey_import_x509_raw(identity->key, &key_data, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (result < 0) {
        report(error, error_size, "cannot load the key", result);
        callpulse_tls_identity_free(identity);
        return NULL;
    }
    return identity;
}

void callpulse_tls_identity_free(callpulse_tls_identity *identity) {
    if (!identity) return;
    for (unsigned int i = 0; i < identity->length; i++) gnutls_pcert_deinit(&identity->chain[i]);
    if (identity->key) gnutls_privkey_deinit(identity->key);
    free(identity);
}

callpulse_tls_slot *callpulse_tls_slot_create(callpulse_tls_identity *identity) {
    callpulse_tls_slot *slot = calloc(1, sizeof *slot);
    if (!slot) return NULL;
    pthread_mutex_init(&slot->lock, NULL);
    atomic_init(&slot->current, identity);
    return slot;
}

void callpulse_tls_slot_replace(callpulse_tls_slot *slot, callpulse_tls_identity *identity) {
    callpulse_tls_identity *old = atomic_exchange_explicit(&slot->current, identity, memory_order_acq_rel);
    // Kept, not freed: GnuTLS holds the pointers it got from the callback for the rest of that
    // handshake, and nothing says when a handshake begun before the swap is over. A few
    // kilobytes per replaced certificate, and only a changed certificate is replaced.
    pthread_mutex_lock(&slot->lock);
    old->next_retired = slot->retired;
    slot->retired = old;
    pthread_mutex_unlock(&slot->lock);
}

void callpulse_tls_slot_free(callpulse_tls_slot *slot) {
    if (!slot) return;
    callpulse_tls_identity_free(atomic_load(&slot->current));
    for (callpulse_tls_identity *identity = slot->retired; identity;) {
        callpulse_tls_identity *next = identity->next_retired;
        callpulse_tls_identity_free(identity);
        identity = next;
    }
    pthread_mutex_destroy(&slot->lock);
    free(slot);
}

int callpulse_tls_check_priorities(const char *priorities, char *error, size_t error_size) {
    gnutls_priority_t cache;
    const char *stop = NULL;
    int result = gnutls_priority_init(&cache, priorities, &stop);
    if (result != GNUTLS_E_SUCCESS) {
        if (error_size > 0) {
            if (stop) snprintf(error, error_size, "%s at '%s'", gnutls_strerror(result), stop);
            else snprintf(error, error_size, "%s", gnutls_strerror(result));
        }
        return 0;
    }
    gnutls_priority_deinit(cache);
    return 1;
}

void callpulse_tls_notify_connection(void *slot, struct MHD_Connection *connection, void **socket_context,
                                     enum MHD_ConnectionNotificationCode code) {
    (void)connection;
    // STARTED comes before the connection's first read, so before its handshake.
    if (code == MHD_CONNECTION_NOTIFY_STARTED && socket_context) *socket_context = slot;
}

int callpulse_tls_certificate(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                              const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                              gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *privkey) {
    (void)req_ca_rdn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
    // libmicrohttpd sets each session's pointer to its connection.
    struct MHD_Connection *connection = gnutls_session_get_ptr(session);
    const union MHD_ConnectionInfo *info =
        connection ? MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    callpulse_tls_slot *slot = info ? info->socket_context : NULL;
    if (!slot) return -1;  // fails the handshake: no certificate to present
    callpulse_tls_identity *identity = atomic_load_explicit(&slot->current, memory_order_acquire);
    *pcert = identity->chain;
    *pcert_length = identity->length;
    *privkey = identity->key;
    return 0;
}
