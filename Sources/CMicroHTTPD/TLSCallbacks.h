// The two callbacks behind CallPulseTLS.h, for CMicroHTTPD.c's start function only (they name
// GnuTLS types, which the Swift side has no use for).
#ifndef CALLPULSE_TLS_CALLBACKS_H
#define CALLPULSE_TLS_CALLBACKS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

/// For MHD_OPTION_NOTIFY_CONNECTION with the slot as its context: hands the slot to each
/// connection as its socket context, where the certificate callback finds it.
void callpulse_tls_notify_connection(void *slot, struct MHD_Connection *connection, void **socket_context,
                                     enum MHD_ConnectionNotificationCode code);

/// For MHD_OPTION_HTTPS_CERT_CALLBACK: the current identity of the connection's slot.
int callpulse_tls_certificate(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                              const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                              gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *privkey);

#endif
