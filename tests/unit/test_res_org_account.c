/* test_res_org_account.c - the Organizations helpers of res_org_account.h against the fake AWS
 * transport: how a paginated list ends (long tokens, a token the service repeats), and how
 * res_org_ensure_account pauses after a CreateAccount answer of unknown outcome (within the
 * call's deadline and cancel token, and with no options at all).
 *
 * No network; each test answers from a handler that plays Organizations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "res_org_account.h"
#include "test_aws_fake.h"

struct pager {
    int calls;
    const char *token_in_page1; /* NextToken the first page answers */
    bool repeat;                /* every page answers token_in_page1 again */
    char seen[4][4096];         /* NextToken of the first requests */
};

/* ListAccounts: page 1 has account 111111111111 and NextToken; page 2 (asked with that token)
 * has 222222222222 and no NextToken, unless p->repeat. */
static uc_status list_accounts(void *ctx, const struct fake_req *req, struct aws_http_response *resp)
{
    struct pager *p = ctx;
    json_t *in = json_loads(req->body, 0, NULL);
    const char *tok = json_string_value(json_object_get(in, "NextToken"));
    if (p->calls < 4)
        snprintf(p->seen[p->calls], sizeof p->seen[0], "%s", tok ? tok : "");
    p->calls++;
    json_t *out;
    if (!tok || p->repeat)
        out = json_pack("{s:[{s:s,s:s,s:s}],s:s}", "Accounts", "Id", tok ? "222222222222"
                                                                          : "111111111111",
                        "Email", "a@example.com", "State", "ACTIVE", "NextToken",
                        p->token_in_page1);
    else
        out = json_pack("{s:[{s:s,s:s,s:s}]}", "Accounts", "Id", "222222222222", "Email",
                        "b@example.com", "State", "ACTIVE");
    char *s = json_dumps(out, JSON_COMPACT);
    resp->status = 200;
    uc_buf_puts(&resp->body, s);
    free(s);
    json_decref(out);
    json_decref(in);
    return UC_OK;
}

/* A NextToken is opaque and may be long (the API allows 100000 characters): the list goes on. */
static void test_list_follows_a_long_token(void **state)
{
    struct fake_env *e = *state;
    static char tok[3001];
    for (size_t i = 0; i < sizeof tok - 1; i++)
        tok[i] = (char)('a' + (int)(i % 26));
    struct pager p = {.token_in_page1 = tok};
    e->ft.handler = list_accounts;
    e->ft.ctx = &p;
    json_t *accounts = NULL;
    struct aws_error err;
    assert_int_equal(res_org_list_accounts(aws_client_session(e->c), NULL, &accounts, &err),
                     UC_OK);
    assert_int_equal(p.calls, 2);
    assert_string_equal(p.seen[1], tok);
    assert_int_equal(json_array_size(accounts), 2);
    json_decref(accounts);
}

/* A service that answers the token it was given would page forever (up to the cap, each page
 * a duplicate): the list stops at once with an error, never a silently wrong list. */
static void test_list_stops_on_a_repeated_token(void **state)
{
    struct fake_env *e = *state;
    struct pager p = {.token_in_page1 = "tok-1", .repeat = true};
    e->ft.handler = list_accounts;
    e->ft.ctx = &p;
    json_t *accounts = NULL;
    struct aws_error err;
    uc_status st = res_org_list_accounts(aws_client_session(e->c), NULL, &accounts, &err);
    assert_int_not_equal(st, UC_OK);
    assert_null(accounts);
    assert_true(p.calls <= 3);
    assert_int_equal(err.status, st);
    assert_string_equal(err.operation, "ListAccounts");
    assert_non_null(strstr(err.message, "NextToken"));
}

/* Organizations for res_org_ensure_account: no account and no pending request until
 * `visible` (then the spec's account is ACTIVE); CreateAccount answers 500 (outcome unknown),
 * makes the account visible when visible_after_create, and fires cancel when set. */
struct creator {
    int create_calls;
    bool visible, visible_after_create;
    struct uc_cancel *cancel;
};

static uc_status org_creator(void *ctx, const struct fake_req *req, struct aws_http_response *resp)
{
    struct creator *c = ctx;
    const char *target = aws_headers_get(&req->headers, "X-Amz-Target");
    resp->status = 200;
    if (target != NULL && strstr(target, ".CreateAccount") != NULL) {
        c->create_calls++;
        if (c->visible_after_create)
            c->visible = true;
        uc_cancel_trigger(c->cancel);
        resp->status = 500;
        uc_buf_puts(&resp->body, "{\"__type\":\"ServiceException\",\"message\":\"boom\"}");
    } else if (target != NULL && strstr(target, ".ListAccounts") != NULL) {
        uc_buf_puts(&resp->body, c->visible ? "{\"Accounts\":[{\"Id\":\"333333333333\",\"Email\":"
                                              "\"new@example.com\",\"State\":\"ACTIVE\"}]}"
                                            : "{\"Accounts\":[]}");
    } else if (target != NULL && strstr(target, ".ListCreateAccountStatus") != NULL) {
        uc_buf_puts(&resp->body, "{\"CreateAccountStatuses\":[]}");
    } else {
        resp->status = 400;
        uc_buf_puts(&resp->body, "{\"__type\":\"InvalidInputException\",\"message\":\"?\"}");
    }
    return UC_OK;
}

static const struct res_org_account_spec new_spec = {"new@example.com", "new", "Admin", NULL};

/* The pause before looking again ends exactly at the call's deadline (not up to 8 s past it).
 * Deadlines are on the client's clock (aws_client_mono_ms): the fake clock here, so the test
 * is the same on a machine up for days and one booted a minute ago. */
static void pause_stops_at_the_deadline(struct fake_env *e)
{
    struct creator c = {0};
    e->ft.handler = org_creator;
    e->ft.ctx = &c;
    struct res_org_account_result out;
    struct aws_error err;
    uint64_t t0 = aws_client_mono_ms(e->c);
    struct aws_call_opts o = {.deadline_ms = t0 + 300};
    uc_status st = res_org_ensure_account(aws_client_session(e->c), &new_spec, &o, &out, &err);
    assert_int_equal(st, UC_TIMEOUT);
    assert_int_equal(err.status, UC_TIMEOUT);
    assert_non_null(strstr(err.message, "deadline"));
    assert_int_equal(aws_client_mono_ms(e->c), t0 + 300); /* slept until, not past, the deadline */
    assert_int_equal(c.create_calls, 1);
    assert_string_equal(out.id, "");
}

static void test_ensure_pause_stops_at_the_deadline(void **state)
{
    pause_stops_at_the_deadline(*state);
}

/* The same on a monotonic clock that reads almost 0 (a freshly booted CI machine): a small
 * clock value is a valid time, not "no deadline". */
static void test_ensure_pause_deadline_on_a_just_booted_clock(void **state)
{
    struct fake_env *e = *state;
    e->fc.mono_ms = 7;
    pause_stops_at_the_deadline(e);
}

/* The pause wakes at once when the token fires: no time passes on the client's clock. */
static void test_ensure_pause_wakes_on_cancel(void **state)
{
    struct fake_env *e = *state;
    struct creator c = {.cancel = uc_cancel_new()};
    assert_non_null(c.cancel);
    e->ft.handler = org_creator;
    e->ft.ctx = &c;
    struct res_org_account_result out;
    struct aws_error err;
    uint64_t t0 = aws_client_mono_ms(e->c);
    struct aws_call_opts o = {.cancel = c.cancel, .deadline_ms = t0 + 60000};
    uc_status st = res_org_ensure_account(aws_client_session(e->c), &new_spec, &o, &out, &err);
    assert_int_equal(st, UC_CANCELED);
    assert_int_equal(aws_client_mono_ms(e->c), t0);
    assert_int_equal(c.create_calls, 1);
    uc_cancel_free(c.cancel);
}

/* NULL options (no cancel, no deadline) are allowed: after the unknown outcome it pauses, looks
 * again and adopts the account the lost answer had created. */
static void test_ensure_with_null_options(void **state)
{
    struct fake_env *e = *state;
    struct creator c = {.visible_after_create = true};
    e->ft.handler = org_creator;
    e->ft.ctx = &c;
    struct res_org_account_result out;
    struct aws_error err;
    assert_int_equal(res_org_ensure_account(aws_client_session(e->c), &new_spec, NULL, &out, &err),
                     UC_OK);
    assert_string_equal(out.id, "333333333333");
    assert_true(out.adopted);
    assert_int_equal(c.create_calls, 1);
    assert_int_equal(e->fc.slept_ms, 500); /* the first pause, on the client's clock */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_follows_a_long_token, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_list_stops_on_a_repeated_token, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_ensure_pause_stops_at_the_deadline, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_ensure_pause_deadline_on_a_just_booted_clock,
                                        fake_env_setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_ensure_pause_wakes_on_cancel, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_ensure_with_null_options, fake_env_setup,
                                        fake_env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
