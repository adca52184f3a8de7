#include "CMicroHTTPD.h"
#include "TLSCallbacks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

// Atomic: each start sets it while another server's threads may be logging through it.
static _Atomic(callpulse_mhd_log_callback) log_callback;

static void callpulse_mhd_logger(void *context, const char *format, va_list arguments) {
    char message[1024];
    vsnprintf(message, sizeof message, format, arguments);
    size_t length = strlen(message);
    while (length > 0 && (message[length - 1] == '\n' || message[length - 1] == '\r')) message[--length] = 0;
    callpulse_mhd_log_callback callback = atomic_load_explicit(&log_callback, memory_order_relaxed);
    if (callback) callback(context, message);
}

struct MHD_Daemon *callpulse_mhd_start(const callpulse_mhd_config *config) {
    atomic_store_explicit(&log_callback, config->log, memory_order_relaxed);
    struct MHD_OptionItem options[20];
    int n = 0;
    // The logger goes first, so MHD's own messages about the other options reach it.
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)callpulse_mhd_logger,
                                           config->logContext};
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, (void *)config->address};
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)config->completed,
                                           config->completedContext};
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, config->connectionLimit, NULL};
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, config->perClientLimit, NULL};
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, config->connectionTimeoutSeconds, NULL};
    if (config->threadPoolSize > 1) {
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, config->threadPoolSize, NULL};
    }
    if (config->tls) {
        // The certificate through GnuTLS's callback, so it can be replaced while serving (CallPulseTLS.h).
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)callpulse_tls_notify_connection,
                                               config->tls};
        options[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)callpulse_tls_certificate};
        if (config->tlsPriorities) {
            options[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)config->tlsPriorities};
        }
    }
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    return MHD_start_daemon(config->flags, 0, config->acceptPolicy, config->acceptPolicyContext,
                            config->handler, config->handlerContext,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

uint16_t callpulse_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

int callpulse_mhd_client_is_loopback(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr) return 0;
    const struct sockaddr *address = info->client_addr;
    if (address->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    if (address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        if (IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) return 1;
        if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) return v6->sin6_addr.s6_addr[12] == 127;
    }
    return 0;
}

int callpulse_mhd_client_address(struct MHD_Connection *connection, char *buffer, size_t size) {
    if (size == 0) return 0;
    buffer[0] = 0;
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr) return 0;
    const struct sockaddr *address = info->client_addr;
    if (address->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        return inet_ntop(AF_INET, &v4->sin_addr, buffer, (socklen_t)size) != NULL;
    }
    if (address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        // One client, one key: a dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d.
        if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
            return inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], buffer, (socklen_t)size) != NULL;
        }
        return inet_ntop(AF_INET6, &v6->sin6_addr, buffer, (socklen_t)size) != NULL;
    }
    return 0;
}
