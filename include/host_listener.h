/* host_listener.h - the plugin's unix socket: accepts Terraform's connections, terminates mTLS
 * on them and hands each connection's plaintext to a sink (the gRPC server).
 *
 * The socket listens, and the TLS handshake of a connection runs, before any sink exists: the
 * handshake line can be written as soon as the certificate is made, and Terraform's TLS
 * handshake overlaps gRPC's start-up (docs/internals/plugin-host.md, "The TLS front"). Each
 * connection has a thread of its own that makes the handshake, then waits for the sink and
 * relays between the TLS socket and one end of a socketpair whose other end the sink owns.
 * Without TLS (TF_DISABLE_PLUGIN_TLS) the accepted socket itself goes to the sink.
 */
#ifndef HOST_LISTENER_H
#define HOST_LISTENER_H

#include "uc_status.h"

struct ssl_ctx_st;
struct host_listener;

/* Takes a connected stream socket carrying plaintext HTTP/2; the sink owns fd from then on. */
typedef void (*host_listener_sink_fn)(void *ud, int fd);

/* At most this many connections at once; more are closed at once (Terraform makes one). */
#define HOST_LISTENER_MAX_CONNS 32
/* A client that has not finished its TLS handshake this long after it connected is dropped
 * (main's choice; the whole handshake, not each read or write). */
#define HOST_LISTENER_HANDSHAKE_TIMEOUT_MS 10000

/* Binds path (absolute; must not exist, except as a stale socket, which is replaced), listens
 * and starts accepting on a thread of its own. tls: the server context
 * (host_tls_server_ctx_new/_use; the listener takes a reference), NULL = plaintext;
 * handshake_timeout_ms bounds each connection's whole TLS handshake. NULL on
 * failure with *st: UC_RANGE path too long, UC_IO socket or bind failed, UC_NOMEM,
 * UC_INTERNAL no thread. The caller removes path when done. */
struct host_listener *host_listener_new(const char *path, struct ssl_ctx_st *tls,
                                        unsigned handshake_timeout_ms, uc_status *st);

/* Sets the sink, once. Connections accepted before (their handshakes done or not) are handed
 * to it now; later ones as soon as they are ready. */
void host_listener_set_sink(struct host_listener *l, host_listener_sink_fn fn, void *ud);

/* Waits, up to timeout_ms, until every byte the sink has written so far has been handed to
 * its client's socket, so that a reply sent just before the process exits is not lost in a
 * relay (the exit after GRPCController/Shutdown). */
void host_listener_flush(struct host_listener *l, unsigned timeout_ms);

/* Stops accepting, closes every connection (relays end; the sink sees end of stream), joins
 * every thread and frees. Accepts NULL. */
void host_listener_free(struct host_listener *l);

#endif
