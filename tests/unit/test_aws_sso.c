/* test_aws_sso.c - IAM Identity Center profiles (credentials_sso.c): sso_session and legacy
 * profiles find the AWS CLI's cached token, trade it at the portal for role credentials, refresh
 * it through SSO OIDC near expiry (writing the cache back), and every unusable token (missing,
 * malformed, expired, refused) is an error that tells the user to run `aws sso login`. No token
 * appears in an error. Uses a temporary HOME, a fake transport and a fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws_client.h"
#include "test_aws_fake.h"

#define NOW_MS 1796000000000LL /* 2026-11-30T00:53:20Z */

struct env {
    struct fake_transport ft;
    struct fake_clock fc;
    struct aws_clock clock;
    char dir[256], config[300], cache[600];
    const char *config_list[1];
    /* fake services */
    const char *valid_token; /* the portal accepts only this one */
    int portal_calls, oidc_calls;
    char last_portal_url[4096], last_oidc_body[2048];
    bool echo_token;         /* the portal quotes the token back in an error */
};

static uc_status handler(void *ctx, const struct fake_req *req, struct aws_http_response *resp)
{
    struct env *e = ctx;
    if (strstr(req->url, "/token")) {
        e->oidc_calls++;
        snprintf(e->last_oidc_body, sizeof(e->last_oidc_body), "%s", req->body);
        if (!strstr(req->body, "\"refreshToken\":\"rt-1\"")) {
            resp->status = 400;
            fake_set_headers(resp, "x-amzn-ErrorType: InvalidGrantException");
            uc_buf_puts(&resp->body, "{\"error\":\"invalid_grant\"}");
            return UC_OK;
        }
        resp->status = 200;
        uc_buf_puts(&resp->body, "{\"accessToken\":\"tok-2\",\"expiresIn\":3600,"
                                 "\"refreshToken\":\"rt-2\",\"tokenType\":\"Bearer\"}");
        e->valid_token = "tok-2";
        return UC_OK;
    }
    e->portal_calls++;
    snprintf(e->last_portal_url, sizeof(e->last_portal_url), "%s", req->url);
    const char *tok = aws_headers_get(&req->headers, "x-amz-sso_bearer_token");
    if (e->echo_token) {
        resp->status = 403;
        fake_set_headers(resp, "x-amzn-ErrorType: ForbiddenException");
        uc_buf_printf(&resp->body, "{\"message\":\"No access for token %s\"}", tok ? tok : "");
        return UC_OK;
    }
    if (!tok || !e->valid_token || strcmp(tok, e->valid_token) != 0) {
        resp->status = 401;
        fake_set_headers(resp, "x-amzn-ErrorType: UnauthorizedException:http://internal/");
        uc_buf_puts(&resp->body, "{\"message\":\"Session token not found or invalid\"}");
        return UC_OK;
    }
    resp->status = 200;
    uc_buf_printf(&resp->body,
                  "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":\"ss\","
                  "\"sessionToken\":\"st\",\"expiration\":%lld}}",
                  (long long)(NOW_MS + 3600 * 1000));
    return UC_OK;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int setup(void **state)
{
    static const char *const vars[] = {"AWS_PROFILE", "AWS_REGION", "AWS_ACCESS_KEY_ID",
                                       "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL",
                                       "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC",
                                       "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", NULL};
    for (size_t i = 0; vars[i]; i++)
        unsetenv(vars[i]);
    struct env *e = calloc(1, sizeof(*e));
    fake_init(&e->ft);
    fake_clock_init(&e->fc, &e->clock);
    e->fc.wall_ms = NOW_MS;
    e->ft.handler = handler;
    e->ft.ctx = e;
    snprintf(e->dir, sizeof(e->dir), "/tmp/uc-aws-sso-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    setenv("HOME", e->dir, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    char sub[400];
    snprintf(sub, sizeof(sub), "mkdir -p '%s/.aws/sso/cache'", e->dir);
    assert_int_equal(system(sub), 0);
    snprintf(e->config, sizeof(e->config), "%s/config", e->dir);
    write_file(e->config,
               "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
               "sso_role_name = PlatformAdmin\nregion = eu-west-1\n"
               "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
               "sso_region = eu-central-1\nsso_registration_scopes = sso:account:access\n"
               "[profile legacy]\nsso_start_url = https://corp.awsapps.com/start\n"
               "sso_region = us-east-1\nsso_account_id = 111122223333\n"
               "sso_role_name = ReadOnly\nregion = eu-west-1\n"
               "[profile broken]\nsso_session = nowhere\nsso_account_id = 1\n"
               "sso_role_name = R\nregion = eu-west-1\n"
               "[profile norole]\nsso_session = corp\nsso_account_id = 111122223333\n"
               "region = eu-west-1\n");
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
    assert_int_equal(system(cmd), 0);
    fake_release(&e->ft);
    free(e);
    return 0;
}

static struct aws_client *client(struct env *e, const char *profile)
{
    struct aws_config cfg;
    aws_config_init(&cfg);
    cfg.transport = &e->ft.base;
    cfg.clock = &e->clock;
    cfg.random_seed = 5;
    cfg.profile = profile;
    e->config_list[0] = e->config;
    cfg.shared_config_files = e->config_list;
    cfg.n_shared_config_files = 1;
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    assert_non_null(c);
    return c;
}

static uc_status creds(struct aws_client *c, struct aws_credentials **cr, struct aws_error *err)
{
    *cr = NULL;
    return aws_session_credentials(aws_client_session(c), NULL, cr, err);
}

/* Points e->cache at the file the AWS CLI v2 writes for key (sha1 hex of the sso-session name,
 * or of the start URL for a legacy profile), computed with sha1sum, independently of the code
 * under test. */
static void locate_cache(struct env *e, const char *key)
{
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | sha1sum | cut -c1-40 > '%s/key'", key,
             e->dir);
    assert_int_equal(system(cmd), 0);
    char keyfile[300];
    snprintf(keyfile, sizeof(keyfile), "%s/key", e->dir);
    char *hex = read_all(keyfile);
    hex[40] = '\0';
    snprintf(e->cache, sizeof(e->cache), "%s/.aws/sso/cache/%s.json", e->dir, hex);
}

static void test_sso_session_profile(void **state)
{
    struct env *e = *state;
    locate_cache(e, "corp");
    write_file(e->cache, "{\"startUrl\":\"https://corp.awsapps.com/start\",\"region\":"
                         "\"eu-central-1\",\"accessToken\":\"tok-1\",\"expiresAt\":"
                         "\"2026-11-30T12:00:00Z\"}");
    e->valid_token = "tok-1";
    struct aws_client *c = client(e, "dev");
    struct aws_credentials *cr = NULL;
    struct aws_error err;
    assert_int_equal(creds(c, &cr, &err), UC_OK);
    assert_string_equal(cr->access_key_id, "ASIASSO");
    assert_string_equal(cr->session_token, "st");
    assert_int_equal(cr->expiration_ms, NOW_MS + 3600 * 1000);
    aws_credentials_unref(cr);
    assert_string_equal(e->last_portal_url,
                        "https://portal.sso.eu-central-1.amazonaws.com/federation/credentials"
                        "?account_id=111122223333&role_name=PlatformAdmin");
    /* Cached until near expiry: no second portal call. */
    assert_int_equal(creds(c, &cr, &err), UC_OK);
    aws_credentials_unref(cr);
    assert_int_equal(e->portal_calls, 1);
    aws_client_free(c);
}

static void test_legacy_profile_and_endpoint_override(void **state)
{
    struct env *e = *state;
    locate_cache(e, "https://corp.awsapps.com/start");
    write_file(e->cache, "{\"startUrl\":\"https://corp.awsapps.com/start\",\"region\":"
                         "\"us-east-1\",\"accessToken\":\"tok-1\",\"expiresAt\":"
                         "\"2026-11-30T12:00:00UTC\"}");
    e->valid_token = "tok-1";
    setenv("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:4566/", 1);
    struct aws_client *c = client(e, "legacy");
    struct aws_credentials *cr = NULL;
    struct aws_error err;
    assert_int_equal(creds(c, &cr, &err), UC_OK);
    aws_credentials_unref(cr);
    assert_string_equal(e->last_portal_url, "http://127.0.0.1:4566/federation/credentials"
                                            "?account_id=111122223333&role_name=ReadOnly");
    unsetenv("AWS_ENDPOINT_URL_SSO");
    aws_client_free(c);
}

static void test_refresh_near_expiry_writes_the_cache(void **state)
{
    struct env *e = *state;
    locate_cache(e, "corp");
    /* Expires in 2 minutes: inside the 5-minute window, so it is refreshed first. */
    write_file(e->cache, "{\"startUrl\":\"https://corp.awsapps.com/start\",\"region\":"
                         "\"eu-central-1\",\"accessToken\":\"tok-1\",\"expiresAt\":"
                         "\"2026-11-30T09:35:20Z\",\"clientId\":\"cid\",\"clientSecret\":"
                         "\"csecret\",\"registrationExpiresAt\":\"2027-01-30T00:00:00Z\","
                         "\"refreshToken\":\"rt-1\"}");
    e->fc.wall_ms = 1796031200000LL; /* 2026-11-30T09:33:20Z */
    e->valid_token = "tok-1";
    struct aws_client *c = client(e, "dev");
    struct aws_credentials *cr = NULL;
    struct aws_error err;
    assert_int_equal(creds(c, &cr, &err), UC_OK);
    aws_credentials_unref(cr);
    assert_int_equal(e->oidc_calls, 1);
    assert_non_null(strstr(e->last_oidc_body, "\"grantType\":\"refresh_token\""));
    assert_non_null(strstr(e->last_oidc_body, "\"clientSecret\":\"csecret\""));
    /* The portal saw the new token, and the cache holds it with the rotated refresh token. */
    const char *cache = read_all(e->cache);
    assert_non_null(strstr(cache, "\"tok-2\""));
    assert_non_null(strstr(cache, "\"rt-2\""));
    assert_non_null(strstr(cache, "2026-11-30T10:33:20Z"));
    struct stat sb;
    assert_int_equal(stat(e->cache, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    aws_client_free(c);
}

static void expect_login_error(struct env *e, const char *profile, const char *why)
{
    struct aws_client *c = client(e, profile);
    struct aws_credentials *cr = NULL;
    struct aws_error err;
    assert_int_equal(creds(c, &cr, &err), UC_INVALID);
    assert_null(cr);
    if (!strstr(err.message, why) || !strstr(err.message, "aws sso login --profile"))
        fail_msg("message: %s", err.message);
    assert_null(strstr(err.message, "tok-"));
    aws_client_free(c);
}

static void test_unusable_tokens_say_run_aws_sso_login(void **state)
{
    struct env *e = *state;
    locate_cache(e, "corp");
    expect_login_error(e, "dev", "no cached SSO token");
    write_file(e->cache, "{\"accessToken\":\"tok-1\"}");
    expect_login_error(e, "dev", "malformed");
    /* Expired, and no refresh token to renew it. */
    write_file(e->cache, "{\"accessToken\":\"tok-1\",\"expiresAt\":\"2026-11-29T00:00:00Z\"}");
    expect_login_error(e, "dev", "expired");
    /* Expired, and the refresh is refused: still the login message, no token in it. */
    write_file(e->cache, "{\"accessToken\":\"tok-1\",\"expiresAt\":\"2026-11-29T00:00:00Z\","
                         "\"clientId\":\"c\",\"clientSecret\":\"s\",\"refreshToken\":\"rt-x\"}");
    expect_login_error(e, "dev", "expired");
    assert_int_equal(e->oidc_calls, 1);
    /* Valid in time but refused by the portal (revoked). */
    write_file(e->cache, "{\"accessToken\":\"tok-9\",\"expiresAt\":\"2026-11-30T12:00:00Z\"}");
    e->valid_token = "tok-1";
    expect_login_error(e, "dev", "refused");
}

static void test_profile_errors_and_echoed_token(void **state)
{
    struct env *e = *state;
    struct aws_client *c = client(e, "broken");
    struct aws_credentials *cr = NULL;
    struct aws_error err;
    assert_int_equal(creds(c, &cr, &err), UC_INVALID);
    assert_non_null(strstr(err.message, "[sso-session nowhere]"));
    aws_client_free(c);
    c = client(e, "norole");
    assert_int_equal(creds(c, &cr, &err), UC_INVALID);
    assert_non_null(strstr(err.message, "sso_role_name"));
    aws_client_free(c);
    /* A portal that quotes the token back: the error keeps the code, drops the message. */
    locate_cache(e, "corp");
    write_file(e->cache, "{\"accessToken\":\"tok-secret\",\"expiresAt\":"
                         "\"2026-11-30T12:00:00Z\"}");
    e->echo_token = true;
    c = client(e, "dev");
    assert_int_equal(creds(c, &cr, &err), UC_REMOTE);
    assert_non_null(strstr(err.message, "ForbiddenException"));
    assert_null(strstr(err.message, "tok-secret"));
    aws_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sso_session_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_profile_and_endpoint_override, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refresh_near_expiry_writes_the_cache, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unusable_tokens_say_run_aws_sso_login, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_profile_errors_and_echoed_token, setup, teardown),
    };
    return cmocka_run_group_tests_name("aws_sso", tests, NULL, NULL);
}
