/* test_aws_creds.c - the credential chain: order and every source (provider arguments,
 * environment, shared files with role_arn/source_profile/credential_source/credential_process,
 * web identity, container, IMDS), profile endpoint_url / services sections and retry settings
 * (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, max_attempts, retry_mode), assume_role chains, lazy
 * resolution, refresh before expiry, and cross-account sessions (caching, AccessDenied wait and its per-call bound, single flight across threads).
 * Uses temporary files, the environment, a fake transport (STS / container / IMDS answers) and
 * a fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws_client.h"
#include "test_aws_fake.h"

static const char *const aws_env_vars[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_EKS", "AWS_ENDPOINT_URL_ORGANIZATIONS",
    "AWS_STS_REGIONAL_ENDPOINTS", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", NULL,
};

struct sts_fake {
    int assume_calls, webid_calls, denied_left, imds_calls, container_calls;
    bool always_denied;
    /* Answers to the next AssumeRole calls, one letter each: 'D' AccessDenied, 'T' Throttling
     * (x-amz-retry-after: 4000), 'O' success; when used up, the rules above apply. */
    const char *script;
    char last_body[4096];
    char last_auth[512];
    char last_url[4096];
    int64_t *wall_ms; /* to mint expirations relative to the fake clock */
    /* When gate is set, AssumeRole blocks until gate is cleared (a slow fetch in flight). */
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    bool gate, gate_entered;
};

struct env {
    struct fake_transport ft;
    struct fake_clock fc;
    struct aws_clock clock;
    struct sts_fake sts;
    char dir[256];
    char config[300], creds[300];
    const char *config_list[1], *creds_list[1];
};

static void iso(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Answers STS AssumeRole / AssumeRoleWithWebIdentity, container and IMDS requests. */
static uc_status handler(void *ctx, const struct fake_req *req, struct aws_http_response *resp)
{
    struct sts_fake *s = ctx;
    char exp[32];
    iso(*s->wall_ms + 3600 * 1000, exp);
    snprintf(s->last_body, sizeof(s->last_body), "%s", req->body);
    snprintf(s->last_url, sizeof(s->last_url), "%s", req->url);
    const char *auth = aws_headers_get(&req->headers, "Authorization");
    snprintf(s->last_auth, sizeof(s->last_auth), "%s", auth ? auth : "");
    if (strstr(req->url, "169.254.170.2") || strstr(req->url, "127.0.0.1:9911")) {
        s->container_calls++;
        resp->status = 200;
        uc_buf_printf(&resp->body,
                      "{\"AccessKeyId\":\"ASIACONTAINER\",\"SecretAccessKey\":\"cs\",\"Token\":"
                      "\"ct\",\"Expiration\":\"%s\",\"RoleArn\":\"arn:aws:iam::1:role/task\"}",
                      exp);
        return UC_OK;
    }
    if (strstr(req->url, "169.254.169.254")) {
        s->imds_calls++;
        if (strcmp(req->method, "PUT") == 0) {
            resp->status = 200;
            uc_buf_puts(&resp->body, "imds-session-token");
        } else if (!aws_headers_get(&req->headers, "X-aws-ec2-metadata-token")) {
            resp->status = 401;
        } else if (strstr(req->url, "security-credentials/web-role")) {
            resp->status = 200;
            uc_buf_printf(&resp->body,
                          "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":"
                          "\"ASIAIMDS\",\"SecretAccessKey\":\"is\",\"Token\":\"it\","
                          "\"Expiration\":\"%s\"}",
                          exp);
        } else {
            resp->status = 200;
            uc_buf_puts(&resp->body, "web-role\n");
        }
        return UC_OK;
    }
    bool webid = strstr(req->body, "Action=AssumeRoleWithWebIdentity") != NULL;
    if (strstr(req->body, "Action=AssumeRole") == NULL) {
        resp->status = 400;
        uc_buf_puts(&resp->body, "<ErrorResponse><Error><Code>InvalidAction</Code></Error>"
                                 "</ErrorResponse>");
        return UC_OK;
    }
    if (webid)
        s->webid_calls++;
    else
        s->assume_calls++;
    pthread_mutex_lock(&s->gate_mu);
    if (s->gate && !webid) {
        s->gate_entered = true;
        pthread_cond_broadcast(&s->gate_cv);
        while (s->gate)
            pthread_cond_wait(&s->gate_cv, &s->gate_mu);
    }
    pthread_mutex_unlock(&s->gate_mu);
    char scripted = !webid && s->script && *s->script ? *s->script++ : '\0';
    if (scripted == 'T') {
        resp->status = 400;
        fake_set_headers(resp, "x-amz-retry-after: 4000");
        uc_buf_puts(&resp->body,
                    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
                    "<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
                    "</Error><RequestId>t</RequestId></ErrorResponse>");
        return UC_OK;
    }
    if (scripted == 'D' || (!scripted && !webid && (s->always_denied || s->denied_left > 0))) {
        if (!scripted && s->denied_left > 0)
            s->denied_left--;
        resp->status = 403;
        uc_buf_puts(&resp->body,
                    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
                    "<Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized "
                    "to perform: sts:AssumeRole</Message></Error><RequestId>d</RequestId>"
                    "</ErrorResponse>");
        return UC_OK;
    }
    const char *op = webid ? "AssumeRoleWithWebIdentity" : "AssumeRole";
    resp->status = 200;
    uc_buf_printf(&resp->body,
                  "<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><%sResult>"
                  "<Credentials><AccessKeyId>ASIA%s%d</AccessKeyId><SecretAccessKey>sk"
                  "</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>%s</Expiration>"
                  "</Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>"
                  "<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></%sResult>"
                  "<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></%sResponse>",
                  op, op, webid ? "WEB" : "ROLE", webid ? s->webid_calls : s->assume_calls, exp,
                  op, op);
    return UC_OK;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static int setup(void **state)
{
    for (size_t i = 0; aws_env_vars[i]; i++)
        unsetenv(aws_env_vars[i]);
    struct env *e = calloc(1, sizeof(*e));
    fake_init(&e->ft);
    fake_clock_init(&e->fc, &e->clock);
    e->sts.wall_ms = &e->fc.wall_ms;
    pthread_mutex_init(&e->sts.gate_mu, NULL);
    pthread_cond_init(&e->sts.gate_cv, NULL);
    e->ft.handler = handler;
    e->ft.ctx = &e->sts;
    snprintf(e->dir, sizeof(e->dir), "/tmp/uc-aws-creds-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->config, sizeof(e->config), "%s/config", e->dir);
    snprintf(e->creds, sizeof(e->creds), "%s/credentials", e->dir);
    setenv("HOME", e->dir, 1); /* never read the developer's ~/.aws */
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
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
    pthread_cond_destroy(&e->sts.gate_cv);
    pthread_mutex_destroy(&e->sts.gate_mu);
    free(e);
    for (size_t i = 0; aws_env_vars[i]; i++)
        unsetenv(aws_env_vars[i]);
    return 0;
}

static void base_config(struct env *e, struct aws_config *cfg)
{
    aws_config_init(cfg);
    cfg->region = "us-east-1";
    cfg->transport = &e->ft.base;
    cfg->clock = &e->clock;
    cfg->random_seed = 3;
    e->config_list[0] = e->config;
    e->creds_list[0] = e->creds;
    cfg->shared_config_files = e->config_list;
    cfg->n_shared_config_files = 1;
    cfg->shared_credentials_files = e->creds_list;
    cfg->n_shared_credentials_files = 1;
}

/* Resolves the base session's credentials and checks their source and key. */
static void expect_creds(struct aws_client *c, uc_status want_st, const char *source,
                         const char *akid)
{
    struct aws_credentials *cr = NULL;
    struct aws_error err;
    uc_status st = aws_session_credentials(aws_client_session(c), NULL, &cr, &err);
    if (st != want_st)
        fail_msg("status %s, want %s: %s", uc_status_name(st), uc_status_name(want_st),
                 err.message);
    if (st == UC_OK) {
        assert_string_equal(cr->source, source);
        if (akid)
            assert_string_equal(cr->access_key_id, akid);
    }
    aws_credentials_unref(cr);
}

static void test_lazy_and_static_first(void **state)
{
    struct env *e = *state;
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.access_key = "AKIDSTATIC";
    cfg.secret_key = "s";
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    assert_non_null(c);
    assert_int_equal(e->ft.nreq, 0);
    assert_string_equal(aws_client_region(c), ""); /* nothing resolved yet */
    /* Environment set after ConfigureProvider is still seen (nothing read early)... */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "e", 1);
    /* ... but provider arguments come first. */
    expect_creds(c, UC_OK, "static", "AKIDSTATIC");
    assert_string_equal(aws_client_region(c), "us-east-1");
    assert_int_equal(e->ft.nreq, 0);
    aws_client_free(c);
    /* Only one of the pair is a configuration error. */
    base_config(e, &cfg);
    cfg.access_key = "AKIDSTATIC";
    c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_INVALID, NULL, NULL);
    aws_client_free(c);
}

static void test_environment(void **state)
{
    struct env *e = *state;
    write_file(e->creds, "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = f\n",
               0600);
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "e", 1);
    setenv("AWS_SESSION_TOKEN", "envtoken", 1);
    struct aws_config cfg;
    base_config(e, &cfg);
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    struct aws_credentials *cr = NULL;
    assert_int_equal(aws_session_credentials(aws_client_session(c), NULL, &cr, &err), UC_OK);
    assert_string_equal(cr->source, "environment");
    assert_string_equal(cr->session_token, "envtoken");
    aws_credentials_unref(cr);
    aws_client_free(c);
    /* A named profile skips the environment keys. */
    setenv("AWS_PROFILE", "default", 1);
    c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_OK, "profile:default", "AKIDFILE");
    aws_client_free(c);
}

static void test_shared_files(void **state)
{
    struct env *e = *state;
    write_file(e->config,
               "# comment\n[default]\nregion = eu-central-1\n"
               "[profile dev]\nregion = eu-west-2 ; inline comment\n"
               "aws_access_key_id = AKIDCONFIG\naws_secret_access_key = c\n"
               "s3 =\n  max_concurrent_requests = 20\n"
               "[sso-session x]\nsso_region = us-east-1\n",
               0600);
    write_file(e->creds, "[dev]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = k\n",
               0600);
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.region = NULL;
    cfg.profile = "dev";
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    /* The credentials file wins over the config file for the same key. */
    expect_creds(c, UC_OK, "profile:dev", "AKIDCREDS");
    assert_string_equal(aws_client_region(c), "eu-west-2");
    aws_client_free(c);
    /* AWS_REGION beats the profile; AWS_PROFILE picks the profile. */
    setenv("AWS_REGION", "ap-south-1", 1);
    cfg.profile = NULL;
    setenv("AWS_PROFILE", "dev", 1);
    c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_OK, "profile:dev", "AKIDCREDS");
    assert_string_equal(aws_client_region(c), "ap-south-1");
    aws_client_free(c);
    /* An explicitly named profile that does not exist is an error, not a fall-through. */
    cfg.profile = "nope";
    c = aws_client_new(&cfg, &err);
    struct aws_credentials *cr = NULL;
    assert_int_equal(aws_session_credentials(aws_client_session(c), NULL, &cr, &err),
                     UC_INVALID);
    assert_non_null(strstr(err.message, "\"nope\""));
    aws_client_free(c);
    /* No region anywhere. */
    unsetenv("AWS_REGION");
    unsetenv("AWS_PROFILE");
    write_file(e->config, "[profile other]\nregion = x\n", 0600);
    cfg.profile = NULL;
    cfg.region = NULL;
    c = aws_client_new(&cfg, &err);
    assert_int_equal(aws_client_resolve(c, &err), UC_INVALID);
    assert_string_equal(err.operation, "region");
    aws_client_free(c);
}

static void test_profile_assume_role_chain(void **state)
{
    struct env *e = *state;
    write_file(e->config,
               "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = b\n"
               "[profile middle]\nrole_arn = arn:aws:iam::111111111111:role/middle\n"
               "source_profile = base\n"
               "[profile admin]\nrole_arn = arn:aws:iam::222222222222:role/admin\n"
               "source_profile = middle\nexternal_id = ext-42\nrole_session_name = me\n"
               "duration_seconds = 1800\n"
               "[profile loop1]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop2\n"
               "[profile loop2]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop1\n"
               "[profile envsrc]\nrole_arn = arn:aws:iam::3:role/e\n"
               "credential_source = Environment\n",
               0600);
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.profile = "admin";
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_OK, "assume-role", "ASIAROLE2");
    assert_int_equal(e->sts.assume_calls, 2);
    /* The last call assumed admin with middle's credentials. */
    assert_non_null(strstr(e->sts.last_body, "RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole"
                                              "%2Fadmin"));
    assert_non_null(strstr(e->sts.last_body, "ExternalId=ext-42"));
    assert_non_null(strstr(e->sts.last_body, "RoleSessionName=me"));
    assert_non_null(strstr(e->sts.last_body, "DurationSeconds=1800"));
    assert_non_null(strstr(e->sts.last_auth, "Credential=ASIAROLE1/"));
    assert_string_equal(e->sts.last_url, "https://sts.us-east-1.amazonaws.com/");
    aws_client_free(c);

    cfg.profile = "loop1";
    c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_INVALID, NULL, NULL);
    aws_client_free(c);

    setenv("AWS_ACCESS_KEY_ID", "AKIDENVSRC", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
    cfg.profile = "envsrc";
    c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_OK, "assume-role", NULL);
    assert_non_null(strstr(e->sts.last_auth, "Credential=AKIDENVSRC/"));
    aws_client_free(c);
}

static void test_credential_process(void **state)
{
    struct env *e = *state;
    char script[400], bad[400], fail[400], cfgtext[2000];
    snprintf(script, sizeof(script), "%s/creds.sh", e->dir);
    snprintf(bad, sizeof(bad), "%s/bad.sh", e->dir);
    snprintf(fail, sizeof(fail), "%s/fail.sh", e->dir);
    write_file(script,
               "#!/bin/sh\necho 'noise' >&2\n"
               "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": "
               "\"p\", \"SessionToken\": \"pt\", \"Expiration\": \"2026-01-01T06:00:00Z\"}'\n",
               0700);
    write_file(bad, "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\"}'\n", 0700);
    write_file(fail, "#!/bin/sh\nexit 3\n", 0700);
    snprintf(cfgtext, sizeof(cfgtext),
             "[profile proc]\ncredential_process = %s --flag\n"
             "[profile bad]\ncredential_process = %s\n[profile fail]\ncredential_process = %s\n",
             script, bad, fail);
    write_file(e->config, cfgtext, 0600);
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.profile = "proc";
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    struct aws_credentials *cr = NULL;
    assert_int_equal(aws_session_credentials(aws_client_session(c), NULL, &cr, &err), UC_OK);
    assert_string_equal(cr->access_key_id, "AKIDPROC");
    assert_string_equal(cr->session_token, "pt");
    assert_int_equal(cr->expiration_ms, 1767225600000LL + 6 * 3600 * 1000);
    aws_credentials_unref(cr);
    aws_client_free(c);
    cfg.profile = "bad";
    c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_DECODE, NULL, NULL);
    aws_client_free(c);
    cfg.profile = "fail";
    c = aws_client_new(&cfg, &err);
    assert_int_equal(aws_session_credentials(aws_client_session(c), NULL, &cr, &err), UC_REMOTE);
    assert_non_null(strstr(err.message, "status 3"));
    aws_client_free(c);
}

static void test_web_identity(void **state)
{
    struct env *e = *state;
    char tok[300];
    snprintf(tok, sizeof(tok), "%s/token", e->dir);
    write_file(tok, "eyJhbGciOi.web.token\n", 0600);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci", 1);
    struct aws_config cfg;
    base_config(e, &cfg);
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_OK, "web-identity", "ASIAWEB1");
    assert_non_null(strstr(e->sts.last_body, "WebIdentityToken=eyJhbGciOi.web.token&") ||
                    strstr(e->sts.last_body, "WebIdentityToken=eyJhbGciOi.web.token"));
    assert_string_equal(e->sts.last_auth, ""); /* unsigned */
    aws_client_free(c);
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");
    /* The provider's assume_role_with_web_identity block, then the provider's assume_role. */
    base_config(e, &cfg);
    cfg.assume_role_with_web_identity.role_arn = "arn:aws:iam::123456789012:role/oidc";
    cfg.assume_role_with_web_identity.web_identity_token_file = tok;
    cfg.assume_role_with_web_identity.session_name = "tf";
    const struct aws_assume_role_params deploy = {.role_arn =
                                                      "arn:aws:iam::999999999999:role/deploy"};
    cfg.assume_roles = &deploy;
    cfg.n_assume_roles = 1;
    c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_OK, "assume-role", "ASIAROLE1");
    assert_int_equal(e->sts.webid_calls, 2);
    assert_non_null(strstr(e->sts.last_auth, "Credential=ASIAWEB2/"));
    aws_client_free(c);
}

static void test_container_and_imds(void **state)
{
    struct env *e = *state;
    struct aws_config cfg;
    base_config(e, &cfg);
    struct aws_error err;
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth", 1);
    struct aws_client *c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_OK, "container", "ASIACONTAINER");
    assert_string_equal(e->sts.last_url, "http://169.254.170.2/v2/credentials/abc");
    assert_string_equal(e->sts.last_auth, "container-auth");
    aws_client_free(c);
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example.com/creds", 1);
    c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_INVALID, NULL, NULL);
    aws_client_free(c);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9911/creds", 1);
    c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_OK, "container", "ASIACONTAINER");
    aws_client_free(c);
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");

    /* Nothing configured and IMDS disabled: a clear error. */
    c = aws_client_new(&cfg, &err);
    struct aws_credentials *cr = NULL;
    assert_int_equal(aws_session_credentials(aws_client_session(c), NULL, &cr, &err),
                     UC_NOTFOUND);
    assert_non_null(strstr(err.message, "no valid credential sources"));
    aws_client_free(c);

    /* IMDSv2: token, role name, credentials. */
    unsetenv("AWS_EC2_METADATA_DISABLED");
    c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_OK, "imds", "ASIAIMDS");
    assert_int_equal(e->sts.imds_calls, 3);
    assert_string_equal(e->sts.last_url,
                        "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
                        "web-role");
    aws_client_free(c);
}

static void test_refresh_before_expiry(void **state)
{
    struct env *e = *state;
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.access_key = "AKIDBASE";
    cfg.secret_key = "b";
    const struct aws_assume_role_params deploy = {
        .role_arn = "arn:aws:iam::123456789012:role/deploy", .duration_seconds = 3600};
    cfg.assume_roles = &deploy;
    cfg.n_assume_roles = 1;
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    expect_creds(c, UC_OK, "assume-role", "ASIAROLE1");
    fake_clock_advance(&e->fc, 50 * 60 * 1000); /* 10 minutes left: still cached */
    expect_creds(c, UC_OK, "assume-role", "ASIAROLE1");
    assert_int_equal(e->sts.assume_calls, 1);
    fake_clock_advance(&e->fc, 6 * 60 * 1000); /* 4 minutes left: refreshed */
    expect_creds(c, UC_OK, "assume-role", "ASIAROLE2");
    assert_int_equal(e->sts.assume_calls, 2);
    /* A failed refresh keeps credentials that are still valid for more than a minute. */
    fake_clock_advance(&e->fc, 56 * 60 * 1000);
    e->sts.always_denied = true;
    expect_creds(c, UC_OK, "assume-role", "ASIAROLE2");
    fake_clock_advance(&e->fc, 4 * 60 * 1000); /* expired now: the error surfaces */
    struct aws_credentials *cr = NULL;
    assert_int_equal(aws_session_credentials(aws_client_session(c), NULL, &cr, &err), UC_REMOTE);
    assert_string_equal(err.code, "AccessDenied");
    assert_non_null(strstr(err.message, "arn:aws:iam::123456789012:role/deploy"));
    aws_client_free(c);
}

static void test_cross_account(void **state)
{
    struct env *e = *state;
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.access_key = "test";
    cfg.secret_key = "test";
    cfg.account_role_wait_ms = 60000;
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    assert_null(aws_client_account_session(c, "12345", &err));
    assert_int_equal(err.status, UC_INVALID);
    struct aws_session *a = aws_client_account_session(c, "111122223333", &err);
    struct aws_session *b = aws_client_account_session(c, "111122223333", &err);
    struct aws_session *other = aws_client_account_session(c, "444455556666", &err);
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, other);
    assert_int_equal(e->ft.nreq, 0); /* sessions are lazy */
    /* A brand-new account: AccessDenied twice, then the role is assumable. */
    e->sts.denied_left = 2;
    struct aws_credentials *cr = NULL;
    assert_int_equal(aws_session_credentials(a, NULL, &cr, &err), UC_OK);
    assert_string_equal(cr->access_key_id, "ASIAROLE3");
    aws_credentials_unref(cr);
    assert_non_null(strstr(e->sts.last_body, "RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole"
                                              "%2FOrganizationAccountAccessRole"));
    assert_non_null(strstr(e->sts.last_auth, "Credential=test/"));
    assert_true(e->fc.sleeps >= 2);
    /* Cached: no more STS calls for the same account. */
    assert_int_equal(aws_session_credentials(b, NULL, &cr, &err), UC_OK);
    aws_credentials_unref(cr);
    assert_int_equal(e->sts.assume_calls, 3);
    /* Another account whose role never becomes assumable: bounded wait, then AccessDenied. */
    e->sts.always_denied = true;
    uint64_t t0 = e->fc.mono_ms;
    assert_int_equal(aws_session_credentials(other, NULL, &cr, &err), UC_REMOTE);
    assert_string_equal(err.code, "AccessDenied");
    assert_true(e->fc.mono_ms - t0 <= 60000);
    assert_true(e->fc.mono_ms - t0 >= 30000);
    aws_client_free(c);
}

/* One account session fetch with opts o; returns its status and how long it took (fake ms). */
static uc_status timed_fetch(struct env *e, struct aws_client *c, const char *account,
                             const struct aws_call_opts *o, struct aws_error *err,
                             uint64_t *took_ms)
{
    struct aws_session *s = aws_client_account_session(c, account, err);
    assert_non_null(s);
    struct aws_credentials *cr = NULL;
    uint64_t t0 = e->fc.mono_ms;
    uc_status st = aws_session_credentials(s, o, &cr, err);
    *took_ms = e->fc.mono_ms - t0;
    aws_credentials_unref(cr);
    return st;
}

/* aws_call_opts.access_denied_wait_ms bounds the AccessDenied wait of one call; throttling in
 * the same call is still retried, and the session's later calls wait as long as the client's
 * default (5 minutes here). */
static void test_cross_account_per_call_denied_wait(void **state)
{
    struct env *e = *state;
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.access_key = "test";
    cfg.secret_key = "test";
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    assert_non_null(c);
    uint64_t took = 0;
    int calls = 0;
    const struct aws_call_opts dflt = {.access_denied_wait_ms = 0};
    const struct aws_call_opts quick = {.access_denied_wait_ms = 3000};

    /* 0 = the client's default: five AccessDenied answers (at least 15.5 s of backoff), then
     * the role is assumable. */
    e->sts.script = "DDDDDO";
    assert_int_equal(timed_fetch(e, c, "111111111111", &dflt, &err, &took), UC_OK);
    assert_int_equal(e->sts.assume_calls, 6);
    assert_true(took >= 15500);

    /* The same answers with a 3 s bound: three tries (backoff 0.5-1 s, 1-2 s, then 2-4 s is
     * over the bound), AccessDenied, within the bound. */
    e->sts.script = "DDDDDO";
    calls = e->sts.assume_calls;
    assert_int_equal(timed_fetch(e, c, "222222222222", &quick, &err, &took), UC_REMOTE);
    assert_string_equal(err.code, "AccessDenied");
    assert_int_equal(e->sts.assume_calls - calls, 3);
    assert_true(took >= 1500 && took <= 3000);
    /* Nothing was cached and the bound was this call's only: the next call waits as usual. */
    calls = e->sts.assume_calls;
    assert_int_equal(timed_fetch(e, c, "222222222222", NULL, &err, &took), UC_OK);
    assert_int_equal(e->sts.assume_calls - calls, 3);
    assert_string_equal(e->sts.script, "");

    /* Throttled first (the server asks for 4 s, more than the bound): retried, then the
     * AccessDenied wait starts and ends as above. The deadline is far away. */
    e->sts.script = "T";
    e->sts.always_denied = true;
    calls = e->sts.assume_calls;
    struct aws_call_opts quick_deadline = quick;
    quick_deadline.deadline_ms = e->fc.mono_ms + 60000;
    assert_int_equal(timed_fetch(e, c, "333333333333", &quick_deadline, &err, &took),
                     UC_REMOTE);
    assert_string_equal(err.code, "AccessDenied");
    assert_int_equal(e->sts.assume_calls - calls, 1 + 3);
    assert_true(took >= 4000 + 1500 && took <= 4000 + 3000);
    e->sts.always_denied = false;

    /* AccessDenied, then a throttle whose retry ends after the AccessDenied bound: the
     * throttle is retried all the same and the role is assumed. */
    e->sts.script = "DTO";
    calls = e->sts.assume_calls;
    quick_deadline.deadline_ms = e->fc.mono_ms + 60000;
    assert_int_equal(timed_fetch(e, c, "444444444444", &quick_deadline, &err, &took), UC_OK);
    assert_int_equal(e->sts.assume_calls - calls, 3);
    assert_true(took > 3000);

    /* The bound never outlasts the call's deadline. */
    e->sts.script = NULL;
    e->sts.always_denied = true;
    const struct aws_call_opts long_wait = {.access_denied_wait_ms = 600000,
                                            .deadline_ms = e->fc.mono_ms + 5000};
    assert_int_not_equal(timed_fetch(e, c, "555555555555", &long_wait, &err, &took), UC_OK);
    assert_string_equal(err.code, "AccessDenied");
    assert_true(took < 5000);
    e->sts.always_denied = false;
    aws_client_free(c);
}

/* Many threads asking at once make one AssumeRole call (single flight). */
struct th_arg {
    struct aws_session *s;
    int ok;
};

static void *grab(void *p)
{
    struct th_arg *a = p;
    struct aws_credentials *cr = NULL;
    struct aws_error err;
    a->ok = aws_session_credentials(a->s, NULL, &cr, &err) == UC_OK;
    aws_credentials_unref(cr);
    return NULL;
}

static void test_concurrent_single_flight(void **state)
{
    struct env *e = *state;
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.access_key = "test";
    cfg.secret_key = "test";
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    struct aws_session *s = aws_client_account_session(c, "777788889999", &err);
    pthread_t th[8];
    struct th_arg args[8];
    for (int i = 0; i < 8; i++) {
        args[i] = (struct th_arg){s, 0};
        pthread_create(&th[i], NULL, grab, &args[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_true(args[i].ok);
    }
    assert_int_equal(e->sts.assume_calls, 1);
    aws_client_free(c);
}

/* A call waiting for another thread's credential fetch honours its own cancel token and
 * deadline: it returns at once (UC_CANCELED / UC_TIMEOUT) while the fetch goes on, and the
 * fetch still caches its result for later calls. */
struct waiter_arg {
    struct aws_session *s;
    struct aws_call_opts o;
    uc_status st;
    struct aws_error err;
    volatile int done;
};

static void *wait_creds(void *p)
{
    struct waiter_arg *a = p;
    struct aws_credentials *cr = NULL;
    a->st = aws_session_credentials(a->s, &a->o, &cr, &a->err);
    aws_credentials_unref(cr);
    __atomic_store_n(&a->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Polls for a->done up to limit_ms of real time. */
static bool wait_done(struct waiter_arg *a, uint64_t limit_ms)
{
    uint64_t t0 = uc_clock_monotonic_ms();
    while (!__atomic_load_n(&a->done, __ATOMIC_SEQ_CST)) {
        if (uc_clock_monotonic_ms() - t0 > limit_ms)
            return false;
        usleep(2000);
    }
    return true;
}

static void test_waiter_honours_cancel_and_deadline(void **state)
{
    struct env *e = *state;
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.access_key = "test";
    cfg.secret_key = "test";
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    struct aws_session *s = aws_client_account_session(c, "123412341234", &err);
    assert_non_null(s);
    struct uc_cancel *tok = uc_cancel_new();
    assert_non_null(tok);

    /* The fetcher: blocks inside AssumeRole until the gate opens. */
    e->sts.gate = true;
    struct waiter_arg fetcher = {.s = s};
    pthread_t tf, tw, td;
    pthread_create(&tf, NULL, wait_creds, &fetcher);
    pthread_mutex_lock(&e->sts.gate_mu);
    while (!e->sts.gate_entered)
        pthread_cond_wait(&e->sts.gate_cv, &e->sts.gate_mu);
    pthread_mutex_unlock(&e->sts.gate_mu);

    /* A waiter whose token fires while it waits. */
    struct waiter_arg canceled = {.s = s, .o = {.cancel = tok}};
    pthread_create(&tw, NULL, wait_creds, &canceled);
    usleep(30000);
    uc_cancel_trigger(tok);
    bool canceled_in_time = wait_done(&canceled, 2000);

    /* A waiter whose deadline (on the client's clock) passes while it waits. */
    struct waiter_arg timed = {.s = s, .o = {.deadline_ms = e->fc.mono_ms + 10000}};
    pthread_create(&td, NULL, wait_creds, &timed);
    usleep(30000);
    fake_clock_advance(&e->fc, 20000);
    bool timed_in_time = wait_done(&timed, 2000);
    bool fetcher_still_running = !__atomic_load_n(&fetcher.done, __ATOMIC_SEQ_CST);

    /* Let the fetch finish (also unblocks the waiters if they did not return). */
    pthread_mutex_lock(&e->sts.gate_mu);
    e->sts.gate = false;
    pthread_cond_broadcast(&e->sts.gate_cv);
    pthread_mutex_unlock(&e->sts.gate_mu);
    pthread_join(tf, NULL);
    pthread_join(tw, NULL);
    pthread_join(td, NULL);

    assert_true(canceled_in_time);
    assert_int_equal(canceled.st, UC_CANCELED);
    assert_int_equal(canceled.err.status, UC_CANCELED);
    assert_non_null(strstr(canceled.err.message, "canceled while waiting"));
    assert_true(timed_in_time);
    assert_int_equal(timed.st, UC_TIMEOUT);
    assert_non_null(strstr(timed.err.message, "deadline"));
    assert_true(fetcher_still_running);
    assert_int_equal(fetcher.st, UC_OK);
    /* The fetch's result was cached: a later call makes no STS call. */
    struct aws_credentials *cr = NULL;
    assert_int_equal(aws_session_credentials(s, NULL, &cr, &err), UC_OK);
    assert_string_equal(cr->access_key_id, "ASIAROLE1");
    aws_credentials_unref(cr);
    assert_int_equal(e->sts.assume_calls, 1);
    uc_cancel_free(tok);
    aws_client_free(c);
}

static void test_endpoint_env_overrides(void **state)
{
    struct env *e = *state;
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4599", 1);
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000/", 1);
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.region = "eu-north-1";
    cfg.access_key = "test";
    cfg.secret_key = "test";
    cfg.endpoints[AWS_SVC_IAM] = "http://iam.local:8080";
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    struct aws_session *s = aws_client_account_session(c, "111122223333", &err);
    struct aws_credentials *cr = NULL;
    assert_int_equal(aws_session_credentials(s, NULL, &cr, &err), UC_OK);
    aws_credentials_unref(cr);
    assert_string_equal(e->sts.last_url, "http://127.0.0.1:5000/");
    assert_non_null(strstr(e->sts.last_auth, "/eu-north-1/sts/aws4_request"));
    aws_client_free(c);
    /* A bad endpoint URL in the provider block is refused at configuration. */
    cfg.endpoints[AWS_SVC_IAM] = "ftp://x";
    assert_null(aws_client_new(&cfg, &err));
    assert_string_equal(err.operation, "endpoints");
}

static void test_assume_role_chain_with_session_policies_and_tags(void **state)
{
    struct env *e = *state;
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.access_key = "AKIDBASE";
    cfg.secret_key = "b";
    static const char *const arns[] = {"arn:aws:iam::aws:policy/ReadOnlyAccess"};
    static const char *const keys[] = {"team", "cost-center"};
    static const char *const vals[] = {"data", "cc 12"};
    static const char *const transitive[] = {"team"};
    const struct aws_assume_role_params chain[] = {
        {.role_arn = "arn:aws:iam::111111111111:role/hop", .session_name = "hop1"},
        {.role_arn = "arn:aws:iam::222222222222:role/deploy",
         .policy = "{\"Version\":\"2012-10-17\"}",
         .policy_arns = arns,
         .n_policy_arns = 1,
         .tag_keys = keys,
         .tag_values = vals,
         .n_tags = 2,
         .transitive_tag_keys = transitive,
         .n_transitive_tag_keys = 1,
         .source_identity = "alice"},
    };
    cfg.assume_roles = chain;
    cfg.n_assume_roles = 2;
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    /* The second hop is assumed with the first hop's session, and carries its parameters. */
    expect_creds(c, UC_OK, "assume-role", "ASIAROLE2");
    assert_int_equal(e->sts.assume_calls, 2);
    assert_non_null(strstr(e->sts.last_auth, "Credential=ASIAROLE1/"));
    const char *b = e->sts.last_body;
    assert_non_null(strstr(b, "RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fdeploy"));
    assert_non_null(strstr(b, "Policy=%7B%22Version%22%3A%222012-10-17%22%7D"));
    assert_non_null(
        strstr(b, "PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess"));
    assert_non_null(strstr(b, "Tags.member.1.Key=team"));
    assert_non_null(strstr(b, "Tags.member.1.Value=data"));
    assert_non_null(strstr(b, "Tags.member.2.Key=cost-center"));
    assert_non_null(strstr(b, "Tags.member.2.Value=cc%2012"));
    assert_non_null(strstr(b, "TransitiveTagKeys.member.1=team"));
    assert_non_null(strstr(b, "SourceIdentity=alice"));
    aws_client_free(c);
    /* A chain link without a role ARN is refused when the client is made. */
    const struct aws_assume_role_params bad[] = {{.role_arn = NULL}};
    cfg.assume_roles = bad;
    cfg.n_assume_roles = 1;
    assert_null(aws_client_new(&cfg, &err));
    assert_string_equal(err.operation, "assume_role");
}

/* Assumes a role in a new account through c; returns the status and leaves the URL of the last
 * STS request in e->sts.last_url. */
static uc_status assume_once(struct aws_client *c, struct aws_error *err)
{
    struct aws_session *s = aws_client_account_session(c, "111122223333", err);
    assert_non_null(s);
    struct aws_credentials *cr = NULL;
    uc_status st = aws_session_credentials(s, NULL, &cr, err);
    aws_credentials_unref(cr);
    return st;
}

static void test_profile_endpoints_and_retry_settings(void **state)
{
    struct env *e = *state;
    write_file(e->config,
               "[profile dev]\nregion = eu-west-1\naws_access_key_id = AKIDDEV\n"
               "aws_secret_access_key = s\nservices = local\n"
               "endpoint_url = http://127.0.0.1:7001\nmax_attempts = 2\n"
               "[services local]\nsts =\n  endpoint_url = http://127.0.0.1:7002\n"
               "iam =\n  endpoint_url = http://127.0.0.1:7003\n"
               "[profile plain]\nregion = eu-west-1\naws_access_key_id = AKIDPLAIN\n"
               "aws_secret_access_key = s\nendpoint_url = http://127.0.0.1:7001\n"
               "retry_mode = sideways\n",
               0600);
    struct aws_config cfg;
    base_config(e, &cfg);
    cfg.region = NULL;
    cfg.profile = "dev";
    struct aws_error err;

    /* The services section names STS's endpoint; the profile's max_attempts (2) bounds a
     * throttled call. */
    e->sts.script = "TTO";
    struct aws_client *c = aws_client_new(&cfg, &err);
    assert_int_equal(assume_once(c, &err), UC_REMOTE);
    assert_string_equal(err.code, "Throttling");
    assert_int_equal(e->sts.assume_calls, 2);
    assert_string_equal(e->sts.last_url, "http://127.0.0.1:7002/");
    aws_client_free(c);

    /* AWS_MAX_ATTEMPTS wins over the profile; AWS_ENDPOINT_URL_STS over the services section. */
    e->sts.script = "TTO";
    e->sts.assume_calls = 0;
    setenv("AWS_MAX_ATTEMPTS", "3", 1);
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:7004", 1);
    c = aws_client_new(&cfg, &err);
    assert_int_equal(assume_once(c, &err), UC_OK);
    assert_int_equal(e->sts.assume_calls, 3);
    assert_string_equal(e->sts.last_url, "http://127.0.0.1:7004/");
    aws_client_free(c);
    unsetenv("AWS_ENDPOINT_URL_STS");

    /* The provider block's max_retries wins over both. */
    e->sts.script = "TTO";
    e->sts.assume_calls = 0;
    cfg.max_retries = 0;
    c = aws_client_new(&cfg, &err);
    assert_int_equal(assume_once(c, &err), UC_REMOTE);
    assert_int_equal(e->sts.assume_calls, 1);
    aws_client_free(c);
    cfg.max_retries = -1;

    /* A bad AWS_MAX_ATTEMPTS is an error that names it. */
    setenv("AWS_MAX_ATTEMPTS", "0", 1);
    c = aws_client_new(&cfg, &err);
    assert_int_equal(assume_once(c, &err), UC_INVALID);
    assert_non_null(strstr(err.message, "AWS_MAX_ATTEMPTS"));
    aws_client_free(c);
    unsetenv("AWS_MAX_ATTEMPTS");

    /* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: back to the real regional endpoint. */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    c = aws_client_new(&cfg, &err);
    assert_int_equal(assume_once(c, &err), UC_OK);
    assert_string_equal(e->sts.last_url, "https://sts.eu-west-1.amazonaws.com/");
    aws_client_free(c);
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");

    /* A profile without a services section: its endpoint_url serves every service; its bad
     * retry_mode is an error naming where it came from, and AWS_RETRY_MODE overrides it. */
    cfg.profile = "plain";
    c = aws_client_new(&cfg, &err);
    assert_int_equal(assume_once(c, &err), UC_INVALID);
    assert_non_null(strstr(err.message, "retry_mode"));
    assert_non_null(strstr(err.message, "sideways"));
    aws_client_free(c);
    setenv("AWS_RETRY_MODE", "adaptive", 1);
    c = aws_client_new(&cfg, &err);
    assert_int_equal(assume_once(c, &err), UC_OK);
    assert_string_equal(e->sts.last_url, "http://127.0.0.1:7001/");
    aws_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lazy_and_static_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_assume_role_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credential_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container_and_imds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_before_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cross_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cross_account_per_call_denied_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_single_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiter_honours_cancel_and_deadline, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_endpoint_env_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_endpoints_and_retry_settings, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_chain_with_session_policies_and_tags,
                                        setup, teardown),
    };
    return cmocka_run_group_tests_name("aws_creds", tests, NULL, NULL);
}
