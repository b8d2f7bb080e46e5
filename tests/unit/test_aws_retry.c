/* test_aws_retry.c - retry decisions, backoff bounds, the retry quota, adaptive rate limiting,
 * and the request loop's behaviour (idempotency, max_retries, deadline, cancellation, clock
 * skew, server hints) with a fake transport and a fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "aws_client.h"
#include "aws_eks.h"
#include "aws_retry.h"
#include "test_aws_fake.h"
/* White-box: the quota and limiter of the client are inspected directly. */
#include "../../provider/aws/aws_internal.h"

/* ---- pure rules (table-driven) --------------------------------------------------------------- */

struct classify_row {
    long status;
    const char *code;
    enum aws_net_error net;
    enum aws_error_class want;
};

static const struct classify_row classify_rows[] = {
    {200, NULL, AWS_NET_NONE, AWS_ERRC_NONE},
    {400, "TooManyRequestsException", AWS_NET_NONE, AWS_ERRC_THROTTLE}, /* Organizations */
    {400, "Throttling", AWS_NET_NONE, AWS_ERRC_THROTTLE},               /* IAM / STS */
    {429, "ThrottlingException", AWS_NET_NONE, AWS_ERRC_THROTTLE},      /* EKS */
    {429, "", AWS_NET_NONE, AWS_ERRC_THROTTLE},                         /* any 429 */
    {503, "RequestLimitExceeded", AWS_NET_NONE, AWS_ERRC_THROTTLE},
    {400, "PriorRequestNotComplete", AWS_NET_NONE, AWS_ERRC_THROTTLE},
    {500, "ServiceException", AWS_NET_NONE, AWS_ERRC_TRANSIENT},
    {502, "", AWS_NET_NONE, AWS_ERRC_TRANSIENT},
    {503, "ServiceUnavailableException", AWS_NET_NONE, AWS_ERRC_TRANSIENT},
    {504, "", AWS_NET_NONE, AWS_ERRC_TRANSIENT},
    {400, "RequestTimeout", AWS_NET_NONE, AWS_ERRC_TRANSIENT},
    {400, "IDPCommunicationError", AWS_NET_NONE, AWS_ERRC_TRANSIENT},
    {409, "LimitExceeded", AWS_NET_NONE, AWS_ERRC_FATAL}, /* IAM quota, not a throttle */
    {404, "NoSuchEntity", AWS_NET_NONE, AWS_ERRC_FATAL},
    {403, "AccessDenied", AWS_NET_NONE, AWS_ERRC_FATAL},
    {400, "ValidationError", AWS_NET_NONE, AWS_ERRC_FATAL},
    {0, NULL, AWS_NET_CONNECT, AWS_ERRC_NOT_SENT},
    {0, NULL, AWS_NET_TIMEOUT, AWS_ERRC_TRANSIENT},
    {0, NULL, AWS_NET_IO, AWS_ERRC_TRANSIENT},
    {0, NULL, AWS_NET_TLS, AWS_ERRC_FATAL},
    {0, NULL, AWS_NET_UNAVAILABLE, AWS_ERRC_FATAL}, /* libcurl cannot be loaded */
};

static void test_classify(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(classify_rows) / sizeof(classify_rows[0]); i++) {
        const struct classify_row *r = &classify_rows[i];
        enum aws_error_class got = aws_retry_classify(r->status, r->code, r->net);
        if (got != r->want)
            fail_msg("row %zu (%ld %s): got %d want %d", i, r->status, r->code ? r->code : "-",
                     got, r->want);
    }
}

struct backoff_row {
    unsigned n;
    bool throttle;
    double rand01;
    uint64_t hint;
    uint64_t want;
};

static const struct backoff_row backoff_rows[] = {
    {1, false, 1.0, 0, 50},        {2, false, 1.0, 0, 100},      {3, false, 0.5, 0, 100},
    {1, true, 1.0, 0, 1000},       {2, true, 1.0, 0, 2000},      {5, true, 1.0, 0, 16000},
    {6, true, 1.0, 0, 20000},      {25, true, 1.0, 0, 20000},    {200, false, 1.0, 0, 20000},
    {3, true, 0.0, 0, 0},          {1, true, 0.25, 0, 250},      {1, true, 0.1, 3000, 3000},
    {1, true, 0.1, 60000, 5100},   {1, true, 1.0, 10, 1000},     {0, false, 1.0, 0, 50},
};

static void test_backoff(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(backoff_rows) / sizeof(backoff_rows[0]); i++) {
        const struct backoff_row *r = &backoff_rows[i];
        uint64_t got = aws_retry_backoff_ms(r->n, r->throttle, r->rand01, r->hint);
        if (got != r->want)
            fail_msg("row %zu: got %llu want %llu", i, (unsigned long long)got,
                     (unsigned long long)r->want);
    }
    /* Full jitter never exceeds the cap, whatever the random value. */
    for (unsigned n = 1; n < 40; n++)
        for (double x = 0; x <= 1.0; x += 0.125)
            assert_true(aws_retry_backoff_ms(n, true, x, 0) <= AWS_RETRY_MAX_BACKOFF_MS);
}

static void test_retry_after_hint(void **state)
{
    (void)state;
    struct aws_headers h;
    aws_headers_init(&h);
    assert_int_equal(aws_retry_after_hint_ms(&h), 0);
    aws_headers_add(&h, "Retry-After", "3");
    assert_int_equal(aws_retry_after_hint_ms(&h), 3000);
    aws_headers_add(&h, "x-amz-retry-after", "1500");
    assert_int_equal(aws_retry_after_hint_ms(&h), 1500);
    aws_headers_set(&h, "x-amz-retry-after", "abc");
    assert_int_equal(aws_retry_after_hint_ms(&h), 3000); /* falls back to Retry-After */
    aws_headers_set(&h, "Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT");
    assert_int_equal(aws_retry_after_hint_ms(&h), 0);
    aws_headers_set(&h, "x-amz-retry-after", "99999999");
    assert_int_equal(aws_retry_after_hint_ms(&h), 300000);
    aws_headers_release(&h);
}

static void test_quota(void **state)
{
    (void)state;
    struct aws_retry_quota q;
    aws_retry_quota_init(&q);
    int cost, n = 0;
    while (aws_retry_quota_acquire(&q, AWS_ERRC_TRANSIENT, &cost)) {
        assert_int_equal(cost, AWS_RETRY_COST);
        n++;
    }
    assert_int_equal(n, AWS_RETRY_QUOTA_MAX / AWS_RETRY_COST);
    assert_int_equal(cost, 0);
    int left = aws_retry_quota_tokens(&q);
    assert_true(left < AWS_RETRY_COST);
    /* A throttle retry is cheaper and may still fit. */
    bool t = aws_retry_quota_acquire(&q, AWS_ERRC_THROTTLE, &cost);
    assert_int_equal(t, left >= AWS_RETRY_THROTTLE_COST);
    int now = aws_retry_quota_tokens(&q);
    aws_retry_quota_success(&q, 28); /* a request that retried twice gets its 28 back */
    assert_int_equal(aws_retry_quota_tokens(&q), now + 28);
    aws_retry_quota_success(&q, 0); /* first-try success: +1 */
    assert_int_equal(aws_retry_quota_tokens(&q), now + 29);
    for (int i = 0; i < 1000; i++)
        aws_retry_quota_success(&q, 0);
    assert_int_equal(aws_retry_quota_tokens(&q), AWS_RETRY_QUOTA_MAX);
    aws_retry_quota_release(&q);
}

static void test_rate_limiter(void **state)
{
    (void)state;
    struct aws_rate_limiter l;
    double t = 100.0;
    aws_rate_limiter_init(&l, t);
    /* Off until the first throttle. */
    for (int i = 0; i < 50; i++) {
        assert_int_equal(aws_rate_limiter_acquire(&l, t), 0);
        aws_rate_limiter_update(&l, t, false);
        t += 0.05; /* ~20 requests per second */
    }
    aws_rate_limiter_update(&l, t, true);
    double after = aws_rate_limiter_rate(&l);
    assert_true(after > 0.0 && after < 20.0); /* cut below the measured rate */
    /* Now requests are paced: draining the bucket forces a wait. */
    uint64_t waited = 0;
    for (int i = 0; i < 10 && waited == 0; i++)
        waited = aws_rate_limiter_acquire(&l, t);
    assert_true(waited > 0);
    /* A second throttle lowers it further (beta = 0.7 of the rate in use). */
    aws_rate_limiter_update(&l, t + 0.01, true);
    double lower = aws_rate_limiter_rate(&l);
    assert_true(lower <= after);
    /* Successes over time let it grow back (CUBIC). */
    double tt = t + 0.01;
    for (int i = 0; i < 200; i++) {
        tt += 0.1;
        aws_rate_limiter_update(&l, tt, false);
    }
    assert_true(aws_rate_limiter_rate(&l) > lower);
    aws_rate_limiter_release(&l);
}

/* ---- the request loop ---------------------------------------------------------------------- */

static struct aws_client *client_with(struct fake_env *e, int max_retries, const char *mode,
                                      bool real_clock)
{
    struct aws_config cfg;
    fake_config(e, &cfg, "us-east-1", "AKID", "secret", 7);
    if (real_clock)
        cfg.clock = NULL;
    cfg.max_retries = max_retries;
    cfg.retry_mode = mode;
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    assert_non_null(c);
    return c;
}

static int setup(void **state)
{
    struct fake_env *e = fake_env_new();
    assert_non_null(e);
    e->c = client_with(e, -1, NULL, false);
    *state = e;
    return 0;
}

static uc_status org(struct fake_env *e, const char *op, const struct aws_call_opts *o,
                     struct aws_error *err)
{
    json_t *out = NULL;
    uc_status st = aws_json_call(aws_client_session(e->c), AWS_SVC_ORGANIZATIONS, op, NULL, o,
                                 &out, err);
    json_decref(out);
    return st;
}

static const char throttle_body[] =
    "{\"__type\":\"TooManyRequestsException\",\"Type\":\"TooManyRequests\","
    "\"Message\":\"AWS Organizations can't complete your request because another request is "
    "already in progress.\"}";

static void test_throttle_then_success(void **state)
{
    struct fake_env *e = *state;
    fake_push(&e->ft, 400, NULL, throttle_body);
    fake_push(&e->ft, 400, NULL, throttle_body);
    fake_push(&e->ft, 200, NULL, "{}");
    struct aws_error err;
    /* Throttling is safe to retry even for CreateAccount: the request was refused. */
    assert_int_equal(org(e, "CreateAccount", NULL, &err), UC_OK);
    assert_int_equal(e->ft.nreq, 3);
    assert_int_equal(err.attempts, 3);
    assert_int_equal(e->fc.sleeps, 2);
    assert_true(e->fc.slept_ms <= 1000 + 2000);
    assert_int_equal(aws_retry_quota_tokens(&e->c->quota), AWS_RETRY_QUOTA_MAX);
}

static void test_idempotency_rules(void **state)
{
    struct fake_env *e = *state;
    struct aws_error err;
    /* 500 on CreateAccount: outcome unknown, not retried. */
    fake_push(&e->ft, 500, NULL, "{\"__type\":\"ServiceException\",\"Message\":\"x\"}");
    assert_int_equal(org(e, "CreateAccount", NULL, &err), UC_REMOTE);
    assert_int_equal(e->ft.nreq, 1);
    /* ... unless the caller allows it. */
    fake_push(&e->ft, 500, NULL, "{\"__type\":\"ServiceException\",\"Message\":\"x\"}");
    fake_push(&e->ft, 200, NULL, "{}");
    struct aws_call_opts o = {.retry_non_idempotent = true};
    assert_int_equal(org(e, "CreateAccount", &o, &err), UC_OK);
    assert_int_equal(e->ft.nreq, 3);
    /* Connection refused: nothing was sent, retry any call. */
    fake_push_net(&e->ft, AWS_NET_CONNECT);
    fake_push(&e->ft, 200, NULL, "{}");
    assert_int_equal(org(e, "CreateAccount", NULL, &err), UC_OK);
    assert_int_equal(e->ft.nreq, 5);
    /* Timeout after sending: not for CreateAccount ... */
    fake_push_net(&e->ft, AWS_NET_TIMEOUT);
    assert_int_equal(org(e, "CreateAccount", NULL, &err), UC_TRANSPORT);
    assert_int_equal(err.http_status, 0);
    assert_int_equal(e->ft.nreq, 6);
    /* ... but yes for a read. */
    fake_push_net(&e->ft, AWS_NET_TIMEOUT);
    fake_push(&e->ft, 500, NULL, "{\"__type\":\"ServiceException\"}");
    fake_push(&e->ft, 200, NULL, "{}");
    assert_int_equal(org(e, "DescribeAccount", NULL, &err), UC_OK);
    assert_int_equal(e->ft.nreq, 9);
    /* TLS failures never. */
    fake_push_net(&e->ft, AWS_NET_TLS);
    assert_int_equal(org(e, "DescribeAccount", NULL, &err), UC_TRANSPORT);
    assert_int_equal(e->ft.nreq, 10);
    /* 4xx never. */
    fake_push(&e->ft, 400, NULL, "{\"__type\":\"InvalidInputException\",\"Message\":\"bad\"}");
    assert_int_equal(org(e, "DescribeAccount", NULL, &err), UC_REMOTE);
    assert_int_equal(e->ft.nreq, 11);
    /* No transport at all (libcurl not loadable): never retried, reported as the transport's. */
    fake_push_net(&e->ft, AWS_NET_UNAVAILABLE);
    assert_int_equal(org(e, "DescribeAccount", NULL, &err), UC_TRANSPORT);
    assert_int_equal(e->ft.nreq, 12);
    assert_int_equal(err.attempts, 1);
    assert_string_equal(err.service, "transport");
    assert_string_equal(err.operation, "load");
    assert_string_equal(err.message, "fake network error");
}

static void test_max_retries(void **state)
{
    struct fake_env *e = *state;
    aws_client_free(e->c);
    e->c = client_with(e, 2, NULL, false);
    for (int i = 0; i < 5; i++)
        fake_push(&e->ft, 503, NULL, "{\"__type\":\"ServiceException\"}");
    struct aws_error err;
    assert_int_equal(org(e, "ListAccounts", NULL, &err), UC_REMOTE);
    assert_int_equal(e->ft.nreq, 3);
    assert_int_equal(err.attempts, 3);
    assert_string_equal(fake_hdr(&e->ft, 2, "amz-sdk-request"), "attempt=3; max=3");
    /* max_retries = 0: one attempt */
    aws_client_free(e->c);
    e->c = client_with(e, 0, NULL, false);
    fake_reset(&e->ft);
    fake_push(&e->ft, 400, NULL, throttle_body);
    assert_int_equal(org(e, "ListAccounts", NULL, &err), UC_REMOTE);
    assert_int_equal(e->ft.nreq, 1);
    assert_string_equal(err.code, "TooManyRequestsException");
}

static void test_quota_stops_retries(void **state)
{
    struct fake_env *e = *state;
    aws_client_free(e->c);
    e->c = client_with(e, 100, NULL, false);
    for (int i = 0; i < FAKE_MAX_CANNED; i++)
        fake_push(&e->ft, 503, NULL, "{}");
    struct aws_error err;
    assert_int_equal(org(e, "ListAccounts", NULL, &err), UC_REMOTE);
    /* 500 tokens / 14 per retry = 35 retries, then the quota says no. */
    assert_int_equal(e->ft.nreq, 1 + AWS_RETRY_QUOTA_MAX / AWS_RETRY_COST);
}

static void test_deadline(void **state)
{
    struct fake_env *e = *state;
    for (int i = 0; i < 30; i++)
        fake_push(&e->ft, 400, NULL, throttle_body);
    struct aws_call_opts o = {.deadline_ms = e->fc.mono_ms + 2500};
    struct aws_error err;
    assert_int_equal(org(e, "ListAccounts", &o, &err), UC_TIMEOUT);
    assert_string_equal(err.code, "TooManyRequestsException");
    assert_non_null(strstr(err.message, "deadline"));
    assert_true(e->fc.mono_ms <= o.deadline_ms);
    assert_true(e->ft.nreq >= 2);
    /* Already past the deadline: nothing is sent. */
    int before = e->ft.nreq;
    o.deadline_ms = e->fc.mono_ms;
    assert_int_equal(org(e, "ListAccounts", &o, &err), UC_TIMEOUT);
    assert_int_equal(e->ft.nreq, before);
}

static void test_retry_after_header(void **state)
{
    struct fake_env *e = *state;
    fake_push(&e->ft, 429, "x-amz-retry-after: 3000\nx-amzn-ErrorType: ThrottlingException",
              "{\"message\":\"slow down\"}");
    fake_push(&e->ft, 200, NULL, "{\"clusters\":[]}");
    struct aws_error err;
    json_t *out = NULL;
    assert_int_equal(aws_rest_call(aws_client_session(e->c), AWS_SVC_EKS, &AWS_EKS_LIST_CLUSTERS,
                                   NULL, 0, NULL, NULL, NULL, &out, &err),
                     UC_OK);
    assert_int_equal(e->fc.last_sleep_ms, 3000);
    json_decref(out);
}

static void test_clock_skew(void **state)
{
    struct fake_env *e = *state;
    /* The server is one hour ahead of us (fake wall clock is 2026-01-01T00:00:00Z). */
    fake_push(&e->ft, 403, "Date: Thu, 01 Jan 2026 01:00:00 GMT",
              "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
              "<Message>Signature expired</Message></Error><RequestId>r</RequestId>"
              "</ErrorResponse>");
    fake_push(&e->ft, 200, NULL,
              "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012"
              "</Account><Arn>arn:aws:iam::123456789012:user/u</Arn></GetCallerIdentityResult>"
              "</GetCallerIdentityResponse>");
    struct aws_caller_identity id;
    struct aws_error err;
    assert_int_equal(aws_sts_get_caller_identity(aws_client_session(e->c), NULL, &id, &err),
                     UC_OK);
    assert_int_equal(e->ft.nreq, 2);
    assert_string_equal(fake_hdr(&e->ft, 0, "X-Amz-Date"), "20260101T000000Z");
    assert_string_equal(fake_hdr(&e->ft, 1, "X-Amz-Date"), "20260101T010000Z");
    assert_int_equal(e->fc.sleeps, 0);
}

/* AWS answers SignatureDoesNotMatch with "The Canonical String for this request should have
 * been ..." in the message: the signed headers, x-amz-security-token included. Neither that nor
 * any other service text may carry the session token or secret key into aws_error (diagnostics,
 * logs), even when the message is cut in the middle of the token. */
#define LEAK_SECRET "Zq9Xw3Lr7Vb2Nc5Mh8Kd1Tf4Gj6Sp0Ya/EXAMPLEkey"
#define LEAK_TOKEN                                                                                 \
    "IQoJb3JpZ2luX2VjEXAMPLEtokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"    \
    "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"   \
    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC+end/token=="

static void assert_no_secret_in(const char *text)
{
    static const char *const secrets[] = {LEAK_SECRET, LEAK_TOKEN};
    for (size_t s = 0; s < 2; s++) {
        /* no 12 consecutive characters of either secret */
        size_t n = strlen(secrets[s]);
        for (size_t i = 0; i + 12 <= n; i++) {
            char piece[13];
            memcpy(piece, secrets[s] + i, 12);
            piece[12] = '\0';
            if (strstr(text, piece))
                fail_msg("secret piece %s found in: %s", piece, text);
        }
    }
}

static void test_error_never_echoes_credentials(void **state)
{
    struct fake_env *e = *state;
    aws_client_free(e->c);
    struct aws_config cfg;
    fake_config(e, &cfg, "us-east-1", "ASIAEXAMPLEEXAMPLE", LEAK_SECRET, 7);
    cfg.token = LEAK_TOKEN;
    struct aws_error err;
    e->c = aws_client_new(&cfg, &err);
    assert_non_null(e->c);
    struct aws_caller_identity id;
    char line[2048];

    /* 1: the whole token inside a SignatureDoesNotMatch message (no Date: no skew retry) */
    fake_push(&e->ft, 403, NULL,
              "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
              "<Message>The request signature we calculated does not match the signature you "
              "provided. Check your AWS Secret Access Key and signing method. Consult the "
              "service documentation for details.\n\nThe Canonical String for this request "
              "should have been\n'POST\n/\n\ncontent-type:application/x-www-form-urlencoded; "
              "charset=utf-8\nhost:sts.us-east-1.amazonaws.com\nx-amz-date:20260101T000000Z\n"
              "x-amz-security-token:" LEAK_TOKEN "\n\ncontent-type;host;x-amz-date;"
              "x-amz-security-token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'"
              "\n\nThe String-to-Sign should have been ... secret " LEAK_SECRET "</Message>"
              "</Error><RequestId>r1</RequestId></ErrorResponse>");
    assert_int_equal(aws_sts_get_caller_identity(aws_client_session(e->c), NULL, &id, &err),
                     UC_REMOTE);
    assert_string_equal(err.code, "SignatureDoesNotMatch");
    assert_non_null(strstr(err.message, "The request signature we calculated"));
    assert_non_null(strstr(err.message, "[REDACTED]"));
    assert_no_secret_in(err.message);
    assert_no_secret_in(aws_error_format(&err, line, sizeof line));

    /* 2: a plain-text body whose excerpt (200 characters) ends inside the token */
    fake_reset(&e->ft);
    static char body[600];
    snprintf(body, sizeof body, "%-150.150s x-amz-security-token: %s", "proxy echo:", LEAK_TOKEN);
    fake_push(&e->ft, 400, "Content-Type: text/plain", body); /* not retried */
    assert_int_equal(aws_sts_get_caller_identity(aws_client_session(e->c), NULL, &id, &err),
                     UC_REMOTE);
    assert_int_equal(err.http_status, 400);
    assert_non_null(strstr(err.message, "proxy echo:"));
    assert_non_null(strstr(err.message, "[REDACTED]"));
    assert_no_secret_in(err.message);
}

static void test_adaptive_mode(void **state)
{
    struct fake_env *e = *state;
    aws_client_free(e->c);
    e->c = client_with(e, -1, "adaptive", false);
    for (int i = 0; i < 4; i++)
        fake_push(&e->ft, 400, NULL, throttle_body);
    fake_push(&e->ft, 200, NULL, "{}");
    struct aws_error err;
    assert_int_equal(org(e, "ListAccounts", NULL, &err), UC_OK);
    assert_int_equal(e->ft.nreq, 5);
    /* Besides the 4 backoff sleeps, the client-side rate limiter made the client wait. */
    assert_true(e->fc.sleeps > 4);
    assert_true(aws_rate_limiter_rate(&e->c->limiter) < 5.0);
    /* A bad mode is refused at configuration. */
    struct aws_config cfg;
    aws_config_init(&cfg);
    cfg.retry_mode = "legacy";
    assert_null(aws_client_new(&cfg, &err));
    assert_string_equal(err.operation, "retry_mode");
}

/* Cancellation (StopProvider) must end a long backoff at once: real clock, real sleep. */
struct canceller {
    struct uc_cancel *cancel;
    unsigned delay_ms;
};

static void *cancel_later(void *arg)
{
    struct canceller *k = arg;
    struct timespec ts = {0, (long)k->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    uc_cancel_trigger(k->cancel);
    return NULL;
}

static uc_status always_throttle(void *ctx, const struct fake_req *req,
                                 struct aws_http_response *resp)
{
    (void)ctx;
    (void)req;
    resp->status = 400;
    uc_buf_puts(&resp->body, throttle_body);
    return UC_OK;
}

static void test_cancel_wakes_backoff(void **state)
{
    struct fake_env *e = *state;
    aws_client_free(e->c);
    e->c = client_with(e, 25, NULL, true);
    e->ft.handler = always_throttle;
    struct uc_cancel *cancel = uc_cancel_new();
    struct canceller k = {cancel, 300};
    pthread_t th;
    pthread_create(&th, NULL, cancel_later, &k);
    struct aws_call_opts o = {.cancel = cancel};
    struct aws_error err;
    uint64_t t0 = uc_clock_monotonic_ms();
    assert_int_equal(org(e, "ListAccounts", &o, &err), UC_CANCELED);
    uint64_t took = uc_clock_monotonic_ms() - t0;
    pthread_join(th, NULL);
    /* 25 throttled retries would take minutes; the cancel ends it right away. */
    assert_true(took < 10000);
    assert_int_equal(err.status, UC_CANCELED);
    uc_cancel_free(cancel);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_retry_after_hint),
        cmocka_unit_test(test_quota),
        cmocka_unit_test(test_rate_limiter),
        cmocka_unit_test_setup_teardown(test_throttle_then_success, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_rules, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_max_retries, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_quota_stops_retries, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_deadline, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_header, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_clock_skew, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_error_never_echoes_credentials, setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_adaptive_mode, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_wakes_backoff, setup, fake_env_teardown),
    };
    return cmocka_run_group_tests_name("aws_retry", tests, NULL, NULL);
}
