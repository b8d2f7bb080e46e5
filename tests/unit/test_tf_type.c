/* test_tf_type.c - cty types: static types, arena-built types, equality, type JSON both ways
 * (compact like cty, bounded, malformed input rejected) and friendly names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tf_type.h"
#include "tf_test.h"

/* Static tables as resources write them. */
static const struct tf_type list_num = TF_TYPE_INIT_LIST(&tf_type_number);
static const char *const obj_names[] = {"a", "b"};
static const struct tf_type *const obj_members[] = {&tf_type_string, &list_num};
static const struct tf_type static_obj = TF_TYPE_INIT_OBJECT(2, obj_names, obj_members);
static const char *const bad_names[] = {"b", "a"};
static const struct tf_type bad_obj = TF_TYPE_INIT_OBJECT(2, bad_names, obj_members);

static void test_json_round_trip(void **state)
{
    const char *rows[] = {
        "\"string\"",
        "\"number\"",
        "\"bool\"",
        "\"dynamic\"",
        "[\"list\",\"string\"]",
        "[\"set\",[\"map\",\"number\"]]",
        "[\"object\",{\"k\":\"string\",\"n\":\"number\"}]",
        "[\"object\",{}]",
        "[\"tuple\",[\"string\",[\"list\",\"bool\"],\"dynamic\"]]",
        "[\"tuple\",[]]",
        "[\"object\",{\"a\\\"b\":\"string\"}]",
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct tf_type *t = NULL;
        assert_int_equal(tf_type_from_json(A, rows[i], strlen(rows[i]), &t, NULL), UC_OK);
        assert_string_equal(type_json(t), rows[i]);
        assert_true(tf_type_valid(t));
    }
    /* attribute order in the input does not matter: output is sorted */
    const char *unsorted = "[\"object\", {\"z\": \"bool\", \"a\": \"string\"}]";
    const struct tf_type *t = NULL;
    assert_int_equal(tf_type_from_json(A, unsorted, strlen(unsorted), &t, NULL), UC_OK);
    assert_string_equal(type_json(t), "[\"object\",{\"a\":\"string\",\"z\":\"bool\"}]");
    assert_string_equal(type_json(&static_obj),
                        "[\"object\",{\"a\":\"string\",\"b\":[\"list\",\"number\"]}]");
}

static void test_json_errors(void **state)
{
    char deep[1024];
    size_t o = 0;
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(deep + o, sizeof(deep) - o, "[\"list\",");
    o += (size_t)snprintf(deep + o, sizeof(deep) - o, "\"string\"");
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(deep + o, sizeof(deep) - o, "]");
    const char *rows[] = {
        "", "str", "\"str\"", "1", "[]", "[\"list\"]", "[\"list\",\"string\",1]",
        "[\"map\",\"nope\"]", "[\"object\",[]]", "[\"object\",{\"a\":\"string\"},[\"a\"]]",
        "[\"object\",{\"a\":\"string\",\"a\":\"bool\"}]", "[\"tuple\",{}]", "[\"frob\",1]",
        "[\"list\",\"string\"", deep,
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct tf_type *t = &tf_type_string;
        const char *err = NULL;
        assert_int_equal(tf_type_from_json(A, rows[i], strlen(rows[i]), &t, &err), UC_DECODE);
        assert_null(t);
        assert_non_null(err);
    }
}

static void test_equality_and_lookup(void **state)
{
    const char *n1[] = {"b", "a"};
    const struct tf_type *t1[] = {tf_type_list(A, &tf_type_number), &tf_type_string};
    const struct tf_type *o1 = tf_type_object(A, 2, n1, t1);
    assert_true(tf_type_equal(o1, &static_obj));
    assert_false(tf_type_equal(o1, &tf_type_list_string));
    assert_true(tf_type_equal(tf_type_list(A, &tf_type_string), &tf_type_list_string));
    assert_false(tf_type_equal(&tf_type_list_string, &tf_type_set_string));
    assert_int_equal(tf_type_attr_index(o1, "a"), 0);
    assert_int_equal(tf_type_attr_index(o1, "b"), 1);
    assert_int_equal(tf_type_attr_index(o1, "c"), -1);
    assert_int_equal(tf_type_attr_index(&tf_type_string, "a"), -1);
    const char *dup[] = {"a", "a"};
    assert_null(tf_type_object(A, 2, dup, t1));
    assert_true(tf_type_is_primitive(&tf_type_bool));
    assert_false(tf_type_is_primitive(&tf_type_dynamic));
    assert_true(tf_type_has_dynamic(tf_type_map(A, &tf_type_dynamic)));
    assert_false(tf_type_has_dynamic(&static_obj));
    assert_true(tf_type_valid(&static_obj));
    assert_false(tf_type_valid(&bad_obj));
}

static void test_friendly(void **state)
{
    assert_string_equal(tf_type_friendly(A, &tf_type_list_string), "list of string");
    assert_string_equal(tf_type_friendly(A, tf_type_map(A, &static_obj)), "map of object");
    assert_string_equal(tf_type_friendly(A, &tf_type_dynamic), "any");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_equality_and_lookup),
        cmocka_unit_test(test_friendly),
    };
    return cmocka_run_group_tests(tests, tf_arena_setup, tf_arena_teardown);
}
