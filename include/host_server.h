/* host_server.h - the gRPC server on gRPC core's C API: generic dispatch of unary calls by
 * method path to handler functions, run on an elastic worker pool, over connections adopted as
 * plaintext descriptors (host_listener owns the socket and the TLS).
 *
 * Handlers see bytes, not gRPC: a request payload in, a response payload (or an error status)
 * out, all in the call's arena. The server owns its threads; handlers run concurrently on
 * worker threads (a slow handler never delays another call). Unknown methods and every
 * streaming method are answered UNIMPLEMENTED. Every status is sent with initial metadata.
 */
#ifndef HOST_SERVER_H
#define HOST_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uc_arena.h"
#include "uc_cancel.h"
#include "uc_status.h"

/* gRPC status codes the handlers use (the values of grpc_status_code). */
enum host_code {
    HOST_CODE_OK = 0,
    HOST_CODE_CANCELLED = 1,
    HOST_CODE_INVALID_ARGUMENT = 3,
    HOST_CODE_NOT_FOUND = 5,
    HOST_CODE_UNIMPLEMENTED = 12,
    HOST_CODE_INTERNAL = 13,
};

/* One unary call as a handler sees it. Everything is borrowed for the handler's duration. */
struct host_rpc {
    struct uc_arena *arena; /* the call's arena: decoded request, response, scratch */
    const char *method;     /* e.g. "/tfplugin6.Provider/PlanResourceChange" */
    const uint8_t *req;     /* request payload (may be NULL when empty) */
    size_t req_len;
    /* Set by the handler: */
    uint8_t *resp; /* response payload in arena memory (NULL = empty message) */
    size_t resp_len;
    enum host_code code;  /* HOST_CODE_OK unless the call fails as a whole */
    const char *code_msg; /* status message for a non-OK code (arena or static) */
};

typedef void (*host_handler_fn)(struct host_rpc *rpc, void *ud);

struct host_method {
    const char *path; /* full method path */
    host_handler_fn fn;
    void *ud;
    bool exit_after; /* GRPCController/Shutdown: after the reply is sent, call on_exit */
    /* Runs on the completion-queue thread instead of the worker pool, so that it is answered
     * even when every worker is busy (StopProvider, Shutdown, health). Its handler must never
     * block. */
    bool on_poller;
    /* Never does I/O nor waits (validation, schema, state upgrade): runs in the cheap lane, a
     * small pool of its own, so it is answered even when slow calls hold every main worker. */
    bool cheap;
};

/* Default request size limit: 256 MiB, the limit Terraform itself uses for provider messages,
 * so no configuration Terraform can send is refused, and a runaway or hostile client cannot
 * make the provider buffer more. */
#define HOST_SERVER_MAX_RECV_BYTES (256u * 1024u * 1024u)

struct host_server_config {
    const struct host_method *methods; /* borrowed; must outlive the server */
    size_t nmethods;
    /* Called on the server's thread once the reply of an exit_after method has been sent; it
     * is expected not to return (the process exits). */
    void (*on_exit)(void *ud);
    void *exit_ud;
    /* Debug only (UNICRON_DEBUG_BLOCK_RPC): calls to this method path wait for cancel to fire
     * before their handler runs. NULL = off. */
    const char *debug_block_method;
    const struct uc_cancel *cancel;
    size_t max_workers;       /* main pool; 0 = default (256) */
    size_t max_cheap_workers; /* cheap lane (host_method.cheap); 0 = default (8) */
    /* Largest request message accepted, in bytes; a larger one fails with RESOURCE_EXHAUSTED
     * before any handler runs. 0 (or more than INT_MAX) = HOST_SERVER_MAX_RECV_BYTES. */
    size_t max_recv_bytes;
};

struct host_server;

/* Start-up comes in two steps so that the caller can accept connections and make their TLS
 * handshakes while gRPC starts (main.c does):
 * host_server_new calls grpc_init, routes gRPC's log through uc_log and creates the completion
 * queue and the server. The config is copied (its strings and methods stay borrowed). NULL when
 * out of memory (*st = UC_NOMEM). */
struct host_server *host_server_new(const struct host_server_config *cfg, uc_status *st);

/* Starts serving, on a thread of its own. Once per server. UC_INVALID: called twice;
 * UC_NOMEM; UC_INTERNAL: could not start. After a failure only host_server_free is allowed. */
uc_status host_server_start(struct host_server *s);

/* Serves one connection: fd is a connected stream socket carrying plaintext HTTP/2, owned by
 * the server from now on. server is a started struct host_server; the signature is
 * host_listener_sink_fn's. */
void host_server_adopt(void *server, int fd);

/* Stops serving, cancels open calls, joins the server thread and releases everything (calls
 * grpc_shutdown). Handlers still running on workers finish first. Accepts NULL. */
void host_server_free(struct host_server *s);

/* Number of worker threads started so far, both pools (for tests and benchmarks). */
size_t host_server_workers(const struct host_server *s);

/* Routes gpr_log output through uc_log and sets gRPC's verbosity from uc_log's level. Called by
 * host_server_new; exposed for the process code to call before anything else logs. */
void host_server_route_grpc_log(void);

#endif
