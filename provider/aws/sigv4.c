/* sigv4.c - AWS Signature Version 4 (header form and presigned URLs) on OpenSSL.
 *
 * Builds the canonical request, the string to sign and the signature exactly as AWS's test suite
 * expects. It must not read the clock, the environment or the network, and must never log: its
 * inputs include secret keys. Its one state: the last few signing keys derived (each depends only
 * on the secret, the day, the region and the service), reused by later signatures in memory.
 */
#include "aws_sigv4.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALGORITHM "AWS4-HMAC-SHA256"

void aws_sigv4_result_init(struct aws_sigv4_result *r)
{
    uc_buf_init(&r->canonical_request);
    uc_buf_init(&r->string_to_sign);
    uc_buf_init(&r->authorization);
    uc_buf_init(&r->signed_query);
    r->signature[0] = '\0';
}

void aws_sigv4_result_release(struct aws_sigv4_result *r)
{
    if (!r)
        return;
    uc_buf_release(&r->canonical_request);
    uc_buf_release(&r->string_to_sign);
    uc_buf_release(&r->authorization);
    uc_buf_release(&r->signed_query);
    r->signature[0] = '\0';
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* SHA-256 and HMAC fetched once per process: with OpenSSL 3 the implicit forms (EVP_sha256() in
 * EVP_Digest, the one-shot HMAC()) look the algorithm up again on every use, which cost more than
 * the hashing of a request (about 20,000 instructions per HMAC, five HMACs a signature). Kept
 * for the life of the process; NULL when a fetch failed, and then the implicit forms serve. */
static pthread_once_t algs_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;
static EVP_MAC *hmac_mac;

static void algs_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static const EVP_MD *sha256(void)
{
    pthread_once(&algs_once, algs_fetch);
    return sha256_md ? sha256_md : EVP_sha256();
}

uc_status aws_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data ? data : "", len, md, &mdlen, sha256(), NULL) || mdlen != 32)
        return UC_CRYPTO;
    to_hex(md, 32, out);
    return UC_OK;
}

/* One HMAC-SHA256 context for the five HMACs of a signature (the digest is set once, each
 * EVP_MAC_init only changes the key); NULL when it cannot be made: hmac() then uses HMAC(). */
static EVP_MAC_CTX *hmac_ctx_new(void)
{
    pthread_once(&algs_once, algs_fetch);
    if (!hmac_mac)
        return NULL;
    EVP_MAC_CTX *c = EVP_MAC_CTX_new(hmac_mac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (c && !EVP_MAC_CTX_set_params(c, params)) {
        EVP_MAC_CTX_free(c);
        c = NULL;
    }
    return c;
}

static uc_status hmac(EVP_MAC_CTX *c, const void *key, size_t keylen, const char *msg,
                      size_t msglen, unsigned char out[32])
{
    if (c) {
        size_t outlen = 0;
        if (!EVP_MAC_init(c, key, keylen, NULL) ||
            !EVP_MAC_update(c, (const unsigned char *)msg, msglen) ||
            !EVP_MAC_final(c, out, &outlen, 32) || outlen != 32)
            return UC_CRYPTO;
        return UC_OK;
    }
    unsigned int outlen = 0;
    if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, msglen, out, &outlen) ||
        outlen != 32)
        return UC_CRYPTO;
    return UC_OK;
}

/* Signing keys derived lately: four HMACs per signature saved. A key is as good as the secret
 * for its day, region and service; it stays in this process's memory, is cleansed when its slot
 * is reused and is never logged. An entry is matched on the SHA-256 of the secret, so the cache
 * holds no copy of any secret. */
#define SIGNING_KEY_SLOTS 8
#define SIGNING_KEY_SCOPE_MAX 96

struct signing_key {
    bool used;
    char scope[SIGNING_KEY_SCOPE_MAX]; /* day/region/service */
    unsigned char secret_id[32];       /* SHA-256 of the secret */
    unsigned char key[32];
};

static pthread_mutex_t keys_mu = PTHREAD_MUTEX_INITIALIZER;
static struct signing_key keys[SIGNING_KEY_SLOTS];
static size_t keys_next;

/* The cache's scope text for these inputs; false when it does not fit (then not cached). */
static bool key_scope(const char *amz_date, const char *region, const char *service,
                      char out[SIGNING_KEY_SCOPE_MAX])
{
    int n = snprintf(out, SIGNING_KEY_SCOPE_MAX, "%.8s/%s/%s", amz_date, region, service);
    return n > 0 && n < SIGNING_KEY_SCOPE_MAX;
}

/* The SHA-256 of secret into id; false when it cannot be computed (then nothing is cached). */
static bool secret_id(const char *secret, unsigned char id[32])
{
    unsigned int n = 0;
    return EVP_Digest(secret, strlen(secret), id, &n, sha256(), NULL) && n == 32;
}

static bool key_lookup(const char *scope, const unsigned char id[32], unsigned char out[32])
{
    bool hit = false;
    pthread_mutex_lock(&keys_mu);
    for (size_t i = 0; i < SIGNING_KEY_SLOTS && !hit; i++) {
        const struct signing_key *k = &keys[i];
        if (k->used && strcmp(k->scope, scope) == 0 && CRYPTO_memcmp(k->secret_id, id, 32) == 0) {
            memcpy(out, k->key, 32);
            hit = true;
        }
    }
    pthread_mutex_unlock(&keys_mu);
    return hit;
}

static void key_store(const char *scope, const unsigned char id[32], const unsigned char key[32])
{
    pthread_mutex_lock(&keys_mu);
    struct signing_key *k = &keys[keys_next];
    keys_next = (keys_next + 1) % SIGNING_KEY_SLOTS;
    OPENSSL_cleanse(k, sizeof(*k));
    snprintf(k->scope, sizeof(k->scope), "%s", scope);
    memcpy(k->secret_id, id, 32);
    memcpy(k->key, key, 32);
    k->used = true;
    pthread_mutex_unlock(&keys_mu);
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

uc_status aws_amz_date(int64_t t, char out[17])
{
    if (t < 0 || t > 253402300799LL)
        return UC_RANGE;
    int64_t days = t / 86400, secs = t % 86400, y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    unsigned hh = (unsigned)(secs / 3600), mm = (unsigned)(secs % 3600 / 60),
             ss = (unsigned)(secs % 60);
    const unsigned v[] = {(unsigned)y, m, d, hh, mm, ss};
    const int w[] = {4, 2, 2, 2, 2, 2};
    size_t pos = 0;
    for (int i = 0; i < 6; i++) {
        unsigned x = v[i];
        for (int k = w[i] - 1; k >= 0; k--) {
            out[pos + (size_t)k] = (char)('0' + x % 10);
            x /= 10;
        }
        pos += (size_t)w[i];
        if (i == 2)
            out[pos++] = 'T';
    }
    out[pos++] = 'Z';
    out[pos] = '\0';
    return UC_OK;
}

/* ---- canonical path ------------------------------------------------------------------------ */

/* Removes "." and ".." segments and empty segments; keeps a trailing slash. */
static uc_status normalize_path(const char *path, struct uc_buf *out)
{
    size_t n = strlen(path);
    size_t nseg = 0, cap = n / 2 + 2;
    const char **segs = calloc(cap, sizeof(*segs));
    size_t *lens = calloc(cap, sizeof(*lens));
    uc_status st = UC_OK;
    if (!segs || !lens) {
        st = UC_NOMEM;
        goto out;
    }
    bool trailing = n > 0 && path[n - 1] == '/';
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t l = strcspn(p, "/");
        if (l == 1 && p[0] == '.') {
            if (!p[1])
                trailing = true;
        } else if (l == 2 && p[0] == '.' && p[1] == '.') {
            if (nseg > 0)
                nseg--;
            if (!p[2])
                trailing = true;
        } else if (nseg < cap) {
            segs[nseg] = p;
            lens[nseg] = l;
            nseg++;
        }
        p += l;
    }
    uc_buf_putc(out, '/');
    for (size_t i = 0; i < nseg; i++) {
        uc_buf_append(out, segs[i], lens[i]);
        if (i + 1 < nseg || trailing)
            uc_buf_putc(out, '/');
    }
    st = out->err;
out:
    free(segs);
    free(lens);
    return st;
}

static uc_status canonical_uri(const struct aws_sigv4_params *p, struct uc_buf *b)
{
    const char *path = p->path && *p->path ? p->path : "/";
    struct uc_buf norm;
    uc_buf_init(&norm);
    uc_status st = UC_OK;
    if (p->normalize_path) {
        st = normalize_path(path, &norm);
        if (st != UC_OK)
            goto out;
        path = uc_buf_str(&norm);
    }
    st = aws_uri_encode(b, path, strlen(path), true);
out:
    uc_buf_release(&norm);
    return st;
}

/* ---- canonical query ----------------------------------------------------------------------- */

struct qparam {
    char *key; /* encoded, owned */
    char *val; /* encoded, owned */
};

struct qlist {
    struct qparam *items;
    size_t len, cap;
};

static void qlist_release(struct qlist *q)
{
    for (size_t i = 0; i < q->len; i++) {
        free(q->items[i].key);
        free(q->items[i].val);
    }
    free(q->items);
    q->items = NULL;
    q->len = q->cap = 0;
}

/* Adds key/value, both raw (decoded); stores them canonically encoded. */
static uc_status qlist_add_raw(struct qlist *q, const char *k, size_t kl, const char *v, size_t vl)
{
    if (q->len == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 16;
        struct qparam *n = realloc(q->items, ncap * sizeof(*n));
        if (!n)
            return UC_NOMEM;
        q->items = n;
        q->cap = ncap;
    }
    struct uc_buf kb, vb;
    uc_buf_init(&kb);
    uc_buf_init(&vb);
    aws_uri_encode(&kb, k, kl, false);
    aws_uri_encode(&vb, v, vl, false);
    char *ks = uc_buf_take(&kb, NULL);
    char *vs = uc_buf_take(&vb, NULL);
    uc_buf_release(&kb);
    uc_buf_release(&vb);
    if (!ks || !vs) {
        free(ks);
        free(vs);
        return UC_NOMEM;
    }
    q->items[q->len].key = ks;
    q->items[q->len].val = vs;
    q->len++;
    return UC_OK;
}

/* Parses a wire query: pieces split on '&', each decoded then re-encoded. */
static uc_status qlist_parse(struct qlist *q, const char *query)
{
    if (!query)
        return UC_OK;
    const char *p = query;
    uc_status st = UC_OK;
    struct uc_buf kd, vd;
    uc_buf_init(&kd);
    uc_buf_init(&vd);
    while (*p && st == UC_OK) {
        size_t l = strcspn(p, "&");
        if (l > 0) {
            const char *eq = memchr(p, '=', l);
            size_t kl = eq ? (size_t)(eq - p) : l;
            const char *v = eq ? eq + 1 : p + l;
            size_t vl = eq ? l - kl - 1 : 0;
            uc_buf_reset(&kd);
            uc_buf_reset(&vd);
            aws_uri_decode(&kd, p, kl);
            aws_uri_decode(&vd, v, vl);
            st = kd.err != UC_OK ? kd.err : vd.err;
            if (st == UC_OK)
                st = qlist_add_raw(q, kd.data ? kd.data : "", kd.len, vd.data ? vd.data : "",
                                   vd.len);
        }
        p += l;
        if (*p == '&')
            p++;
    }
    uc_buf_release(&kd);
    uc_buf_release(&vd);
    return st;
}

static int qparam_cmp(const void *a, const void *b)
{
    const struct qparam *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->val, y->val);
}

static void qlist_write(struct qlist *q, struct uc_buf *b)
{
    if (q->len > 1)
        qsort(q->items, q->len, sizeof(*q->items), qparam_cmp);
    for (size_t i = 0; i < q->len; i++) {
        if (i)
            uc_buf_putc(b, '&');
        uc_buf_puts(b, q->items[i].key);
        uc_buf_putc(b, '=');
        uc_buf_puts(b, q->items[i].val);
    }
}

/* ---- canonical headers --------------------------------------------------------------------- */

struct chdr {
    char *name; /* lower-case, owned */
    const char *value;
    size_t order;
};

static int chdr_cmp(const void *a, const void *b)
{
    const struct chdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool skip_header(const char *name)
{
    static const char *const skip[] = {"authorization", "user-agent", "expect",
                                       "x-amzn-trace-id", NULL};
    for (size_t i = 0; skip[i]; i++)
        if (strcasecmp(name, skip[i]) == 0)
            return true;
    return false;
}

/* Trimmed value with inner whitespace runs (including folded line breaks) as one space. */
static void put_trimmed(struct uc_buf *b, const char *v)
{
    bool space = false, started = false;
    for (; *v; v++) {
        char c = *v;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = started;
            continue;
        }
        if (space)
            uc_buf_putc(b, ' ');
        space = false;
        started = true;
        uc_buf_putc(b, c);
    }
}

/* Writes the canonical header block ("name:value\n" each) into chb and the signed header
 * list ("a;b;c") into shb. */
static uc_status canonical_headers(const struct aws_headers *h, struct uc_buf *chb,
                                   struct uc_buf *shb)
{
    struct chdr *v = calloc(h->len ? h->len : 1, sizeof(*v));
    size_t n = 0;
    uc_status st = UC_OK;
    if (!v)
        return UC_NOMEM;
    for (size_t i = 0; i < h->len; i++) {
        if (skip_header(h->items[i].name))
            continue;
        char *lc = strdup(h->items[i].name);
        if (!lc) {
            st = UC_NOMEM;
            goto out;
        }
        for (char *c = lc; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        v[n].name = lc;
        v[n].value = h->items[i].value;
        v[n].order = i;
        n++;
    }
    qsort(v, n, sizeof(*v), chdr_cmp);
    for (size_t i = 0; i < n; i++) {
        bool same = i > 0 && strcmp(v[i].name, v[i - 1].name) == 0;
        if (same) {
            uc_buf_putc(chb, ',');
        } else {
            if (i > 0) {
                uc_buf_putc(chb, '\n');
                uc_buf_putc(shb, ';');
            }
            uc_buf_puts(chb, v[i].name);
            uc_buf_putc(chb, ':');
            uc_buf_puts(shb, v[i].name);
        }
        put_trimmed(chb, v[i].value);
    }
    if (n > 0)
        uc_buf_putc(chb, '\n');
    st = chb->err != UC_OK ? chb->err : shb->err;
out:
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    return st;
}

/* ---- the algorithm ------------------------------------------------------------------------- */

static bool params_ok(const struct aws_sigv4_params *p)
{
    return p && p->method && p->region && p->service && p->creds.access_key_id &&
           p->creds.secret_access_key && (p->body || p->body_len == 0) && *p->region &&
           *p->service && *p->creds.access_key_id;
}

/* Fills r->canonical_request, r->string_to_sign and r->signature. */
static uc_status sign_core(const struct aws_sigv4_params *p, const char *amz_date,
                           const char *scope, struct qlist *q, const struct aws_headers *h,
                           struct uc_buf *signed_hdrs, struct aws_sigv4_result *r)
{
    struct uc_buf chb;
    uc_buf_init(&chb);
    char payload[65], creq_hash[65];
    unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
    struct uc_buf secret;
    uc_buf_init(&secret);
    EVP_MAC_CTX *mc = NULL;
    uc_status st = aws_sha256_hex(p->body, p->body_len, payload);
    if (st != UC_OK)
        goto out;
    st = canonical_headers(h, &chb, signed_hdrs);
    if (st != UC_OK)
        goto out;
    struct uc_buf *cr = &r->canonical_request;
    uc_buf_reset(cr);
    uc_buf_puts(cr, p->method);
    uc_buf_putc(cr, '\n');
    st = canonical_uri(p, cr);
    if (st != UC_OK)
        goto out;
    uc_buf_putc(cr, '\n');
    qlist_write(q, cr);
    uc_buf_putc(cr, '\n');
    uc_buf_append(cr, chb.data ? chb.data : "", chb.len);
    uc_buf_putc(cr, '\n');
    uc_buf_puts(cr, uc_buf_str(signed_hdrs));
    uc_buf_putc(cr, '\n');
    uc_buf_puts(cr, payload);
    if ((st = cr->err) != UC_OK)
        goto out;
    if ((st = aws_sha256_hex(cr->data, cr->len, creq_hash)) != UC_OK)
        goto out;
    struct uc_buf *sts = &r->string_to_sign;
    uc_buf_reset(sts);
    uc_buf_printf(sts, "%s\n%s\n%s\n%s", ALGORITHM, amz_date, scope, creq_hash);
    if ((st = sts->err) != UC_OK)
        goto out;
    mc = hmac_ctx_new();
    char kscope[SIGNING_KEY_SCOPE_MAX];
    unsigned char sid[32];
    bool cacheable = key_scope(amz_date, p->region, p->service, kscope) &&
                     secret_id(p->creds.secret_access_key, sid);
    if (!cacheable || !key_lookup(kscope, sid, k4)) {
        uc_buf_puts(&secret, "AWS4");
        uc_buf_puts(&secret, p->creds.secret_access_key);
        if ((st = secret.err) != UC_OK)
            goto out;
        if ((st = hmac(mc, secret.data, secret.len, amz_date, 8, k1)) != UC_OK ||
            (st = hmac(mc, k1, 32, p->region, strlen(p->region), k2)) != UC_OK ||
            (st = hmac(mc, k2, 32, p->service, strlen(p->service), k3)) != UC_OK ||
            (st = hmac(mc, k3, 32, "aws4_request", 12, k4)) != UC_OK)
            goto out;
        if (cacheable)
            key_store(kscope, sid, k4);
    }
    if ((st = hmac(mc, k4, 32, sts->data, sts->len, sig)) != UC_OK)
        goto out;
    to_hex(sig, 32, r->signature);
out:
    if (secret.data)
        OPENSSL_cleanse(secret.data, secret.len);
    /* Every derived key is as good as the secret for the day, region and service; the raw
     * signature is only published as hex. None may stay on the stack. */
    OPENSSL_cleanse(k1, sizeof(k1));
    OPENSSL_cleanse(k2, sizeof(k2));
    OPENSSL_cleanse(k3, sizeof(k3));
    OPENSSL_cleanse(k4, sizeof(k4));
    OPENSSL_cleanse(sig, sizeof(sig));
    EVP_MAC_CTX_free(mc); /* the HMAC context cleanses its key copy */
    uc_buf_release(&secret);
    uc_buf_release(&chb);
    return st;
}

static uc_status make_scope(const struct aws_sigv4_params *p, char amz_date[17],
                            struct uc_buf *scope)
{
    uc_status st = aws_amz_date(p->time, amz_date);
    if (st != UC_OK)
        return st;
    uc_buf_printf(scope, "%.8s/%s/%s/aws4_request", amz_date, p->region, p->service);
    return scope->err;
}

uc_status aws_sigv4_sign_headers(const struct aws_sigv4_params *p, struct aws_headers *headers,
                                 struct aws_sigv4_result *r)
{
    if (!params_ok(p) || !headers || !r || !aws_headers_get(headers, "host"))
        return UC_INVALID;
    char amz_date[17];
    struct uc_buf scope, sh;
    struct qlist q = {0};
    uc_buf_init(&scope);
    uc_buf_init(&sh);
    uc_status st = make_scope(p, amz_date, &scope);
    if (st != UC_OK)
        goto out;
    if ((st = aws_headers_set(headers, "X-Amz-Date", amz_date)) != UC_OK)
        goto out;
    aws_headers_remove(headers, "X-Amz-Security-Token");
    const char *tok = p->creds.session_token && *p->creds.session_token ? p->creds.session_token
                                                                        : NULL;
    if (tok && !p->omit_session_token &&
        (st = aws_headers_add(headers, "X-Amz-Security-Token", tok)) != UC_OK)
        goto out;
    if (p->sign_body) {
        char h[65];
        if ((st = aws_sha256_hex(p->body, p->body_len, h)) != UC_OK ||
            (st = aws_headers_set(headers, "x-amz-content-sha256", h)) != UC_OK)
            goto out;
    }
    if ((st = qlist_parse(&q, p->query)) != UC_OK)
        goto out;
    if ((st = sign_core(p, amz_date, uc_buf_str(&scope), &q, headers, &sh, r)) != UC_OK)
        goto out;
    uc_buf_reset(&r->authorization);
    uc_buf_printf(&r->authorization, "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                  ALGORITHM, p->creds.access_key_id, uc_buf_str(&scope), uc_buf_str(&sh),
                  r->signature);
    if ((st = r->authorization.err) != UC_OK)
        goto out;
    if (tok && p->omit_session_token &&
        (st = aws_headers_add(headers, "X-Amz-Security-Token", tok)) != UC_OK)
        goto out;
    st = aws_headers_set(headers, "Authorization", uc_buf_str(&r->authorization));
out:
    qlist_release(&q);
    uc_buf_release(&scope);
    uc_buf_release(&sh);
    return st;
}

/* Appends "&name=<encoded value>" (no '&' when b is empty). */
static void put_qparam(struct uc_buf *b, const char *name, const char *value)
{
    if (b->len)
        uc_buf_putc(b, '&');
    uc_buf_puts(b, name);
    uc_buf_putc(b, '=');
    aws_uri_encode(b, value, strlen(value), false);
}

uc_status aws_sigv4_presign(const struct aws_sigv4_params *p, const struct aws_headers *headers,
                            struct aws_sigv4_result *r)
{
    if (!params_ok(p) || !headers || !r || !aws_headers_get(headers, "host"))
        return UC_INVALID;
    char amz_date[17], expires[16];
    struct uc_buf scope, cred, sh, dummy;
    struct qlist q = {0};
    uc_buf_init(&scope);
    uc_buf_init(&cred);
    uc_buf_init(&sh);
    uc_buf_init(&dummy);
    uc_status st = make_scope(p, amz_date, &scope);
    if (st != UC_OK)
        goto out;
    uc_buf_printf(&cred, "%s/%s", p->creds.access_key_id, uc_buf_str(&scope));
    /* The signed header list is needed inside the canonical query: compute it first. */
    if ((st = canonical_headers(headers, &dummy, &sh)) != UC_OK)
        goto out;
    uc_buf_reset(&dummy);
    uint32_t ex = p->expires ? p->expires : 900;
    int el = 0;
    char tmp[16];
    do {
        tmp[el++] = (char)('0' + ex % 10);
        ex /= 10;
    } while (ex && el < 15);
    for (int i = 0; i < el; i++)
        expires[i] = tmp[el - 1 - i];
    expires[el] = '\0';
    const char *tok = p->creds.session_token && *p->creds.session_token ? p->creds.session_token
                                                                        : NULL;
    if ((st = qlist_parse(&q, p->query)) != UC_OK)
        goto out;
    const char *add[][2] = {{"X-Amz-Algorithm", ALGORITHM},
                            {"X-Amz-Credential", uc_buf_str(&cred)},
                            {"X-Amz-Date", amz_date},
                            {"X-Amz-Expires", expires},
                            {"X-Amz-SignedHeaders", uc_buf_str(&sh)},
                            {"X-Amz-Security-Token", p->omit_session_token ? NULL : tok}};
    for (size_t i = 0; i < sizeof(add) / sizeof(add[0]); i++) {
        if (!add[i][1])
            continue;
        st = qlist_add_raw(&q, add[i][0], strlen(add[i][0]), add[i][1], strlen(add[i][1]));
        if (st != UC_OK)
            goto out;
    }
    uc_buf_reset(&sh);
    if ((st = sign_core(p, amz_date, uc_buf_str(&scope), &q, headers, &sh, r)) != UC_OK)
        goto out;
    struct uc_buf *sq = &r->signed_query;
    uc_buf_reset(sq);
    if (p->query && *p->query)
        uc_buf_puts(sq, p->query);
    put_qparam(sq, "X-Amz-Algorithm", ALGORITHM);
    put_qparam(sq, "X-Amz-Credential", uc_buf_str(&cred));
    put_qparam(sq, "X-Amz-Date", amz_date);
    put_qparam(sq, "X-Amz-SignedHeaders", uc_buf_str(&sh));
    put_qparam(sq, "X-Amz-Expires", expires);
    if (tok)
        put_qparam(sq, "X-Amz-Security-Token", tok);
    put_qparam(sq, "X-Amz-Signature", r->signature);
    st = sq->err;
out:
    qlist_release(&q);
    uc_buf_release(&scope);
    uc_buf_release(&cred);
    uc_buf_release(&sh);
    uc_buf_release(&dummy);
    return st;
}
