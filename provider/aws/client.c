/* client.c - the AWS client: configuration copy, lazy resolution (environment, shared files,
 * region, endpoints), sessions per account, and the one request loop every call goes through:
 * credentials -> endpoint -> sign -> send -> parse error -> retry.
 *
 * Thread-safe after aws_client_new. It must not do I/O in aws_client_new, must never log a
 * secret (bodies, Authorization, tokens are never logged), and every wait must wake on cancel.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_internal.h"
#include "aws_sigv4.h"
#include "uc_log.h"

#define USER_AGENT "terraform-provider-unicron/0.1 unicron-aws-client"
#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_ATTEMPT_TIMEOUT_MS 60000
#define DEFAULT_ACCOUNT_ROLE_WAIT_MS (5 * 60 * 1000)

/* ---- configuration copy ------------------------------------------------------------------- */

static char *dup_or_null(const char *s, bool *fail)
{
    if (!s || !*s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *fail = true;
    return d;
}

static char **dup_list(const char *const *v, size_t n, bool *fail)
{
    if (!v || n == 0)
        return NULL;
    char **out = calloc(n, sizeof(*out));
    if (!out) {
        *fail = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = dup_or_null(v[i], fail);
    return out;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static bool valid_role_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("_+=,.@-", c)))
            return false;
    }
    return true;
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double aws_client_rand(struct aws_client *c)
{
    pthread_mutex_lock(&c->rng_mu);
    uint64_t v = splitmix(&c->rng);
    pthread_mutex_unlock(&c->rng_mu);
    return (double)(v >> 11) / 9007199254740992.0;
}

void aws_client_uuid(struct aws_client *c, char out[37])
{
    unsigned char b[16];
    pthread_mutex_lock(&c->rng_mu);
    uint64_t a = splitmix(&c->rng), d = splitmix(&c->rng);
    pthread_mutex_unlock(&c->rng_mu);
    memcpy(b, &a, 8);
    memcpy(b + 8, &d, 8);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hex[b[i] >> 4];
        out[k++] = hex[b[i] & 15];
    }
    out[k] = '\0';
}

int64_t aws_client_now_ms(struct aws_client *c)
{
    return aws_clock_wall_ms(&c->clock) + (int64_t)atomic_load(&c->skew_ms);
}

struct aws_client *aws_client_new(const struct aws_config *cfg, struct aws_error *err)
{
    aws_error_clear(err);
    if (!cfg) {
        aws_error_set(err, UC_INVALID, "config", "new", "no configuration");
        return NULL;
    }
    enum aws_retry_mode mode;
    if (aws_retry_mode_parse(cfg->retry_mode, &mode) != UC_OK) {
        aws_error_set(err, UC_INVALID, "config", "retry_mode",
                      "retry_mode must be \"standard\" or \"adaptive\", not \"%s\"",
                      cfg->retry_mode);
        return NULL;
    }
    if (cfg->max_retries > 100 || cfg->max_retries < -1) {
        aws_error_set(err, UC_INVALID, "config", "max_retries", "max_retries must be 0..100");
        return NULL;
    }
    const char *role = cfg->account_access_role_name && *cfg->account_access_role_name
                           ? cfg->account_access_role_name
                           : AWS_DEFAULT_ACCOUNT_ROLE;
    if (!valid_role_name(role)) {
        aws_error_set(err, UC_INVALID, "config", "account_access_role_name",
                      "account_access_role_name \"%s\" is not a valid IAM role name", role);
        return NULL;
    }
    for (int s = 0; s < AWS_SVC_COUNT; s++) {
        struct aws_url u;
        if (cfg->endpoints[s] && *cfg->endpoints[s] &&
            aws_url_parse(cfg->endpoints[s], &u) != UC_OK) {
            aws_error_set(err, UC_INVALID, "config", "endpoints",
                          "endpoints.%s: \"%s\" is not an http(s) URL", aws_service_name(s),
                          cfg->endpoints[s]);
            return NULL;
        }
    }
    if (cfg->assume_role.role_arn && *cfg->assume_role.role_arn &&
        cfg->assume_role.duration_seconds != 0 &&
        (cfg->assume_role.duration_seconds < 900 || cfg->assume_role.duration_seconds > 43200)) {
        aws_error_set(err, UC_INVALID, "config", "assume_role",
                      "assume_role duration must be between 15 minutes and 12 hours");
        return NULL;
    }
    struct aws_client *c = calloc(1, sizeof(*c));
    if (!c) {
        aws_error_set(err, UC_NOMEM, "config", "new", "out of memory");
        return NULL;
    }
    bool fail = false;
    c->region_cfg = dup_or_null(cfg->region, &fail);
    c->profile_cfg = dup_or_null(cfg->profile, &fail);
    c->access_key = dup_or_null(cfg->access_key, &fail);
    c->secret_key = dup_or_null(cfg->secret_key, &fail);
    c->token = dup_or_null(cfg->token, &fail);
    c->config_files = dup_list(cfg->shared_config_files, cfg->n_shared_config_files, &fail);
    c->n_config_files = c->config_files ? cfg->n_shared_config_files : 0;
    c->cred_files = dup_list(cfg->shared_credentials_files, cfg->n_shared_credentials_files,
                             &fail);
    c->n_cred_files = c->cred_files ? cfg->n_shared_credentials_files : 0;
    c->ar_role_arn = dup_or_null(cfg->assume_role.role_arn, &fail);
    c->ar_session_name = dup_or_null(cfg->assume_role.session_name, &fail);
    c->ar_external_id = dup_or_null(cfg->assume_role.external_id, &fail);
    c->ar_duration = cfg->assume_role.duration_seconds;
    c->wi_role_arn = dup_or_null(cfg->assume_role_with_web_identity.role_arn, &fail);
    c->wi_token_file = dup_or_null(cfg->assume_role_with_web_identity.web_identity_token_file,
                                   &fail);
    c->wi_session_name = dup_or_null(cfg->assume_role_with_web_identity.session_name, &fail);
    for (int s = 0; s < AWS_SVC_COUNT; s++)
        c->endpoints_cfg[s] = dup_or_null(cfg->endpoints[s], &fail);
    c->account_role = dup_or_null(role, &fail);
    c->max_attempts = (cfg->max_retries < 0 ? AWS_DEFAULT_MAX_RETRIES : cfg->max_retries) + 1;
    c->mode = mode;
    c->account_role_wait_ms =
        cfg->account_role_wait_ms ? cfg->account_role_wait_ms : DEFAULT_ACCOUNT_ROLE_WAIT_MS;
    c->connect_timeout_ms =
        cfg->connect_timeout_ms ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    c->attempt_timeout_ms =
        cfg->attempt_timeout_ms ? cfg->attempt_timeout_ms : DEFAULT_ATTEMPT_TIMEOUT_MS;
    if (cfg->clock)
        c->clock = *cfg->clock;
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->rng_mu, NULL);
    aws_profiles_init(&c->profiles);
    aws_retry_quota_init(&c->quota);
    aws_rate_limiter_init(&c->limiter, (double)aws_clock_mono_ms(&c->clock) / 1000.0);
    atomic_init(&c->skew_ms, 0);
    c->rng = cfg->random_seed;
    if (!c->rng && RAND_bytes((unsigned char *)&c->rng, sizeof(c->rng)) != 1)
        c->rng = (uint64_t)aws_clock_wall_ms(NULL) ^ (uint64_t)(uintptr_t)c;

    c->base.client = c;
    struct aws_provider *chain = aws_provider_chain_new();
    struct aws_provider *top = chain;
    if (chain && c->ar_role_arn) {
        struct aws_creds_cache *src = malloc(sizeof(*src));
        if (src) {
            aws_creds_cache_init(src, chain);
            top = aws_provider_assume_role_new(src, true, c->ar_role_arn, c->ar_session_name,
                                               c->ar_external_id, c->ar_duration, 0);
            if (!top) {
                aws_creds_cache_release(src);
                free(src);
            }
        } else {
            aws_provider_free(chain);
            top = NULL;
        }
    }
    aws_creds_cache_init(&c->base.cache, top);
    if (!top)
        fail = true;
    if (cfg->transport) {
        c->transport = cfg->transport;
    } else if (!fail) {
        c->transport = aws_transport_curl_new(aws_env("AWS_CA_BUNDLE"));
        c->own_transport = true;
        if (!c->transport)
            fail = true;
    }
    if (fail) {
        aws_client_free(c);
        aws_error_set(err, UC_NOMEM, "config", "new", "out of memory or libcurl failed");
        return NULL;
    }
    return c;
}

static void session_free(struct aws_session *s)
{
    aws_creds_cache_release(&s->cache);
    free(s);
}

void aws_client_free(struct aws_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_accounts; i++)
        session_free(c->accounts[i]);
    free(c->accounts);
    aws_creds_cache_release(&c->base.cache);
    if (c->own_transport)
        aws_transport_free(c->transport);
    aws_profiles_release(&c->profiles);
    aws_retry_quota_release(&c->quota);
    aws_rate_limiter_release(&c->limiter);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->rng_mu);
    free(c->region_cfg);
    free(c->profile_cfg);
    if (c->secret_key)
        memset(c->secret_key, 0, strlen(c->secret_key));
    if (c->token)
        memset(c->token, 0, strlen(c->token));
    free(c->access_key);
    free(c->secret_key);
    free(c->token);
    free_list(c->config_files, c->n_config_files);
    free_list(c->cred_files, c->n_cred_files);
    free(c->ar_role_arn);
    free(c->ar_session_name);
    free(c->ar_external_id);
    free(c->wi_role_arn);
    free(c->wi_token_file);
    free(c->wi_session_name);
    for (int s = 0; s < AWS_SVC_COUNT; s++)
        free(c->endpoints_cfg[s]);
    free(c->account_role);
    free(c);
}

/* ---- lazy resolution --------------------------------------------------------------------- */

static bool valid_region(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
            return false;
    return true;
}

static uc_status load_files(struct aws_client *c, char **list, size_t n, const char *env,
                            const char *dflt, bool is_config, struct aws_error *err)
{
    const char *one[1];
    const char *const *files = (const char *const *)list;
    if (!n) {
        one[0] = aws_env(env) ? aws_env(env) : dflt;
        files = one;
        n = 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!files[i])
            continue;
        uc_status st = aws_profiles_load_file(&c->profiles, files[i], is_config);
        if (st == UC_NOTFOUND)
            continue;
        if (st != UC_OK)
            return aws_error_set(err, st, "config", "shared files", "cannot read %s: %s",
                                 files[i], uc_status_text(st));
    }
    return UC_OK;
}

uc_status aws_client_resolve_locked_once(struct aws_client *c, struct aws_error *err)
{
    uc_status st = UC_OK;
    pthread_mutex_lock(&c->mu);
    if (c->resolved)
        goto out;
    const char *prof = c->profile_cfg ? c->profile_cfg : aws_env("AWS_PROFILE");
    c->profile_explicit = prof != NULL;
    snprintf(c->profile, sizeof(c->profile), "%s", prof ? prof : "default");
    aws_profiles_release(&c->profiles);
    st = load_files(c, c->config_files, c->n_config_files, "AWS_CONFIG_FILE", "~/.aws/config",
                    true, err);
    if (st == UC_OK)
        st = load_files(c, c->cred_files, c->n_cred_files, "AWS_SHARED_CREDENTIALS_FILE",
                        "~/.aws/credentials", false, err);
    if (st != UC_OK)
        goto out;
    const char *region = c->region_cfg;
    if (!region)
        region = aws_env("AWS_REGION");
    if (!region)
        region = aws_env("AWS_DEFAULT_REGION");
    if (!region)
        region = aws_profile_get(aws_profiles_find(&c->profiles, c->profile), "region");
    if (!region) {
        st = aws_error_set(err, UC_INVALID, "config", "region",
                           "no AWS region: set region in the provider block, AWS_REGION, or the "
                           "profile's region");
        goto out;
    }
    if (!valid_region(region)) {
        st = aws_error_set(err, UC_INVALID, "config", "region", "\"%s\" is not a valid region",
                           region);
        goto out;
    }
    snprintf(c->region, sizeof(c->region), "%s", region);
    snprintf(c->partition, sizeof(c->partition), "%s", aws_partition_of(region));
    st = aws_endpoints_resolve(c, err);
    if (st == UC_OK)
        c->resolved = true;
out:
    pthread_mutex_unlock(&c->mu);
    return st;
}

uc_status aws_client_resolve(struct aws_client *c, struct aws_error *err)
{
    aws_error_clear(err);
    return aws_client_resolve_locked_once(c, err);
}

const char *aws_client_region(struct aws_client *c)
{
    pthread_mutex_lock(&c->mu);
    const char *r = c->resolved ? c->region : "";
    pthread_mutex_unlock(&c->mu);
    return r;
}

/* ---- sessions ---------------------------------------------------------------------------- */

struct aws_session *aws_client_session(struct aws_client *c)
{
    return c ? &c->base : NULL;
}

struct aws_client *aws_session_client(const struct aws_session *s)
{
    return s ? s->client : NULL;
}

/* Assume-role provider whose role ARN is built at fetch time (the partition needs the region,
 * which is resolved lazily). */
struct account_provider {
    struct aws_provider base;
    struct aws_provider *inner; /* built on first fetch */
    char account_id[16];
};

static uc_status account_fetch(struct aws_provider *p, struct aws_client *c,
                               const struct aws_call_opts *o, struct aws_credentials **out,
                               struct aws_error *err)
{
    struct account_provider *ap = (struct account_provider *)p;
    if (!ap->inner) {
        uc_status st = aws_client_resolve_locked_once(c, err);
        if (st != UC_OK)
            return st;
        char arn[256], session[64];
        snprintf(arn, sizeof(arn), "arn:%s:iam::%s:role/%s", c->partition, ap->account_id,
                 c->account_role);
        snprintf(session, sizeof(session), "unicron-%s", ap->account_id);
        ap->inner = aws_provider_assume_role_new(&c->base.cache, false, arn, session, NULL, 0,
                                                 c->account_role_wait_ms);
        if (!ap->inner)
            return aws_error_set(err, UC_NOMEM, "sts", "AssumeRole", "out of memory");
    }
    return ap->inner->fetch(ap->inner, c, o, out, err);
}

static void account_destroy(struct aws_provider *p)
{
    struct account_provider *ap = (struct account_provider *)p;
    aws_provider_free(ap->inner);
    free(ap);
}

struct aws_session *aws_client_account_session(struct aws_client *c, const char *account_id,
                                               struct aws_error *err)
{
    aws_error_clear(err);
    if (!c || !account_id || strlen(account_id) != 12 ||
        strspn(account_id, "0123456789") != 12) {
        aws_error_set(err, UC_INVALID, "sts", "AssumeRole",
                      "\"%s\" is not a 12-digit AWS account id", account_id ? account_id : "");
        return NULL;
    }
    struct aws_session *s = NULL;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n_accounts; i++) {
        if (strcmp(c->accounts[i]->account_id, account_id) == 0) {
            s = c->accounts[i];
            goto out;
        }
    }
    if (c->n_accounts == c->cap_accounts) {
        size_t nc = c->cap_accounts ? c->cap_accounts * 2 : 8;
        struct aws_session **na = realloc(c->accounts, nc * sizeof(*na));
        if (!na)
            goto oom;
        c->accounts = na;
        c->cap_accounts = nc;
    }
    struct account_provider *ap = calloc(1, sizeof(*ap));
    s = calloc(1, sizeof(*s));
    if (!ap || !s) {
        free(ap);
        free(s);
        s = NULL;
        goto oom;
    }
    ap->base.name = "account";
    ap->base.fetch = account_fetch;
    ap->base.destroy = account_destroy;
    snprintf(ap->account_id, sizeof(ap->account_id), "%s", account_id);
    s->client = c;
    snprintf(s->account_id, sizeof(s->account_id), "%s", account_id);
    aws_creds_cache_init(&s->cache, &ap->base);
    c->accounts[c->n_accounts++] = s;
    goto out;
oom:
    aws_error_set(err, UC_NOMEM, "sts", "AssumeRole", "out of memory");
out:
    pthread_mutex_unlock(&c->mu);
    return s;
}

uc_status aws_session_credentials(struct aws_session *s, const struct aws_call_opts *o,
                                  struct aws_credentials **out, struct aws_error *err)
{
    aws_error_clear(err);
    *out = NULL;
    if (!s)
        return aws_error_set(err, UC_INVALID, "credentials", "resolve", "no session");
    return aws_creds_cache_get(&s->cache, s->client, o, out, err);
}

/* ---- the request loop -------------------------------------------------------------------- */

static bool is_skew_code(const char *code)
{
    static const char *const codes[] = {"RequestTimeTooSkewed", "RequestExpired",
                                        "InvalidSignatureException", "SignatureDoesNotMatch",
                                        "RequestInTheFuture", "AuthFailure", NULL};
    for (size_t i = 0; codes[i]; i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

/* RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") to epoch ms; false when malformed. */
static bool parse_http_date(const char *s, int64_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4] = "";
    int d, y, h, mi, se;
    if (!s || sscanf(s, "%*3s, %2d %3s %4d %2d:%2d:%2d GMT", &d, mon, &y, &h, &mi, &se) != 6)
        return false;
    const char *m = strstr(months, mon);
    if (!m || mon[0] == '\0' || (m - months) % 3)
        return false;
    char iso[32];
    snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, (int)((m - months) / 3) + 1,
             d, h, mi, se);
    return aws_parse_iso8601_ms(iso, out) == UC_OK;
}

static void log_attempt(const char *service, const struct aws_req *r, const struct aws_url *u,
                        long status, uint64_t dur, const char *rid, int attempt, const char *code)
{
    if (!uc_log_enabled(UC_LOG_DEBUG))
        return;
    char st[16], du[24], at[16];
    snprintf(st, sizeof(st), "%ld", status);
    snprintf(du, sizeof(du), "%llu", (unsigned long long)dur);
    snprintf(at, sizeof(at), "%d", attempt);
    uc_log(UC_LOG_DEBUG, LOG_MODULE, "http request", "service", service, "operation",
           r->operation, "method", r->method, "host", u->host, "path", u->path, "status", st,
           "duration_ms", du, "request_id", rid && *rid ? rid : NULL, "attempt", at, "error_code",
           code && *code ? code : NULL, NULL);
}

static uc_status fail_with(struct aws_error *err, uc_status st, int attempts)
{
    if (err) {
        err->status = st;
        err->attempts = attempts;
    }
    return st;
}

uc_status aws_send(struct aws_client *c, const struct aws_req *r, const struct aws_call_opts *o,
                   struct aws_http_response *resp, struct aws_error *err)
{
    const char *service = r->service_name ? r->service_name : aws_service_name(r->svc);
    aws_error_clear(err);
    aws_error_set(err, UC_OK, service, r->operation, NULL);
    const struct uc_cancel *cancel = o ? o->cancel : NULL;
    uint64_t deadline = o ? o->deadline_ms : 0;
    bool may_retry_unknown = r->idempotent || (o && o->retry_non_idempotent);
    struct uc_buf url;
    struct aws_url u;
    struct aws_http_request rq;
    struct aws_sigv4_result sig;
    uc_buf_init(&url);
    aws_headers_init(&rq.headers);
    aws_sigv4_result_init(&sig);
    uc_status st = UC_OK;
    int attempt = 0, taken = 0;
    bool skew_retried = false, expired_retried = false;
    char invocation[37], last_msg[256] = "";
    struct aws_credentials *creds = NULL;

    if (!r->base_url && (st = aws_client_resolve_locked_once(c, err)) != UC_OK)
        goto out;
    const struct aws_endpoint *ep = r->base_url ? NULL : &c->ep[r->svc];
    uc_buf_puts(&url, r->base_url ? r->base_url : ep->url);
    while (url.len > 0 && url.data[url.len - 1] == '/')
        url.data[--url.len] = '\0';
    uc_buf_puts(&url, r->path);
    if (r->query && *r->query) {
        uc_buf_putc(&url, '?');
        uc_buf_puts(&url, r->query);
    }
    if (url.err != UC_OK || aws_url_parse(uc_buf_str(&url), &u) != UC_OK) {
        st = aws_error_set(err, UC_INVALID, service, r->operation, "bad request URL");
        goto out;
    }
    aws_client_uuid(c, invocation);

    for (attempt = 1; attempt <= c->max_attempts; attempt++) {
        if (uc_cancel_is_set(cancel)) {
            st = aws_error_set(err, UC_CANCELED, service, r->operation, "canceled");
            goto out;
        }
        uint64_t now = aws_clock_mono_ms(&c->clock);
        if (deadline && now >= deadline) {
            st = aws_error_set(err, UC_TIMEOUT, service, r->operation,
                               "deadline reached before the request could be sent%s%s",
                               attempt > 1 ? "; last error: " : "", attempt > 1 ? last_msg : "");
            goto out;
        }
        if (c->mode == AWS_RETRY_ADAPTIVE) {
            uint64_t wait;
            while ((wait = aws_rate_limiter_acquire(&c->limiter, (double)now / 1000.0)) > 0) {
                if (deadline && now + wait >= deadline) {
                    st = aws_error_set(err, UC_TIMEOUT, service, r->operation,
                                       "deadline reached while rate limited after throttling");
                    goto out;
                }
                if (aws_clock_sleep_ms(&c->clock, cancel, wait) != UC_OK) {
                    st = aws_error_set(err, UC_CANCELED, service, r->operation, "canceled");
                    goto out;
                }
                now = aws_clock_mono_ms(&c->clock);
            }
        }
        /* credentials */
        aws_credentials_unref(creds);
        creds = NULL;
        if (!r->unsigned_request && !r->bearer) {
            struct aws_error cerr;
            aws_error_clear(&cerr);
            st = aws_creds_cache_get(r->creds, c, o, &creds, &cerr);
            if (st != UC_OK) {
                if (err) {
                    *err = cerr;
                    if (!err->operation[0])
                        snprintf(err->operation, sizeof(err->operation), "%s", r->operation);
                }
                goto out;
            }
        }
        /* headers and signature */
        aws_headers_release(&rq.headers);
        aws_headers_init(&rq.headers);
        char sdkreq[64];
        snprintf(sdkreq, sizeof(sdkreq), "attempt=%d; max=%d", attempt, c->max_attempts);
        st = aws_headers_add(&rq.headers, "Host", u.host);
        if (st == UC_OK && r->content_type)
            st = aws_headers_add(&rq.headers, "Content-Type", r->content_type);
        if (st == UC_OK && r->target)
            st = aws_headers_add(&rq.headers, "X-Amz-Target", r->target);
        if (st == UC_OK && r->accept)
            st = aws_headers_add(&rq.headers, "Accept", r->accept);
        if (st == UC_OK && !r->bearer) {
            st = aws_headers_add(&rq.headers, "amz-sdk-invocation-id", invocation);
            if (st == UC_OK)
                st = aws_headers_add(&rq.headers, "amz-sdk-request", sdkreq);
        }
        if (st == UC_OK)
            st = aws_headers_add(&rq.headers, "User-Agent", USER_AGENT);
        if (st == UC_OK && r->bearer) {
            struct uc_buf ab;
            uc_buf_init(&ab);
            uc_buf_printf(&ab, "Bearer %s", r->bearer);
            st = ab.err == UC_OK ? aws_headers_add(&rq.headers, "Authorization", uc_buf_str(&ab))
                                 : ab.err;
            if (ab.data)
                memset(ab.data, 0, ab.len);
            uc_buf_release(&ab);
        }
        if (st == UC_OK && creds) {
            struct aws_sigv4_params sp = {
                .method = r->method,
                .path = u.path,
                .query = u.query,
                .body = r->body,
                .body_len = r->body_len,
                .region = ep ? ep->signing_region : c->region,
                .service = aws_service_name(r->svc),
                .time = aws_client_now_ms(c) / 1000,
                .creds = {creds->access_key_id, creds->secret_access_key, creds->session_token},
                .normalize_path = true,
                .sign_body = true,
            };
            st = aws_sigv4_sign_headers(&sp, &rq.headers, &sig);
        }
        if (st != UC_OK) {
            st = aws_error_set(err, st, service, r->operation, "cannot build request: %s",
                               uc_status_text(st));
            goto out;
        }
        rq.method = r->method;
        rq.url = uc_buf_str(&url);
        rq.body = r->body;
        rq.body_len = r->body_len;
        rq.ca_pem = r->ca_pem;
        rq.ca_pem_len = r->ca_pem_len;
        rq.connect_timeout_ms = c->connect_timeout_ms;
        rq.timeout_ms = c->attempt_timeout_ms;
        if (deadline) {
            uint64_t left = deadline > now ? deadline - now : 1;
            if (left < rq.timeout_ms)
                rq.timeout_ms = left;
            if (left < rq.connect_timeout_ms)
                rq.connect_timeout_ms = left;
        }
        aws_http_response_reset(resp);
        uint64_t t0 = aws_clock_mono_ms(&c->clock);
        st = c->transport->send(c->transport, &rq, cancel, resp);
        uint64_t dur = aws_clock_mono_ms(&c->clock) - t0;
        if (st == UC_CANCELED) {
            st = aws_error_set(err, UC_CANCELED, service, r->operation, "canceled");
            goto out;
        }
        enum aws_error_class cls;
        if (st == UC_OK) {
            if (resp->status >= 200 && resp->status < 300) {
                const char *h = aws_headers_get(&resp->headers, "x-amzn-RequestId");
                if (!h)
                    h = aws_headers_get(&resp->headers, "x-amz-request-id");
                if (!h)
                    h = aws_headers_get(&resp->headers, "Audit-Id");
                log_attempt(service, r, &u, resp->status, dur, h, attempt, NULL);
                if (err) {
                    err->http_status = (int)resp->status;
                    err->attempts = attempt;
                    if (h)
                        snprintf(err->request_id, sizeof(err->request_id), "%s", h);
                }
                aws_retry_quota_success(&c->quota, taken);
                if (c->mode == AWS_RETRY_ADAPTIVE)
                    aws_rate_limiter_update(&c->limiter,
                                            (double)aws_clock_mono_ms(&c->clock) / 1000.0, false);
                st = UC_OK;
                goto out;
            }
            aws_parse_error(r->proto, resp, err);
            if (err)
                err->status = UC_REMOTE;
            st = UC_REMOTE;
            cls = aws_retry_classify(resp->status, err ? err->code : NULL, AWS_NET_NONE);
        } else if (st == UC_TRANSPORT) {
            aws_error_set(err, UC_TRANSPORT, service, r->operation, "%s %s: %s", r->method,
                          u.host, resp->net_message[0] ? resp->net_message : "transport error");
            if (err) {
                err->http_status = 0;
                err->code[0] = '\0';
                err->request_id[0] = '\0';
            }
            cls = aws_retry_classify(0, NULL, resp->net);
        } else {
            aws_error_set(err, st, service, r->operation, "%s", uc_status_text(st));
            goto out;
        }
        const char *code = err ? err->code : "";
        log_attempt(service, r, &u, resp->status, dur, err ? err->request_id : NULL, attempt,
                    code);
        snprintf(last_msg, sizeof(last_msg), "%.200s", err && err->message[0] ? err->message : "");
        if (c->mode == AWS_RETRY_ADAPTIVE)
            aws_rate_limiter_update(&c->limiter, (double)aws_clock_mono_ms(&c->clock) / 1000.0,
                                    cls == AWS_ERRC_THROTTLE);
        /* Clock skew: learn the server's time from Date and retry at once (it was refused). */
        int64_t server_ms;
        if (st == UC_REMOTE && !skew_retried && is_skew_code(code) &&
            parse_http_date(aws_headers_get(&resp->headers, "Date"), &server_ms)) {
            int64_t diff = server_ms - aws_clock_wall_ms(&c->clock);
            if (diff > 4 * 60 * 1000 || diff < -4 * 60 * 1000) {
                atomic_store(&c->skew_ms, diff);
                skew_retried = true;
                uc_log(UC_LOG_WARN, LOG_MODULE, "clock skew detected, correcting", "service",
                       service, NULL);
                attempt--; /* does not count as an attempt */
                continue;
            }
        }
        /* Expired temporary credentials: drop the cache and retry once with fresh ones. */
        if (st == UC_REMOTE && !expired_retried && creds && r->creds &&
            (strcmp(code, "ExpiredToken") == 0 || strcmp(code, "ExpiredTokenException") == 0)) {
            aws_creds_cache_invalidate(r->creds, creds);
            expired_retried = true;
            attempt--;
            continue;
        }
        bool retryable = cls == AWS_ERRC_THROTTLE || cls == AWS_ERRC_NOT_SENT ||
                         (cls == AWS_ERRC_TRANSIENT && may_retry_unknown);
        if (!retryable || attempt >= c->max_attempts)
            break;
        int cost = 0;
        if (!aws_retry_quota_acquire(&c->quota, cls, &cost)) {
            uc_log(UC_LOG_DEBUG, LOG_MODULE, "retry quota exhausted, not retrying", "service",
                   service, "operation", r->operation, NULL);
            break;
        }
        taken += cost;
        uint64_t delay =
            aws_retry_backoff_ms((unsigned)attempt, cls == AWS_ERRC_THROTTLE, aws_client_rand(c),
                                 st == UC_REMOTE ? aws_retry_after_hint_ms(&resp->headers) : 0);
        now = aws_clock_mono_ms(&c->clock);
        if (deadline && now + delay >= deadline) {
            size_t ml = err ? strlen(err->message) : 0;
            if (err && ml + 40 < sizeof(err->message))
                snprintf(err->message + ml, sizeof(err->message) - ml,
                         " (deadline reached after %d attempts)", attempt);
            st = UC_TIMEOUT;
            break;
        }
        if (aws_clock_sleep_ms(&c->clock, cancel, delay) == UC_CANCELED) {
            st = aws_error_set(err, UC_CANCELED, service, r->operation,
                               "canceled while waiting to retry");
            goto out;
        }
    }
    if (attempt > c->max_attempts)
        attempt = c->max_attempts;
out:
    aws_credentials_unref(creds);
    aws_sigv4_result_release(&sig);
    aws_headers_release(&rq.headers);
    uc_buf_release(&url);
    return st == UC_OK ? st : fail_with(err, st, attempt);
}

/* ---- protocols on top of the loop --------------------------------------------------------- */

static uc_status parse_json_body(const struct aws_http_response *resp, const char *service,
                                 const char *op, json_t **out, struct aws_error *err)
{
    if (!out)
        return UC_OK;
    if (resp->body.len == 0) {
        *out = json_object();
        return *out ? UC_OK : aws_error_set(err, UC_NOMEM, service, op, "out of memory");
    }
    json_error_t jerr;
    *out = json_loadb(resp->body.data, resp->body.len, 0, &jerr);
    if (!*out)
        return aws_error_set(err, UC_DECODE, service, op, "response is not JSON: %s", jerr.text);
    return UC_OK;
}

uc_status aws_json_call(struct aws_session *s, enum aws_service svc, const char *operation,
                        const json_t *input, const struct aws_call_opts *o, json_t **out,
                        struct aws_error *err)
{
    if (out)
        *out = NULL;
    aws_error_clear(err);
    if (!s || svc != AWS_SVC_ORGANIZATIONS || !operation || (input && !json_is_object(input)))
        return aws_error_set(err, UC_INVALID, aws_service_name(svc), operation,
                             "awsJson1_1 calls are for Organizations with an object input");
    char target[160];
    snprintf(target, sizeof(target), "AWSOrganizationsV20161128.%s", operation);
    char *body = input ? json_dumps(input, JSON_COMPACT) : strdup("{}");
    if (!body)
        return aws_error_set(err, UC_NOMEM, "organizations", operation, "out of memory");
    struct aws_req r = {
        .svc = svc,
        .proto = AWS_PROTO_JSON,
        .operation = operation,
        .method = "POST",
        .path = "/",
        .content_type = "application/x-amz-json-1.1",
        .target = target,
        .body = body,
        .body_len = strlen(body),
        .idempotent = aws_operation_idempotent(operation),
        .creds = &s->cache,
    };
    struct aws_http_response resp;
    aws_http_response_init(&resp);
    uc_status st = aws_send(s->client, &r, o, &resp, err);
    if (st == UC_OK)
        st = parse_json_body(&resp, "organizations", operation, out, err);
    aws_http_response_release(&resp);
    free(body);
    return st;
}

uc_status aws_query_call_with(struct aws_client *c, struct aws_creds_cache *cc,
                              enum aws_service svc, const char *operation, const json_t *input,
                              bool unsigned_request, const struct aws_call_opts *o, json_t **out,
                              struct aws_error *err)
{
    if (out)
        *out = NULL;
    const char *version = svc == AWS_SVC_STS ? "2011-06-15" : svc == AWS_SVC_IAM ? "2010-05-08"
                                                                                 : NULL;
    if (!version || !operation)
        return aws_error_set(err, UC_INVALID, aws_service_name(svc), operation,
                             "awsQuery calls are for STS and IAM");
    struct uc_buf body;
    uc_buf_init(&body);
    struct aws_http_response resp;
    aws_http_response_init(&resp);
    json_t *j = NULL;
    uc_status st = aws_query_encode(&body, operation, version, input);
    if (st != UC_OK) {
        st = aws_error_set(err, st, aws_service_name(svc), operation,
                           "cannot encode the input: %s", uc_status_text(st));
        goto out;
    }
    struct aws_req r = {
        .svc = svc,
        .proto = AWS_PROTO_QUERY,
        .operation = operation,
        .method = "POST",
        .path = "/",
        .content_type = "application/x-www-form-urlencoded; charset=utf-8",
        .body = body.data,
        .body_len = body.len,
        .idempotent = aws_operation_idempotent(operation),
        .unsigned_request = unsigned_request,
        .creds = cc,
    };
    st = aws_send(c, &r, o, &resp, err);
    if (st != UC_OK)
        goto out;
    char rid[128];
    st = aws_query_xml_to_json(resp.body.data, resp.body.len, operation, &j, rid, sizeof(rid));
    if (st != UC_OK) {
        st = aws_error_set(err, st, aws_service_name(svc), operation,
                           "response is not the expected XML");
        goto out;
    }
    if (err && rid[0])
        snprintf(err->request_id, sizeof(err->request_id), "%s", rid);
    if (out) {
        *out = j;
        j = NULL;
    }
out:
    json_decref(j);
    if (body.data)
        memset(body.data, 0, body.len); /* may hold a web identity token */
    uc_buf_release(&body);
    aws_http_response_release(&resp);
    return st;
}

uc_status aws_query_call(struct aws_session *s, enum aws_service svc, const char *operation,
                         const json_t *input, const struct aws_call_opts *o, json_t **out,
                         struct aws_error *err)
{
    aws_error_clear(err);
    if (out)
        *out = NULL;
    if (!s || (input && !json_is_object(input)))
        return aws_error_set(err, UC_INVALID, aws_service_name(svc), operation,
                             "awsQuery input must be a JSON object");
    bool unsig = operation && (strcmp(operation, "AssumeRoleWithWebIdentity") == 0 ||
                               strcmp(operation, "AssumeRoleWithSAML") == 0);
    return aws_query_call_with(s->client, unsig ? NULL : &s->cache, svc, operation, input, unsig,
                               o, out, err);
}

/* Expands "/clusters/{name}/addons/{addonName}" with percent-encoded labels. */
static uc_status expand_path(const char *tmpl, const char *const *labels, size_t n,
                             struct uc_buf *b)
{
    size_t used = 0;
    for (const char *p = tmpl; *p; p++) {
        if (*p != '{') {
            uc_buf_putc(b, *p);
            continue;
        }
        const char *close = strchr(p, '}');
        if (!close || used >= n || !labels[used] || !*labels[used])
            return UC_INVALID;
        aws_uri_encode(b, labels[used], strlen(labels[used]), false);
        used++;
        p = close;
    }
    if (used != n)
        return UC_INVALID;
    return b->err;
}

static uc_status put_query_value(struct uc_buf *b, const char *k, const json_t *v)
{
    char tmp[64];
    const char *s = NULL;
    size_t sl = 0;
    switch (json_typeof(v)) {
    case JSON_STRING:
        s = json_string_value(v);
        sl = json_string_length(v);
        break;
    case JSON_INTEGER:
        snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = tmp;
        sl = strlen(tmp);
        break;
    case JSON_TRUE:
        s = "true";
        sl = 4;
        break;
    case JSON_FALSE:
        s = "false";
        sl = 5;
        break;
    case JSON_NULL:
        return UC_OK;
    default:
        return UC_INVALID;
    }
    if (b->len)
        uc_buf_putc(b, '&');
    aws_uri_encode(b, k, strlen(k), false);
    uc_buf_putc(b, '=');
    aws_uri_encode(b, s, sl, false);
    return b->err;
}

static uc_status encode_query(const json_t *q, struct uc_buf *b)
{
    if (!q)
        return UC_OK;
    if (!json_is_object(q))
        return UC_INVALID;
    const char *k;
    const json_t *v;
    json_object_foreach ((json_t *)q, k, v) {
        uc_status st = UC_OK;
        if (json_is_array(v)) {
            size_t i;
            const json_t *e;
            json_array_foreach (v, i, e) {
                if ((st = put_query_value(b, k, e)) != UC_OK)
                    return st;
            }
        } else if ((st = put_query_value(b, k, v)) != UC_OK) {
            return st;
        }
    }
    return b->err;
}

uc_status aws_rest_call(struct aws_session *s, enum aws_service svc,
                        const struct aws_rest_op *op, const char *const *labels, size_t nlabels,
                        const json_t *query, const json_t *body, const struct aws_call_opts *o,
                        json_t **out, struct aws_error *err)
{
    aws_error_clear(err);
    if (out)
        *out = NULL;
    const char *name = op ? op->name : "rest";
    if (!s || !op || svc != AWS_SVC_EKS || (body && !json_is_object(body)))
        return aws_error_set(err, UC_INVALID, aws_service_name(svc), name,
                             "restJson1 calls are for EKS with an object body");
    struct uc_buf path, qs;
    uc_buf_init(&path);
    uc_buf_init(&qs);
    char *payload = NULL;
    json_t *copy = NULL;
    struct aws_http_response resp;
    aws_http_response_init(&resp);
    uc_status st = expand_path(op->path, labels, nlabels, &path);
    if (st != UC_OK) {
        st = aws_error_set(err, UC_INVALID, "eks", name,
                           "path %s needs %zu non-empty labels", op->path, nlabels);
        goto out;
    }
    if ((st = encode_query(query, &qs)) != UC_OK) {
        st = aws_error_set(err, UC_INVALID, "eks", name,
                           "query members must be strings, numbers, booleans or lists of them");
        goto out;
    }
    bool has_body = body || strcmp(op->method, "POST") == 0 || strcmp(op->method, "PUT") == 0;
    if (op->client_token && has_body &&
        !json_string_value(json_object_get(body, "clientRequestToken"))) {
        /* One token per call, the same on every attempt: retries cannot create twice. */
        copy = body ? json_copy((json_t *)body) : json_object();
        char uuid[37];
        aws_client_uuid(s->client, uuid);
        if (!copy || json_object_set_new(copy, "clientRequestToken", json_string(uuid)) != 0) {
            st = aws_error_set(err, UC_NOMEM, "eks", name, "out of memory");
            goto out;
        }
        body = copy;
    }
    if (has_body) {
        payload = body ? json_dumps(body, JSON_COMPACT) : strdup("{}");
        if (!payload) {
            st = aws_error_set(err, UC_NOMEM, "eks", name, "out of memory");
            goto out;
        }
    }
    bool idem = strcmp(op->method, "GET") == 0 || strcmp(op->method, "DELETE") == 0 ||
                op->client_token || aws_operation_idempotent(op->name);
    struct aws_req r = {
        .svc = svc,
        .proto = AWS_PROTO_REST,
        .operation = name,
        .method = op->method,
        .path = uc_buf_str(&path),
        .query = qs.len ? uc_buf_str(&qs) : NULL,
        .content_type = payload ? "application/json" : NULL,
        .body = payload,
        .body_len = payload ? strlen(payload) : 0,
        .idempotent = idem,
        .creds = &s->cache,
    };
    st = aws_send(s->client, &r, o, &resp, err);
    if (st == UC_OK)
        st = parse_json_body(&resp, "eks", name, out, err);
out:
    json_decref(copy);
    free(payload);
    uc_buf_release(&path);
    uc_buf_release(&qs);
    aws_http_response_release(&resp);
    return st;
}
