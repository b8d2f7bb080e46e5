/* credentials.c - credential values, the refreshing cache, and the providers that need no
 * process or metadata endpoint: static keys, STS assume-role and web identity. Which provider
 * a profile describes is credentials_profile.c's; the default chain is credentials_chain.c's.
 *
 * Secrets pass through here: nothing in this file may log a key, token or file content.
 * Providers run lazily, on the first call that needs credentials, never at client creation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "aws_internal.h"
#include "uc_cancel.h"
#include "uc_log.h"

/* ---- the value ------------------------------------------------------------------------------ */

static void wipe_free(char *s)
{
    if (!s)
        return;
    memset(s, 0, strlen(s));
    free(s);
}

struct aws_credentials *aws_credentials_new(const char *access_key_id,
                                            const char *secret_access_key,
                                            const char *session_token, int64_t expiration_ms,
                                            const char *source)
{
    if (!access_key_id || !*access_key_id || !secret_access_key || !*secret_access_key)
        return NULL;
    struct aws_credentials *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->access_key_id = strdup(access_key_id);
    c->secret_access_key = strdup(secret_access_key);
    if (session_token && *session_token)
        c->session_token = strdup(session_token);
    if (!c->access_key_id || !c->secret_access_key ||
        (session_token && *session_token && !c->session_token)) {
        wipe_free(c->access_key_id);
        wipe_free(c->secret_access_key);
        wipe_free(c->session_token);
        free(c);
        return NULL;
    }
    c->expiration_ms = expiration_ms;
    snprintf(c->source, sizeof(c->source), "%s", source ? source : "");
    atomic_init(&c->refs, 1);
    return c;
}

struct aws_credentials *aws_credentials_ref(struct aws_credentials *c)
{
    if (c)
        atomic_fetch_add(&c->refs, 1);
    return c;
}

void aws_credentials_unref(struct aws_credentials *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    wipe_free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    free(c);
}

/* ---- JSON helper --------------------------------------------------------------------------- */

uc_status aws_creds_from_json(const json_t *j, const char *source, struct aws_credentials **out,
                              struct aws_error *err)
{
    const char *ak = json_string_value(json_object_get(j, "AccessKeyId"));
    const char *sk = json_string_value(json_object_get(j, "SecretAccessKey"));
    const char *tok = json_string_value(json_object_get(j, "Token"));
    if (!tok)
        tok = json_string_value(json_object_get(j, "SessionToken"));
    const char *exp = json_string_value(json_object_get(j, "Expiration"));
    int64_t exp_ms = 0;
    if (!ak || !*ak || !sk || !*sk)
        return aws_error_set(err, UC_DECODE, "credentials", source,
                             "%s returned no AccessKeyId/SecretAccessKey", source);
    if (exp && aws_parse_iso8601_ms(exp, &exp_ms) != UC_OK)
        return aws_error_set(err, UC_DECODE, "credentials", source,
                             "%s returned a malformed Expiration", source);
    *out = aws_credentials_new(ak, sk, tok, exp_ms, source);
    return *out ? UC_OK : aws_error_set(err, UC_NOMEM, "credentials", source, "out of memory");
}

const char *aws_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* ---- cache ------------------------------------------------------------------------------- */

void aws_provider_free(struct aws_provider *p)
{
    if (p && p->destroy)
        p->destroy(p);
}

void aws_creds_cache_init(struct aws_creds_cache *cc, struct aws_provider *prov)
{
    pthread_mutex_init(&cc->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cc->cv, &ca);
    pthread_condattr_destroy(&ca);
    cc->fetching = false;
    cc->cur = NULL;
    cc->prov = prov;
}

void aws_creds_cache_release(struct aws_creds_cache *cc)
{
    if (!cc)
        return;
    aws_credentials_unref(cc->cur);
    cc->cur = NULL;
    aws_provider_free(cc->prov);
    cc->prov = NULL;
    pthread_cond_destroy(&cc->cv);
    pthread_mutex_destroy(&cc->mu);
}

static bool fresh(const struct aws_credentials *cr, int64_t now, int64_t margin)
{
    return cr && (cr->expiration_ms == 0 || now + margin < cr->expiration_ms);
}

/* A waiter wakes at least this often to look at its cancel token and deadline (the token has
 * no way to signal cc->cv), so a cancel is seen within this many milliseconds. */
#define CACHE_WAIT_SLICE_MS 20

/* Waits on cc->cv (cc->mu held) for at most ms milliseconds of real time. */
static void cache_wait(struct aws_creds_cache *cc, uint64_t ms)
{
    struct timespec ts;
    uc_clock_monotonic_deadline(ms, &ts);
    pthread_cond_timedwait(&cc->cv, &cc->mu, &ts);
}

uc_status aws_creds_cache_get(struct aws_creds_cache *cc, struct aws_client *c,
                              const struct aws_call_opts *o, struct aws_credentials **out,
                              struct aws_error *err)
{
    *out = NULL;
    if (!cc || !cc->prov)
        return aws_error_set(err, UC_INVALID, "credentials", "resolve", "no credential source");
    const struct uc_cancel *cancel = o ? o->cancel : NULL;
    uint64_t deadline = o ? o->deadline_ms : 0;
    uc_status st = UC_OK;
    /* One fetch at a time: other threads wait for it (each within its own cancel and
     * deadline) and then reuse its result. */
    pthread_mutex_lock(&cc->mu);
    int64_t now = aws_clock_wall_ms(&c->clock);
    for (;;) {
        now = aws_clock_wall_ms(&c->clock);
        if (fresh(cc->cur, now, AWS_CREDS_REFRESH_MS) ||
            (cc->fetching && fresh(cc->cur, now, 60 * 1000))) {
            /* Fresh, or an advisory refresh is running and these still have a minute. */
            *out = aws_credentials_ref(cc->cur);
            goto out;
        }
        if (!cc->fetching)
            break;
        if (uc_cancel_is_set(cancel)) {
            st = aws_error_set(err, UC_CANCELED, "credentials", "resolve",
                               "canceled while waiting for another call to fetch credentials "
                               "from %s",
                               cc->prov->name ? cc->prov->name : "the credential source");
            goto out;
        }
        uint64_t mono = aws_clock_mono_ms(&c->clock);
        if (deadline && mono >= deadline) {
            st = aws_error_set(err, UC_TIMEOUT, "credentials", "resolve",
                               "deadline reached while waiting for another call to fetch "
                               "credentials from %s",
                               cc->prov->name ? cc->prov->name : "the credential source");
            goto out;
        }
        uint64_t slice = CACHE_WAIT_SLICE_MS;
        if (deadline && deadline - mono < slice)
            slice = deadline - mono;
        cache_wait(cc, slice);
    }
    cc->fetching = true;
    pthread_mutex_unlock(&cc->mu);
    struct aws_credentials *n = NULL;
    struct aws_error ferr;
    aws_error_clear(&ferr);
    st = cc->prov->fetch(cc->prov, c, o, &n, &ferr);
    pthread_mutex_lock(&cc->mu);
    cc->fetching = false;
    pthread_cond_broadcast(&cc->cv);
    if (st == UC_OK && n) {
        aws_credentials_unref(cc->cur);
        cc->cur = n;
        *out = aws_credentials_ref(n);
        uc_log(UC_LOG_DEBUG, LOG_MODULE, "credentials refreshed", "source", n->source, NULL);
        goto out;
    }
    if (st == UC_NOTFOUND && !ferr.message[0])
        aws_error_set(&ferr, UC_NOTFOUND, "credentials", "resolve",
                      "no credential source is configured");
    if (fresh(cc->cur, now, 60 * 1000) && st != UC_CANCELED) {
        /* Advisory refresh failed but the old credentials still have a minute: keep them. */
        uc_log(UC_LOG_WARN, LOG_MODULE, "credential refresh failed, using cached credentials",
               "error", ferr.message, NULL);
        *out = aws_credentials_ref(cc->cur);
        st = UC_OK;
        goto out;
    }
    if (err)
        *err = ferr;
    if (err && err->status == UC_OK)
        err->status = st;
out:
    pthread_mutex_unlock(&cc->mu);
    return st;
}

void aws_creds_cache_invalidate(struct aws_creds_cache *cc, const struct aws_credentials *bad)
{
    pthread_mutex_lock(&cc->mu);
    if (cc->cur && cc->cur == bad && cc->cur->expiration_ms != 0) {
        aws_credentials_unref(cc->cur);
        cc->cur = NULL;
    }
    pthread_mutex_unlock(&cc->mu);
}

/* ---- static ------------------------------------------------------------------------------ */

struct static_provider {
    struct aws_provider base;
    struct aws_credentials *creds;
};

static uc_status static_fetch(struct aws_provider *p, struct aws_client *c,
                              const struct aws_call_opts *o, struct aws_credentials **out,
                              struct aws_error *err)
{
    struct static_provider *s = (struct static_provider *)p;
    *out = aws_credentials_ref(s->creds);
    return UC_OK;
}

static void static_destroy(struct aws_provider *p)
{
    struct static_provider *s = (struct static_provider *)p;
    aws_credentials_unref(s->creds);
    free(s);
}

struct aws_provider *aws_provider_static_new(const char *ak, const char *sk, const char *token,
                                             const char *source)
{
    struct static_provider *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->base.name = "static";
    s->base.fetch = static_fetch;
    s->base.destroy = static_destroy;
    s->creds = aws_credentials_new(ak, sk, token, 0, source);
    if (!s->creds) {
        free(s);
        return NULL;
    }
    return &s->base;
}

/* ---- assume role ------------------------------------------------------------------------- */

struct assume_provider {
    struct aws_provider base;
    struct aws_creds_cache *source;
    bool own_source;
    struct aws_assume_role_params params; /* every string and array owned (params_copy) */
    uint64_t denied_wait_ms;
};

static void strv_free(const char *const *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free((char *)v[i]);
    free((void *)v);
}

/* A copy of n strings; NULL for n == 0; sets *fail when out of memory. */
static const char *const *strv_dup(const char *const *v, size_t n, bool *fail)
{
    if (!n)
        return NULL;
    char **out = calloc(n, sizeof(*out));
    if (!out) {
        *fail = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = strdup(v[i] ? v[i] : "");
        if (!out[i])
            *fail = true;
    }
    return (const char *const *)out;
}

static void params_release(struct aws_assume_role_params *p)
{
    free((char *)p->role_arn);
    free((char *)p->session_name);
    free((char *)p->external_id);
    free((char *)p->policy);
    free((char *)p->source_identity);
    strv_free(p->policy_arns, p->n_policy_arns);
    strv_free(p->tag_keys, p->n_tags);
    strv_free(p->tag_values, p->n_tags);
    strv_free(p->transitive_tag_keys, p->n_transitive_tag_keys);
    memset(p, 0, sizeof(*p));
}

/* Deep copy of src into dst (zeroed by the caller); false when out of memory (dst is then
 * released). */
static bool params_copy(struct aws_assume_role_params *dst,
                        const struct aws_assume_role_params *src)
{
    bool fail = false;
    dst->role_arn = aws_strdup_opt(src->role_arn, &fail);
    dst->session_name = aws_strdup_opt(src->session_name, &fail);
    dst->external_id = aws_strdup_opt(src->external_id, &fail);
    dst->duration_seconds = src->duration_seconds;
    dst->policy = aws_strdup_opt(src->policy, &fail);
    dst->source_identity = aws_strdup_opt(src->source_identity, &fail);
    dst->policy_arns = strv_dup(src->policy_arns, src->n_policy_arns, &fail);
    dst->n_policy_arns = src->n_policy_arns;
    dst->tag_keys = strv_dup(src->tag_keys, src->n_tags, &fail);
    dst->tag_values = strv_dup(src->tag_values, src->n_tags, &fail);
    dst->n_tags = src->n_tags;
    dst->transitive_tag_keys =
        strv_dup(src->transitive_tag_keys, src->n_transitive_tag_keys, &fail);
    dst->n_transitive_tag_keys = src->n_transitive_tag_keys;
    if (fail)
        params_release(dst);
    return !fail;
}

static uc_status assume_fetch(struct aws_provider *p, struct aws_client *c,
                              const struct aws_call_opts *o, struct aws_credentials **out,
                              struct aws_error *err)
{
    struct assume_provider *a = (struct assume_provider *)p;
    /* A provider that waits at all (a cross-account session) waits as long as this call asks. */
    uint64_t wait_ms = a->denied_wait_ms;
    if (wait_ms > 0 && o && o->access_denied_wait_ms > 0)
        wait_ms = o->access_denied_wait_ms;
    uint64_t first_denied = 0;
    for (unsigned n = 1;; n++) {
        /* Throttling, 5xx and network errors are retried inside this call by aws_send, with
         * their own budget; only AccessDenied comes back here to be waited for. */
        uc_status st = aws_sts_assume_role_with(c, a->source, &a->params, NULL, o, out, err);
        bool denied = st == UC_REMOTE && err &&
                      (aws_error_is(err, "AccessDenied") ||
                       aws_error_is(err, "AccessDeniedException"));
        if (!denied || wait_ms == 0)
            return st;
        uint64_t now = aws_clock_mono_ms(&c->clock);
        if (n == 1)
            first_denied = now;
        uint64_t delay = aws_retry_backoff_ms(n, true, 0.5 + aws_client_rand(c) / 2, 0);
        if (delay > 10000)
            delay = 10000;
        if (now - first_denied + delay > wait_ms)
            return st;
        if (o && o->deadline_ms && now + delay >= o->deadline_ms)
            return st;
        uc_log(UC_LOG_DEBUG, LOG_MODULE, "AssumeRole AccessDenied, waiting for the role",
               "role_arn", a->params.role_arn, NULL);
        if (aws_clock_sleep_ms(&c->clock, o ? o->cancel : NULL, delay) == UC_CANCELED)
            return aws_error_set(err, UC_CANCELED, "sts", "AssumeRole",
                                 "canceled while waiting for role %s to become assumable",
                                 a->params.role_arn);
    }
}

static void assume_destroy(struct aws_provider *p)
{
    struct assume_provider *a = (struct assume_provider *)p;
    if (a->own_source && a->source) {
        aws_creds_cache_release(a->source);
        free(a->source);
    }
    params_release(&a->params);
    free(a);
}

struct aws_provider *aws_provider_assume_role_new(struct aws_creds_cache *source, bool own_source,
                                                  const struct aws_assume_role_params *params,
                                                  uint64_t access_denied_wait_ms)
{
    struct assume_provider *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->base.name = "assume-role";
    a->base.fetch = assume_fetch;
    a->base.destroy = assume_destroy;
    a->source = source;
    a->denied_wait_ms = access_denied_wait_ms;
    if (!params || !params->role_arn || !*params->role_arn || !params_copy(&a->params, params)) {
        free(a); /* on failure the caller keeps its source */
        return NULL;
    }
    a->own_source = own_source;
    return &a->base;
}

/* ---- web identity ------------------------------------------------------------------------ */

struct webid_provider {
    struct aws_provider base;
    char *role_arn, *token_file, *session_name;
};

uc_status aws_read_small_file(const char *path, size_t max, char **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? UC_NOTFOUND : UC_IO;
    char *buf = malloc(max + 1);
    size_t got = 0;
    uc_status st = UC_OK;
    if (!buf) {
        st = UC_NOMEM;
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf + got, max + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = UC_IO;
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > max) {
            st = UC_RANGE;
            goto out;
        }
    }
    while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r' || buf[got - 1] == ' '))
        got--;
    buf[got] = '\0';
    *out = buf;
    buf = NULL;
out:
    if (buf) {
        memset(buf, 0, max + 1);
        free(buf);
    }
    close(fd);
    return st;
}

static uc_status webid_fetch(struct aws_provider *p, struct aws_client *c,
                             const struct aws_call_opts *o, struct aws_credentials **out,
                             struct aws_error *err)
{
    struct webid_provider *w = (struct webid_provider *)p;
    char *token = NULL;
    /* Read the token each time: Kubernetes rotates projected tokens. */
    uc_status st = aws_read_small_file(w->token_file, 20000, &token);
    if (st != UC_OK)
        return aws_error_set(err, st == UC_NOTFOUND ? UC_IO : st, "credentials", "web-identity",
                             "cannot read web identity token file %s: %s", w->token_file,
                             uc_status_text(st));
    struct aws_assume_role_params ap = {.role_arn = w->role_arn, .session_name = w->session_name};
    st = aws_sts_assume_role_with(c, NULL, &ap, token, o, out, err);
    memset(token, 0, strlen(token));
    free(token);
    if (st == UC_OK)
        snprintf((*out)->source, sizeof((*out)->source), "web-identity");
    return st;
}

static void webid_destroy(struct aws_provider *p)
{
    struct webid_provider *w = (struct webid_provider *)p;
    free(w->role_arn);
    free(w->token_file);
    free(w->session_name);
    free(w);
}

struct aws_provider *aws_provider_web_identity_new(const char *role_arn, const char *token_file,
                                                   const char *session_name)
{
    struct webid_provider *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    bool fail = false;
    w->base.name = "web-identity";
    w->base.fetch = webid_fetch;
    w->base.destroy = webid_destroy;
    w->role_arn = aws_strdup_opt(role_arn, &fail);
    w->token_file = aws_strdup_opt(token_file, &fail);
    w->session_name = aws_strdup_opt(session_name, &fail);
    if (fail || !w->role_arn || !w->token_file) {
        webid_destroy(&w->base);
        return NULL;
    }
    return &w->base;
}
