/* test_aws_send.c - aws_send, the one request loop, on the fake transport: what an answer may put
 * into errors and logs (an endpoint that echoes the request must not get the request's access key
 * id, secret, session token or signature into the aws_error or the TRACE log).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echoed_json_error_is_scrubbed, setup_with_token,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_echoed_request_id_on_success_is_scrubbed,
                                        setup_with_token, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_echoed_query_answers_are_scrubbed, setup_with_token,
                                        fake_env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
