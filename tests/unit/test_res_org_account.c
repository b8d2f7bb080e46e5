/* test_res_org_account.c - the Organizations helpers of res_org_account.h against the fake AWS
 * transport: how a paginated list ends (long tokens, a token the service repeats).
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

static int setup(void **state)
{
    struct fake_env *e = fake_env_new();
    assert_non_null(e);
    struct aws_config cfg;
    fake_config(e, &cfg, "us-east-1", "AKID", "secret", 7);
    struct aws_error err;
    e->c = aws_client_new(&cfg, &err);
    assert_non_null(e->c);
    *state = e;
    return 0;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_follows_a_long_token, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_list_stops_on_a_repeated_token, setup,
                                        fake_env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
