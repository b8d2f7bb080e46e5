/* client.c - the AWS client's lifecycle: configuration copy and checks, the random source and
 * skew-corrected clock, lazy resolution (environment, shared files, region, endpoints) and the
 * sessions, one per account, each with its own credentials cache.
 *
 * Thread-safe after aws_client_new. No I/O in aws_client_new, no secret ever logged, and no
 * request sent from here: requests go through aws_send (send.c).
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_internal.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_ATTEMPT_TIMEOUT_MS 60000
#define DEFAULT_ACCOUNT_ROLE_WAIT_MS (5 * 60 * 1000)

/* ---- configuration copy ------------------------------------------------------------------- */

char *aws_strdup_opt(const char *s, bool *fail)
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
        out[i] = aws_strdup_opt(v[i], fail);
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
    for (size_t i = 0; i < cfg->n_assume_roles; i++) {
        const struct aws_assume_role_params *ar = &cfg->assume_roles[i];
        if (!ar->role_arn || !*ar->role_arn) {
            aws_error_set(err, UC_INVALID, "config", "assume_role",
                          "assume_role %zu has no role_arn", i + 1);
            return NULL;
        }
        if (ar->duration_seconds != 0 &&
            (ar->duration_seconds < 900 || ar->duration_seconds > 43200)) {
            aws_error_set(err, UC_INVALID, "config", "assume_role",
                          "assume_role duration must be between 15 minutes and 12 hours");
            return NULL;
        }
    }
    struct aws_client *c = calloc(1, sizeof(*c));
    if (!c) {
        aws_error_set(err, UC_NOMEM, "config", "new", "out of memory");
        return NULL;
    }
    bool fail = false;
    c->region_cfg = aws_strdup_opt(cfg->region, &fail);
    c->profile_cfg = aws_strdup_opt(cfg->profile, &fail);
    c->access_key = aws_strdup_opt(cfg->access_key, &fail);
    c->secret_key = aws_strdup_opt(cfg->secret_key, &fail);
    c->token = aws_strdup_opt(cfg->token, &fail);
    c->config_files = dup_list(cfg->shared_config_files, cfg->n_shared_config_files, &fail);
    c->n_config_files = c->config_files ? cfg->n_shared_config_files : 0;
    c->cred_files = dup_list(cfg->shared_credentials_files, cfg->n_shared_credentials_files,
                             &fail);
    c->n_cred_files = c->cred_files ? cfg->n_shared_credentials_files : 0;
    c->wi_role_arn = aws_strdup_opt(cfg->assume_role_with_web_identity.role_arn, &fail);
    c->wi_token_file = aws_strdup_opt(cfg->assume_role_with_web_identity.web_identity_token_file,
                                   &fail);
    c->wi_session_name = aws_strdup_opt(cfg->assume_role_with_web_identity.session_name, &fail);
    for (int s = 0; s < AWS_SVC_COUNT; s++)
        c->endpoints_cfg[s] = aws_strdup_opt(cfg->endpoints[s], &fail);
    c->account_role = aws_strdup_opt(role, &fail);
    c->max_attempts = (cfg->max_retries < 0 ? AWS_DEFAULT_MAX_RETRIES : cfg->max_retries) + 1;
    c->attempts_explicit = cfg->max_retries >= 0;
    c->mode = mode;
    c->mode_explicit = cfg->retry_mode && *cfg->retry_mode;
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
    /* Each assume_role block assumes its role with the session of the one before. */
    struct aws_provider *top = chain;
    for (size_t i = 0; top && i < cfg->n_assume_roles; i++) {
        struct aws_creds_cache *src = malloc(sizeof(*src));
        if (!src) {
            aws_provider_free(top);
            top = NULL;
            break;
        }
        aws_creds_cache_init(src, top);
        top = aws_provider_assume_role_new(src, true, &cfg->assume_roles[i], 0);
        if (!top) {
            aws_creds_cache_release(src);
            free(src);
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

/* AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, else the profile's max_attempts / retry_mode, as the AWS
 * SDKs read them; the provider block's max_retries / retry_mode win over both. "legacy" (an
 * SDK mode older than "standard") is taken as "standard". */
static uc_status resolve_retry(struct aws_client *c, const struct aws_profile *prof,
                               struct aws_error *err)
{
    if (!c->attempts_explicit) {
        const char *v = aws_env("AWS_MAX_ATTEMPTS"), *what = "AWS_MAX_ATTEMPTS";
        if (!v) {
            v = aws_profile_get(prof, "max_attempts");
            what = "the profile's max_attempts";
        }
        if (v) {
            char *end = NULL;
            long n = strtol(v, &end, 10);
            if (!end || *end || n < 1 || n > 101)
                return aws_error_set(err, UC_INVALID, "config", "max_attempts",
                                     "%s must be a whole number from 1 to 101, not \"%s\"", what,
                                     v);
            c->max_attempts = (int)n;
        }
    }
    if (!c->mode_explicit) {
        const char *v = aws_env("AWS_RETRY_MODE"), *what = "AWS_RETRY_MODE";
        if (!v) {
            v = aws_profile_get(prof, "retry_mode");
            what = "the profile's retry_mode";
        }
        if (v && strcasecmp(v, "legacy") == 0)
            v = "standard";
        if (v && aws_retry_mode_parse(v, &c->mode) != UC_OK)
            return aws_error_set(err, UC_INVALID, "config", "retry_mode",
                                 "%s must be \"standard\", \"adaptive\" or \"legacy\", not "
                                 "\"%s\"",
                                 what, v);
    }
    return UC_OK;
}

uc_status aws_client_resolve_locked_once(struct aws_client *c, struct aws_error *err)
{
    uc_status st = UC_OK;
    pthread_mutex_lock(&c->mu);
    if (c->resolved)
        goto out;
    const char *prof_name = c->profile_cfg ? c->profile_cfg : aws_env("AWS_PROFILE");
    c->profile_explicit = prof_name != NULL;
    snprintf(c->profile, sizeof(c->profile), "%s", prof_name ? prof_name : "default");
    aws_profiles_release(&c->profiles);
    st = load_files(c, c->config_files, c->n_config_files, "AWS_CONFIG_FILE", "~/.aws/config",
                    true, err);
    if (st == UC_OK)
        st = load_files(c, c->cred_files, c->n_cred_files, "AWS_SHARED_CREDENTIALS_FILE",
                        "~/.aws/credentials", false, err);
    if (st != UC_OK)
        goto out;
    const struct aws_profile *prof = aws_profiles_find(&c->profiles, c->profile);
    if ((st = resolve_retry(c, prof, err)) != UC_OK)
        goto out;
    const char *region = c->region_cfg;
    if (!region)
        region = aws_env("AWS_REGION");
    if (!region)
        region = aws_env("AWS_DEFAULT_REGION");
    if (!region)
        region = aws_profile_get(prof, "region");
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
        struct aws_assume_role_params params = {.role_arn = arn, .session_name = session};
        ap->inner = aws_provider_assume_role_new(&c->base.cache, false, &params,
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
