/* test_res_org_answers.c - answers that lack what they must carry, against the fake AWS
 * transport: each is an immediate error naming the operation and the member (code
 * MalformedResponse), never an empty id waited on until a timeout. Organizations
 * (CreateAccount, DescribeCreateAccountStatus, DescribeAccount, ListParents, list pages) and
 * IAM (GetRole, CreateRole).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "aws_answer.h"
#include "res_iam_role.h"
#include "res_org_account.h"
#include "test_aws_fake.h"

/* Organizations with one scripted answer per operation (NULL = a sane one). */
struct org {
    const char *create;   /* CreateAccount */
    const char *describe; /* DescribeCreateAccountStatus */
    const char *account;  /* DescribeAccount */
    int create_calls, describe_calls;
};

static uc_status org_handler(void *ctx, const struct fake_req *req, struct aws_http_response *resp)
{
    struct org *o = ctx;
    const char *target = aws_headers_get(&req->headers, "X-Amz-Target");
    const char *op = target != NULL && strchr(target, '.') ? strchr(target, '.') + 1 : "";
    resp->status = 200;
    if (strcmp(op, "ListAccounts") == 0)
        uc_buf_puts(&resp->body, "{\"Accounts\":[]}");
    else if (strcmp(op, "ListCreateAccountStatus") == 0)
        uc_buf_puts(&resp->body, "{\"CreateAccountStatuses\":[]}");
    else if (strcmp(op, "CreateAccount") == 0) {
        o->create_calls++;
        uc_buf_puts(&resp->body, o->create ? o->create
                                           : "{\"CreateAccountStatus\":{\"Id\":\"car-1234567890\","
                                             "\"State\":\"IN_PROGRESS\"}}");
    } else if (strcmp(op, "DescribeCreateAccountStatus") == 0) {
        o->describe_calls++;
        uc_buf_puts(&resp->body, o->describe ? o->describe : "{}");
    } else if (strcmp(op, "DescribeAccount") == 0)
        uc_buf_puts(&resp->body,
                    o->account ? o->account : "{\"Account\":{\"Email\":\"a@example.com\"}}");
    else if (strcmp(op, "ListParents") == 0)
        uc_buf_puts(&resp->body, "{\"Parents\":[]}");
    else if (strcmp(op, "ListRoots") == 0)
        uc_buf_puts(&resp->body, "{}");
    else
        resp->status = 400;
    return UC_OK;
}

static void ensure(struct fake_env *e, struct org *o, struct aws_error *err, uc_status want)
{
    e->ft.handler = org_handler;
    e->ft.ctx = o;
    struct res_org_account_spec spec = {
        .email = "new@example.com",
        .name = "team-dev",
        .role_name = "OrganizationAccountAccessRole",
    };
    struct res_org_account_result out;
    memset(&out, 0, sizeof out);
    /* a deadline far away: a malformed answer must not be waited on until it */
    struct aws_call_opts opts = {.deadline_ms = aws_clock_mono_ms(&e->clock) + 30 * 60 * 1000};
    assert_int_equal(res_org_ensure_account(aws_client_session(e->c), &spec, &opts, &out, err),
                     want);
    assert_string_equal(out.id, "");
}

static void assert_malformed(const struct aws_error *err, const char *message)
{
    assert_int_equal(err->status, UC_DECODE);
    assert_string_equal(err->code, AWS_MALFORMED_RESPONSE);
    assert_string_equal(err->message, message);
}

static void test_create_account_answered_empty(void **state)
{
    struct fake_env *e = *state;
    struct org o = {.create = "{}"};
    struct aws_error err;
    ensure(e, &o, &err, UC_DECODE);
    assert_malformed(&err, "CreateAccount answer lacks CreateAccountStatus.Id");
    assert_string_equal(err.operation, "CreateAccount");
    assert_int_equal(o.create_calls, 1);
    assert_int_equal(o.describe_calls, 0);
    assert_int_equal(e->fc.sleeps, 0);
    fake_reset(&e->ft);
}

static void test_create_status_without_state(void **state)
{
    struct fake_env *e = *state;
    struct org o = {.describe = "{\"CreateAccountStatus\":{\"Id\":\"car-1234567890\"}}"};
    struct aws_error err;
    ensure(e, &o, &err, UC_DECODE);
    assert_malformed(&err, "DescribeCreateAccountStatus answer lacks CreateAccountStatus.State");
    assert_int_equal(o.describe_calls, 1);
    fake_reset(&e->ft);
}

static void test_create_succeeded_without_account_id(void **state)
{
    struct fake_env *e = *state;
    struct org o = {.describe = "{\"CreateAccountStatus\":{\"Id\":\"car-1234567890\","
                                "\"State\":\"SUCCEEDED\"}}"};
    struct aws_error err;
    ensure(e, &o, &err, UC_DECODE);
    assert_malformed(&err,
                     "DescribeCreateAccountStatus answer lacks CreateAccountStatus.AccountId");
    fake_reset(&e->ft);
}

static void test_reads_lacking_members(void **state)
{
    struct fake_env *e = *state;
    struct org o = {0};
    e->ft.handler = org_handler;
    e->ft.ctx = &o;
    struct aws_session *s = aws_client_session(e->c);
    struct aws_error err;
    json_t *acct = NULL;
    assert_int_equal(res_org_describe_account(s, "111111111111", NULL, &acct, &err), UC_DECODE);
    assert_null(acct);
    assert_malformed(&err, "DescribeAccount answer lacks Account.Id");
    o.account = "{\"Account\":{\"Id\":\"111111111111\",\"Arn\":\"arn:aws:organizations::1:"
                "account/o-1/111111111111\"}}";
    assert_int_equal(res_org_describe_account(s, "111111111111", NULL, &acct, &err), UC_DECODE);
    assert_malformed(&err, "DescribeAccount answer lacks Account.State");
    o.account = "{\"Account\":{\"Id\":\"111111111111\",\"Arn\":\"arn:aws:organizations::1:"
                "account/o-1/111111111111\",\"Status\":\"ACTIVE\"}}";
    assert_int_equal(res_org_describe_account(s, "111111111111", NULL, &acct, &err), UC_OK);
    assert_string_equal(res_org_account_state(acct), "ACTIVE"); /* the older member will do */
    json_decref(acct);
    char parent[64];
    assert_int_equal(res_org_account_parent(s, "111111111111", NULL, parent, sizeof parent, &err),
                     UC_DECODE);
    assert_malformed(&err, "ListParents answer lacks [0].Id");
    bool exists = true;
    assert_int_equal(res_org_parent_exists(s, "r-abcd", NULL, &exists, &err), UC_DECODE);
    assert_malformed(&err, "ListRoots answer lacks Roots");
    fake_reset(&e->ft);
}

/* GetRole without an Arn; ListAttachedRolePolicies (asked at the same time, on another
 * thread, so the answer must not depend on which call comes first) with none. */
static uc_status role_without_arn(void *ctx, const struct fake_req *req,
                                  struct aws_http_response *resp)
{
    (void)ctx;
    bool list = req->body != NULL && strstr(req->body, "Action=ListAttachedRolePolicies") != NULL;
    resp->status = 200;
    uc_buf_puts(&resp->body,
                list ? "<ListAttachedRolePoliciesResponse><ListAttachedRolePoliciesResult>"
                       "<AttachedPolicies/><IsTruncated>false</IsTruncated>"
                       "</ListAttachedRolePoliciesResult></ListAttachedRolePoliciesResponse>"
                     : "<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName></Role>"
                       "</GetRoleResult></GetRoleResponse>");
    return UC_OK;
}

static void test_get_role_lacking_arn(void **state)
{
    struct fake_env *e = *state;
    e->ft.handler = role_without_arn;
    struct res_iam_role_state st;
    struct aws_error err;
    assert_int_equal(res_iam_role_read(aws_client_session(e->c), "r", NULL, &st, &err), UC_DECODE);
    assert_false(st.exists);
    assert_malformed(&err, "GetRole answer lacks Role.Arn");
    res_iam_role_state_release(&st);
    fake_reset(&e->ft);
}

static void test_create_role_lacking_arn(void **state)
{
    struct fake_env *e = *state;
    fake_push(&e->ft, 404, NULL,
              "<ErrorResponse><Error><Code>NoSuchEntity</Code><Message>no</Message></Error>"
              "</ErrorResponse>");
    fake_push(&e->ft, 200, NULL,
              "<CreateRoleResponse><CreateRoleResult><Role><RoleName>r</RoleName></Role>"
              "</CreateRoleResult></CreateRoleResponse>");
    struct res_iam_role_spec spec = {
        .name = "r",
        .trust_policy = "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
    };
    char arn[256] = "";
    struct aws_error err;
    assert_int_equal(res_iam_role_ensure(aws_client_session(e->c), &spec, NULL, arn, sizeof arn,
                                         NULL, &err),
                     UC_DECODE);
    assert_malformed(&err, "CreateRole answer lacks Role.Arn");
    assert_int_equal(e->ft.nreq, 2); /* nothing attached or tagged on a role it cannot name */
    fake_reset(&e->ft);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_account_answered_empty, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_create_status_without_state, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_create_succeeded_without_account_id, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_reads_lacking_members, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_get_role_lacking_arn, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_create_role_lacking_arn, fake_env_setup,
                                        fake_env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
