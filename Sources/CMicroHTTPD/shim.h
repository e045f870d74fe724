#ifndef OUTREACH_CMICROHTTPD_SHIM_H
#define OUTREACH_CMICROHTTPD_SHIM_H
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

// MHD_start_daemon is variadic: start a daemon on a loopback or any-address port with a
// thread pool, a connection timeout and a completion callback.
static inline struct MHD_Daemon *outreach_mhd_start(unsigned int flags, uint16_t port,
        MHD_AccessHandlerCallback handler, void *context,
        MHD_RequestCompletedCallback completed, void *completed_context,
        const struct sockaddr *bind_address, unsigned int thread_pool_size,
        unsigned int connection_timeout) {
    return MHD_start_daemon(flags, port, NULL, NULL, handler, context,
        MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
        MHD_OPTION_SOCK_ADDR, bind_address,
        MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
        MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout,
        MHD_OPTION_END);
}

// Thread-per-connection daemon (handlers may block) that also reports the raw request target
// (MHD_OPTION_URI_LOG_CALLBACK, before MHD unescapes the path and splits off the query) and
// connection open/close events (MHD_OPTION_NOTIFY_CONNECTION).
static inline struct MHD_Daemon *outreach_mhd_start_per_connection(unsigned int flags, uint16_t port,
        MHD_AccessHandlerCallback handler, void *context,
        MHD_RequestCompletedCallback completed, void *completed_context,
        void *(*uri_logger)(void *context, const char *uri, struct MHD_Connection *connection),
        void *uri_logger_context,
        MHD_NotifyConnectionCallback notify_connection, void *notify_connection_context,
        const struct sockaddr *bind_address, unsigned int connection_timeout) {
    return MHD_start_daemon(flags, port, NULL, NULL, handler, context,
        MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
        MHD_OPTION_URI_LOG_CALLBACK, uri_logger, uri_logger_context,
        MHD_OPTION_NOTIFY_CONNECTION, notify_connection, notify_connection_context,
        MHD_OPTION_SOCK_ADDR, bind_address,
        MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout,
        MHD_OPTION_END);
}

// MHD_get_daemon_info is variadic-free but returns a union pointer; read the bound port directly.
static inline uint16_t outreach_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

#endif
