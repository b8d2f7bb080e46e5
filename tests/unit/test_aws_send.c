/* test_aws_send.c - aws_send, the one request loop, on the fake transport and clock: each of its
 * phases on its own (target, turn, credentials, sign, exchange, recover, backoff), and what an
 * answer may put into errors and logs (an endpoint that echoes the request must not get the
 * request's access key id, secret, session token or signature into the aws_error or the TRACE
 * log).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../provider/aws/aws_internal.h"
#include "aws_client.h"
#include "test_aws_fake.h"
#include "uc_log.h"

#define KEY_ID "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define TOKEN "FwoGZXIvYXdzEXAMPLEsessionTOKEN0123456789abcdefghijklmnopqrstuvwxyz"

static int setup_with_token(void **state)
{
    struct fake_env *e = fake_env_new();
    if (!e)
        return -1;
    struct aws_config cfg;
    fake_config(e, &cfg, "us-east-1", KEY_ID, SECRET, 7);
    cfg.token = TOKEN;
    struct aws_error err;
    e->c = aws_client_new(&cfg, &err);
    *state = e;
    return e->c ? 0 : -1;
}

/* ---- an endpoint that echoes the request ------------------------------------------------- */

struct echo {
    long status;
    enum { ECHO_JSON_ERROR, ECHO_NOT_JSON, ECHO_QUERY_OK, ECHO_QUERY_ERROR } shape;
    char signature[65]; /* of the last request, taken from its Authorization header */
};

static uc_status echo_handler(void *ctx, const struct fake_req *req,
                              struct aws_http_response *resp)
{
    struct echo *x = ctx;
    const char *auth = aws_headers_get(&req->headers, "Authorization");
    const char *tok = aws_headers_get(&req->headers, "X-Amz-Security-Token");
    const char *sig = auth ? strstr(auth, "Signature=") : NULL;
    snprintf(x->signature, sizeof x->signature, "%s", sig ? sig + 10 : "");
    char all[4096];
    snprintf(all, sizeof all, "Authorization: %s X-Amz-Security-Token: %s", auth ? auth : "",
             tok ? tok : "");
    resp->status = x->status;
    aws_headers_add(&resp->headers, "x-amzn-RequestId", tok);
    aws_headers_add(&resp->headers, "Date", "Thu, 01 Jan 2026 00:00:00 GMT");
    switch (x->shape) {
    case ECHO_JSON_ERROR:
        aws_headers_add(&resp->headers, "X-Amzn-Errortype", KEY_ID);
        uc_buf_printf(&resp->body, "{\"__type\":\"%s\",\"message\":\"%s\"}", KEY_ID, all);
        break;
    case ECHO_NOT_JSON:
        uc_buf_printf(&resp->body, "%s %s", tok, all);
        break;
    case ECHO_QUERY_OK:
        uc_buf_printf(&resp->body,
                      "<GetCallerIdentityResponse><GetCallerIdentityResult>"
                      "<Arn>arn:aws:iam::123456789012:user/a</Arn><UserId>%s</UserId>"
                      "<Account>123456789012</Account></GetCallerIdentityResult>"
                      "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>"
                      "</GetCallerIdentityResponse>",
                      KEY_ID, tok);
        break;
    case ECHO_QUERY_ERROR:
        uc_buf_printf(&resp->body,
                      "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code>"
                      "<Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>",
                      SECRET, all, x->signature);
        break;
    }
    return UC_OK;
}

/* Fails the test when any of the request's secrets is in text. */
static void assert_clean(const char *what, const char *text, const struct echo *x)
{
    const char *secrets[] = {KEY_ID, SECRET, TOKEN, x->signature};
    assert_true(strlen(x->signature) == 64);
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        if (strstr(text, secrets[i])) {
            print_error("%s holds secret %zu: %s\n", what, i, text);
            fail();
        }
    }
}

static void assert_error_clean(const struct aws_error *err, const struct echo *x)
{
    char line[2048];
    assert_clean("code", err->code, x);
    assert_clean("message", err->message, x);
    assert_clean("request id", err->request_id, x);
    assert_clean("formatted error", aws_error_format(err, line, sizeof line), x);
}

/* The TRACE log goes to a temporary file while fn runs; its text into out. */
struct log_capture {
    FILE *f;
};

static void log_begin(struct log_capture *lc)
{
    lc->f = tmpfile();
    assert_non_null(lc->f);
    uc_log_set_fd(fileno(lc->f));
    uc_log_set_level(UC_LOG_TRACE);
}

static void log_end(struct log_capture *lc, char *out, size_t n)
{
    uc_log_set_level(UC_LOG_OFF);
    uc_log_set_fd(2);
    rewind(lc->f);
    size_t got = fread(out, 1, n - 1, lc->f);
    out[got] = '\0';
    fclose(lc->f);
}

static void test_echoed_json_error_is_scrubbed(void **state)
{
    struct fake_env *e = *state;
    struct echo x = {.status = 400, .shape = ECHO_JSON_ERROR};
    e->ft.handler = echo_handler;
    e->ft.ctx = &x;
    struct log_capture lc;
    log_begin(&lc);
    struct aws_error err;
    json_t *out = NULL;
    uc_status st = aws_json_call(aws_client_session(e->c), AWS_SVC_ORGANIZATIONS,
                                 "DescribeOrganization", NULL, NULL, &out, &err);
    char log[16384];
    log_end(&lc, log, sizeof log);
    assert_int_equal(st, UC_REMOTE);
    assert_null(out);
    assert_int_equal(err.http_status, 400);
    assert_non_null(strstr(err.message, "[REDACTED]"));
    assert_null(strstr(err.message, "Credential=")); /* the whole echoed Authorization line */
    assert_non_null(strstr(log, "http request"));
    assert_error_clean(&err, &x);
    assert_clean("log", log, &x);
    fake_reset(&e->ft);
}

static void test_echoed_request_id_on_success_is_scrubbed(void **state)
{
    struct fake_env *e = *state;
    struct echo x = {.status = 200, .shape = ECHO_NOT_JSON};
    e->ft.handler = echo_handler;
    e->ft.ctx = &x;
    struct log_capture lc;
    log_begin(&lc);
    struct aws_error err;
    json_t *out = NULL;
    /* 200 with a body that is not JSON: the parse error quotes the body (jansson's "near"). */
    uc_status st = aws_json_call(aws_client_session(e->c), AWS_SVC_ORGANIZATIONS,
                                 "DescribeOrganization", NULL, NULL, &out, &err);
    char log[16384];
    log_end(&lc, log, sizeof log);
    assert_int_equal(st, UC_DECODE);
    assert_null(out);
    assert_string_equal(err.request_id, "[REDACTED]");
    assert_non_null(strstr(log, "\"request_id\":\"[REDACTED]\""));
    assert_error_clean(&err, &x);
    assert_clean("log", log, &x);
    fake_reset(&e->ft);
}

static void test_echoed_query_answers_are_scrubbed(void **state)
{
    struct fake_env *e = *state;
    struct echo x = {.status = 200, .shape = ECHO_QUERY_OK};
    e->ft.handler = echo_handler;
    e->ft.ctx = &x;
    struct log_capture lc;
    log_begin(&lc);
    struct aws_error err;
    json_t *out = NULL;
    uc_status st = aws_query_call(aws_client_session(e->c), AWS_SVC_STS, "GetCallerIdentity",
                                  NULL, NULL, &out, &err);
    assert_int_equal(st, UC_OK);
    assert_non_null(out);
    json_decref(out);
    out = NULL;
    /* the RequestId of the XML body replaced the header's: scrubbed as well */
    assert_string_equal(err.request_id, "[REDACTED]");
    assert_error_clean(&err, &x);

    x.status = 403;
    x.shape = ECHO_QUERY_ERROR;
    st = aws_query_call(aws_client_session(e->c), AWS_SVC_IAM, "GetRole", NULL, NULL, &out,
                        &err);
    char log[16384];
    log_end(&lc, log, sizeof log);
    assert_int_equal(st, UC_REMOTE);
    assert_error_clean(&err, &x);
    assert_clean("log", log, &x);
    fake_reset(&e->ft);
}

/* ---- the phases, one at a time -------------------------------------------------------------- */

static struct aws_req org_req(struct fake_env *e, const char *op, bool idempotent)
{
    return (struct aws_req){
        .svc = AWS_SVC_ORGANIZATIONS,
        .proto = AWS_PROTO_JSON,
        .operation = op,
        .method = "POST",
        .path = "/",
        .content_type = "application/x-amz-json-1.1",
        .target = "AWSOrganizationsV20161128.DescribeOrganization",
        .body = "{}",
        .body_len = 2,
        .idempotent = idempotent,
        .creds = &aws_client_session(e->c)->cache,
    };
}

static void test_phase_target(void **state)
{
    struct fake_env *e = *state;
    struct aws_req r = {.operation = "GET /api", .method = "GET", .path = "/api/v1/ns",
                        .query = "limit=5", .base_url = "https://k8s.example.com:6443//",
                        .bearer = "tok", .service_name = "kubernetes"};
    struct aws_send_call sc;
    struct aws_error err;
    aws_error_clear(&err);
    aws_send_call_init(&sc, e->c, &r, NULL);
    assert_string_equal(sc.service, "kubernetes");
    assert_int_equal(aws_send_target(&sc, &err), UC_OK);
    assert_string_equal(uc_buf_str(&sc.url), "https://k8s.example.com:6443/api/v1/ns?limit=5");
    assert_string_equal(sc.u.host, "k8s.example.com:6443");
    assert_null(sc.ep);
    assert_int_equal(strlen(sc.invocation), 36);
    aws_send_call_release(&sc);

    r.base_url = "ftp://nowhere";
    aws_send_call_init(&sc, e->c, &r, NULL);
    assert_int_equal(aws_send_target(&sc, &err), UC_INVALID);
    assert_string_equal(err.message, "bad request URL");
    aws_send_call_release(&sc);

    struct aws_req o = org_req(e, "DescribeOrganization", true);
    aws_send_call_init(&sc, e->c, &o, NULL);
    assert_int_equal(aws_send_target(&sc, &err), UC_OK);
    assert_string_equal(uc_buf_str(&sc.url), "https://organizations.us-east-1.amazonaws.com/");
    assert_non_null(sc.ep);
    assert_string_equal(sc.ep->signing_region, "us-east-1");
    aws_send_call_release(&sc);
}

static void test_phase_turn(void **state)
{
    struct fake_env *e = *state;
    struct aws_req r = org_req(e, "DescribeOrganization", true);
    struct uc_cancel *cancel = uc_cancel_new();
    assert_non_null(cancel);
    uint64_t now = aws_clock_mono_ms(&e->clock);
    struct aws_call_opts o = {.cancel = cancel, .deadline_ms = now + 1000};
    struct aws_send_call sc;
    struct aws_send_attempt a;
    struct aws_error err;
    aws_error_clear(&err);
    aws_send_call_init(&sc, e->c, &r, &o);
    aws_send_attempt_init(&a);
    a.n = 1;
    assert_int_equal(aws_send_turn(&sc, &a, &err), UC_OK);
    assert_int_equal(a.now, now);

    /* past the deadline: says so, with the last failure from the second attempt on */
    snprintf(sc.last_msg, sizeof sc.last_msg, "HTTP 503: busy");
    fake_clock_advance(&e->fc, 1000);
    a.n = 2;
    assert_int_equal(aws_send_turn(&sc, &a, &err), UC_TIMEOUT);
    assert_string_equal(err.message, "deadline reached before the request could be sent; last "
                                     "error: HTTP 503: busy");
    uc_cancel_trigger(cancel);
    assert_int_equal(aws_send_turn(&sc, &a, &err), UC_CANCELED);
    aws_send_attempt_release(&a);
    aws_send_call_release(&sc);
    uc_cancel_free(cancel);
}

static void test_phase_credentials_and_sign(void **state)
{
    struct fake_env *e = *state;
    struct aws_req r = org_req(e, "DescribeOrganization", true);
    struct aws_call_opts o = {.deadline_ms = aws_clock_mono_ms(&e->clock) + 1500};
    struct aws_send_call sc;
    struct aws_send_attempt a;
    struct aws_error err;
    aws_error_clear(&err);
    aws_send_call_init(&sc, e->c, &r, &o);
    aws_send_attempt_init(&a);
    assert_int_equal(aws_send_target(&sc, &err), UC_OK);
    a.n = 2;
    assert_int_equal(aws_send_turn(&sc, &a, &err), UC_OK);
    assert_int_equal(aws_send_credentials(&sc, &a, &err), UC_OK);
    assert_non_null(a.creds);
    assert_string_equal(a.creds->access_key_id, KEY_ID);
    assert_int_equal(aws_send_sign(&sc, &a, &err), UC_OK);
    const struct aws_headers *h = &a.rq.headers;
    assert_string_equal(aws_headers_get(h, "Host"), "organizations.us-east-1.amazonaws.com");
    assert_string_equal(aws_headers_get(h, "X-Amz-Target"),
                        "AWSOrganizationsV20161128.DescribeOrganization");
    assert_string_equal(aws_headers_get(h, "amz-sdk-invocation-id"), sc.invocation);
    assert_non_null(strstr(aws_headers_get(h, "amz-sdk-request"), "attempt=2; max="));
    assert_string_equal(aws_headers_get(h, "X-Amz-Security-Token"), TOKEN);
    assert_non_null(strstr(aws_headers_get(h, "Authorization"),
                           "Credential=" KEY_ID "/20260101/us-east-1/organizations/"));
    assert_int_equal(strlen(a.sig.signature), 64);
    assert_int_equal(a.rq.timeout_ms, 1500); /* cut to what is left before the deadline */
    assert_int_equal(a.rq.connect_timeout_ms, 1500);

    /* signing again (the next attempt) starts from fresh headers */
    assert_int_equal(aws_send_sign(&sc, &a, &err), UC_OK);
    size_t auths = 0;
    for (size_t i = 0; i < a.rq.headers.len; i++)
        auths += strcasecmp(a.rq.headers.items[i].name, "Authorization") == 0;
    assert_int_equal(auths, 1);
    aws_send_attempt_release(&a);
    aws_send_call_release(&sc);

    /* a bearer request: no credentials, no SDK headers, the token as Authorization */
    struct aws_req k = {.operation = "GET /x", .method = "GET", .path = "/x",
                        .base_url = "https://k8s.example.com", .bearer = "k8s-aws-v1.abc",
                        .service_name = "kubernetes"};
    aws_send_call_init(&sc, e->c, &k, NULL);
    aws_send_attempt_init(&a);
    assert_int_equal(aws_send_target(&sc, &err), UC_OK);
    a.n = 1;
    assert_int_equal(aws_send_credentials(&sc, &a, &err), UC_OK);
    assert_null(a.creds);
    assert_int_equal(aws_send_sign(&sc, &a, &err), UC_OK);
    assert_string_equal(aws_headers_get(&a.rq.headers, "Authorization"), "Bearer k8s-aws-v1.abc");
    assert_null(aws_headers_get(&a.rq.headers, "amz-sdk-request"));
    aws_send_attempt_release(&a);
    aws_send_call_release(&sc);
}

/* target, turn, credentials and sign for attempt n of r, ready to exchange */
static void ready(struct fake_env *e, struct aws_send_call *sc, struct aws_send_attempt *a,
                  const struct aws_req *r, const struct aws_call_opts *o, int n)
{
    struct aws_error err;
    aws_error_clear(&err);
    aws_send_call_init(sc, e->c, r, o);
    aws_send_attempt_init(a);
    assert_int_equal(aws_send_target(sc, &err), UC_OK);
    a->n = n;
    assert_int_equal(aws_send_turn(sc, a, &err), UC_OK);
    assert_int_equal(aws_send_credentials(sc, a, &err), UC_OK);
    assert_int_equal(aws_send_sign(sc, a, &err), UC_OK);
}

static void test_phase_exchange(void **state)
{
    struct fake_env *e = *state;
    struct aws_req r = org_req(e, "DescribeOrganization", true);
    struct aws_send_call sc;
    struct aws_send_attempt a;
    struct aws_http_response resp;
    struct aws_error err;
    bool done = false;
    aws_http_response_init(&resp);
    ready(e, &sc, &a, &r, NULL, 1);

    fake_push(&e->ft, 200, "x-amzn-RequestId: rid-ok", "{}");
    aws_error_clear(&err);
    assert_int_equal(aws_send_exchange(&sc, &a, &resp, &err, &done), UC_OK);
    assert_true(done);
    assert_string_equal(err.request_id, "rid-ok");
    assert_int_equal(err.http_status, 200);

    fake_push(&e->ft, 400, "x-amzn-RequestId: rid-bad",
              "{\"__type\":\"ThrottlingException\",\"message\":\"slow down\"}");
    assert_int_equal(aws_send_exchange(&sc, &a, &resp, &err, &done), UC_REMOTE);
    assert_false(done);
    assert_int_equal(a.cls, AWS_ERRC_THROTTLE);
    assert_string_equal(err.code, "ThrottlingException");
    assert_string_equal(sc.last_msg, "slow down");

    fake_push_net(&e->ft, AWS_NET_CONNECT);
    assert_int_equal(aws_send_exchange(&sc, &a, &resp, &err, &done), UC_TRANSPORT);
    assert_false(done);
    assert_int_equal(a.cls, AWS_ERRC_NOT_SENT);
    assert_string_equal(err.code, "");
    assert_non_null(strstr(err.message, "fake network error"));
    assert_int_equal(e->ft.nreq, 3);
    aws_http_response_release(&resp);
    aws_send_attempt_release(&a);
    aws_send_call_release(&sc);
    fake_reset(&e->ft);
}

static uc_status too_big(void *ctx, const struct fake_req *req, struct aws_http_response *resp)
{
    (void)ctx;
    (void)req;
    resp->status = 200;
    snprintf(resp->net_message, sizeof resp->net_message, "response body exceeds 16 MiB; refused");
    return UC_RANGE;
}

static void test_phase_exchange_too_big_is_final(void **state)
{
    struct fake_env *e = *state;
    struct aws_req r = org_req(e, "DescribeOrganization", true);
    struct aws_error err;
    struct aws_http_response resp;
    aws_http_response_init(&resp);
    e->ft.handler = too_big;
    assert_int_equal(aws_send(e->c, &r, NULL, &resp, &err), UC_RANGE);
    assert_int_equal(e->ft.nreq, 1); /* not retried */
    assert_int_equal(err.attempts, 1);
    assert_string_equal(err.message, "POST organizations.us-east-1.amazonaws.com: response body "
                                     "exceeds 16 MiB; refused");
    aws_http_response_release(&resp);
    fake_reset(&e->ft);
}

static void test_phase_recover(void **state)
{
    struct fake_env *e = *state;
    struct aws_req r = org_req(e, "DescribeOrganization", true);
    struct aws_send_call sc;
    struct aws_send_attempt a;
    struct aws_http_response resp;
    struct aws_error err;
    bool done;
    aws_http_response_init(&resp);
    ready(e, &sc, &a, &r, NULL, 1);

    /* the server's clock is an hour ahead: learnt once, then no more */
    fake_push(&e->ft, 403, "Date: Thu, 01 Jan 2026 01:00:00 GMT",
              "{\"__type\":\"InvalidSignatureException\",\"message\":\"Signature expired\"}");
    fake_push(&e->ft, 403, "Date: Thu, 01 Jan 2026 01:00:00 GMT",
              "{\"__type\":\"InvalidSignatureException\",\"message\":\"Signature expired\"}");
    uc_status st = aws_send_exchange(&sc, &a, &resp, &err, &done);
    assert_true(aws_send_recover(&sc, &a, st, &resp, &err));
    assert_true(sc.skew_retried);
    assert_int_equal(aws_client_now_ms(e->c), 1767225600000LL + 3600000LL);
    st = aws_send_exchange(&sc, &a, &resp, &err, &done);
    assert_false(aws_send_recover(&sc, &a, st, &resp, &err));

    /* a skew code with a Date within 4 minutes of the local clock: not a clock problem */
    sc.skew_retried = false;
    fake_push(&e->ft, 403, "Date: Thu, 01 Jan 2026 00:02:00 GMT",
              "{\"__type\":\"SignatureDoesNotMatch\",\"message\":\"no\"}");
    st = aws_send_exchange(&sc, &a, &resp, &err, &done);
    assert_false(aws_send_recover(&sc, &a, st, &resp, &err));

    /* expired credentials: once */
    fake_push(&e->ft, 400, NULL, "{\"__type\":\"ExpiredTokenException\",\"message\":\"old\"}");
    fake_push(&e->ft, 400, NULL, "{\"__type\":\"ExpiredTokenException\",\"message\":\"old\"}");
    st = aws_send_exchange(&sc, &a, &resp, &err, &done);
    assert_true(aws_send_recover(&sc, &a, st, &resp, &err));
    assert_true(sc.expired_retried);
    st = aws_send_exchange(&sc, &a, &resp, &err, &done);
    assert_false(aws_send_recover(&sc, &a, st, &resp, &err));

    /* only answers are recovered: a transport failure never */
    sc.expired_retried = sc.skew_retried = false;
    assert_false(aws_send_recover(&sc, &a, UC_TRANSPORT, &resp, &err));
    aws_http_response_release(&resp);
    aws_send_attempt_release(&a);
    aws_send_call_release(&sc);
    fake_reset(&e->ft);
}

static void test_phase_backoff(void **state)
{
    struct fake_env *e = *state;
    struct aws_req r = org_req(e, "CreateAccount", false);
    struct aws_send_call sc;
    struct aws_send_attempt a;
    struct aws_http_response resp;
    struct aws_error err;
    aws_http_response_init(&resp);
    aws_error_clear(&err);
    ready(e, &sc, &a, &r, NULL, 1);

    /* an unknown outcome of a non-idempotent call is not retried; fatal errors never */
    uc_status st = UC_REMOTE;
    a.cls = AWS_ERRC_TRANSIENT;
    assert_false(aws_send_backoff(&sc, &a, &st, &resp, &err));
    a.cls = AWS_ERRC_FATAL;
    assert_false(aws_send_backoff(&sc, &a, &st, &resp, &err));
    assert_int_equal(e->fc.sleeps, 0);

    /* a throttle is: the quota pays for it and the wait is on the (fake) clock */
    a.cls = AWS_ERRC_THROTTLE;
    int sleeps = e->fc.sleeps;
    assert_true(aws_send_backoff(&sc, &a, &st, &resp, &err));
    assert_int_equal(sc.taken, AWS_RETRY_THROTTLE_COST);
    assert_int_equal(e->fc.sleeps, sleeps + 1);
    assert_true(e->fc.last_sleep_ms <= AWS_RETRY_THROTTLE_BASE_MS);
    assert_int_equal(st, UC_REMOTE);

    /* attempts used up */
    a.n = e->c->max_attempts;
    assert_false(aws_send_backoff(&sc, &a, &st, &resp, &err));
    aws_send_attempt_release(&a);
    aws_send_call_release(&sc);

    /* a wait that would pass the deadline stops with UC_TIMEOUT and says so */
    struct aws_call_opts o = {.deadline_ms = aws_clock_mono_ms(&e->clock) + 1};
    ready(e, &sc, &a, &r, &o, 1);
    snprintf(err.message, sizeof err.message, "busy");
    a.cls = AWS_ERRC_NOT_SENT;
    st = UC_TRANSPORT;
    assert_false(aws_send_backoff(&sc, &a, &st, &resp, &err));
    assert_int_equal(st, UC_TIMEOUT);
    assert_string_equal(err.message, "busy (deadline reached after 1 attempts)");
    aws_send_attempt_release(&a);
    aws_send_call_release(&sc);

    /* cancel during the wait */
    struct uc_cancel *cancel = uc_cancel_new();
    o = (struct aws_call_opts){.cancel = cancel};
    ready(e, &sc, &a, &r, &o, 1);
    uc_cancel_trigger(cancel);
    a.cls = AWS_ERRC_NOT_SENT;
    st = UC_TRANSPORT;
    assert_false(aws_send_backoff(&sc, &a, &st, &resp, &err));
    assert_int_equal(st, UC_CANCELED);
    assert_string_equal(err.message, "canceled while waiting to retry");
    aws_send_attempt_release(&a);
    aws_send_call_release(&sc);
    uc_cancel_free(cancel);
    aws_http_response_release(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_phase_target, setup_with_token, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_phase_turn, setup_with_token, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_phase_credentials_and_sign, setup_with_token,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_phase_exchange, setup_with_token, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_phase_exchange_too_big_is_final, setup_with_token,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_phase_recover, setup_with_token, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_phase_backoff, setup_with_token, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_echoed_json_error_is_scrubbed, setup_with_token,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_echoed_request_id_on_success_is_scrubbed,
                                        setup_with_token, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_echoed_query_answers_are_scrubbed, setup_with_token,
                                        fake_env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
