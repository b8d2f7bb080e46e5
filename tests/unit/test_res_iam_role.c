/* test_res_iam_role.c - semantic comparison of IAM policy documents (table-driven: equal and
 * different pairs), the trust policy unicron writes, and reading principals back from trust
 * policies in every JSON form IAM accepts. No AWS calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "res_iam_role.h"

struct pair {
    const char *name;
    const char *a;
    const char *b;
    bool equal;
};

#define TRUST(p) "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"," \
                 "\"Principal\":{\"AWS\":" p "},\"Action\":\"sts:AssumeRole\"}]}"

static const struct pair pairs[] = {
    {"identical", TRUST("\"arn:aws:iam::111111111111:role/a\""),
     TRUST("\"arn:aws:iam::111111111111:role/a\""), true},
    {"string vs one-element list", TRUST("\"arn:aws:iam::111111111111:role/a\""),
     TRUST("[\"arn:aws:iam::111111111111:role/a\"]"), true},
    {"list order", TRUST("[\"arn:aws:iam::1:role/a\",\"arn:aws:iam::1:role/b\"]"),
     TRUST("[\"arn:aws:iam::1:role/b\",\"arn:aws:iam::1:role/a\"]"), true},
    {"duplicates", TRUST("[\"arn:aws:iam::1:role/a\",\"arn:aws:iam::1:role/a\"]"),
     TRUST("\"arn:aws:iam::1:role/a\""), true},
    {"key order and whitespace",
     "{\"Statement\":[{\"Action\":\"sts:AssumeRole\",\"Principal\":{\"AWS\":\"x\"},"
     "\"Effect\":\"Allow\"}],\"Version\":\"2012-10-17\"}",
     "{ \"Version\" : \"2012-10-17\",\n \"Statement\" : { \"Effect\" : \"Allow\", "
     "\"Principal\" : { \"AWS\" : [ \"x\" ] }, \"Action\" : [ \"sts:AssumeRole\" ] } }",
     true},
    {"account id is its root", TRUST("\"111111111111\""),
     TRUST("\"arn:aws:iam::111111111111:root\""), true},
    {"empty Sid", "{\"Statement\":[{\"Sid\":\"\",\"Effect\":\"Allow\",\"Action\":\"s3:*\"}]}",
     "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}]}", true},
    {"principal star", "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\","
                       "\"Action\":\"sts:AssumeRole\"}]}",
     "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},"
     "\"Action\":\"sts:AssumeRole\"}]}",
     true},
    {"condition value string vs list",
     "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Condition\":"
     "{\"StringEquals\":{\"sts:ExternalId\":\"abc\"}}}]}",
     "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Condition\":"
     "{\"StringEquals\":{\"sts:ExternalId\":[\"abc\"]}}}]}",
     true},
    {"other principal", TRUST("\"arn:aws:iam::1:role/a\""), TRUST("\"arn:aws:iam::1:role/b\""),
     false},
    {"extra principal", TRUST("\"arn:aws:iam::1:role/a\""),
     TRUST("[\"arn:aws:iam::1:role/a\",\"arn:aws:iam::1:role/b\"]"), false},
    {"effect", "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}]}",
     "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:*\"}]}", false},
    {"extra condition", TRUST("\"x\""),
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
     "\"x\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"Bool\":{\"aws:MultiFactorAuthPresent"
     "\":\"true\"}}}]}",
     false},
    {"not JSON", TRUST("\"x\""), "{\"Statement\":", false},
    {"string case matters in ARNs", TRUST("\"arn:aws:iam::1:role/A\""),
     TRUST("\"arn:aws:iam::1:role/a\""), false},
};

static void test_policy_equal_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (pairs[i].a == NULL)
            continue;
        bool eq = res_policy_equal(pairs[i].a, pairs[i].b);
        if (eq != pairs[i].equal)
            fail_msg("%s: expected %s", pairs[i].name, pairs[i].equal ? "equal" : "different");
        if (res_policy_equal(pairs[i].b, pairs[i].a) != eq)
            fail_msg("%s: not symmetric", pairs[i].name);
    }
    assert_true(res_policy_equal(
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"STS:AssumeRole\"}]}",
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:assumerole\"}]}"));
    assert_false(res_policy_equal(NULL, "{}"));
    assert_false(res_policy_equal("[]", "[]")); /* not a policy object */
}

static void test_trust_policy_roundtrip(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    const char *ps[] = {"arn:aws:iam::1:user/z", "arn:aws:iam::1:role/a",
                        "arn:aws:iam::1:user/z"};
    char *doc = res_trust_policy(a, ps, 3);
    assert_non_null(doc);
    assert_true(res_policy_equal(doc, TRUST("[\"arn:aws:iam::1:role/a\","
                                            "\"arn:aws:iam::1:user/z\"]")));
    json_t *j = json_loads(doc, 0, NULL);
    bool extra = true;
    json_t *got = res_trust_principals(j, &extra);
    assert_non_null(got);
    assert_false(extra);
    assert_int_equal(json_array_size(got), 2);
    assert_string_equal(json_string_value(json_array_get(got, 0)), "arn:aws:iam::1:role/a");
    assert_string_equal(json_string_value(json_array_get(got, 1)), "arn:aws:iam::1:user/z");
    json_decref(got);
    json_decref(j);
    /* no principals: an empty list */
    doc = res_trust_policy(a, NULL, 0);
    assert_non_null(doc);
    uc_arena_free(a);
}

static void test_trust_principals_forms(void **state)
{
    (void)state;
    struct {
        const char *doc;
        size_t n;
        const char *first;
        bool extra;
    } rows[] = {
        {TRUST("\"111111111111\""), 1, "arn:aws:iam::111111111111:root", false},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"x\"},"
         "\"Action\":[\"sts:AssumeRole\"]}}",
         1, "x", false},
        /* a Deny statement and a service principal are "something else" */
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"x\"},\"Action\":"
         "\"sts:AssumeRole\"},{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"y\"},\"Action\":"
         "\"sts:AssumeRole\"}]}",
         1, "x", true},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"eks.amazonaws.com\""
         "},\"Action\":\"sts:AssumeRole\"}]}",
         0, NULL, true},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"x\"},\"Action\":"
         "\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"e\"}}}]}",
         0, NULL, true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        json_t *j = json_loads(rows[i].doc, 0, NULL);
        assert_non_null(j);
        bool extra = !rows[i].extra;
        json_t *got = res_trust_principals(j, &extra);
        assert_non_null(got);
        if (json_array_size(got) != rows[i].n || extra != rows[i].extra)
            fail_msg("row %zu: %zu principals, extra %d", i, json_array_size(got), extra);
        if (rows[i].first)
            assert_string_equal(json_string_value(json_array_get(got, 0)), rows[i].first);
        json_decref(got);
        json_decref(j);
    }
    assert_null(res_trust_principals(NULL, NULL));
    json_t *notpolicy = json_pack("{s:i}", "Statement", 3);
    assert_null(res_trust_principals(notpolicy, NULL));
    json_decref(notpolicy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_equal_table),
        cmocka_unit_test(test_trust_policy_roundtrip),
        cmocka_unit_test(test_trust_principals_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
