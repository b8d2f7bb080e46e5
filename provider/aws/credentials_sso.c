/* credentials_sso.c - IAM Identity Center (AWS SSO) profiles: the access token the AWS CLI
 * caches after `aws sso login`, refreshed through SSO OIDC near its expiry, traded for role
 * credentials at the access portal (GetRoleCredentials).
 *
 * It never starts a login (that needs a browser): a missing, expired or refused token is an
 * error telling the user the command to run. Tokens are secrets: nothing here logs them or puts
 * them in an error message.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "aws_internal.h"
#include "uc_fd.h"

#define SSO_CACHE_MAX (64 * 1024)
#define SSO_TIMEOUT_MS 10000
/* The SDKs refresh a cached SSO token this long before it expires. */
#define SSO_REFRESH_WINDOW_MS (5 * 60 * 1000)

struct sso_provider {
    struct aws_provider base;
    char *profile, *session_name, *start_url, *region, *account_id, *role_name;
};

/* ---- the token cache ------------------------------------------------------------------------ */

/* ~/.aws/sso/cache/<sha1 hex of the session name, or of the start URL for legacy profiles>.json,
 * the name the AWS CLI v2 gives the file. */
static uc_status cache_path(const struct sso_provider *sp, char *out, size_t n)
{
    const char *key = sp->session_name ? sp->session_name : sp->start_url;
    const char *home = aws_env("HOME");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!home)
        return UC_NOTFOUND;
    if (EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha1(), NULL) != 1)
        return UC_CRYPTO;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    if ((size_t)snprintf(out, n, "%s/.aws/sso/cache/%s.json", home, hex) >= n)
        return UC_RANGE;
    return UC_OK;
}

/* The error every unusable-token path ends in: what is wrong and the command that fixes it. */
static uc_status login_needed(const struct sso_provider *sp, struct aws_error *err,
                              const char *why)
{
    return aws_error_set(err, UC_INVALID, "credentials", "sso",
                         "profile %s: %s; run `aws sso login --profile %s` and try again",
                         sp->profile, why, sp->profile);
}

/* "2026-12-04T01:02:03Z", or the older CLI's "2026-12-04T01:02:03UTC", to epoch ms. */
static bool parse_expiry(const char *s, int64_t *out)
{
    char buf[64];
    size_t n = s ? strlen(s) : 0;
    if (n < 4 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n + 1);
    if (strcmp(buf + n - 3, "UTC") == 0)
        memcpy(buf + n - 3, "Z", 2);
    return aws_parse_iso8601_ms(buf, out) == UC_OK;
}

static void format_expiry(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Writes doc back where the CLI keeps it: a private temporary file renamed over the old one,
 * so a concurrent `aws` command never reads half a file. */
static uc_status cache_write(const char *path, const json_t *doc)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.unicron-%ld", path, (long)getpid()) >=
        sizeof(tmp))
        return UC_RANGE;
    char *text = json_dumps(doc, JSON_INDENT(2));
    if (!text)
        return UC_NOMEM;
    uc_status st = UC_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        st = UC_IO;
        goto out;
    }
    if (!uc_write_all(fd, text, strlen(text)))
        st = UC_IO;
    if (close(fd) != 0)
        st = UC_IO;
    if (st == UC_OK && rename(tmp, path) != 0)
        st = UC_IO;
    if (st != UC_OK)
        unlink(tmp);
out:
    memset(text, 0, strlen(text));
    free(text);
    return st;
}

/* ---- SSO OIDC: refresh the access token --------------------------------------------------- */

/* The service's base URL (configured, else host_fmt with the SSO region) without a trailing
 * '/', followed by path. */
static void endpoint_url(struct aws_client *c, const char *env_suffix, const char *key,
                         const char *host_fmt, const char *region, const char *path, char *out,
                         size_t n)
{
    char base[512];
    const char *what = NULL;
    const char *url = aws_endpoint_configured(c, env_suffix, key, &what);
    if (url)
        snprintf(base, sizeof(base), "%s", url);
    else
        snprintf(base, sizeof(base), host_fmt, region);
    size_t len = strlen(base);
    while (len > 0 && base[len - 1] == '/')
        base[--len] = '\0';
    snprintf(out, n, "%s%s", base, path);
}

/* CreateToken with the refresh_token grant; on success doc holds the new token and expiry.
 * Any failure leaves doc as it was (the caller decides whether the old token still serves). */
static uc_status refresh_token(struct sso_provider *sp, struct aws_client *c,
                               const struct aws_call_opts *o, json_t *doc)
{
    const char *cid = json_string_value(json_object_get(doc, "clientId"));
    const char *csecret = json_string_value(json_object_get(doc, "clientSecret"));
    const char *rt = json_string_value(json_object_get(doc, "refreshToken"));
    const char *reg_exp = json_string_value(json_object_get(doc, "registrationExpiresAt"));
    int64_t reg_ms = 0;
    if (!cid || !csecret || !rt)
        return UC_NOTFOUND;
    if (reg_exp && parse_expiry(reg_exp, &reg_ms) && reg_ms <= aws_client_now_ms(c))
        return UC_NOTFOUND; /* the client registration itself expired: only a login helps */
    char url[600];
    endpoint_url(c, "SSO_OIDC", "sso_oidc", "https://oidc.%s.amazonaws.com", sp->region, "/token",
                 url, sizeof(url));
    json_t *req = json_pack("{s:s, s:s, s:s, s:s}", "clientId", cid, "clientSecret", csecret,
                            "grantType", "refresh_token", "refreshToken", rt);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body)
        return UC_NOMEM;
    struct aws_headers h;
    struct aws_http_response resp;
    aws_headers_init(&h);
    aws_http_response_init(&resp);
    json_t *ans = NULL;
    uc_status st = aws_headers_add(&h, "Content-Type", "application/json");
    if (st == UC_OK)
        st = aws_http_plain(c, "POST", url, &h, body, SSO_TIMEOUT_MS, o, &resp);
    if (st == UC_OK && resp.status != 200)
        st = UC_REMOTE;
    if (st == UC_OK) {
        ans = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
        const char *at = json_string_value(json_object_get(ans, "accessToken"));
        json_int_t in = json_integer_value(json_object_get(ans, "expiresIn"));
        const char *nrt = json_string_value(json_object_get(ans, "refreshToken"));
        char exp[32];
        if (!at || !*at || in <= 0) {
            st = UC_DECODE;
        } else {
            format_expiry(aws_client_now_ms(c) + (int64_t)in * 1000, exp);
            if (json_object_set_new(doc, "accessToken", json_string(at)) != 0 ||
                json_object_set_new(doc, "expiresAt", json_string(exp)) != 0 ||
                (nrt && json_object_set_new(doc, "refreshToken", json_string(nrt)) != 0))
                st = UC_NOMEM;
        }
    }
    json_decref(ans);
    aws_http_response_release(&resp);
    aws_headers_release(&h);
    memset(body, 0, strlen(body));
    free(body);
    return st;
}

/* ---- the portal: GetRoleCredentials ------------------------------------------------------- */

/* The portal's error as "Code: message", with the message dropped when it quotes the token
 * (a proxy or a broken server may echo the request). */
static void portal_error(const struct aws_http_response *resp, const char *token, char *out,
                         size_t n)
{
    const char *code = aws_headers_get(&resp->headers, "x-amzn-ErrorType");
    json_t *j = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (!msg)
        msg = json_string_value(json_object_get(j, "Message"));
    if (msg && token && *token && strstr(msg, token))
        msg = "(message withheld: it quoted the token)";
    char c[128];
    snprintf(c, sizeof(c), "%s", code ? code : "");
    char *colon = strchr(c, ':'); /* "UnauthorizedException:http://internal.amazon.com/..." */
    if (colon)
        *colon = '\0';
    snprintf(out, n, "%s%s%s (HTTP %ld)", c[0] ? c : "error", msg ? ": " : "", msg ? msg : "",
             resp->status);
    json_decref(j);
}

static uc_status get_role_credentials(struct sso_provider *sp, struct aws_client *c,
                                      const struct aws_call_opts *o, const char *token,
                                      struct aws_credentials **out, struct aws_error *err)
{
    struct uc_buf url;
    struct aws_headers h;
    struct aws_http_response resp;
    json_t *j = NULL;
    char base[600], why[512];
    uc_buf_init_max(&url, 4096);
    aws_headers_init(&h);
    aws_http_response_init(&resp);
    endpoint_url(c, "SSO", "sso", "https://portal.sso.%s.amazonaws.com", sp->region, "", base,
                 sizeof(base));
    uc_buf_puts(&url, base);
    uc_buf_puts(&url, "/federation/credentials?account_id=");
    aws_uri_encode(&url, sp->account_id, strlen(sp->account_id), false);
    uc_buf_puts(&url, "&role_name=");
    aws_uri_encode(&url, sp->role_name, strlen(sp->role_name), false);
    uc_status st = url.err;
    if (st == UC_OK)
        st = aws_headers_add(&h, "x-amz-sso_bearer_token", token);
    if (st == UC_OK)
        st = aws_headers_add(&h, "Accept", "application/json");
    if (st != UC_OK) {
        st = aws_error_set(err, st, "sso", "GetRoleCredentials", "cannot build the request");
        goto out;
    }
    /* Throttling and server errors are retried a few times, like the other credential
     * endpoints; everything else is final. */
    for (int attempt = 0; attempt < 4; attempt++) {
        aws_http_response_reset(&resp);
        st = aws_http_plain(c, "GET", uc_buf_str(&url), &h, NULL, SSO_TIMEOUT_MS, o, &resp);
        if (st == UC_CANCELED)
            break;
        if (st == UC_OK && resp.status != 429 && resp.status < 500)
            break;
        if (aws_clock_sleep_ms(&c->clock, o ? o->cancel : NULL, 200u << attempt) != UC_OK) {
            st = UC_CANCELED;
            break;
        }
    }
    if (st != UC_OK) {
        st = aws_error_set(err, st, "sso", "GetRoleCredentials", "the SSO portal %s: %s", base,
                           st == UC_CANCELED ? "canceled" : resp.net_message);
        goto out;
    }
    if (resp.status == 401) {
        st = login_needed(sp, err, "the SSO portal refused the cached token");
        goto out;
    }
    if (resp.status != 200) {
        portal_error(&resp, token, why, sizeof(why));
        st = aws_error_set(err, UC_REMOTE, "sso", "GetRoleCredentials",
                           "role %s in account %s: %s", sp->role_name, sp->account_id, why);
        if (err)
            err->http_status = (int)resp.status;
        goto out;
    }
    j = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
    json_t *rc = json_object_get(j, "roleCredentials");
    const char *ak = json_string_value(json_object_get(rc, "accessKeyId"));
    const char *sk = json_string_value(json_object_get(rc, "secretAccessKey"));
    const char *tok = json_string_value(json_object_get(rc, "sessionToken"));
    json_t *exp = json_object_get(rc, "expiration");
    if (!ak || !*ak || !sk || !*sk || !tok || !json_is_integer(exp) ||
        json_integer_value(exp) <= 0) {
        st = aws_error_set(err, UC_DECODE, "sso", "GetRoleCredentials",
                           "GetRoleCredentials answer lacks roleCredentials.%s",
                           !ak || !*ak   ? "accessKeyId"
                           : !sk || !*sk ? "secretAccessKey"
                           : !tok        ? "sessionToken"
                                         : "expiration");
        goto out;
    }
    *out = aws_credentials_new(ak, sk, tok, (int64_t)json_integer_value(exp), "sso");
    st = *out ? UC_OK : aws_error_set(err, UC_NOMEM, "sso", "GetRoleCredentials", "out of memory");
out:
    json_decref(j);
    aws_http_response_release(&resp);
    aws_headers_release(&h);
    uc_buf_release(&url);
    return st;
}

/* ---- the provider ---------------------------------------------------------------------------- */

static uc_status sso_fetch(struct aws_provider *p, struct aws_client *c,
                           const struct aws_call_opts *o, struct aws_credentials **out,
                           struct aws_error *err)
{
    struct sso_provider *sp = (struct sso_provider *)p;
    char path[4096];
    char *text = NULL;
    json_t *doc = NULL;
    uc_status st = cache_path(sp, path, sizeof(path));
    if (st != UC_OK) {
        st = login_needed(sp, err, "no home directory to find the SSO token cache in");
        goto out;
    }
    st = aws_read_small_file(path, SSO_CACHE_MAX, &text);
    if (st != UC_OK) {
        st = login_needed(sp, err,
                          st == UC_NOTFOUND ? "no cached SSO token" : "the SSO token cache "
                                                                      "cannot be read");
        goto out;
    }
    doc = json_loads(text, 0, NULL);
    const char *token = json_string_value(json_object_get(doc, "accessToken"));
    int64_t expires = 0;
    if (!token || !*token ||
        !parse_expiry(json_string_value(json_object_get(doc, "expiresAt")), &expires)) {
        st = login_needed(sp, err, "the cached SSO token is malformed");
        goto out;
    }
    int64_t now = aws_client_now_ms(c);
    if (expires - now < SSO_REFRESH_WINDOW_MS && refresh_token(sp, c, o, doc) == UC_OK) {
        /* A cache we cannot write back only costs a refresh next time. */
        (void)cache_write(path, doc);
        token = json_string_value(json_object_get(doc, "accessToken"));
        parse_expiry(json_string_value(json_object_get(doc, "expiresAt")), &expires);
    }
    if (expires <= now) {
        st = login_needed(sp, err, "the SSO session has expired");
        goto out;
    }
    st = get_role_credentials(sp, c, o, token, out, err);
out:
    json_decref(doc);
    if (text) {
        memset(text, 0, strlen(text));
        free(text);
    }
    return st;
}

static void sso_destroy(struct aws_provider *p)
{
    struct sso_provider *sp = (struct sso_provider *)p;
    free(sp->profile);
    free(sp->session_name);
    free(sp->start_url);
    free(sp->region);
    free(sp->account_id);
    free(sp->role_name);
    free(sp);
}

struct aws_provider *aws_provider_sso_new(const char *profile, const char *session_name,
                                          const char *start_url, const char *sso_region,
                                          const char *account_id, const char *role_name)
{
    struct sso_provider *sp = calloc(1, sizeof(*sp));
    if (!sp)
        return NULL;
    sp->base.name = "sso";
    sp->base.fetch = sso_fetch;
    sp->base.destroy = sso_destroy;
    bool fail = false;
    sp->profile = aws_strdup_opt(profile, &fail);
    sp->session_name = aws_strdup_opt(session_name, &fail);
    sp->start_url = aws_strdup_opt(start_url, &fail);
    sp->region = aws_strdup_opt(sso_region, &fail);
    sp->account_id = aws_strdup_opt(account_id, &fail);
    sp->role_name = aws_strdup_opt(role_name, &fail);
    if (fail || !sp->profile || !sp->start_url || !sp->region || !sp->account_id ||
        !sp->role_name) {
        sso_destroy(&sp->base);
        return NULL;
    }
    return &sp->base;
}
