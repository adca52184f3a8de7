// A typed C entry point over libmicrohttpd's variadic start function, and a logger
// that formats MHD's printf-style messages. Everything else is MHD's own API.
#ifndef CMICROHTTPD_H
#define CMICROHTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <microhttpd.h>

#include "CallPulseTLS.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Receives MHD's formatted error messages.
typedef void (*callpulse_mhd_log_callback)(void *context, const char *message);

/// Everything `callpulse_mhd_start` needs, as typed fields.
typedef struct {
    unsigned int flags;
    const struct sockaddr *address;     // bind address (with its port)
    MHD_AcceptPolicyCallback acceptPolicy;  // asked for each new connection; MHD_NO closes it
    void *acceptPolicyContext;
    MHD_AccessHandlerCallback handler;
    void *handlerContext;
    MHD_RequestCompletedCallback completed;
    void *completedContext;
    unsigned int threadPoolSize;
    unsigned int connectionLimit;
    unsigned int perClientLimit;
    unsigned int connectionTimeoutSeconds;
    callpulse_mhd_log_callback log;
    void *logContext;
    callpulse_tls_slot *tls;            // the certificate to present, or NULL for plain HTTP
    const char *tlsPriorities;          // GnuTLS priorities, or NULL for libmicrohttpd's ("NORMAL")
} callpulse_mhd_config;

/// Starts a daemon from `config`; NULL on failure (MHD logs why through `log`).
struct MHD_Daemon *callpulse_mhd_start(const callpulse_mhd_config *config);

/// The port the daemon listens on (useful after binding port 0), or 0.
uint16_t callpulse_mhd_bound_port(struct MHD_Daemon *daemon);

/// The client's address family and, for IPv4/IPv6, whether it is a loopback address.
int callpulse_mhd_client_is_loopback(struct MHD_Connection *connection);

/// Writes the client's IP address as text into `buffer` (an IPv4-mapped IPv6 address as
/// IPv4, no port); returns 0 and writes "" when it is unknown. 46 bytes hold any address.
int callpulse_mhd_client_address(struct MHD_Connection *connection, char *buffer, size_t size);

#ifdef __cplusplus
}
#endif

#endif
