/* test_aws_eks.c - the EKS token (presigned GetCallerIdentity URL, base64url without padding,
 * x-k8s-aws-id signed) and the generic waiter (target, failure, deadline, cancellation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <time.h>

#include "aws_eks.h"
#include "aws_sigv4.h"
#include "aws_waiter.h"
#include "test_aws_fake.h"

/* Decodes base64url without padding. */
static char *b64url_decode(const char *s)
{
    size_t n = strlen(s);
    char *t = malloc(n + 4);
    for (size_t i = 0; i < n; i++)
        t[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    size_t k = n;
    while (k % 4)
        t[k++] = '=';
    t[k] = '\0';
    unsigned char *out = malloc(k);
    int l = EVP_DecodeBlock(out, (unsigned char *)t, (int)k);
    assert_true(l >= 0);
    for (size_t i = k; i > n; i--)
        l--;
    out[l] = '\0';
    free(t);
    return (char *)out;
}

static void test_token_format(void **state)
{
    (void)state;
    struct aws_credentials *cr =
        aws_credentials_new("ASIAEXAMPLE", "secret/key+x", "tok/en+=", 0, "test");
    char *tok = NULL;
    assert_int_equal(aws_eks_token_presign(cr, "https://sts.eu-west-1.amazonaws.com", "eu-west-1",
                                           "demo", 1767225600, &tok),
                     UC_OK);
    assert_memory_equal(tok, "k8s-aws-v1.", 11);
    assert_null(strpbrk(tok + 11, "=+/"));
    assert_true(strlen(tok) < 4096);
    char *url = b64url_decode(tok + 11);
    const char *want_prefix =
        "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
        "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=ASIAEXAMPLE%2F20260101%2Feu-west-1%2Fsts%2Faws4_request"
        "&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"
        "&X-Amz-Expires=60&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-Signature=";
    if (strncmp(url, want_prefix, strlen(want_prefix)) != 0)
        fail_msg("url: %s", url);
    const char *sig = url + strlen(want_prefix);
    assert_int_equal(strlen(sig), 64);
    assert_int_equal(strspn(sig, "0123456789abcdef"), 64);
    /* The same request signed independently gives the same signature. */
    struct aws_headers h;
    aws_headers_init(&h);
    aws_headers_add(&h, "host", "sts.eu-west-1.amazonaws.com");
    aws_headers_add(&h, "x-k8s-aws-id", "demo");
    struct aws_sigv4_params p = {.method = "GET",
                                 .path = "/",
                                 .query = "Action=GetCallerIdentity&Version=2011-06-15",
                                 .region = "eu-west-1",
                                 .service = "sts",
                                 .time = 1767225600,
                                 .creds = {"ASIAEXAMPLE", "secret/key+x", "tok/en+="},
                                 .normalize_path = true,
                                 .expires = 60};
    struct aws_sigv4_result r;
    aws_sigv4_result_init(&r);
    assert_int_equal(aws_sigv4_presign(&p, &h, &r), UC_OK);
    assert_string_equal(sig, r.signature);
    /* Signed headers are listed, the header itself is not in the URL. */
    assert_null(strstr(url, "x-k8s-aws-id=demo"));
    aws_sigv4_result_release(&r);
    aws_headers_release(&h);
    free(url);
    free(tok);
    assert_int_equal(aws_eks_token_presign(cr, "ftp://x", "eu-west-1", "demo", 1, &tok),
                     UC_DECODE);
    assert_int_equal(aws_eks_token_presign(cr, "https://sts.x", "eu-west-1", "", 1, &tok),
                     UC_INVALID);
    aws_credentials_unref(cr);
}

static int setup(void **state)
{
    struct fake_env *e = fake_env_new();
    assert_non_null(e);
    struct aws_config cfg;
    fake_config(e, &cfg, "us-east-1", "test", "test", 9);
    cfg.endpoints[AWS_SVC_STS] = "http://127.0.0.1:4599";
    struct aws_error err;
    e->c = aws_client_new(&cfg, &err);
    assert_non_null(e->c);
    *state = e;
    return 0;
}

static void test_token_from_session(void **state)
{
    struct fake_env *e = *state;
    char *tok = NULL;
    int64_t exp = 0;
    struct aws_error err;
    assert_int_equal(aws_eks_token(aws_client_session(e->c), "demo", NULL, &tok, &exp, &err),
                     UC_OK);
    assert_int_equal(exp, e->fc.wall_ms + AWS_EKS_TOKEN_LIFETIME_MS);
    char *url = b64url_decode(tok + 11);
    /* Against a custom STS endpoint the URL points there, signed with the client region. */
    assert_memory_equal(url, "http://127.0.0.1:4599/?Action=GetCallerIdentity", 47);
    assert_non_null(strstr(url, "%2Fus-east-1%2Fsts%2Faws4_request"));
    assert_null(strstr(url, "X-Amz-Security-Token")); /* long-term keys */
    assert_int_equal(e->ft.nreq, 0);                  /* no network for a token */
    free(url);
    free(tok);
}

/* ---- waiters ------------------------------------------------------------------------------- */

struct script {
    const char *const *statuses;
    int n, i;
    uc_status fail_with;
};

static uc_status poll_script(void *ctx, const struct aws_call_opts *o, char *status, size_t n,
                             enum aws_wait_result *res, struct aws_error *err)
{
    (void)o;
    struct script *s = ctx;
    if (s->fail_with != UC_OK && s->i == 1)
        return aws_error_set(err, s->fail_with, "eks", "DescribeCluster", "poll failed");
    const char *st = s->statuses[s->i < s->n ? s->i : s->n - 1];
    s->i++;
    snprintf(status, n, "%s", st);
    (void)res;
    return UC_OK;
}

static const char *const active[] = {"ACTIVE", NULL};
static const char *const failed[] = {"FAILED", "DELETING", NULL};

static void test_wait_success_and_failure(void **state)
{
    struct fake_env *e = *state;
    const char *const seq[] = {"CREATING", "CREATING", "CREATING", "ACTIVE"};
    struct script s = {seq, 4, 0, UC_OK};
    struct aws_waiter w = {"EKS cluster demo to become ACTIVE", poll_script, &s, active, failed,
                           1000, 8000};
    char last[64];
    struct aws_error err;
    assert_int_equal(aws_wait(e->c, &w, NULL, last, sizeof(last), &err), UC_OK);
    assert_string_equal(last, "ACTIVE");
    assert_int_equal(s.i, 4);
    assert_int_equal(e->fc.sleeps, 3);
    assert_true(e->fc.slept_ms >= 3000 && e->fc.slept_ms <= 1000 + 2000 + 4000);

    const char *const seq2[] = {"CREATING", "FAILED"};
    struct script s2 = {seq2, 2, 0, UC_OK};
    w.ctx = &s2;
    assert_int_equal(aws_wait(e->c, &w, NULL, last, sizeof(last), &err), UC_REMOTE);
    assert_string_equal(err.code, "WaiterFailure");
    assert_non_null(strstr(err.message, "FAILED"));
    assert_non_null(strstr(err.message, "EKS cluster demo"));

    struct script s3 = {seq, 4, 0, UC_REMOTE};
    w.ctx = &s3;
    assert_int_equal(aws_wait(e->c, &w, NULL, last, sizeof(last), &err), UC_REMOTE);
    assert_string_equal(err.message, "poll failed");
    assert_string_equal(last, "CREATING");
}

static void test_wait_deadline(void **state)
{
    struct fake_env *e = *state;
    const char *const seq[] = {"UPDATING"};
    struct script s = {seq, 1, 0, UC_OK};
    struct aws_waiter w = {"node group ng1 to become ACTIVE", poll_script, &s, active, NULL, 2000,
                           30000};
    struct aws_call_opts o = {.deadline_ms = e->fc.mono_ms + 60000};
    char last[64];
    struct aws_error err;
    assert_int_equal(aws_wait(e->c, &w, &o, last, sizeof(last), &err), UC_TIMEOUT);
    assert_string_equal(err.code, "WaiterTimeout");
    assert_non_null(strstr(err.message, "last status: UPDATING"));
    assert_true(e->fc.mono_ms <= o.deadline_ms);
    assert_true(s.i >= 3);
}

struct canceller {
    struct uc_cancel *cancel;
};

static void *cancel_soon(void *arg)
{
    struct canceller *k = arg;
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    uc_cancel_trigger(k->cancel);
    return NULL;
}

static void test_wait_cancel_is_prompt(void **state)
{
    (void)state;
    /* Real clock: a waiter sleeping a minute between polls must return when StopProvider
     * fires, not after the minute. */
    struct fake_transport ft;
    fake_init(&ft);
    struct aws_config cfg;
    aws_config_init(&cfg);
    cfg.region = "us-east-1";
    cfg.transport = &ft.base;
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    const char *const seq[] = {"CREATING"};
    struct script s = {seq, 1, 0, UC_OK};
    struct aws_waiter w = {"add-on vpc-cni to become ACTIVE", poll_script, &s, active, NULL,
                           60000, 60000};
    struct uc_cancel *cancel = uc_cancel_new();
    struct canceller k = {cancel};
    pthread_t th;
    pthread_create(&th, NULL, cancel_soon, &k);
    struct aws_call_opts o = {.cancel = cancel};
    uint64_t t0 = uc_clock_monotonic_ms();
    char last[64];
    assert_int_equal(aws_wait(c, &w, &o, last, sizeof(last), &err), UC_CANCELED);
    uint64_t took = uc_clock_monotonic_ms() - t0;
    pthread_join(th, NULL);
    assert_true(took < 30000);
    assert_non_null(strstr(err.message, "last status: CREATING"));
    uc_cancel_free(cancel);
    aws_client_free(c);
    fake_release(&ft);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_format),
        cmocka_unit_test_setup_teardown(test_token_from_session, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_wait_success_and_failure, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_wait_deadline, setup, fake_env_teardown),
        cmocka_unit_test(test_wait_cancel_is_prompt),
    };
    return cmocka_run_group_tests_name("aws_eks", tests, NULL, NULL);
}
