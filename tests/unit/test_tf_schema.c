/* test_tf_schema.c - implied types of blocks, configuration validation (required, validators on
 * known values only, min/max items, nested paths) and the load-time schema rules (§7.4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tf_fixture.h"

static void test_implied_type(void **state)
{
    assert_string_equal(
        type_json(T),
        "[\"object\",{\"alias\":[\"map\",[\"object\",{\"arn\":\"string\",\"value\":\"string\"}]],"
        "\"arn\":\"string\",\"email\":\"string\",\"environment\":[\"list\",[\"object\","
        "{\"account_id\":\"string\",\"kind\":\"string\",\"name\":\"string\",\"size\":\"number\"}]],"
        "\"id\":\"string\",\"legacy\":\"string\",\"name\":\"string\",\"password\":\"string\","
        "\"region\":\"string\",\"role_name\":\"string\",\"rule\":[\"set\",[\"object\","
        "{\"cidr\":\"string\",\"id\":\"string\"}]],\"tags\":[\"map\",\"string\"],"
        "\"timeouts\":[\"object\",{\"create\":\"string\"}]}]");
    /* LIST / MAP blocks with a dynamic attribute are dynamic (tuple / object values); GROUP is
     * a plain object */
    static const struct tf_attr dyn_attrs[] = {
        {.name = "v", .type = &tf_type_dynamic, .flags = TF_OPTIONAL}};
    static const struct tf_block dyn = {.attrs = dyn_attrs, .nattrs = 1};
    static const struct tf_block_type bts[] = {
        {.name = "l", .nesting = TF_NEST_LIST, .block = &dyn},
        {.name = "m", .nesting = TF_NEST_MAP, .block = &dyn},
        {.name = "g", .nesting = TF_NEST_GROUP, .block = &dyn},
    };
    static const struct tf_block outer = {.blocks = bts, .nblocks = 3};
    assert_string_equal(type_json(tf_block_type_of(A, &outer)),
                        "[\"object\",{\"g\":[\"object\",{\"v\":\"dynamic\"}],\"l\":\"dynamic\","
                        "\"m\":\"dynamic\"}]");
    assert_non_null(tf_block_find_attr(&fx_tenant, "email"));
    assert_null(tf_block_find_attr(&fx_tenant, "environment"));
    assert_non_null(tf_block_find_block(&fx_tenant, "environment"));
}

struct diag_want {
    const char *path; /* formatted, "" = whole block */
    const char *summary;
    enum tf_severity sev;
};

static void validate_case(const char *name, const struct tf_value *cfg,
                          const struct diag_want *want, size_t nwant)
{
    struct tf_diags d;
    tf_diags_init(&d, A);
    fprintf(stderr, "case: %s\n", name);
    assert_non_null(cfg);
    tf_block_validate(&fx_tenant, cfg, NULL, &d);
    for (size_t i = 0; i < d.count; i++) {
        struct uc_buf b;
        uc_buf_init(&b);
        tf_path_format(&d.items[i].path, &b);
        fprintf(stderr, "  diag %s: %s (%s)\n", uc_buf_str(&b), d.items[i].summary,
                d.items[i].detail);
        if (i < nwant) {
            assert_string_equal(uc_buf_str(&b), want[i].path);
            assert_string_equal(d.items[i].summary, want[i].summary);
            assert_int_equal(d.items[i].severity, want[i].sev);
            assert_int_equal(d.items[i].has_path, want[i].path[0] != '\0');
        }
        uc_buf_release(&b);
    }
    assert_int_equal(d.count, nwant);
}

static void test_validate(void **state)
{
    const char *ok = "{\"name\":\"t1\",\"email\":\"a@b\",\"environment\":[{\"name\":\"dev\"}],"
                     "\"rule\":[],\"alias\":{}}";
    validate_case("valid", fx_value(A, T, ok), NULL, 0);

    struct diag_want missing[] = {
        {"email", "Missing required argument", TF_SEV_ERROR},
        {"environment[1].name", "Missing required argument", TF_SEV_ERROR},
    };
    validate_case("missing required",
                  fx_value(A, T, "{\"name\":\"t1\",\"environment\":[{\"name\":\"a\"},{}]}"),
                  missing, 2);

    struct diag_want bad[] = {
        {"name", "Invalid slug", TF_SEV_ERROR},
        {"legacy", "Deprecated attribute", TF_SEV_WARNING},
        {"environment[0].name", "Invalid slug", TF_SEV_ERROR},
        {"rule", "Invalid slug", TF_SEV_ERROR}, /* set elements: the set's path */
    };
    validate_case("validators with paths",
                  fx_value(A, T,
                           "{\"name\":\"T 1\",\"email\":\"e\",\"legacy\":\"x\","
                           "\"environment\":[{\"name\":\"Dev\"}],\"rule\":[{\"cidr\":\"a/b\"}],"
                           "\"alias\":{\"x\":{\"value\":\"v\"}}}"),
                  bad, 4);

    struct diag_want counts[] = {{"environment", "Too many environment blocks", TF_SEV_ERROR}};
    validate_case("too many blocks",
                  fx_value(A, T,
                           "{\"name\":\"t\",\"email\":\"e\",\"environment\":[{\"name\":\"a\"},"
                           "{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\"}]}"),
                  counts, 1);
    struct diag_want few[] = {{"environment", "Insufficient environment blocks", TF_SEV_ERROR}};
    validate_case("too few blocks",
                  fx_value(A, T, "{\"name\":\"t\",\"email\":\"e\",\"environment\":[]}"), few, 1);

    struct diag_want ro[] = {{"id", "Invalid Configuration for Read-Only Attribute",
                              TF_SEV_ERROR}};
    validate_case("computed set in config",
                  fx_value(A, T,
                           "{\"id\":\"x\",\"name\":\"t\",\"email\":\"e\","
                           "\"environment\":[{\"name\":\"a\"}]}"),
                  ro, 1);

    /* unknowns: validators skipped, unknown block list skips counts */
    struct tf_value *cfg = fx_value(A, T, ok);
    cfg = tf_value_with_attr(A, cfg, "name", tf_value_unknown(A, &tf_type_string));
    cfg = tf_value_with_attr(A, cfg, "environment",
                             tf_value_unknown(A, tf_type_attr_index(T, "environment") >= 0
                                                     ? T->members[tf_type_attr_index(
                                                           T, "environment")]
                                                     : NULL));
    validate_case("unknowns skipped", cfg, NULL, 0);
    validate_case("null config", tf_value_null(A, T), NULL, 0);
}

static void test_validate_base_path(void **state)
{
    struct tf_diags d;
    tf_diags_init(&d, A);
    struct tf_path base = tf_path_attr(NULL, "outer");
    tf_block_validate(&fx_tenant, fx_value(A, T, "{\"environment\":[{\"name\":\"a\"}]}"), &base,
                      &d);
    assert_int_equal(d.count, 2);
    struct uc_buf b;
    uc_buf_init(&b);
    tf_path_format(&d.items[0].path, &b);
    assert_string_equal(uc_buf_str(&b), "outer.name");
    uc_buf_release(&b);
}

/* A MAP block with a dynamic attribute inside has an object value (one attribute per label),
 * not a map: validation must walk it by the object's attribute names. */
static void test_validate_map_block_with_dynamic(void **state)
{
    static const struct tf_attr attrs[] = {
        {.name = "r", .type = &tf_type_string, .flags = TF_REQUIRED},
        {.name = "v", .type = &tf_type_dynamic, .flags = TF_OPTIONAL},
    };
    static const struct tf_block inner = {.attrs = attrs, .nattrs = 2};
    static const struct tf_block_type bts[] = {
        {.name = "m", .nesting = TF_NEST_MAP, .block = &inner},
    };
    static const struct tf_block outer = {.blocks = bts, .nblocks = 1};
    const struct tf_type *t = tf_block_type_of(A, &outer);
    assert_non_null(t);
    struct tf_value *cfg = fx_value(
        A, t,
        "{\"m\":{\"type\":[\"object\",{\"k\":[\"object\",{\"r\":\"string\","
        "\"v\":\"dynamic\"}]}],\"value\":{\"k\":{\"r\":null,"
        "\"v\":{\"type\":\"number\",\"value\":1}}}}}");
    assert_non_null(cfg);
    struct tf_diags d;
    tf_diags_init(&d, A);
    tf_block_validate(&outer, cfg, NULL, &d);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].summary, "Missing required argument");
    struct uc_buf b;
    uc_buf_init(&b);
    tf_path_format(&d.items[0].path, &b);
    assert_string_equal(uc_buf_str(&b), "m[\"k\"].r");
    uc_buf_release(&b);

    /* The dynamic slot can name any type: a list where labelled blocks belong is an error,
     * never a walk over keys that are not there. */
    cfg = fx_value(A, t,
                   "{\"m\":{\"type\":[\"list\",[\"object\",{\"r\":\"string\"}]],"
                   "\"value\":[{\"r\":\"x\"}]}}");
    assert_non_null(cfg);
    tf_diags_init(&d, A);
    tf_block_validate(&outer, cfg, NULL, &d);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].summary, "Invalid nested block value");
}

static void test_check(void **state)
{
    const char *err = NULL;
    assert_true(tf_block_check(&fx_tenant, &err, A));
    assert_null(err);

    static const struct tf_attr attrs_bad_name[] = {
        {.name = "Name", .type = &tf_type_string, .flags = TF_OPTIONAL}};
    static const struct tf_attr attrs_no_flags[] = {{.name = "a", .type = &tf_type_string}};
    static const struct tf_attr attrs_req_opt[] = {
        {.name = "a", .type = &tf_type_string, .flags = TF_REQUIRED | TF_OPTIONAL}};
    static const struct tf_attr attrs_req_comp[] = {
        {.name = "a", .type = &tf_type_string, .flags = TF_REQUIRED | TF_COMPUTED}};
    static const struct tf_attr attrs_no_type[] = {{.name = "a", .flags = TF_OPTIONAL}};
    static const struct tf_attr attrs_dup[] = {
        {.name = "a", .type = &tf_type_string, .flags = TF_OPTIONAL},
        {.name = "a", .type = &tf_type_string, .flags = TF_OPTIONAL}};
    static const struct tf_attr attrs_bad_default[] = {
        {.name = "a", .type = &tf_type_number, .flags = TF_OPTIONAL | TF_COMPUTED,
         .default_json = "\"x\""}};
    static const struct tf_attr attrs_default_not_oc[] = {
        {.name = "a", .type = &tf_type_number, .flags = TF_OPTIONAL, .default_json = "1"}};
    static const struct tf_attr attrs_wo_computed[] = {
        {.name = "a", .type = &tf_type_string, .flags = TF_COMPUTED | TF_WRITE_ONLY}};
    static const struct tf_attr attrs_dyn[] = {
        {.name = "a", .type = &tf_type_dynamic, .flags = TF_OPTIONAL}};
    static const struct tf_attr attrs_wo[] = {
        {.name = "a", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_WRITE_ONLY}};
    static const struct tf_block b_dyn = {.attrs = attrs_dyn, .nattrs = 1};
    static const struct tf_block b_wo = {.attrs = attrs_wo, .nattrs = 1};
    static const struct tf_attr attr_a[] = {
        {.name = "a", .type = &tf_type_string, .flags = TF_OPTIONAL}};
    static const struct tf_block b_a = {.attrs = attr_a, .nattrs = 1};
    static const struct tf_block_type bt_clash[] = {{.name = "a", .nesting = TF_NEST_LIST,
                                                     .block = &b_a}};
    static const struct tf_block_type bt_single[] = {{.name = "s", .nesting = TF_NEST_SINGLE,
                                                      .block = &b_a, .min_items = 0,
                                                      .max_items = 1}};
    static const struct tf_block_type bt_group[] = {{.name = "g", .nesting = TF_NEST_GROUP,
                                                     .block = &b_a, .min_items = 1,
                                                     .max_items = 1}};
    static const struct tf_block_type bt_map[] = {{.name = "m", .nesting = TF_NEST_MAP,
                                                   .block = &b_a, .max_items = 2}};
    static const struct tf_block_type bt_minmax[] = {{.name = "l", .nesting = TF_NEST_LIST,
                                                      .block = &b_a, .min_items = 3,
                                                      .max_items = 2}};
    static const struct tf_block_type bt_neg[] = {{.name = "l", .nesting = TF_NEST_LIST,
                                                   .block = &b_a, .min_items = -1}};
    static const struct tf_block_type bt_set_dyn[] = {{.name = "s", .nesting = TF_NEST_SET,
                                                       .block = &b_dyn}};
    static const struct tf_block_type bt_set_wo[] = {{.name = "s", .nesting = TF_NEST_SET,
                                                      .block = &b_wo}};
    static const struct tf_block b_no_flags = {.attrs = attrs_no_flags, .nattrs = 1};
    static const struct tf_block_type bt_nested_bad[] = {{.name = "n", .nesting = TF_NEST_LIST,
                                                          .block = &b_no_flags}};
    static const struct tf_block_type bt_nomode[] = {{.name = "x", .nesting = 0, .block = &b_a}};
    struct {
        struct tf_block b;
        const char *err;
    } rows[] = {
        {{.attrs = attrs_bad_name, .nattrs = 1}, "Name: names may only contain"},
        {{.attrs = attrs_no_flags, .nattrs = 1}, "a: must set Optional, Required or Computed"},
        {{.attrs = attrs_req_opt, .nattrs = 1}, "a: cannot set both Optional and Required"},
        {{.attrs = attrs_req_comp, .nattrs = 1}, "a: cannot set both Computed and Required"},
        {{.attrs = attrs_no_type, .nattrs = 1}, "a: Type must be set"},
        {{.attrs = attrs_dup, .nattrs = 2}, "a: attribute defined twice"},
        {{.attrs = attrs_bad_default, .nattrs = 1}, "a: default is not"},
        {{.attrs = attrs_default_not_oc, .nattrs = 1}, "a: a default needs Optional+Computed"},
        {{.attrs = attrs_wo_computed, .nattrs = 1}, "write-only attributes cannot be Computed"},
        {{.attrs = attr_a, .nattrs = 1, .blocks = bt_clash, .nblocks = 1},
         "a: name defined as both attribute and block"},
        {{.blocks = bt_single, .nblocks = 1}, "s: MinItems and MaxItems must match"},
        {{.blocks = bt_group, .nblocks = 1}, "g: MinItems and MaxItems cannot be used"},
        {{.blocks = bt_map, .nblocks = 1}, "m: MinItems and MaxItems cannot be used"},
        {{.blocks = bt_minmax, .nblocks = 1}, "l: MinItems must be less than MaxItems"},
        {{.blocks = bt_neg, .nblocks = 1}, "l: MinItems and MaxItems must both be >= 0"},
        {{.blocks = bt_set_dyn, .nblocks = 1}, "s: NestingSet blocks may not contain dynamic"},
        {{.blocks = bt_set_wo, .nblocks = 1}, "s: NestingSet blocks may not contain write-only"},
        {{.blocks = bt_nested_bad, .nblocks = 1}, "n.a: must set Optional"},
        {{.blocks = bt_nomode, .nblocks = 1}, "x: unsupported nesting mode"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        err = NULL;
        assert_false(tf_block_check(&rows[i].b, &err, A));
        assert_non_null(err);
        if (!strstr(err, rows[i].err)) {
            fprintf(stderr, "row %zu: got %s, want %s\n", i, err, rows[i].err);
            fail();
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_implied_type),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_validate_base_path),
        cmocka_unit_test(test_validate_map_block_with_dynamic),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, fx_setup, tf_arena_teardown);
}
