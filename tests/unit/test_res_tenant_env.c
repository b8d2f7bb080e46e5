/* test_res_tenant_env.c - res_tenant_envs_run's thread bound: more items than
 * RES_TENANT_MAX_THREADS all run (those past the bound inline) and nothing is read or joined
 * past its thread slots (the ASan build catches an overrun). Fake AWS transport, no network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "res_tenant_env.h"
#include "test_aws_fake.h"

static int describe_calls;

/* DescribeAccount: every account is gone (AccountNotFoundException). */
static uc_status org_gone(void *ctx, const struct fake_req *req, struct aws_http_response *resp)
{
    (void)ctx;
    const char *target = aws_headers_get(&req->headers, "X-Amz-Target");
    if (target != NULL && strstr(target, ".DescribeAccount") != NULL)
        __atomic_add_fetch(&describe_calls, 1, __ATOMIC_SEQ_CST);
    resp->status = 400;
    uc_buf_puts(&resp->body,
                "{\"__type\":\"AccountNotFoundException\",\"message\":\"no such account\"}");
    return UC_OK;
}

static int setup(void **state)
{
    if (fake_env_setup(state) != 0)
        return -1;
    struct fake_env *e = *state;
    e->ft.handler = org_gone;
    return 0;
}

static void test_more_items_than_threads(void **state)
{
    struct fake_env *e = *state;
    enum { N = RES_TENANT_MAX_THREADS + 3 };
    struct res_tenant_op op = {.client = e->c, .org = aws_client_session(e->c), .tenant = "t",
                               .access_role = "OrganizationAccountAccessRole"};
    struct res_tenant_env ws[N];
    char names[N][16];
    assert_true(res_tenant_envs_init(ws, N, &op));
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "env%zu", i);
        ws[i].step = RES_TENANT_READ;
        ws[i].index = i;
        ws[i].name = names[i];
        ws[i].account_id = "111122223333";
    }
    struct uc_arena *a = uc_arena_new();
    assert_non_null(a);
    struct tf_diags d;
    tf_diags_init(&d, a);
    describe_calls = 0;
    res_tenant_envs_run(ws, N, &d);
    assert_int_equal(describe_calls, N);
    for (size_t i = 0; i < N; i++) {
        assert_true(ws[i].ok);
        assert_true(ws[i].gone);
    }
    res_tenant_envs_release(ws, N);
    uc_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_more_items_than_threads, setup, fake_env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
