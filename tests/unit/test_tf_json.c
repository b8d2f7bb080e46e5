/* test_tf_json.c - state JSON: schema-driven tolerant decoding (removed attributes ignored,
 * added ones null), exact big numbers, dynamic values, errors with paths, and encoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tf_json.h"
#include "tf_test.h"

static const struct tf_type *parse_type(const char *json)
{
    const struct tf_type *t = NULL;
    assert_int_equal(tf_type_from_json(A, json, strlen(json), &t, NULL), UC_OK);
    return t;
}

static const char *state_type_json =
    "[\"object\",{\"id\":\"string\",\"name\":\"string\",\"size\":\"number\","
    "\"tags\":[\"map\",\"string\"],\"added\":\"bool\",\"extra\":\"dynamic\","
    "\"envs\":[\"list\",[\"object\",{\"name\":\"string\",\"account_id\":\"string\"}]],"
    "\"ports\":[\"set\",\"number\"]}]";

static void test_decode_ok(void **state)
{
    const struct tf_type *t = parse_type(state_type_json);
    struct {
        const char *json;
        const char *debug;
    } rows[] = {
        /* reference §8.5 example plus a removed attribute "secret" and a missing "added" */
        {"{\"id\":\"id-alpha\",\"name\":\"alpha\",\"secret\":\"s3\",\"size\":1,"
         "\"tags\":{\"k\":\"v\"},\"extra\":null,\"envs\":[],\"ports\":null}",
         "{added = null, envs = [], extra = null, id = \"id-alpha\", name = \"alpha\", "
         "ports = null, size = 1, tags = {\"k\" = \"v\"}}"},
        /* pretty-printed, big numbers exact, set order and duplicates */
        {"{\n  \"size\": 123456789012345678901234567890.000000000000000000001,\n"
         "  \"ports\": [443, 80, 443, 8.0e1, -1e400],\n"
         "  \"envs\": [{\"name\": \"dev\", \"account_id\": \"1111\", \"old\": [1, {\"x\": 2}]}],\n"
         "  \"extra\": {\"type\": [\"list\", \"number\"], \"value\": [1, 2.5]}\n}",
         "{added = null, envs = [{account_id = \"1111\", name = \"dev\"}], extra = [1, 2.5], "
         "id = null, name = null, ports = [-1e+400, 80, 443], "
         "size = 123456789012345678901234567890.000000000000000000001, tags = null}"},
        /* tolerant primitive conversions like cty */
        {"{\"id\": 42, \"name\": true, \"size\": \"17\", \"added\": \"true\"}",
         "{added = true, envs = null, extra = null, id = \"42\", name = \"true\", ports = null, "
         "size = 17, tags = null}"},
        {"{\"tags\": {\"k\": \"a\\u0000b\", \"\\u00e9\": \"x\\\"y\"}}",
         "{added = null, envs = null, extra = null, id = null, name = null, ports = null, "
         "size = null, tags = {\"k\" = \"a\\u0000b\", \"\xc3\xa9\" = \"x\\\"y\"}}"},
        {"null", "null"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct tf_value *v = NULL;
        const char *err = NULL;
        uc_status st = tf_json_decode(A, rows[i].json, strlen(rows[i].json), t, &v, &err);
        if (st != UC_OK)
            fprintf(stderr, "row %zu: %s\n", i, err);
        assert_int_equal(st, UC_OK);
        const char *dbg = tf_value_debug(A, v);
        if (strcmp(dbg, rows[i].debug) != 0) {
            fprintf(stderr, "row %zu:\n got  %s\n want %s\n", i, dbg, rows[i].debug);
            fail();
        }
    }
}

static void test_decode_errors(void **state)
{
    const struct tf_type *t = parse_type(state_type_json);
    struct {
        const char *json;
        const char *err;
    } rows[] = {
        {"", "invalid JSON"},
        {"{", "invalid JSON"},
        {"{\"id\":\"a\",\"id\":\"b\"}", "invalid JSON"},
        {"[]", "an object is required"},
        {"{\"size\": \"abc\"}", "size: a number is required"},
        {"{\"size\": 01}", "invalid number"},
        {"{\"size\": 1.}", "invalid number"},
        {"{\"size\": -}", "invalid number"},
        {"{\"added\": 1}", "added: a bool is required"},
        {"{\"envs\": [{\"name\": [\"x\"]}]}", "envs[0].name: a string is required"},
        {"{\"tags\": {\"k\": {}}}", "tags[\"k\"]: a string is required"},
        {"{\"extra\": {\"type\": \"nope\", \"value\": 1}}", "invalid primitive type"},
        {"{\"extra\": {\"value\": 1}}", "extra: a dynamic value must be"},
        {"{\"envs\": {}}", "envs: an array is required"},
        {"{\"id\": \"unterminated}", "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct tf_value *v = (struct tf_value *)1;
        const char *err = NULL;
        uc_status st = tf_json_decode(A, rows[i].json, strlen(rows[i].json), t, &v, &err);
        assert_int_equal(st, UC_DECODE);
        assert_null(v);
        if (!err || !strstr(err, rows[i].err)) {
            fprintf(stderr, "row %zu: got %s, want %s\n", i, err, rows[i].err);
            fail();
        }
    }
    /* deep nesting of a dynamic value is bounded */
    char deep[2048];
    size_t o = (size_t)snprintf(deep, sizeof(deep), "{\"extra\":{\"type\":");
    for (int i = 0; i < 70; i++)
        o += (size_t)snprintf(deep + o, sizeof(deep) - o, "[\"list\",");
    o += (size_t)snprintf(deep + o, sizeof(deep) - o, "\"string\"");
    for (int i = 0; i < 70; i++)
        o += (size_t)snprintf(deep + o, sizeof(deep) - o, "]");
    snprintf(deep + o, sizeof(deep) - o, ",\"value\":null}}");
    struct tf_value *v = NULL;
    assert_int_equal(tf_json_decode(A, deep, strlen(deep), t, &v, NULL), UC_DECODE);
}

static void test_encode(void **state)
{
    const struct tf_type *t = parse_type(state_type_json);
    const char *in = "{\"id\":\"i\\n\\u0001\",\"size\":12345678901234567890.5,"
                     "\"tags\":{\"b\":\"2\",\"a\":\"1\"},\"ports\":[3,1],\"added\":false,"
                     "\"extra\":{\"type\":\"string\",\"value\":\"x\"},"
                     "\"envs\":[{\"name\":\"n\",\"account_id\":null}]}";
    struct tf_value *v = NULL;
    assert_int_equal(tf_json_decode(A, in, strlen(in), t, &v, NULL), UC_OK);
    struct uc_buf b;
    uc_buf_init(&b);
    assert_int_equal(tf_json_encode(v, t, &b), UC_OK);
    assert_string_equal(uc_buf_str(&b),
                        "{\"added\":false,\"envs\":[{\"account_id\":null,\"name\":\"n\"}],"
                        "\"extra\":{\"type\":\"string\",\"value\":\"x\"},\"id\":\"i\\n\\u0001\","
                        "\"name\":null,\"ports\":[1,3],\"size\":12345678901234567890.5,"
                        "\"tags\":{\"a\":\"1\",\"b\":\"2\"}}");
    /* encode -> decode is the identity */
    struct tf_value *back = NULL;
    assert_int_equal(tf_json_decode(A, b.data, b.len, t, &back, NULL), UC_OK);
    assert_true(tf_value_equal(v, back));
    /* unknowns cannot be stored */
    uc_buf_reset(&b);
    struct tf_value *u = tf_value_with_attr(A, v, "id", tf_value_unknown(A, &tf_type_string));
    assert_int_equal(tf_json_encode(u, t, &b), UC_INVALID);
    assert_int_equal(b.len, 0);
    uc_buf_release(&b);
}

/* A number whose written exponent is in range but whose normalised one is not ("199e999999999"
 * is 1.99e+1000000001) is refused on the way in, so nothing decoded fails to decode again after
 * encoding (the fuzz_tf_json crash); the largest normalised exponent round-trips. */
static void test_number_exponent_round_trip(void **state)
{
    const struct tf_type *t = parse_type("[\"list\",\"number\"]");
    struct tf_value *v = NULL;
    const char *err = NULL;
    const char *too_big[] = {"[199e999999999]", "[0.0001e-999999999]", "[10e1000000000]"};
    for (size_t i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++) {
        err = NULL;
        assert_int_not_equal(tf_json_decode(A, too_big[i], strlen(too_big[i]), t, &v, &err),
                             UC_OK);
        assert_non_null(err);
    }
    const char *edge[] = {"[19.9e999999999]", "[1e-1000000000]", "[-0.1e-999999999]"};
    for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
        assert_int_equal(tf_json_decode(A, edge[i], strlen(edge[i]), t, &v, NULL), UC_OK);
        struct uc_buf b;
        uc_buf_init(&b);
        assert_int_equal(tf_json_encode(v, t, &b), UC_OK);
        struct tf_value *back = NULL;
        assert_int_equal(tf_json_decode(A, b.data, b.len, t, &back, NULL), UC_OK);
        assert_true(tf_value_equal(v, back));
        uc_buf_release(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_ok),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_number_exponent_round_trip),
    };
    return cmocka_run_group_tests(tests, tf_arena_setup, tf_arena_teardown);
}
