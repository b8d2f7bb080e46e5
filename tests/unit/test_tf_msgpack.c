/* test_tf_msgpack.c - the DynamicValue msgpack codec: byte-exact encodings from the protocol
 * reference (§8.2, §8.3), decoding of everything Terraform may send, round trips of every type,
 * and malformed input (truncated, wrong types, missing / extra attributes, depth bombs, huge
 * declared lengths) rejected with an error naming the path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tf_msgpack.h"
#include "tf_test.h"

/* "c7 09 0c" -> bytes; also accepts 'text' in single quotes copied as is. */
static size_t unhex(const char *s, unsigned char *out, size_t cap)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
        } else if (*s == '\'') {
            for (s++; *s && *s != '\''; s++) {
                assert_true(n < cap);
                out[n++] = (unsigned char)*s;
            }
            if (*s)
                s++;
        } else {
            unsigned v;
            assert_int_equal(sscanf(s, "%2x", &v), 1);
            assert_true(n < cap);
            out[n++] = (unsigned char)v;
            s += 2;
        }
    }
    return n;
}

static const struct tf_type *obj_kn(void)
{
    const char *names[] = {"n", "k"};
    const struct tf_type *types[] = {&tf_type_number, &tf_type_string};
    return tf_type_object(A, 2, names, types);
}

/* {k = k, n = n} of obj_kn() */
static struct tf_value *val_kn(const char *k, const char *n)
{
    struct tf_value *v[2] = {tf_value_string(A, k), tf_value_number_text(A, n)};
    return tf_value_object(A, obj_kn(), v);
}

static void assert_encodes(const struct tf_value *v, const struct tf_type *t, const char *hex)
{
    unsigned char want[512];
    size_t n = unhex(hex, want, sizeof(want));
    struct uc_buf b;
    uc_buf_init(&b);
    assert_int_equal(tf_msgpack_encode(v, t, &b), UC_OK);
    if (b.len != n || memcmp(b.data, want, n) != 0) {
        for (size_t i = 0; i < b.len; i++)
            fprintf(stderr, "%02x ", (unsigned char)b.data[i]);
        fprintf(stderr, "\n  want %s\n", hex);
        fail();
    }
    uc_buf_release(&b);
}

/* --- byte-exact encodings ------------------------------------------------------------------ */

struct enc_case {
    const char *name;
    const char *hex;
};

static void test_encode_exact(void **state)
{
    struct tf_value *refined = tf_value_unknown(A, &tf_type_string);
    struct tf_refinements r = {.not_null = true, .prefix = "pre-", .len_lower = -1,
                               .len_upper = -1};
    refined->refine = &r;
    struct tf_value *dyn_refined = tf_value_unknown(A, &tf_type_dynamic);
    dyn_refined->refine = &r;
    struct tf_value *strs[] = {tf_value_string(A, "b"), tf_value_string(A, "a"),
                               tf_value_string(A, "b")};
    struct {
        const char *name;
        const struct tf_value *v;
        const struct tf_type *t;
        const char *hex;
    } rows[] = {
        {"null", tf_value_null(A, &tf_type_string), &tf_type_string, "c0"},
        {"unknown", tf_value_unknown(A, &tf_type_string), &tf_type_string, "d4 00 00"},
        {"refined unknown (reference §8.2)", refined, &tf_type_string,
         "c7 09 0c 82 01 c2 02 a4 'pre-'"},
        {"typed unknown in a dynamic slot keeps its type and refinements (cty marshal)",
         refined, &tf_type_dynamic, "92 c4 08 '\"string\"' c7 09 0c 82 01 c2 02 a4 'pre-'"},
        {"typed null in a dynamic slot keeps its type", tf_value_null(A, &tf_type_string),
         &tf_type_dynamic, "92 c4 08 '\"string\"' c0"},
        {"typed plain unknown in a dynamic slot", tf_value_unknown(A, &tf_type_number),
         &tf_type_dynamic, "92 c4 08 '\"number\"' d4 00 00"},
        {"dynamic unknown", dyn_refined, &tf_type_dynamic, "d4 00 00"},
        {"null dynamic", tf_value_null(A, &tf_type_dynamic), &tf_type_dynamic, "c0"},
        {"int 1 as decimal text (Terraform parses it like the state JSON)", tf_value_int(A, 1),
         &tf_type_number, "a1 '1'"},
        {"int -1", tf_value_int(A, -1), &tf_type_number, "a2 '-1'"},
        {"int 200", tf_value_int(A, 200), &tf_type_number, "a3 '200'"},
        {"int -200", tf_value_int(A, -200), &tf_type_number, "a4 '-200'"},
        {"int64 min", tf_value_number_text(A, "-9223372036854775808"), &tf_type_number,
         "b4 '-9223372036854775808'"},
        {"1.0 is canonical 1", tf_value_number_text(A, "1.0"), &tf_type_number, "a1 '1'"},
        {"1.5", tf_value_number_text(A, "1.5"), &tf_type_number, "a3 '1.5'"},
        {"big int as decimal string (reference §8.2)",
         tf_value_number_text(A, "12345678901234567890"), &tf_type_number,
         "b4 '12345678901234567890'"},
        {"0.1 is not a float64", tf_value_number_text(A, "0.1"), &tf_type_number, "a3 '0.1'"},
        {"1e300 is not a float64", tf_value_number_text(A, "1e300"), &tf_type_number,
         "a6 '1e+300'"},
        {"2^70 positional", tf_value_number_text(A, "1180591620717411303424"),
         &tf_type_number, "b6 '1180591620717411303424'"},
        {"Infinity as float64", tf_value_number_text(A, "Infinity"), &tf_type_number,
         "cb 7f f0 00 00 00 00 00 00"},
        {"-Infinity as float64", tf_value_number_text(A, "-Infinity"), &tf_type_number,
         "cb ff f0 00 00 00 00 00 00"},
        {"true", tf_value_bool(A, true), &tf_type_bool, "c3"},
        {"false", tf_value_bool(A, false), &tf_type_bool, "c2"},
        {"string", tf_value_string(A, "alpha"), &tf_type_string, "a5 'alpha'"},
        {"set sorted, no duplicates", tf_value_set(A, &tf_type_set_string, strs, 3),
         &tf_type_set_string, "92 a1 'a' a1 'b'"},
        {"object keys sorted", val_kn("x", "1"), obj_kn(), "82 a1 'k' a1 'x' a1 'n' a1 '1'"},
        {"dynamic wrapper (reference §8.2)", val_kn("x", "1"), &tf_type_dynamic,
         "92 c4 26 '[\"object\",{\"k\":\"string\",\"n\":\"number\"}]' 82 a1 'k' a1 'x' a1 'n' "
         "a1 '1'"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        fprintf(stderr, "case: %s\n", rows[i].name);
        assert_non_null(rows[i].v);
        assert_encodes(rows[i].v, rows[i].t, rows[i].hex);
    }
}

static void test_encode_refined_number_and_length(void **state)
{
    struct tf_value *u = tf_value_unknown(A, &tf_type_number);
    struct tf_refinements r = {.num_lower = "0", .num_lower_incl = true, .num_upper = "1.5",
                               .num_upper_incl = false, .len_lower = -1, .len_upper = -1};
    u->refine = &r;
    assert_encodes(u, &tf_type_number,
                   "c7 11 0c 82 03 92 00 c3 04 92 cb 3f f8 00 00 00 00 00 00 c2");
    struct tf_value *l = tf_value_unknown(A, &tf_type_list_string);
    struct tf_refinements rl = {.len_lower = 1, .len_upper = 3};
    l->refine = &rl;
    assert_encodes(l, &tf_type_list_string, "c7 05 0c 82 05 01 06 03");
    /* refinements that do not apply to the type leave an unrefined unknown: ext 0 */
    struct tf_value *b = tf_value_unknown(A, &tf_type_bool);
    struct tf_refinements rb = {.prefix = "x", .len_lower = 2, .len_upper = -1};
    b->refine = &rb;
    assert_encodes(b, &tf_type_bool, "d4 00 00");
}

static void test_encode_rejects_nonconforming(void **state)
{
    struct uc_buf b;
    uc_buf_init(&b);
    uc_buf_puts(&b, "keep");
    assert_int_equal(tf_msgpack_encode(tf_value_string(A, "x"), &tf_type_number, &b),
                     UC_INVALID);
    assert_int_equal(tf_msgpack_encode(tf_value_int(A, 1), &tf_type_list_string, &b),
                     UC_INVALID);
    const char *names[] = {"k"};
    const struct tf_type *types[] = {&tf_type_string};
    const struct tf_type *only_k = tf_type_object(A, 1, names, types);
    struct tf_value *kv[] = {tf_value_string(A, "x")};
    assert_int_equal(tf_msgpack_encode(tf_value_object(A, only_k, kv), obj_kn(), &b),
                     UC_INVALID);
    assert_string_equal(uc_buf_str(&b), "keep"); /* nothing half-written */
    uc_buf_release(&b);
}

/* --- decoding ------------------------------------------------------------------------------ */

static struct tf_value *decode_hex(const char *hex, const struct tf_type *t, const char **err,
                                   uc_status *st)
{
    unsigned char in[2048];
    size_t n = unhex(hex, in, sizeof(in));
    struct tf_value *v = NULL;
    *st = tf_msgpack_decode(A, in, n, t, &v, err);
    return v;
}

static void test_decode_ok(void **state)
{
    const struct tf_type *lst_num = tf_type_list(A, &tf_type_number);
    struct {
        const char *hex;
        const struct tf_type *t;
        const char *debug;
    } rows[] = {
        {"c0", &tf_type_string, "null"},
        {"d4 00 00", &tf_type_string, "(unknown)"},
        {"d4 07 00", &tf_type_number, "(unknown)"},   /* any ext of length <= 1 */
        {"c7 00 05", &tf_type_number, "(unknown)"},   /* empty ext */
        {"d4 00 00", &tf_type_dynamic, "(unknown)"},
        {"c7 09 0c 82 01 c2 02 a4 'pre-'", &tf_type_dynamic, "(unknown)"}, /* ignored */
        {"a5 'alpha'", &tf_type_string, "\"alpha\""},
        {"c4 02 'hi'", &tf_type_string, "\"hi\""}, /* bin accepted as string */
        {"d9 03 'abc'", &tf_type_string, "\"abc\""},
        {"7f", &tf_type_number, "127"},
        {"e0", &tf_type_number, "-32"},
        {"cf ff ff ff ff ff ff ff ff", &tf_type_number, "18446744073709551615"},
        {"d3 80 00 00 00 00 00 00 00", &tf_type_number, "-9223372036854775808"},
        {"ca 3f c0 00 00", &tf_type_number, "1.5"}, /* float32 */
        {"cb 3f f8 00 00 00 00 00 00", &tf_type_number, "1.5"},
        {"cb 3f b9 99 99 99 99 99 9a", &tf_type_number,
         "0.1000000000000000055511151231257827021181583404541015625"}, /* exact */
        {"b4 '12345678901234567890'", &tf_type_number, "12345678901234567890"},
        {"a6 '1.50e2'", &tf_type_number, "150"},
        {"c3", &tf_type_bool, "true"},
        {"93 01 c0 d4 00 00", lst_num, "[1, null, (unknown)]"},
        {"93 a1 'b' a1 'a' a1 'b'", &tf_type_set_string, "[\"a\", \"b\"]"},
        {"82 a1 'z' a1 '1' a1 'a' c0", &tf_type_map_string, "{\"a\" = null, \"z\" = \"1\"}"},
        /* an empty key is valid in Terraform (tags = {"" = "x"}); msgpack-c gives it no
         * pointer */
        {"82 a0 a1 'x' a1 'k' a0", &tf_type_map_string, "{\"\" = \"x\", \"k\" = \"\"}"},
        {"82 c4 00 a1 'x' a1 'k' c4 00", &tf_type_map_string,
         "{\"\" = \"x\", \"k\" = \"\"}"}, /* bin */
        {"82 a1 'n' 01 a1 'k' a1 'x'", obj_kn(), "{k = \"x\", n = 1}"},
        {"92 c4 26 '[\"object\",{\"k\":\"string\",\"n\":\"number\"}]' 82 a1 'k' a1 'x' a1 'n' 01",
         &tf_type_dynamic, "{k = \"x\", n = 1}"},
        {"92 a8 '\"string\"' a1 'x'", &tf_type_dynamic, "\"x\""}, /* type JSON as str */
        {"92 c4 08 '\"string\"' c0", &tf_type_dynamic, "null"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *err = NULL;
        uc_status st;
        fprintf(stderr, "case: %s\n", rows[i].hex);
        struct tf_value *v = decode_hex(rows[i].hex, rows[i].t, &err, &st);
        if (st != UC_OK)
            fprintf(stderr, "  error: %s\n", err);
        assert_int_equal(st, UC_OK);
        assert_string_equal(tf_value_debug(A, v), rows[i].debug);
    }
}

static void test_decode_refined(void **state)
{
    const char *err;
    uc_status st;
    struct tf_value *v = decode_hex("c7 09 0c 82 01 c2 02 a4 'pre-'", &tf_type_string, &err, &st);
    assert_int_equal(st, UC_OK);
    assert_true(tf_value_is_unknown(v));
    assert_non_null(v->refine);
    assert_true(v->refine->not_null);
    assert_string_equal(v->refine->prefix, "pre-");
    /* unknown keys (9) are ignored; number bounds; bounds on a list */
    v = decode_hex("c7 0e 0c 83 09 a1 'x' 03 92 00 c3 04 92 a2 '10' c2", &tf_type_number, &err,
                   &st);
    assert_int_equal(st, UC_OK);
    assert_string_equal(v->refine->num_lower, "0");
    assert_true(v->refine->num_lower_incl);
    assert_string_equal(v->refine->num_upper, "10");
    assert_false(v->refine->num_upper_incl);
    v = decode_hex("c7 05 0c 82 05 01 06 03", &tf_type_list_string, &err, &st);
    assert_int_equal(st, UC_OK);
    assert_int_equal(v->refine->len_lower, 1);
    assert_int_equal(v->refine->len_upper, 3);
    /* only an unknown key: unrefined */
    v = decode_hex("c7 03 0c 81 09 01", &tf_type_string, &err, &st);
    assert_int_equal(st, UC_OK);
    assert_null(v->refine);
    /* round trip re-encodes the refinements */
    v = decode_hex("c7 09 0c 82 01 c2 02 a4 'pre-'", &tf_type_string, &err, &st);
    assert_encodes(v, &tf_type_string, "c7 09 0c 82 01 c2 02 a4 'pre-'");
}

static void test_decode_errors(void **state)
{
    const struct tf_type *tup = tf_type_tuple(A, 2, (const struct tf_type *[]){&tf_type_string,
                                                                                &tf_type_bool});
    const char *names[] = {"environment", "name"};
    const struct tf_type *env = obj_kn();
    const struct tf_type *types[] = {tf_type_list(A, env), &tf_type_string};
    const struct tf_type *outer = tf_type_object(A, 2, names, types);
    char bomb[700];
    size_t o = 0;
    for (int i = 0; i < 200; i++)
        o += (size_t)snprintf(bomb + o, sizeof(bomb) - o, "91 ");
    snprintf(bomb + o, sizeof(bomb) - o, "c0");
    char refine_big[4000];
    o = (size_t)snprintf(refine_big, sizeof(refine_big), "c8 04 01 0c 81 05 c5 03 fb");
    for (int i = 0; i < 1020; i++)
        o += (size_t)snprintf(refine_big + o, sizeof(refine_big) - o, " 00");
    struct {
        const char *hex;
        const struct tf_type *t;
        const char *err; /* substring */
    } rows[] = {
        {"a5 'ab'", &tf_type_string, "exceeds"},
        {"cd 01", &tf_type_number, "exceeds"},
        {"92 92 01 01", tf_type_list(A, &tf_type_list_string), "truncated"},
        {"92 01", tf_type_list(A, &tf_type_number), "exceeds"},
        {"dd ff ff ff ff", tf_type_list(A, &tf_type_number), "exceeds"},
        {"df ff ff ff ff", &tf_type_map_string, "exceeds"},
        {"db ff ff ff ff 'x'", &tf_type_string, "exceeds"},
        {"c6 7f ff ff ff", &tf_type_string, "exceeds"},
        {"c9 ff ff ff ff 0c", &tf_type_string, "exceeds"},
        {bomb, tf_type_list(A, &tf_type_dynamic), "too deep"},
        {"c0 c0", &tf_type_string, "trailing"},
        {"c1", &tf_type_string, "0xc1"},
        {"01", &tf_type_string, "a string is required"},
        {"a1 'x'", &tf_type_number, "a number is required"},
        {"a4 '1e5x'", &tf_type_number, "invalid decimal"},
        {"a3 'NaN'", &tf_type_number, "invalid decimal"},
        {"cb 7f f8 00 00 00 00 00 00", &tf_type_number, "NaN"},
        {"01", &tf_type_bool, "a bool is required"},
        {"a1 ff", &tf_type_string, "UTF-8"},
        {"91 01", tup, "a tuple of length 2 is required (1 given)"},
        {"81 a1 'k' a1 'x'", obj_kn(), "n: missing attribute: an object with 2 attributes is "
                                       "required (1 given)"},
        {"83 a1 'k' a1 'x' a1 'n' 01 a1 'z' c0", obj_kn(), "z: unsupported attribute"},
        {"82 a1 'k' a1 'x' a1 'k' a1 'y'", obj_kn(), "k: attribute given twice"},
        {"82 ab 'environment' 91 81 a1 'k' a1 'x' a4 'name' a1 'x'", outer,
         "environment[0].n: missing attribute"},
        {"82 a1 'a' c0 a1 'a' c0", &tf_type_map_string, "appears twice"},
        {"81 01 c0", &tf_type_map_string, "keys must be strings"},
        {"d5 05 00 00", &tf_type_string, "unsupported extension type 5"},
        {"c7 04 0c 93 01 02 03", &tf_type_string, "must be a map"},
        {"c7 03 0c 81 01 01", &tf_type_string, "nullness"},
        {refine_big, &tf_type_string, "too long"},
        {"92 c4 05 'strin' c0", &tf_type_dynamic, "invalid type"},
        {"92 c4 0a '[\"list\",1]' 90", &tf_type_dynamic, "invalid type"},
        {"91 01", &tf_type_dynamic, "[type JSON, value]"},
        {"90", &tf_type_string, "a string is required"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *err = NULL;
        uc_status st;
        fprintf(stderr, "case: %.60s\n", rows[i].hex);
        struct tf_value *v = decode_hex(rows[i].hex, rows[i].t, &err, &st);
        assert_null(v);
        assert_int_equal(st, UC_DECODE);
        assert_non_null(err);
        if (!strstr(err, rows[i].err)) {
            fprintf(stderr, "  got error: %s\n  want: %s\n", err, rows[i].err);
            fail();
        }
    }
}

static void test_decode_empty_is_null(void **state)
{
    struct tf_value *v = NULL;
    assert_int_equal(tf_msgpack_decode(A, "", 0, obj_kn(), &v, NULL), UC_OK);
    assert_true(tf_value_is_null(v));
}

/* --- round trips ----------------------------------------------------------------------------- */

static void assert_round_trip(const struct tf_value *v, const struct tf_type *t)
{
    struct uc_buf b1, b2;
    uc_buf_init(&b1);
    uc_buf_init(&b2);
    assert_int_equal(tf_msgpack_encode(v, t, &b1), UC_OK);
    struct tf_value *back = NULL;
    const char *err = NULL;
    uc_status st = tf_msgpack_decode(A, b1.data, b1.len, t, &back, &err);
    if (st != UC_OK)
        fprintf(stderr, "decode error: %s\n", err);
    assert_int_equal(st, UC_OK);
    if (!tf_value_equal(v, back)) {
        fprintf(stderr, "before: %s\nafter:  %s\n", tf_value_debug(A, v),
                tf_value_debug(A, back));
        fail();
    }
    assert_int_equal(tf_msgpack_encode(back, t, &b2), UC_OK);
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.data, b2.data, b1.len);
    uc_buf_release(&b1);
    uc_buf_release(&b2);
}

static void test_round_trips(void **state)
{
    const struct tf_type *env = obj_kn();
    const struct tf_type *lenv = tf_type_list(A, env);
    const struct tf_type *senv = tf_type_set(A, env);
    const struct tf_type *menv = tf_type_map(A, env);
    const struct tf_type *tup = tf_type_tuple(
        A, 3, (const struct tf_type *[]){&tf_type_string, &tf_type_number, &tf_type_dynamic});
    const char *names[] = {"id", "envs", "set", "map", "tags", "tup", "dyn", "flag", "single"};
    const struct tf_type *types[] = {&tf_type_string, lenv, senv, menv, &tf_type_map_string,
                                     tup, &tf_type_dynamic, &tf_type_bool, env};
    const struct tf_type *top = tf_type_object(A, 9, names, types);

    struct tf_value *u_env[] = {tf_value_unknown(A, &tf_type_string),
                                tf_value_number_text(A, "-98765432109876543210.5")};
    struct tf_value *env_unknown_k = tf_value_object(A, env, u_env);
    struct tf_value *envs[] = {val_kn("a", "1"), env_unknown_k, val_kn("c", "1e-30")};
    const char *mk[] = {"x", "y"};
    struct tf_value *mv[] = {val_kn("x", "0"), tf_value_null(A, env)};
    const char *tk[] = {"Name", "owner"};
    struct tf_value *tv[] = {tf_value_string(A, "n\xc3\xa9"), tf_value_unknown(A, &tf_type_string)};
    struct tf_value *tupv[] = {tf_value_string(A, ""), tf_value_number_text(A, "1e400"),
                               tf_value_list(A, &tf_type_list_string, NULL, 0)};
    struct tf_value *refined = tf_value_unknown(A, &tf_type_number);
    struct tf_refinements r = {.not_null = true, .num_lower = "-5", .num_lower_incl = true,
                               .len_lower = -1, .len_upper = -1};
    refined->refine = &r;
    struct tf_value *single[] = {tf_value_null(A, &tf_type_string), refined};
    struct tf_value *vals[9];
    vals[tf_type_attr_index(top, "id")] = tf_value_string(A, "id-1");
    vals[tf_type_attr_index(top, "envs")] = tf_value_list(A, lenv, envs, 3);
    vals[tf_type_attr_index(top, "set")] = tf_value_set(A, senv, envs, 3);
    vals[tf_type_attr_index(top, "map")] = tf_value_map(A, menv, mk, mv, 2);
    vals[tf_type_attr_index(top, "tags")] = tf_value_map(A, &tf_type_map_string, tk, tv, 2);
    vals[tf_type_attr_index(top, "tup")] = tf_value_tuple(A, tup, tupv, 3);
    vals[tf_type_attr_index(top, "dyn")] = tf_value_set(A, senv, envs, 3);
    vals[tf_type_attr_index(top, "flag")] = tf_value_unknown(A, &tf_type_bool);
    vals[tf_type_attr_index(top, "single")] = tf_value_object(A, env, single);
    struct tf_value *whole = tf_value_object(A, top, vals);
    assert_non_null(whole);
    assert_round_trip(whole, top);
    assert_round_trip(whole, &tf_type_dynamic);
    assert_round_trip(tf_value_null(A, top), top);
    assert_round_trip(tf_value_unknown(A, top), top);
    assert_round_trip(tf_value_list(A, lenv, NULL, 0), lenv);

    const char *numbers[] = {"0", "-1", "255", "65536", "-2147483649", "9223372036854775807",
                             "9223372036854775808", "-9223372036854775809",
                             "18446744073709551616", "3.14159", "0.5", "-0.25", "1e-7",
                             "6.02214076e23", "1.7976931348623157e308", "1e309",
                             "123456789012345678901234567890.123456789", "Infinity",
                             "-Infinity"};
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        fprintf(stderr, "number %s\n", numbers[i]);
        struct tf_value *n = tf_value_number_text(A, numbers[i]);
        assert_non_null(n);
        assert_round_trip(n, &tf_type_number);
        assert_round_trip(n, &tf_type_dynamic);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_exact),
        cmocka_unit_test(test_encode_refined_number_and_length),
        cmocka_unit_test(test_encode_rejects_nonconforming),
        cmocka_unit_test(test_decode_ok),
        cmocka_unit_test(test_decode_refined),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_decode_empty_is_null),
        cmocka_unit_test(test_round_trips),
    };
    return cmocka_run_group_tests(tests, tf_arena_setup, tf_arena_teardown);
}
