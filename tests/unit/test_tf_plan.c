/* test_tf_plan.c - the generic planner: create, no-op, update, optional+computed, defaults,
 * force-new (top level, unknown, nested), nested blocks matched by key (reorder, insert), by
 * position, set and map blocks, write-only, destroy, hooks, determinism; every plan is checked
 * against the rules Terraform enforces (reference §9.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tf_fixture.h"
#include "tf_msgpack.h"
#include "tf_plan.h"

static const char *CONFIG =
    "{\"name\":\"t1\",\"email\":\"e\",\"tags\":{\"a\":\"b\"},\"password\":\"p\","
    "\"environment\":[{\"name\":\"dev\"},{\"name\":\"prod\",\"size\":3}],"
    "\"rule\":[{\"cidr\":\"x\"}],\"alias\":{\"k\":{\"value\":\"v\"}},\"timeouts\":null}";

static const char *STATE =
    "{\"id\":\"t-1\",\"name\":\"t1\",\"email\":\"e\",\"role_name\":\"OrganizationAccountAccessRole\","
    "\"region\":\"eu-west-1\",\"arn\":\"arn:1\",\"tags\":{\"a\":\"b\"},"
    "\"environment\":[{\"name\":\"dev\",\"account_id\":\"111\",\"size\":1},"
    "{\"name\":\"prod\",\"account_id\":\"222\",\"size\":3}],"
    "\"rule\":[{\"cidr\":\"x\",\"id\":\"r1\"}],\"alias\":{\"k\":{\"value\":\"v\",\"arn\":\"al\"}}}";

static const char *env_key(const char *block, const struct tf_value *elem)
{
    return strcmp(block, "environment") == 0 ? tf_value_str(tf_value_attr(elem, "name")) : NULL;
}

static const struct tf_plan_hooks key_hooks = {.element_key = env_key};

/* Terraform's AssertPlanValid, for this schema: non-computed attributes equal config,
 * computed ones with non-null config equal config, write-only null, block counts as config. */
static void assert_valid_block(const struct tf_block *b, const struct tf_value *planned,
                               const struct tf_value *config)
{
    assert_true(tf_value_is_known(planned));
    if (tf_value_is_null(config)) {
        assert_true(tf_value_is_null(planned));
        return;
    }
    for (size_t i = 0; i < b->nattrs; i++) {
        const struct tf_attr *at = &b->attrs[i];
        struct tf_value *p = tf_value_attr(planned, at->name);
        struct tf_value *c = tf_value_attr(config, at->name);
        if (at->flags & TF_WRITE_ONLY)
            assert_true(tf_value_is_null(p));
        else if (!(at->flags & TF_COMPUTED) || !tf_value_is_null(c))
            assert_true(tf_value_equal(p, c));
    }
    for (size_t i = 0; i < b->nblocks; i++) {
        const struct tf_block_type *bt = &b->blocks[i];
        struct tf_value *p = tf_value_attr(planned, bt->name);
        struct tf_value *c = tf_value_attr(config, bt->name);
        if (bt->nesting == TF_NEST_SINGLE) {
            assert_valid_block(bt->block, p, c);
            continue;
        }
        assert_int_equal(p->count, c->count);
        for (size_t j = 0; j < c->count && bt->nesting != TF_NEST_SET; j++) {
            if (bt->nesting == TF_NEST_MAP)
                assert_string_equal(p->keys[j], c->keys[j]);
            assert_valid_block(bt->block, p->elems[j], c->elems[j]);
        }
    }
}

static struct tf_plan_result plan_with(const struct tf_value *prior, const struct tf_value *cfg,
                                       const struct tf_plan_hooks *hooks, struct tf_diags *d)
{
    struct tf_plan_request req = {.block = &fx_tenant, .type = T, .prior = prior,
                                  .proposed = cfg, .config = cfg};
    struct tf_plan_result res;
    assert_int_equal(tf_plan(A, &req, hooks, &res, d), UC_OK);
    assert_non_null(res.planned);
    assert_true(tf_value_conforms(A, res.planned, T, NULL));
    assert_valid_block(&fx_tenant, res.planned, cfg);
    return res;
}

static struct tf_plan_result plan_json(const char *prior, const char *cfg,
                                       const struct tf_plan_hooks *hooks)
{
    struct tf_diags d;
    tf_diags_init(&d, A);
    struct tf_value *p = prior ? fx_value(A, T, prior) : NULL;
    struct tf_value *c = fx_value(A, T, cfg);
    assert_true(!prior || p);
    assert_non_null(c);
    struct tf_plan_result r = plan_with(p, c, hooks, &d);
    assert_false(tf_diags_has_error(&d));
    return r;
}

static const char *dbg(const struct tf_value *v, const char *attr)
{
    return tf_value_debug(A, attr ? tf_value_attr(v, attr) : v);
}

static const char *rr_text(const struct tf_plan_result *r)
{
    struct uc_buf b;
    uc_buf_init(&b);
    for (size_t i = 0; i < r->n_requires_replace; i++) {
        if (i)
            uc_buf_puts(&b, " ");
        tf_path_format(&r->requires_replace[i], &b);
    }
    const char *s = uc_arena_strdup(A, uc_buf_str(&b));
    uc_buf_release(&b);
    return s;
}

static void test_create(void **state)
{
    struct tf_plan_result r = plan_json(NULL, CONFIG, &key_hooks);
    assert_string_equal(
        dbg(r.planned, NULL),
        "{alias = {\"k\" = {arn = (unknown), value = \"v\"}}, arn = (unknown), email = \"e\", "
        "environment = [{account_id = (unknown), kind = null, name = \"dev\", size = 1}, "
        "{account_id = (unknown), kind = null, name = \"prod\", size = 3}], id = (unknown), "
        "legacy = null, name = \"t1\", password = null, region = (unknown), "
        "role_name = \"OrganizationAccountAccessRole\", rule = [{cidr = \"x\", id = (unknown)}], "
        "tags = {\"a\" = \"b\"}, timeouts = null}");
    assert_int_equal(r.n_requires_replace, 0);
    /* a null prior value is the same as no prior */
    struct tf_diags d;
    tf_diags_init(&d, A);
    struct tf_plan_result r2 = plan_with(tf_value_null(A, T), fx_value(A, T, CONFIG), NULL, &d);
    assert_true(tf_value_equal(r.planned, r2.planned));
}

static void test_noop_update_keeps_state(void **state)
{
    struct tf_plan_result r = plan_json(STATE, CONFIG, &key_hooks);
    assert_true(tf_value_equal(r.planned, fx_value(A, T, STATE)));
    assert_int_equal(r.n_requires_replace, 0);
    r = plan_json(STATE, CONFIG, NULL); /* same without hooks: positional matching */
    assert_true(tf_value_equal(r.planned, fx_value(A, T, STATE)));
}

static void test_update(void **state)
{
    const char *cfg = "{\"name\":\"t1\",\"email\":\"new\",\"tags\":{\"a\":\"c\"},"
                      "\"region\":\"us-east-1\",\"role_name\":null,"
                      "\"environment\":[{\"name\":\"dev\",\"size\":5},{\"name\":\"prod\"}],"
                      "\"rule\":[{\"cidr\":\"x\"}],\"alias\":{\"k\":{\"value\":\"v\"}},"
                      "\"timeouts\":{\"create\":\"5m\"}}";
    const char *prior = "{\"id\":\"t-1\",\"name\":\"t1\",\"email\":\"e\",\"role_name\":\"Custom\","
                        "\"region\":\"eu-west-1\",\"arn\":\"arn:1\",\"tags\":{\"a\":\"b\"},"
                        "\"environment\":[{\"name\":\"dev\",\"account_id\":\"111\",\"size\":1},"
                        "{\"name\":\"prod\",\"account_id\":\"222\",\"size\":3}],"
                        "\"rule\":[{\"cidr\":\"x\",\"id\":\"r1\"}],"
                        "\"alias\":{\"k\":{\"value\":\"v\",\"arn\":\"al\"}}}";
    struct tf_plan_result r = plan_json(prior, cfg, &key_hooks);
    assert_string_equal(dbg(r.planned, "email"), "\"new\"");         /* config */
    assert_string_equal(dbg(r.planned, "tags"), "{\"a\" = \"c\"}");  /* config */
    assert_string_equal(dbg(r.planned, "region"), "\"us-east-1\"");  /* O+C set: config */
    assert_string_equal(dbg(r.planned, "role_name"), "\"Custom\"");  /* O+C unset: prior */
    assert_string_equal(dbg(r.planned, "id"), "\"t-1\"");            /* computed: prior */
    assert_string_equal(dbg(r.planned, "arn"), "\"arn:1\"");
    assert_string_equal(dbg(r.planned, "environment"),
                        "[{account_id = \"111\", kind = null, name = \"dev\", size = 5}, "
                        "{account_id = \"222\", kind = null, name = \"prod\", size = 3}]");
    assert_string_equal(dbg(r.planned, "timeouts"), "{create = \"5m\"}");
    assert_int_equal(r.n_requires_replace, 0);
}

static void test_default_when_prior_null(void **state)
{
    /* state written before role_name existed: null in prior -> the default, not null */
    const char *prior = "{\"id\":\"t-1\",\"name\":\"t1\",\"email\":\"e\",\"region\":\"r\","
                        "\"arn\":\"a\",\"environment\":[{\"name\":\"dev\",\"account_id\":\"1\"}],"
                        "\"rule\":[],\"alias\":{}}";
    const char *cfg = "{\"name\":\"t1\",\"email\":\"e\",\"environment\":[{\"name\":\"dev\"}],"
                      "\"rule\":[],\"alias\":{}}";
    struct tf_plan_result r = plan_json(prior, cfg, NULL);
    assert_string_equal(dbg(r.planned, "role_name"), "\"OrganizationAccountAccessRole\"");
    assert_string_equal(dbg(r.planned, "environment"),
                        "[{account_id = \"1\", kind = null, name = \"dev\", size = 1}]");
    assert_string_equal(dbg(r.planned, "region"), "\"r\"");
}

static void test_force_new(void **state)
{
    const char *cfg = "{\"name\":\"t2\",\"email\":\"e\",\"tags\":{\"a\":\"b\"},"
                      "\"environment\":[{\"name\":\"dev\"},{\"name\":\"prod\",\"size\":3}],"
                      "\"rule\":[{\"cidr\":\"x\"}],\"alias\":{\"k\":{\"value\":\"v\"}}}";
    struct tf_plan_result r = plan_json(STATE, cfg, &key_hooks);
    assert_string_equal(rr_text(&r), "name");
    /* replaced: every computed value is unknown again, defaults apply */
    assert_string_equal(dbg(r.planned, "id"), "(unknown)");
    assert_string_equal(dbg(r.planned, "region"), "(unknown)");
    assert_string_equal(dbg(r.planned, "role_name"), "\"OrganizationAccountAccessRole\"");
    assert_string_equal(dbg(r.planned, "environment"),
                        "[{account_id = (unknown), kind = null, name = \"dev\", size = 1}, "
                        "{account_id = (unknown), kind = null, name = \"prod\", size = 3}]");
    assert_string_equal(dbg(r.planned, "rule"), "[{cidr = \"x\", id = (unknown)}]");

    /* an unknown replace-forcing value counts as a change */
    struct tf_diags d;
    tf_diags_init(&d, A);
    struct tf_value *c = fx_value(A, T, CONFIG);
    c = tf_value_with_attr(A, c, "name", tf_value_unknown(A, &tf_type_string));
    r = plan_with(fx_value(A, T, STATE), c, &key_hooks, &d);
    assert_string_equal(rr_text(&r), "name");
    assert_string_equal(dbg(r.planned, "id"), "(unknown)");
}

static void test_force_new_nested(void **state)
{
    const char *prior =
        "{\"id\":\"t-1\",\"name\":\"t1\",\"email\":\"e\",\"role_name\":\"R\",\"region\":\"r\","
        "\"arn\":\"a\",\"environment\":[{\"name\":\"dev\",\"account_id\":\"111\",\"size\":1},"
        "{\"name\":\"prod\",\"account_id\":\"222\",\"size\":3,\"kind\":\"k1\"}],"
        "\"rule\":[],\"alias\":{}}";
    /* prod moves to index 0 and changes kind; a new environment with a kind is no change */
    const char *cfg = "{\"name\":\"t1\",\"email\":\"e\",\"environment\":["
                      "{\"name\":\"prod\",\"kind\":\"k2\"},{\"name\":\"dev\"},"
                      "{\"name\":\"qa\",\"kind\":\"k9\"}],\"rule\":[],\"alias\":{}}";
    struct tf_plan_result r = plan_json(prior, cfg, &key_hooks);
    assert_string_equal(rr_text(&r), "environment[0].kind");
    assert_string_equal(dbg(r.planned, "id"), "(unknown)");
    /* same kind: no replacement, even though the position changed */
    cfg = "{\"name\":\"t1\",\"email\":\"e\",\"environment\":[{\"name\":\"prod\",\"kind\":\"k1\"},"
          "{\"name\":\"dev\"}],\"rule\":[],\"alias\":{}}";
    r = plan_json(prior, cfg, &key_hooks);
    assert_int_equal(r.n_requires_replace, 0);
}

static void test_nested_matching(void **state)
{
    const char *reordered = "{\"name\":\"t1\",\"email\":\"e\",\"tags\":{\"a\":\"b\"},"
                            "\"environment\":[{\"name\":\"prod\",\"size\":3},{\"name\":\"dev\"}],"
                            "\"rule\":[{\"cidr\":\"x\"}],\"alias\":{\"k\":{\"value\":\"v\"}}}";
    /* by key: account ids follow their environment */
    struct tf_plan_result r = plan_json(STATE, reordered, &key_hooks);
    assert_string_equal(dbg(r.planned, "environment"),
                        "[{account_id = \"222\", kind = null, name = \"prod\", size = 3}, "
                        "{account_id = \"111\", kind = null, name = \"dev\", size = 1}]");
    /* without a key: positional (what the hook exists to avoid) */
    r = plan_json(STATE, reordered, NULL);
    assert_string_equal(dbg(r.planned, "environment"),
                        "[{account_id = \"111\", kind = null, name = \"prod\", size = 3}, "
                        "{account_id = \"222\", kind = null, name = \"dev\", size = 3}]");
    /* insert in the middle, by key */
    const char *inserted =
        "{\"name\":\"t1\",\"email\":\"e\",\"tags\":{\"a\":\"b\"},\"environment\":["
        "{\"name\":\"dev\"},{\"name\":\"stage\"},{\"name\":\"prod\",\"size\":3}],"
        "\"rule\":[{\"cidr\":\"x\"},{\"cidr\":\"y\"}],"
        "\"alias\":{\"k\":{\"value\":\"v\"},\"n\":{\"value\":\"w\"}}}";
    r = plan_json(STATE, inserted, &key_hooks);
    assert_string_equal(dbg(r.planned, "environment"),
                        "[{account_id = \"111\", kind = null, name = \"dev\", size = 1}, "
                        "{account_id = (unknown), kind = null, name = \"stage\", size = 1}, "
                        "{account_id = \"222\", kind = null, name = \"prod\", size = 3}]");
    /* set elements matched by their non-computed attributes, map elements by key */
    assert_string_equal(dbg(r.planned, "rule"),
                        "[{cidr = \"x\", id = \"r1\"}, {cidr = \"y\", id = (unknown)}]");
    assert_string_equal(dbg(r.planned, "alias"),
                        "{\"k\" = {arn = \"al\", value = \"v\"}, "
                        "\"n\" = {arn = (unknown), value = \"w\"}}");
    /* removing an element */
    const char *removed = "{\"name\":\"t1\",\"email\":\"e\",\"tags\":{\"a\":\"b\"},"
                          "\"environment\":[{\"name\":\"prod\",\"size\":3}],"
                          "\"rule\":[],\"alias\":{}}";
    r = plan_json(STATE, removed, &key_hooks);
    assert_string_equal(dbg(r.planned, "environment"),
                        "[{account_id = \"222\", kind = null, name = \"prod\", size = 3}]");
    assert_string_equal(dbg(r.planned, "rule"), "[]");
}

static void test_unknown_block_list(void **state)
{
    struct tf_diags d;
    tf_diags_init(&d, A);
    struct tf_value *c = fx_value(A, T, CONFIG);
    const struct tf_type *lt = T->members[tf_type_attr_index(T, "environment")];
    c = tf_value_with_attr(A, c, "environment", tf_value_unknown(A, lt));
    struct tf_plan_request req = {.block = &fx_tenant, .type = T, .prior = fx_value(A, T, STATE),
                                  .proposed = c, .config = c};
    struct tf_plan_result r;
    assert_int_equal(tf_plan(A, &req, &key_hooks, &r, &d), UC_OK);
    assert_true(tf_value_is_unknown(tf_value_attr(r.planned, "environment")));
}

static void test_destroy(void **state)
{
    struct tf_diags d;
    tf_diags_init(&d, A);
    struct tf_plan_request req = {.block = &fx_tenant, .type = T, .prior = fx_value(A, T, STATE),
                                  .proposed = tf_value_null(A, T), .config = tf_value_null(A, T)};
    struct tf_plan_result r;
    assert_int_equal(tf_plan(A, &req, &key_hooks, &r, &d), UC_OK);
    assert_true(tf_value_is_null(r.planned));
    assert_int_equal(r.n_requires_replace, 0);
    req.proposed = req.config = NULL;
    assert_int_equal(tf_plan(A, &req, NULL, &r, &d), UC_OK);
    assert_true(tf_value_is_null(r.planned));
    assert_int_equal(d.count, 0);
}

static int modify_calls;
static bool modify_saw_replacing;

static void modify_arn(struct uc_arena *a, const struct tf_value *prior,
                       const struct tf_value *config, struct tf_value **planned, bool replacing,
                       void *ud, struct tf_diags *d)
{
    modify_calls++;
    modify_saw_replacing = replacing;
    if (prior && !tf_value_equal(tf_value_attr(prior, "tags"), tf_value_attr(config, "tags")))
        *planned = tf_value_with_attr(a, *planned, "arn", tf_value_unknown(a, &tf_type_string));
    if (strcmp(tf_value_str(tf_value_attr(config, "email")), "forbidden") == 0) {
        struct tf_path p = tf_path_attr(NULL, "email");
        tf_diag_error(d, &p, "Email cannot change", "%s", (const char *)ud);
    }
}

static void modify_broken(struct uc_arena *a, const struct tf_value *prior,
                          const struct tf_value *config, struct tf_value **planned,
                          bool replacing, void *ud, struct tf_diags *d)
{
    *planned = tf_value_with_attr(a, *planned, "arn", tf_value_int(a, 1));
}

static void test_hooks(void **state)
{
    struct tf_plan_hooks hooks = {.element_key = env_key, .modify = modify_arn, .ud = "why"};
    const char *cfg = "{\"name\":\"t1\",\"email\":\"e\",\"tags\":{\"a\":\"z\"},"
                      "\"environment\":[{\"name\":\"dev\"},{\"name\":\"prod\",\"size\":3}],"
                      "\"rule\":[{\"cidr\":\"x\"}],\"alias\":{\"k\":{\"value\":\"v\"}}}";
    modify_calls = 0;
    struct tf_plan_result r = plan_json(STATE, cfg, &hooks);
    assert_int_equal(modify_calls, 1);
    assert_false(modify_saw_replacing);
    assert_string_equal(dbg(r.planned, "arn"), "(unknown)");
    assert_string_equal(dbg(r.planned, "id"), "\"t-1\"");

    struct tf_diags d;
    tf_diags_init(&d, A);
    struct tf_value *c = fx_value(A, T, cfg);
    c = tf_value_with_attr(A, c, "email", tf_value_string(A, "forbidden"));
    c = tf_value_with_attr(A, c, "name", tf_value_string(A, "t9"));
    r = plan_with(fx_value(A, T, STATE), c, &hooks, &d);
    assert_true(modify_saw_replacing);
    assert_true(tf_diags_has_error(&d));
    assert_string_equal(d.items[0].detail, "why");

    /* a hook that breaks the schema is caught */
    struct tf_plan_hooks broken = {.modify = modify_broken};
    struct tf_plan_request req = {.block = &fx_tenant, .type = T, .prior = NULL,
                                  .proposed = fx_value(A, T, CONFIG),
                                  .config = fx_value(A, T, CONFIG)};
    tf_diags_init(&d, A);
    assert_int_equal(tf_plan(A, &req, &broken, &r, &d), UC_INVALID);
    assert_true(tf_diags_has_error(&d));
}

static void test_deterministic(void **state)
{
    struct uc_buf b1, b2;
    uc_buf_init(&b1);
    uc_buf_init(&b2);
    struct tf_plan_result r1 = plan_json(STATE, CONFIG, &key_hooks);
    struct tf_plan_result r2 = plan_json(STATE, CONFIG, &key_hooks);
    assert_int_equal(tf_msgpack_encode(r1.planned, T, &b1), UC_OK);
    assert_int_equal(tf_msgpack_encode(r2.planned, T, &b2), UC_OK);
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.data, b2.data, b1.len);
    uc_buf_release(&b1);
    uc_buf_release(&b2);
}

static void test_misuse(void **state)
{
    struct tf_diags d;
    tf_diags_init(&d, A);
    struct tf_plan_result r;
    struct tf_value *u = tf_value_unknown(A, T);
    struct tf_plan_request req = {.block = &fx_tenant, .type = T, .proposed = u, .config = u};
    assert_int_equal(tf_plan(A, &req, NULL, &r, &d), UC_INVALID);
    assert_true(tf_diags_has_error(&d));
    assert_int_equal(tf_plan(A, NULL, NULL, &r, &d), UC_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_noop_update_keeps_state),
        cmocka_unit_test(test_update),
        cmocka_unit_test(test_default_when_prior_null),
        cmocka_unit_test(test_force_new),
        cmocka_unit_test(test_force_new_nested),
        cmocka_unit_test(test_nested_matching),
        cmocka_unit_test(test_unknown_block_list),
        cmocka_unit_test(test_destroy),
        cmocka_unit_test(test_hooks),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, fx_setup, tf_arena_teardown);
}
