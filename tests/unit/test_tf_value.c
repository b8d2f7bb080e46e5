/* test_tf_value.c - values: canonical number text, equality by value, set canonicalisation,
 * maps, accessors, conformance, paths and diagnostics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tf_diag.h"
#include "tf_path.h"
#include "tf_value.h"
#include "tf_test.h"

static void test_number_canonical(void **state)
{
    struct {
        const char *in, *out;
    } rows[] = {
        {"0", "0"}, {"-0", "0"}, {"0.000", "0"}, {"0e99", "0"}, {"+7", "7"}, {"1.0", "1"},
        {"1e0", "1"}, {"10", "10"}, {"1e1", "10"}, {"007", "7"}, {"-1.50", "-1.5"},
        {".5", "0.5"}, {"5.", "5"}, {"123.456e2", "12345.6"}, {"1E-3", "0.001"},
        {"0.00000000000000000001", "0.00000000000000000001"}, {"1e-21", "1e-21"},
        {"-2.5e-21", "-2.5e-21"}, {"12345678901234567890", "12345678901234567890"},
        {"1e39", "1000000000000000000000000000000000000000"}, {"1e40", "1e+40"},
        {"1e300", "1e+300"}, {"-12.5e300", "-1.25e+301"}, {"Infinity", "Infinity"},
        {"-Inf", "-Infinity"}, {"+Infinity", "Infinity"},
        /* the normalised exponent's bounds, +-1000000000, whatever the written one */
        {"19.9e999999999", "1.99e+1000000000"}, {"0.1e-999999999", "1e-1000000000"},
        {"1e1000000000", "1e+1000000000"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *c = tf_number_canonical(A, rows[i].in, strlen(rows[i].in));
        assert_non_null(c);
        if (strcmp(c, rows[i].out) != 0) {
            fprintf(stderr, "%s -> %s, want %s\n", rows[i].in, c, rows[i].out);
            fail();
        }
        /* canonical text is a fixed point */
        assert_string_equal(tf_number_canonical(A, c, strlen(c)), c);
    }
    const char *bad[] = {"", "-", ".", "e5", "1e", "1e+", "1.2.3", "0x10", "NaN", "inf",
                         "1 ", " 1", "1e1000000001", "--1", "1_000",
                         "199e999999999", "10e1000000000", "0.01e-999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_null(tf_number_canonical(A, bad[i], strlen(bad[i])));
}

static void test_number_conversions(void **state)
{
    int64_t i;
    double d;
    assert_true(tf_number_to_int64("9223372036854775807", &i));
    assert_true(i == INT64_MAX);
    assert_true(tf_number_to_int64("-9223372036854775808", &i));
    assert_true(i == INT64_MIN);
    assert_false(tf_number_to_int64("9223372036854775808", &i));
    assert_false(tf_number_to_int64("1.5", &i));
    assert_true(tf_number_to_int64("1000", &i));
    assert_int_equal(i, 1000);
    assert_true(tf_number_to_double("0.5", &d));
    assert_true(d == 0.5);
    assert_false(tf_number_to_double("0.1", &d));
    assert_true(tf_number_to_double("Infinity", &d));
    assert_string_equal(tf_number_from_double(A, 0.1),
                        "0.1000000000000000055511151231257827021181583404541015625");
    assert_string_equal(tf_number_from_double(A, -0.0), "0");
    assert_string_equal(tf_number_from_double(A, 1e21), "1000000000000000000000");
    const char *c = tf_number_from_double(A, 5e-324); /* smallest subnormal, exact */
    assert_true(tf_number_to_double(c, &d));
    assert_true(d == 5e-324);
    assert_null(tf_number_from_double(A, 0.0 / 0.0));
}

static void test_number_compare(void **state)
{
    const char *ordered[] = {"-Infinity", "-1e+300", "-10", "-9.5", "-1", "-0.001", "0",
                             "1e-25", "0.5", "1", "1.5", "9", "10", "12345678901234567890",
                             "1e+300", "Infinity"};
    size_t n = sizeof(ordered) / sizeof(ordered[0]);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int c = tf_number_compare(ordered[i], ordered[j]);
            assert_true(i < j ? c < 0 : i > j ? c > 0 : c == 0);
        }
    }
    assert_true(tf_value_equal(tf_value_number_text(A, "1"), tf_value_number_text(A, "1.0")));
    assert_true(tf_value_equal(tf_value_int(A, 100), tf_value_number_text(A, "1e2")));
    assert_false(tf_value_equal(tf_value_int(A, 1), tf_value_number_text(A, "1.000001")));
}

static void test_equality(void **state)
{
    struct tf_value *s = tf_value_string(A, "a");
    assert_true(tf_value_equal(s, tf_value_stringn(A, "ab", 1)));
    assert_false(tf_value_equal(s, tf_value_string(A, "b")));
    assert_true(tf_value_equal(tf_value_null(A, &tf_type_string), NULL));
    assert_false(tf_value_equal(tf_value_null(A, &tf_type_string), s));
    assert_true(tf_value_equal(tf_value_unknown(A, &tf_type_string),
                               tf_value_unknown(A, &tf_type_string)));
    assert_false(tf_value_equal(tf_value_unknown(A, &tf_type_string), s));
    assert_false(tf_value_equal(tf_value_unknown(A, &tf_type_string),
                                tf_value_null(A, &tf_type_string)));
    assert_false(tf_value_equal(s, tf_value_bool(A, true)));
    /* embedded NUL counts */
    assert_false(tf_value_equal(tf_value_stringn(A, "a\0b", 3), tf_value_stringn(A, "a\0c", 3)));
}

static void test_sets_and_maps(void **state)
{
    struct tf_value *e[] = {tf_value_string(A, "b"), tf_value_string(A, "a"),
                            tf_value_unknown(A, &tf_type_string), tf_value_string(A, "b"),
                            tf_value_string(A, "B")};
    struct tf_value *set = tf_value_set(A, &tf_type_set_string, e, 5);
    assert_string_equal(tf_value_debug(A, set), "[\"B\", \"a\", \"b\", (unknown)]");
    struct tf_value *set2 = tf_value_set(A, &tf_type_set_string, (struct tf_value *[]){e[4], e[3],
                                         e[2], e[1]}, 4);
    assert_true(tf_value_equal(set, set2));

    const char *k[] = {"z", "a"};
    struct tf_value *v[] = {tf_value_string(A, "1"), tf_value_string(A, "2")};
    struct tf_value *m = tf_value_map(A, &tf_type_map_string, k, v, 2);
    assert_string_equal(m->keys[0], "a");
    assert_string_equal(tf_value_str(tf_value_map_get(m, "z")), "1");
    assert_null(tf_value_map_get(m, "q"));
    const char *dup[] = {"a", "a"};
    assert_null(tf_value_map(A, &tf_type_map_string, dup, v, 2));
    assert_null(tf_value_list(A, &tf_type_set_string, v, 2)); /* wrong collection type */
}

static void test_objects_and_conformance(void **state)
{
    const char *names[] = {"name", "size"};
    const struct tf_type *types[] = {&tf_type_string, &tf_type_number};
    const struct tf_type *t = tf_type_object(A, 2, names, types);
    struct tf_value *vals[] = {tf_value_string(A, "x"), tf_value_int(A, 3)};
    struct tf_value *o = tf_value_object(A, t, vals);
    assert_string_equal(tf_value_str(tf_value_attr(o, "name")), "x");
    int64_t n = 0;
    assert_int_equal(tf_value_get_int64(tf_value_attr(o, "size"), &n), UC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(tf_value_get_int64(tf_value_attr(o, "name"), &n), UC_INVALID);
    assert_int_equal(tf_value_get_int64(tf_value_number_text(A, "1e30"), &n), UC_RANGE);
    struct tf_value *o2 = tf_value_with_attr(A, o, "name", tf_value_unknown(A, &tf_type_string));
    assert_true(tf_value_is_unknown(tf_value_attr(o2, "name")));
    assert_string_equal(tf_value_str(tf_value_attr(o, "name")), "x"); /* original untouched */
    assert_null(tf_value_with_attr(A, o, "nope", vals[0]));
    assert_true(tf_value_is_wholly_known(o));
    assert_false(tf_value_is_wholly_known(o2));
    assert_true(tf_value_is_known(o2));

    const char *err = NULL;
    assert_true(tf_value_conforms(A, o, t, &err));
    assert_true(tf_value_conforms(A, o, &tf_type_dynamic, &err));
    assert_true(tf_value_conforms(A, tf_value_null(A, t), t, &err));
    struct tf_value *bad = tf_value_with_attr(A, o, "size", tf_value_string(A, "3"));
    assert_false(tf_value_conforms(A, bad, t, &err));
    assert_string_equal(err, "size: value has the wrong type");
    struct tf_value *lst = tf_value_list(A, &tf_type_list_string,
                                         (struct tf_value *[]){tf_value_bool(A, true)}, 1);
    assert_false(tf_value_conforms(A, lst, &tf_type_list_string, &err));
    assert_string_equal(err, "[0]: value has the wrong type");
}

static void test_paths_and_diags(void **state)
{
    struct tf_path p = tf_path_attr(NULL, "environment");
    p = tf_path_index(&p, 0);
    p = tf_path_attr(&p, "name");
    struct tf_path q = tf_path_attr(NULL, "tags");
    q = tf_path_key(&q, "k\"1");
    struct uc_buf b;
    uc_buf_init(&b);
    tf_path_format(&p, &b);
    assert_string_equal(uc_buf_str(&b), "environment[0].name");
    uc_buf_reset(&b);
    tf_path_format(&q, &b);
    assert_string_equal(uc_buf_str(&b), "tags[\"k\\\"1\"]");
    uc_buf_release(&b);
    struct tf_path deep = tf_path_root();
    for (int i = 0; i < 40; i++)
        deep = tf_path_index(&deep, i);
    assert_int_equal(deep.len, TF_PATH_MAX);

    struct tf_diags d;
    tf_diags_init(&d, A);
    assert_false(tf_diags_has_error(&d));
    char name[] = "temp";
    struct tf_path t = tf_path_attr(NULL, name);
    tf_diag_warning(&d, &t, "careful", "value %d", 7);
    assert_false(tf_diags_has_error(&d));
    for (int i = 0; i < 20; i++)
        tf_diag_error(&d, i ? NULL : &p, "bad", "n=%d", i);
    memcpy(name, "XXXX", 4); /* the list keeps its own copies */
    assert_int_equal(d.count, 21);
    assert_true(tf_diags_has_error(&d));
    assert_string_equal(d.items[0].path.steps[0].name, "temp");
    assert_string_equal(d.items[0].detail, "value 7");
    assert_true(d.items[1].has_path);
    assert_false(d.items[2].has_path);
    struct tf_diags d2;
    tf_diags_init(&d2, A);
    tf_diags_append(&d2, &d);
    assert_int_equal(d2.count, 21);
    assert_int_equal(d2.items[0].severity, TF_SEV_WARNING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_canonical),
        cmocka_unit_test(test_number_conversions),
        cmocka_unit_test(test_number_compare),
        cmocka_unit_test(test_equality),
        cmocka_unit_test(test_sets_and_maps),
        cmocka_unit_test(test_objects_and_conformance),
        cmocka_unit_test(test_paths_and_diags),
    };
    return cmocka_run_group_tests(tests, tf_arena_setup, tf_arena_teardown);
}
