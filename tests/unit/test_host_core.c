/* test_host_core.c - the protocol-neutral provider core without gRPC: UpgradeResourceState's
 * tolerance of removed and added attributes, version checks, undecodable inputs becoming
 * diagnostics, the plan of a create, the apply guard of resources without apply yet, and
 * private bytes surviving a read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "host_core.h"
#include "res_registry.h"
#include "tf_msgpack.h"
#include "tf_value.h"
#include "uc_buf.h"
#include "uc_cancel.h"

struct fixture {
    struct uc_cancel *cancel;
    struct host_core *core;
    struct uc_arena *arena;
    struct tf_diags diags;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->cancel = uc_cancel_new();
    f->core = host_core_new(f->cancel);
    f->arena = uc_arena_new();
    if (!f->cancel || !f->core || !f->arena)
        return -1;
    tf_diags_init(&f->diags, f->arena);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    host_core_free(f->core);
    uc_cancel_free(f->cancel);
    uc_arena_free(f->arena);
    free(f);
    return 0;
}

static const struct tf_type *type_of(const char *name)
{
    const struct res_resource *r = res_registry_find(name);
    assert_non_null(r);
    return res_registry_type(r);
}

static struct tf_value *decode(struct fixture *f, const char *type, struct host_bytes b)
{
    struct tf_value *v = NULL;
    const char *err = NULL;
    assert_int_equal(tf_msgpack_decode(f->arena, b.data, b.len, type_of(type), &v, &err), UC_OK);
    return v;
}

static const char *first_summary(const struct tf_diags *d)
{
    return d->count ? d->items[0].summary : "";
}

static void test_upgrade_tolerates_removed_and_added_attributes(void **state)
{
    struct fixture *f = *state;
    /* "legacy_field" is not in the schema (removed); most attributes are absent (added). */
    const char *json = "{\"id\":\"data-science\",\"name\":\"data-science\","
                       "\"legacy_field\":{\"deep\":[1,2,3]},\"tags\":{\"team\":\"ds\"}}";
    struct host_bytes out = {0};
    assert_int_equal(host_core_upgrade_state(f->core, f->arena, "unicron_tenant", 0,
                                             (const uint8_t *)json, strlen(json), false, &out,
                                             &f->diags),
                     UC_OK);
    assert_int_equal(f->diags.count, 0);
    struct tf_value *v = decode(f, "unicron_tenant", out);
    assert_string_equal(tf_value_str(tf_value_attr(v, "name")), "data-science");
    assert_string_equal(tf_value_str(tf_value_map_get(tf_value_attr(v, "tags"), "team")), "ds");
    assert_true(tf_value_is_null(tf_value_attr(v, "cost_center")));
    assert_true(tf_value_is_wholly_known(v));
}

static void test_upgrade_rejects_newer_version_and_bad_json(void **state)
{
    struct fixture *f = *state;
    const char *json = "{\"id\":\"x\"}";
    struct host_bytes out = {0};
    host_core_upgrade_state(f->core, f->arena, "unicron_tenant", 99, (const uint8_t *)json,
                            strlen(json), false, &out, &f->diags);
    assert_true(tf_diags_has_error(&f->diags));
    assert_string_equal(first_summary(&f->diags), "Resource state from a newer provider");
    assert_int_equal(out.len, 0);

    struct tf_diags d2;
    tf_diags_init(&d2, f->arena);
    const char *bad = "{\"id\": [unterminated";
    host_core_upgrade_state(f->core, f->arena, "unicron_tenant", 0, (const uint8_t *)bad,
                            strlen(bad), false, &out, &d2);
    assert_true(tf_diags_has_error(&d2));
    assert_string_equal(first_summary(&d2), "Invalid resource state");

    struct tf_diags d3;
    tf_diags_init(&d3, f->arena);
    host_core_upgrade_state(f->core, f->arena, "unicron_nothing", 0, (const uint8_t *)json,
                            strlen(json), false, &out, &d3);
    assert_true(tf_diags_has_error(&d3));
}

static void test_undecodable_config_is_a_diagnostic(void **state)
{
    struct fixture *f = *state;
    static const uint8_t garbage[] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0x01}; /* huge map header */
    struct host_dv dv = {garbage, sizeof garbage, NULL, 0};
    assert_int_equal(host_core_validate_resource(f->core, f->arena, "unicron_cluster", &dv,
                                                 &f->diags),
                     UC_OK);
    assert_true(tf_diags_has_error(&f->diags));
}

/* Encodes a config object of type t from a few string attributes; the rest null / empty. */
static struct host_bytes encode_config(struct fixture *f, const char *type,
                                       const char *const *kv)
{
    const struct tf_type *t = type_of(type);
    struct tf_value **vals = uc_arena_calloc(f->arena, t->count, sizeof *vals);
    for (size_t i = 0; i < t->count; i++) {
        const struct tf_type *mt = t->members[i];
        if (mt->kind == TF_LIST || mt->kind == TF_SET)
            vals[i] = mt->elem->kind == TF_OBJECT ? tf_value_list(f->arena, mt, NULL, 0)
                                                  : tf_value_null(f->arena, mt);
        else
            vals[i] = tf_value_null(f->arena, mt);
        if (mt->kind == TF_SET && mt->elem->kind == TF_OBJECT)
            vals[i] = tf_value_set(f->arena, mt, NULL, 0);
        for (const char *const *p = kv; *p; p += 2)
            if (strcmp(t->names[i], p[0]) == 0)
                vals[i] = tf_value_string(f->arena, p[1]);
    }
    struct tf_value *obj = tf_value_object(f->arena, t, vals);
    struct uc_buf b;
    uc_buf_init(&b);
    assert_int_equal(tf_msgpack_encode(obj, t, &b), UC_OK);
    struct host_bytes out = {uc_arena_memdup(f->arena, b.data, b.len), b.len};
    uc_buf_release(&b);
    return out;
}

static void test_plan_create_then_apply_guard(void **state)
{
    struct fixture *f = *state;
    static const char *const kv[] = {"account_id", "123456789012", "name", "analytics",
                                     "kubernetes_version", "1.35", NULL};
    struct host_bytes cfg = encode_config(f, "unicron_cluster", kv);
    struct host_dv config = {cfg.data, cfg.len, NULL, 0};
    struct host_dv null_dv = {0};
    struct host_plan_out plan;
    memset(&plan, 0, sizeof plan);
    assert_int_equal(host_core_plan(f->core, f->arena, "unicron_cluster", &null_dv, &config,
                                    &config, NULL, &plan, &f->diags),
                     UC_OK);
    assert_false(tf_diags_has_error(&f->diags));
    struct tf_value *planned = decode(f, "unicron_cluster", plan.planned);
    assert_string_equal(tf_value_str(tf_value_attr(planned, "name")), "analytics");
    assert_true(tf_value_is_unknown(tf_value_attr(planned, "arn")));
    assert_true(tf_value_is_unknown(tf_value_attr(planned, "endpoint")));

    /* No ConfigureProvider here: the apply cannot reach AWS and says so in an error diagnostic
     * (a resource without apply would say "not available"); nothing pretends to work. */
    struct host_dv planned_dv = {plan.planned.data, plan.planned.len, NULL, 0};
    struct host_bytes new_state = {0}, priv = {0};
    struct tf_diags d2;
    tf_diags_init(&d2, f->arena);
    host_core_apply(f->core, f->arena, "unicron_cluster", &null_dv, &planned_dv, &config, NULL,
                    &new_state, &priv, &d2);
    assert_true(tf_diags_has_error(&d2));
    if (strstr(d2.items[0].summary, "not available") == NULL &&
        strstr(d2.items[0].summary, "not ready") == NULL &&
        strstr(d2.items[0].summary, "not configured") == NULL)
        fail_msg("unexpected apply diagnostic: %s", d2.items[0].summary);
}

static void test_read_keeps_private_bytes(void **state)
{
    struct fixture *f = *state;
    static const char *const kv[] = {"account_id", "123456789012", "name", "analytics",
                                     "kubernetes_version", "1.35", NULL};
    struct host_bytes st = encode_config(f, "unicron_cluster", kv);
    struct host_dv current = {st.data, st.len, NULL, 0};
    static const uint8_t secret[] = "opaque-private";
    struct host_bytes priv_in = {secret, sizeof secret};
    struct host_bytes new_state = {0}, priv_out = {0};
    host_core_read(f->core, f->arena, "unicron_cluster", &current, &priv_in, &new_state,
                   &priv_out, &f->diags);
    assert_int_equal(priv_out.len, sizeof secret);
    assert_memory_equal(priv_out.data, secret, sizeof secret);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_upgrade_tolerates_removed_and_added_attributes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_rejects_newer_version_and_bad_json, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_undecodable_config_is_a_diagnostic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_plan_create_then_apply_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_keeps_private_bytes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
