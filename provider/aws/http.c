/* http.c - header lists, response values, URL splitting, percent-encoding and the default clock.
 *
 * Plain data helpers shared by the signer, the protocols and the transports. No network I/O
 * here (that is http_curl.c) and nothing that knows about AWS services.
 */
#include "aws_http.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws_internal.h" /* aws_buf_wipe */

void aws_headers_init(struct aws_headers *h)
{
    h->items = NULL;
    h->len = 0;
    h->cap = 0;
}

void aws_headers_release(struct aws_headers *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->len; i++) {
        free(h->items[i].name);
        free(h->items[i].value);
    }
    free(h->items);
    aws_headers_init(h);
}

uc_status aws_headers_add(struct aws_headers *h, const char *name, const char *value)
{
    if (!name)
        return UC_INVALID;
    if (h->len == h->cap) {
        size_t ncap = h->cap ? h->cap * 2 : 8;
        struct aws_header *n = realloc(h->items, ncap * sizeof(*n));
        if (!n)
            return UC_NOMEM;
        h->items = n;
        h->cap = ncap;
    }
    char *nm = strdup(name);
    char *val = strdup(value ? value : "");
    if (!nm || !val) {
        free(nm);
        free(val);
        return UC_NOMEM;
    }
    h->items[h->len].name = nm;
    h->items[h->len].value = val;
    h->len++;
    return UC_OK;
}

void aws_headers_remove(struct aws_headers *h, const char *name)
{
    size_t j = 0;
    for (size_t i = 0; i < h->len; i++) {
        if (strcasecmp(h->items[i].name, name) == 0) {
            free(h->items[i].name);
            free(h->items[i].value);
            continue;
        }
        h->items[j++] = h->items[i];
    }
    h->len = j;
}

uc_status aws_headers_set(struct aws_headers *h, const char *name, const char *value)
{
    aws_headers_remove(h, name);
    return aws_headers_add(h, name, value);
}

const char *aws_headers_get(const struct aws_headers *h, const char *name)
{
    for (size_t i = 0; i < h->len; i++)
        if (strcasecmp(h->items[i].name, name) == 0)
            return h->items[i].value;
    return NULL;
}

void aws_buf_wipe(struct uc_buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->len);
}

void aws_http_response_init(struct aws_http_response *r)
{
    memset(r, 0, sizeof(*r));
    aws_headers_init(&r->headers);
    uc_buf_init_max(&r->body, AWS_HTTP_MAX_BODY);
}

void aws_http_response_release(struct aws_http_response *r)
{
    if (!r)
        return;
    aws_headers_release(&r->headers);
    uc_buf_release(&r->body);
    r->status = 0;
    r->net = AWS_NET_NONE;
    r->net_message[0] = '\0';
}

void aws_http_response_reset(struct aws_http_response *r)
{
    aws_headers_release(&r->headers);
    uc_buf_reset(&r->body);
    r->status = 0;
    r->net = AWS_NET_NONE;
    r->net_message[0] = '\0';
}

void aws_transport_free(struct aws_transport *t)
{
    if (t && t->destroy)
        t->destroy(t);
}

/* ---- clock ------------------------------------------------------------------------------- */

int64_t aws_clock_wall_ms(const struct aws_clock *c)
{
    if (c && c->wall_ms)
        return c->wall_ms(c->ctx);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t aws_clock_mono_ms(const struct aws_clock *c)
{
    if (c && c->mono_ms)
        return c->mono_ms(c->ctx);
    return uc_clock_monotonic_ms();
}

uc_status aws_clock_sleep_ms(const struct aws_clock *c, const struct uc_cancel *cancel,
                             uint64_t ms)
{
    if (uc_cancel_is_set(cancel))
        return UC_CANCELED;
    if (c && c->sleep_ms)
        return c->sleep_ms(c->ctx, cancel, ms);
    return uc_cancel_sleep_ms(cancel, ms);
}

/* ---- URLs and percent-encoding --------------------------------------------------------------- */

static uc_status copy_part(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return UC_RANGE;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return UC_OK;
}

uc_status aws_url_parse(const char *url, struct aws_url *out)
{
    memset(out, 0, sizeof(*out));
    if (!url)
        return UC_DECODE;
    const char *rest;
    int default_port;
    if (strncasecmp(url, "https://", 8) == 0) {
        memcpy(out->scheme, "https", 6);
        rest = url + 8;
        default_port = 443;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        memcpy(out->scheme, "http", 5);
        rest = url + 7;
        default_port = 80;
    } else {
        return UC_DECODE;
    }
    size_t hl = strcspn(rest, "/?#");
    if (hl == 0)
        return UC_DECODE;
    for (size_t i = 0; i < hl; i++)
        if (rest[i] == '@' || rest[i] == ' ' || (unsigned char)rest[i] < 0x21)
            return UC_DECODE; /* no userinfo, no whitespace */
    /* Drop a default port so the Host header matches what AWS's signers produce. */
    size_t keep = hl;
    const char *colon = NULL;
    for (size_t i = hl; i > 0; i--) {
        if (rest[i - 1] == ':') {
            colon = rest + i - 1;
            break;
        }
        if (rest[i - 1] == ']')
            break;
    }
    if (colon) {
        size_t pl = (size_t)(rest + hl - colon - 1);
        if (pl == 0 || pl > 5)
            return UC_DECODE;
        int port = 0;
        for (size_t i = 0; i < pl; i++) {
            char ch = colon[1 + i];
            if (ch < '0' || ch > '9')
                return UC_DECODE;
            port = port * 10 + (ch - '0');
        }
        if (port == 0 || port > 65535)
            return UC_DECODE;
        if (port == default_port)
            keep = (size_t)(colon - rest);
    }
    uc_status st = copy_part(out->host, sizeof(out->host), rest, keep);
    if (st != UC_OK)
        return st;
    const char *p = rest + hl;
    size_t pathl = strcspn(p, "?#");
    if (pathl == 0)
        st = copy_part(out->path, sizeof(out->path), "/", 1);
    else
        st = copy_part(out->path, sizeof(out->path), p, pathl);
    if (st != UC_OK)
        return st;
    p += pathl;
    if (*p == '?') {
        p++;
        st = copy_part(out->query, sizeof(out->query), p, strcspn(p, "#"));
    }
    return st;
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

uc_status aws_uri_encode(struct uc_buf *b, const char *s, size_t n, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            uc_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            uc_buf_append(b, e, 3);
        }
    }
    return b->err;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uc_status aws_uri_decode(struct uc_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi >= 0 && lo >= 0) {
                uc_buf_putc(b, (char)(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        uc_buf_putc(b, s[i]);
    }
    return b->err;
}
