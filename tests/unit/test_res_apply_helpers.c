/* test_res_apply_helpers.c - the small helpers every apply uses: an AWS error as a Terraform
 * diagnostic (operation, code, message, where; cancellation and deadline worded as such) and
 * the timeouts block as deadlines and call options (defaults, Go durations, cancel token).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "res_aws_diag.h"
#include "res_registry.h"
#include "res_timeouts.h"
#include "tf_json.h"

static void fill(struct aws_error *e, uc_status st, const char *op, const char *code,
                 const char *msg)
{
    aws_error_clear(e);
    aws_error_set(e, st, "organizations", op, "%s", msg);
    e->http_status = st == UC_REMOTE ? 400 : 0;
    snprintf(e->code, sizeof e->code, "%s", code);
}

static void test_aws_diag_texts(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    struct tf_diags d;
    struct aws_error e;
    tf_diags_init(&d, a);

    fill(&e, UC_REMOTE, "MoveAccount", "DestinationParentNotFoundException",
         "We can't find the destination container");
    struct tf_path p = tf_path_attr(NULL, "parent_id");
    res_aws_diag(&d, &p, "Environment \"staging\" (account 123456789012)", &e);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].severity, TF_SEV_ERROR);
    assert_string_equal(d.items[0].summary,
                        "AWS MoveAccount failed: DestinationParentNotFoundException");
    assert_non_null(strstr(d.items[0].detail, "Environment \"staging\" (account 123456789012)"));
    assert_non_null(strstr(d.items[0].detail, "DestinationParentNotFoundException"));
    assert_non_null(strstr(d.items[0].detail, "We can't find the destination container"));
    assert_true(d.items[0].has_path);

    fill(&e, UC_CANCELED, "DescribeCreateAccountStatus", "", "canceled");
    res_aws_diag(&d, NULL, NULL, &e);
    assert_string_equal(d.items[1].summary, "Interrupted during AWS DescribeCreateAccountStatus");
    assert_non_null(strstr(d.items[1].detail, "saved in the state"));
    assert_false(d.items[1].has_path);

    fill(&e, UC_TIMEOUT, "CloseAccount", "WaiterTimeout", "gave up");
    res_aws_diag(&d, NULL, "x", &e);
    assert_string_equal(d.items[2].summary, "Timed out during AWS CloseAccount");
    assert_non_null(strstr(d.items[2].detail, "timeouts block"));

    res_aws_diag(&d, NULL, NULL, NULL); /* never crashes */
    assert_int_equal(d.count, 4);
    uc_arena_free(a);
}

static struct tf_value *tenant_with_timeouts(struct uc_arena *a, const char *timeouts)
{
    const struct res_resource *r = res_registry_find("unicron_tenant");
    char *json = uc_arena_printf(a, "{\"name\":\"x\",\"timeouts\":%s}", timeouts);
    struct tf_value *v = NULL;
    assert_int_equal(tf_json_decode(a, json, strlen(json), res_registry_type(r), &v, NULL),
                     UC_OK);
    return v;
}

static void test_timeouts(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    assert_int_equal(res_registry_init(), UC_OK);
    struct tf_value *none = tenant_with_timeouts(a, "null");
    struct tf_value *set =
        tenant_with_timeouts(a, "{\"create\":\"1h30m\",\"update\":null,\"delete\":\"90s\"}");
    struct tf_value *bad = tenant_with_timeouts(a, "{\"create\":\"soon\"}");

    assert_int_equal(res_timeout_ms(none, "create", RES_DEFAULT_TIMEOUT_NS), 30 * 60 * 1000);
    assert_int_equal(res_timeout_ms(NULL, "delete", RES_DEFAULT_TIMEOUT_NS), 30 * 60 * 1000);
    assert_int_equal(res_timeout_ms(set, "create", RES_DEFAULT_TIMEOUT_NS), 90 * 60 * 1000);
    assert_int_equal(res_timeout_ms(set, "update", RES_DEFAULT_TIMEOUT_NS), 30 * 60 * 1000);
    assert_int_equal(res_timeout_ms(set, "delete", RES_DEFAULT_TIMEOUT_NS), 90 * 1000);
    assert_int_equal(res_timeout_ms(bad, "create", RES_DEFAULT_TIMEOUT_NS), 30 * 60 * 1000);
    assert_int_equal(res_timeout_ms(none, "read", RES_READ_TIMEOUT_NS), 20 * 60 * 1000);

    uint64_t before = uc_clock_monotonic_ms();
    struct uc_cancel *c = uc_cancel_new();
    struct res_ctx ctx = {.arena = a, .cancel = c};
    struct aws_call_opts o = res_call_opts(&ctx, set, "delete", RES_DEFAULT_TIMEOUT_NS, true);
    assert_ptr_equal(o.cancel, c);
    assert_true(o.retry_non_idempotent);
    assert_true(o.deadline_ms >= before + 90 * 1000);
    assert_true(o.deadline_ms <= uc_clock_monotonic_ms() + 90 * 1000);
    o = res_call_opts(NULL, NULL, "create", RES_DEFAULT_TIMEOUT_NS, false);
    assert_null(o.cancel);
    assert_false(o.retry_non_idempotent);
    uc_cancel_free(c);
    uc_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_diag_texts),
        cmocka_unit_test(test_timeouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
