/* aws_http.h - HTTP request/response values, a header list, the transport interface and the clock.
 *
 * The AWS client never talks to libcurl directly: it hands a struct aws_http_request to a
 * struct aws_transport, so tests replace the network with a fake. The real transport
 * (aws_transport_curl_new) is libcurl with one shared connection cache for all threads. The clock
 * is injectable the same way so tests control time (SigV4 dates, credential expiry, backoff).
 */
#ifndef AWS_HTTP_H
#define AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uc_buf.h"
#include "uc_cancel.h"
#include "uc_status.h"

/* ---- header list ------------------------------------------------------------------------- */

struct aws_header {
    char *name;  /* owned, as given (case kept) */
    char *value; /* owned */
};

/* An ordered list of headers; duplicates allowed (SigV4 joins them with ','). Caller-owned
 * struct: aws_headers_init before use, aws_headers_release after. Not thread-safe. */
struct aws_headers {
    struct aws_header *items;
    size_t len;
    size_t cap;
};

void aws_headers_init(struct aws_headers *h);
/* Frees every entry. Accepts NULL. */
void aws_headers_release(struct aws_headers *h);
/* Appends a copy of name/value (value NULL = ""). UC_NOMEM on failure, list unchanged. */
uc_status aws_headers_add(struct aws_headers *h, const char *name, const char *value);
/* Removes every header named name (case-insensitive), then appends it. */
uc_status aws_headers_set(struct aws_headers *h, const char *name, const char *value);
/* Removes every header named name (case-insensitive). */
void aws_headers_remove(struct aws_headers *h, const char *name);
/* Value of the first header named name (case-insensitive), or NULL. Borrowed. */
const char *aws_headers_get(const struct aws_headers *h, const char *name);

/* ---- request / response ------------------------------------------------------------------ */

/* One HTTP exchange. Everything is borrowed from the caller for the duration of send(). */
struct aws_http_request {
    const char *method;         /* "GET", "POST", "PATCH", "PUT", "DELETE" */
    const char *url;            /* absolute http:// or https:// URL, already percent-encoded */
    struct aws_headers headers; /* sent as given; the transport adds no Host of its own */
    const char *body;           /* may be NULL when body_len is 0 */
    size_t body_len;
    const char *ca_pem;         /* optional PEM trust anchor (Kubernetes API); NULL = system */
    size_t ca_pem_len;
    uint64_t connect_timeout_ms; /* 0 = transport default */
    uint64_t timeout_ms;         /* whole exchange; 0 = transport default */
};

/* How a transport failure happened; decides whether a non-idempotent call may be retried. */
enum aws_net_error {
    AWS_NET_NONE = 0,
    AWS_NET_CONNECT, /* DNS, refused, unreachable: the request was never sent */
    AWS_NET_TIMEOUT, /* timed out: the server may have acted on it */
    AWS_NET_IO,      /* reset or broken mid-exchange: the server may have acted on it */
    AWS_NET_TLS,     /* certificate or handshake failure: never retried */
    AWS_NET_OTHER,
    AWS_NET_UNAVAILABLE /* the transport itself cannot work (libcurl not loadable): never retried */
};

/* Caller-owned: aws_http_response_init before send, aws_http_response_release after. */
struct aws_http_response {
    long status;                /* HTTP status, 0 when no response arrived */
    struct aws_headers headers; /* of the final response */
    struct uc_buf body;         /* bounded by AWS_HTTP_MAX_BODY */
    enum aws_net_error net;     /* set when send() returns UC_TRANSPORT */
    char net_message[256];      /* transport's text for the failure */
};

/* Largest response body accepted, after decompression (bigger answers fail with UC_RANGE and a
 * net_message saying "response body exceeds 16 MiB" or "decompressed body exceeds 16 MiB"). */
#define AWS_HTTP_MAX_BODY (16u * 1024u * 1024u)

void aws_http_response_init(struct aws_http_response *r);
void aws_http_response_release(struct aws_http_response *r);
/* Empties status, headers, body and error for another attempt. */
void aws_http_response_reset(struct aws_http_response *r);

/* ---- transport --------------------------------------------------------------------------- */

/* The transport interface. send() must be callable from many threads at once. It returns UC_OK
 * when an HTTP response (any status) arrived, UC_TRANSPORT with resp->net / net_message set when
 * none did, UC_RANGE when the body exceeded the limit (status and net_message set: which limit,
 * on the wire or decompressed), UC_CANCELED when cancel fired. */
struct aws_transport {
    uc_status (*send)(struct aws_transport *t, const struct aws_http_request *req,
                      const struct uc_cancel *cancel, struct aws_http_response *resp);
    void (*destroy)(struct aws_transport *t);
};

/* A libcurl transport: shared connection/DNS/TLS-session cache across threads, TLS verification
 * always on, http and https only, no redirects. ca_bundle (e.g. AWS_CA_BUNDLE; NULL = system
 * store) is copied. Returns NULL only when out of memory. Free with aws_transport_free. Creating
 * it does no network or file I/O and does not load libcurl: the first send() does (aws_curl.h),
 * and answers UC_TRANSPORT with net AWS_NET_UNAVAILABLE and the loader's message when it cannot. */
struct aws_transport *aws_transport_curl_new(const char *ca_bundle);
/* Calls t->destroy. Accepts NULL. */
void aws_transport_free(struct aws_transport *t);

/* ---- clock ------------------------------------------------------------------------------- */

/* Time source of the client. Every member may be NULL: the real clock is used for it.
 * wall_ms: Unix epoch milliseconds (SigV4 dates, credential expiry).
 * mono_ms: monotonic milliseconds in the same domain as the callers' deadlines.
 * sleep_ms: sleeps or returns UC_CANCELED at once when cancel fires. */
struct aws_clock {
    int64_t (*wall_ms)(void *ctx);
    uint64_t (*mono_ms)(void *ctx);
    uc_status (*sleep_ms)(void *ctx, const struct uc_cancel *cancel, uint64_t ms);
    void *ctx;
};

int64_t aws_clock_wall_ms(const struct aws_clock *c);
uint64_t aws_clock_mono_ms(const struct aws_clock *c);
uc_status aws_clock_sleep_ms(const struct aws_clock *c, const struct uc_cancel *cancel,
                             uint64_t ms);

/* ---- small helpers shared by the AWS modules ----------------------------------------------- */

/* Splits an absolute URL into scheme ("http"/"https"), host[:port] as it goes into the Host
 * header (port kept only when not the default), path (starting with '/', "/" when absent) and
 * query (without '?', "" when absent). Outputs are written into the caller's buffers; UC_DECODE
 * for anything that is not http(s)://host..., UC_RANGE when a buffer is too small. */
struct aws_url {
    char scheme[8];
    char host[256]; /* host[:port] for the Host header */
    char path[2048];
    char query[4096];
};
uc_status aws_url_parse(const char *url, struct aws_url *out);

/* Appends s percent-encoded (RFC 3986: unreserved A-Za-z0-9-_.~ kept). keep_slash keeps '/'. */
uc_status aws_uri_encode(struct uc_buf *b, const char *s, size_t n, bool keep_slash);
/* Decodes %XX sequences of s into b ('+' is kept as '+'). Malformed escapes are copied as is. */
uc_status aws_uri_decode(struct uc_buf *b, const char *s, size_t n);

#endif
