// HTTPS certificates that can be replaced while the daemon runs (docs/spec/security.md, "TLS":
// a renewed certificate needs no restart). libmicrohttpd cannot swap MHD_OPTION_HTTPS_MEM_CERT
// in a running daemon, and 0.9.75's MHD_quiesce_daemon aborts with a thread pool in epoll mode,
// so the daemon is started with GnuTLS's certificate callback instead: each handshake presents
// the slot's current identity, and replacing it touches no connection.
#ifndef CALLPULSE_TLS_H
#define CALLPULSE_TLS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A parsed certificate chain and the private key that belongs to it.
typedef struct callpulse_tls_identity callpulse_tls_identity;

/// What one server's handshakes present; its identity can be replaced at any time.
typedef struct callpulse_tls_slot callpulse_tls_slot;

/// Parses PEM `key` and `certificate` (a chain, the server's certificate first) and checks that
/// they belong together. NULL on failure, with GnuTLS's reason in `error`.
callpulse_tls_identity *callpulse_tls_identity_create(const char *key, const char *certificate,
                                                      char *error, size_t error_size);

void callpulse_tls_identity_free(callpulse_tls_identity *identity);

/// A slot presenting `identity` (taken over).
callpulse_tls_slot *callpulse_tls_slot_create(callpulse_tls_identity *identity);

/// Handshakes from now on present `identity` (taken over). The identity it replaces stays
/// allocated until the slot is freed: a handshake in progress may still be using it.
void callpulse_tls_slot_replace(callpulse_tls_slot *slot, callpulse_tls_identity *identity);

/// Frees the slot and every identity it presented; only once no daemon uses it (after MHD_stop_daemon).
void callpulse_tls_slot_free(callpulse_tls_slot *slot);

/// 1 when GnuTLS accepts `priorities`; else 0, with the reason and where it stops in `error`.
int callpulse_tls_check_priorities(const char *priorities, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
