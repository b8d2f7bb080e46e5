/* http_curl.c - the real transport: libcurl with one connection / DNS / TLS-session cache shared
 * by every thread (CURLSH + mutexes), TLS verification always on, http/https only, no redirects,
 * bounded bodies, and cancellation through the progress callback.
 *
 * It sends exactly the headers it is given and never logs them (they carry Authorization and
 * security tokens). It knows nothing about AWS.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_http.h"

struct curl_transport {
    struct aws_transport base;
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
    char *ca_bundle;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
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

static enum aws_net_error classify(CURLcode rc, CURL *h)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return AWS_NET_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t ct = 0;
        if (curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &ct) == CURLE_OK && ct == 0)
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

static uc_status curl_send(struct aws_transport *tp, const struct aws_http_request *req,
                           const struct uc_cancel *cancel, struct aws_http_response *resp)
{
    struct curl_transport *t = (struct curl_transport *)tp;
    struct curl_slist *hl = NULL;
    struct xfer x = {resp, cancel};
    char errbuf[CURL_ERROR_SIZE] = "";
    uc_status st = UC_OK;
    CURL *h = curl_easy_init();
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
        struct curl_slist *n = curl_slist_append(hl, line);
        memset(line, 0, l);
        free(line);
        if (!n) {
            st = UC_NOMEM;
            goto out;
        }
        hl = n;
    }
    struct curl_slist *n = curl_slist_append(hl, "Expect:");
    if (!n) {
        st = UC_NOMEM;
        goto out;
    }
    hl = n;
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_SHARE, t->share);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (req->ca_pem && req->ca_pem_len) {
        struct curl_blob blob = {(void *)req->ca_pem, req->ca_pem_len, CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    } else if (t->ca_bundle) {
        curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_bundle);
    }
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(req->connect_timeout_ms ? req->connect_timeout_ms : 10000));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(req->timeout_ms ? req->timeout_ms : 60000));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    const char *m = req->method ? req->method : "GET";
    bool body = req->body != NULL || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
                strcmp(m, "PATCH") == 0;
    if (strcmp(m, "GET") == 0 && !req->body) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        if (strcmp(m, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
        if (body) {
            curl_easy_setopt(h, CURLOPT_POST, 1L);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        }
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        resp->status = code;
        st = UC_OK;
    } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
        st = UC_CANCELED;
    } else if (rc == CURLE_WRITE_ERROR && resp->body.err == UC_RANGE) {
        st = UC_RANGE;
    } else {
        resp->status = 0;
        resp->net = classify(rc, h);
        snprintf(resp->net_message, sizeof(resp->net_message), "%s",
                 errbuf[0] ? errbuf : curl_easy_strerror(rc));
        st = UC_TRANSPORT;
    }
out:
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    return st;
}

static void curl_destroy(struct aws_transport *tp)
{
    struct curl_transport *t = (struct curl_transport *)tp;
    if (t->share)
        curl_share_cleanup(t->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&t->locks[i]);
    free(t->ca_bundle);
    free(t);
}

struct aws_transport *aws_transport_curl_new(const char *ca_bundle)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return NULL;
    struct curl_transport *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&t->locks[i], NULL);
    t->base.send = curl_send;
    t->base.destroy = curl_destroy;
    if (ca_bundle && *ca_bundle && !(t->ca_bundle = strdup(ca_bundle)))
        goto fail;
    t->share = curl_share_init();
    if (!t->share)
        goto fail;
    curl_share_setopt(t->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(t->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(t->share, CURLSHOPT_USERDATA, t);
    curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    return &t->base;
fail:
    curl_destroy(&t->base);
    return NULL;
}
