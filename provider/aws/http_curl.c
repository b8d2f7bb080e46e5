/* http_curl.c - the real transport: libcurl with one connection / DNS / TLS-session cache shared
 * by every thread (CURLSH + mutexes), TLS verification always on, http/https only, no redirects,
 * bounded bodies, and cancellation through the progress callback.
 *
 * libcurl is reached only through the table of aws_curl.h, loaded by the first send(), never when
 * the transport is made. It sends exactly the headers it is given and never logs them (they carry
 * Authorization and security tokens). It knows nothing about AWS.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_curl.h"
#include "aws_http.h"

/* Idle keep-alive connections kept across calls and threads (all hosts together): above the
 * calls a wide refresh has in flight (-parallelism=10, a few calls each at once). */
#define CURL_MAX_IDLE_CONNECTIONS 64L

/* Easy handles kept for the next send once a send is done (curl_easy_reset between uses). A new
 * handle per call cost more than its transfer on a local endpoint: libcurl makes each handle its
 * own multi handle on the first perform (a wake-up socketpair, signal and fcntl calls) and
 * frees it with the handle. The handles hold no connection (those are in the share) and none
 * of a call's options survive the reset. */
#define CURL_IDLE_HANDLES 16

struct curl_transport {
    struct aws_transport base;
    pthread_mutex_t start_mu; /* guards api and share until started */
    bool started;             /* api and share are set; never unset */
    const struct aws_curl *api;
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
    char *ca_bundle;
    pthread_mutex_t idle_mu; /* guards idle and n_idle */
    CURL *idle[CURL_IDLE_HANDLES];
    size_t n_idle;
};

/* An easy handle for one send: a reset idle one, or a new one (NULL when out of memory). */
static CURL *handle_take(struct curl_transport *t)
{
    CURL *h = NULL;
    pthread_mutex_lock(&t->idle_mu);
    if (t->n_idle > 0)
        h = t->idle[--t->n_idle];
    pthread_mutex_unlock(&t->idle_mu);
    return h ? h : t->api->easy_init();
}

/* Back from a send: its options (URL, headers, callbacks into the caller's stack, CA blob) are
 * reset at once; kept while there is room, else freed. */
static void handle_give(struct curl_transport *t, CURL *h)
{
    t->api->easy_reset(h);
    pthread_mutex_lock(&t->idle_mu);
    if (t->n_idle < CURL_IDLE_HANDLES) {
        t->idle[t->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&t->idle_mu);
    if (h)
        t->api->easy_cleanup(h);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access acc, void *user)
{
    (void)h;
    (void)acc;
    struct curl_transport *t = user;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&t->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *user)
{
    (void)h;
    struct curl_transport *t = user;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&t->locks[data]);
}

struct xfer {
    struct aws_http_response *resp;
    const struct uc_cancel *cancel;
};

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    struct xfer *x = user;
    size_t len = size * n;
    if (uc_buf_append(&x->resp->body, p, len) != UC_OK)
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *user)
{
    struct xfer *x = user;
    size_t len = size * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* A new response (after 100 Continue): forget earlier headers. */
        aws_headers_release(&x->resp->headers);
        aws_headers_init(&x->resp->headers);
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon || colon == p || len > 16384)
        return len;
    char name[256], value[8192];
    size_t nl = (size_t)(colon - p);
    if (nl >= sizeof(name))
        return len;
    memcpy(name, p, nl);
    name[nl] = '\0';
    const char *v = colon + 1;
    size_t vl = len - nl - 1;
    while (vl > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    if (vl >= sizeof(value))
        vl = sizeof(value) - 1;
    memcpy(value, v, vl);
    value[vl] = '\0';
    if (aws_headers_add(&x->resp->headers, name, value) != UC_OK)
        return 0;
    return len;
}

static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    struct xfer *x = user;
    return uc_cancel_is_set(x->cancel) ? 1 : 0;
}

/* Typed wrappers for curl_easy_setopt's variadic argument: each option takes exactly a long, a
 * curl_off_t, a data pointer or a callback (the type checks of <curl/curl.h> only see direct
 * curl_easy_setopt calls). Results are ignored as before: every option exists in libcurl 7.85+. */
static void opt_long(const struct aws_curl *api, CURL *h, CURLoption o, long v)
{
    api->easy_setopt(h, o, v);
}

static void opt_off(const struct aws_curl *api, CURL *h, CURLoption o, curl_off_t v)
{
    api->easy_setopt(h, o, v);
}

static void opt_ptr(const struct aws_curl *api, CURL *h, CURLoption o, const void *v)
{
    api->easy_setopt(h, o, v);
}

static void opt_write_cb(const struct aws_curl *api, CURL *h, CURLoption o, curl_write_callback f)
{
    api->easy_setopt(h, o, f);
}

static void opt_xferinfo_cb(const struct aws_curl *api, CURL *h, CURLoption o,
                            curl_xferinfo_callback f)
{
    api->easy_setopt(h, o, f);
}

static enum aws_net_error classify(const struct aws_curl *api, CURLcode rc, CURL *h)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return AWS_NET_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t ct = 0;
        if (api->easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &ct) == CURLE_OK && ct == 0)
            return AWS_NET_CONNECT; /* never connected: nothing was sent */
        return AWS_NET_TIMEOUT;
    }
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
        return AWS_NET_TLS;
    case CURLE_SSL_CONNECT_ERROR:
        return AWS_NET_CONNECT; /* handshake failed before any request bytes */
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return AWS_NET_IO;
    default:
        return AWS_NET_OTHER;
    }
}

/* First send on t: load libcurl (once per process) and make the share handle (once per
 * transport). UC_TRANSPORT with resp->net AWS_NET_UNAVAILABLE when libcurl cannot be loaded,
 * UC_NOMEM when the share cannot be made (tried again on the next send). */
static uc_status curl_start(struct curl_transport *t, struct aws_http_response *resp)
{
    uc_status st = UC_OK;
    struct aws_error err;
    aws_error_clear(&err);
    pthread_mutex_lock(&t->start_mu);
    if (t->started)
        goto out;
    const struct aws_curl *api = aws_curl_get(&err);
    if (!api) {
        resp->status = 0;
        resp->net = AWS_NET_UNAVAILABLE;
        snprintf(resp->net_message, sizeof(resp->net_message), "%.*s",
                 (int)sizeof(resp->net_message) - 1, err.message);
        st = UC_TRANSPORT;
        goto out;
    }
    CURLSH *sh = api->share_init();
    if (!sh) {
        st = UC_NOMEM;
        goto out;
    }
    api->share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock);
    api->share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
    api->share_setopt(sh, CURLSHOPT_USERDATA, (void *)t);
    api->share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    api->share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    api->share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    t->api = api;
    t->share = sh;
    t->started = true;
out:
    pthread_mutex_unlock(&t->start_mu);
    return st;
}

/* The answer outgrew AWS_HTTP_MAX_BODY (on_body refused it): say which limit, and whether it was
 * the body on the wire or what it decompresses to (a gzip bomb is small on the wire). */
static void too_large(const struct aws_curl *api, CURL *h, struct aws_http_response *resp)
{
    long code = 0;
    curl_off_t wire = 0;
    api->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    api->easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &wire);
    resp->status = code;
    resp->net = AWS_NET_NONE;
    const char *enc = aws_headers_get(&resp->headers, "Content-Encoding");
    unsigned mib = AWS_HTTP_MAX_BODY / (1024u * 1024u);
    if (enc && *enc && strcasecmp(enc, "identity") != 0)
        snprintf(resp->net_message, sizeof(resp->net_message),
                 "decompressed body exceeds %u MiB (Content-Encoding: %.40s, %lld bytes on the "
                 "wire so far); refused",
                 mib, enc, (long long)wire);
    else
        snprintf(resp->net_message, sizeof(resp->net_message),
                 "response body exceeds %u MiB; refused", mib);
}

static uc_status curl_send(struct aws_transport *tp, const struct aws_http_request *req,
                           const struct uc_cancel *cancel, struct aws_http_response *resp)
{
    struct curl_transport *t = (struct curl_transport *)tp;
    uc_status st = curl_start(t, resp);
    if (st != UC_OK)
        return st;
    const struct aws_curl *api = t->api;
    struct curl_slist *hl = NULL;
    struct xfer x = {resp, cancel};
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *h = handle_take(t);
    if (!h)
        return UC_NOMEM;
    for (size_t i = 0; i < req->headers.len; i++) {
        const struct aws_header *hd = &req->headers.items[i];
        size_t l = strlen(hd->name) + strlen(hd->value) + 3;
        char *line = malloc(l);
        if (!line) {
            st = UC_NOMEM;
            goto out;
        }
        if (hd->value[0])
            snprintf(line, l, "%s: %s", hd->name, hd->value);
        else
            snprintf(line, l, "%s;", hd->name);
        struct curl_slist *n = api->slist_append(hl, line);
        memset(line, 0, l);
        free(line);
        if (!n) {
            st = UC_NOMEM;
            goto out;
        }
        hl = n;
    }
    struct curl_slist *n = api->slist_append(hl, "Expect:");
    if (!n) {
        st = UC_NOMEM;
        goto out;
    }
    hl = n;
    opt_ptr(api, h, CURLOPT_URL, req->url);
    opt_ptr(api, h, CURLOPT_SHARE, t->share);
    /* The shared cache keeps this many idle connections; libcurl's default (5) closed one after
     * nearly every call once more than five ran at once (a refresh runs dozens). */
    opt_long(api, h, CURLOPT_MAXCONNECTS, CURL_MAX_IDLE_CONNECTIONS);
    opt_long(api, h, CURLOPT_NOSIGNAL, 1L);
    opt_ptr(api, h, CURLOPT_PROTOCOLS_STR, "http,https");
    opt_long(api, h, CURLOPT_FOLLOWLOCATION, 0L);
    opt_long(api, h, CURLOPT_SSL_VERIFYPEER, 1L);
    opt_long(api, h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (req->ca_pem && req->ca_pem_len) {
        struct curl_blob blob = {(void *)req->ca_pem, req->ca_pem_len, CURL_BLOB_COPY};
        opt_ptr(api, h, CURLOPT_CAINFO_BLOB, &blob);
    } else if (t->ca_bundle) {
        opt_ptr(api, h, CURLOPT_CAINFO, t->ca_bundle);
    } else if (api->default_ca_file) { /* static release: the machine's bundle (aws_curl.h) */
        opt_ptr(api, h, CURLOPT_CAINFO, api->default_ca_file);
    }
    opt_long(api, h, CURLOPT_CONNECTTIMEOUT_MS,
             (long)(req->connect_timeout_ms ? req->connect_timeout_ms : 10000));
    opt_long(api, h, CURLOPT_TIMEOUT_MS, (long)(req->timeout_ms ? req->timeout_ms : 60000));
    opt_ptr(api, h, CURLOPT_HTTPHEADER, hl);
    opt_ptr(api, h, CURLOPT_ERRORBUFFER, errbuf);
    opt_write_cb(api, h, CURLOPT_WRITEFUNCTION, on_body);
    opt_ptr(api, h, CURLOPT_WRITEDATA, &x);
    opt_write_cb(api, h, CURLOPT_HEADERFUNCTION, on_header);
    opt_ptr(api, h, CURLOPT_HEADERDATA, &x);
    opt_xferinfo_cb(api, h, CURLOPT_XFERINFOFUNCTION, on_progress);
    opt_ptr(api, h, CURLOPT_XFERINFODATA, &x);
    opt_long(api, h, CURLOPT_NOPROGRESS, 0L);
    opt_ptr(api, h, CURLOPT_ACCEPT_ENCODING, "");
    const char *m = req->method ? req->method : "GET";
    bool body = req->body != NULL || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
                strcmp(m, "PATCH") == 0;
    if (strcmp(m, "GET") == 0 && !req->body) {
        opt_long(api, h, CURLOPT_HTTPGET, 1L);
    } else {
        if (strcmp(m, "POST") != 0)
            opt_ptr(api, h, CURLOPT_CUSTOMREQUEST, m);
        if (body) {
            opt_long(api, h, CURLOPT_POST, 1L);
            opt_off(api, h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
            opt_ptr(api, h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        }
    }
    CURLcode rc = api->easy_perform(h);
    if (rc == CURLE_OK) {
        long code = 0;
        api->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        resp->status = code;
        st = UC_OK;
    } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
        st = UC_CANCELED;
    } else if (rc == CURLE_WRITE_ERROR && resp->body.err == UC_RANGE) {
        too_large(api, h, resp);
        st = UC_RANGE;
    } else {
        resp->status = 0;
        resp->net = classify(api, rc, h);
        snprintf(resp->net_message, sizeof(resp->net_message), "%s",
                 errbuf[0] ? errbuf : api->easy_strerror(rc));
        st = UC_TRANSPORT;
    }
out:
    handle_give(t, h); /* before the header list it points to is freed */
    api->slist_free_all(hl);
    return st;
}

static void curl_destroy(struct aws_transport *tp)
{
    struct curl_transport *t = (struct curl_transport *)tp;
    for (size_t i = 0; i < t->n_idle; i++)
        t->api->easy_cleanup(t->idle[i]);
    if (t->share)
        t->api->share_cleanup(t->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&t->locks[i]);
    pthread_mutex_destroy(&t->start_mu);
    pthread_mutex_destroy(&t->idle_mu);
    free(t->ca_bundle);
    free(t);
}

struct aws_transport *aws_transport_curl_new(const char *ca_bundle)
{
    struct curl_transport *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    pthread_mutex_init(&t->start_mu, NULL);
    pthread_mutex_init(&t->idle_mu, NULL);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&t->locks[i], NULL);
    t->base.send = curl_send;
    t->base.destroy = curl_destroy;
    if (ca_bundle && *ca_bundle && !(t->ca_bundle = strdup(ca_bundle))) {
        curl_destroy(&t->base);
        return NULL;
    }
    return &t->base;
}
