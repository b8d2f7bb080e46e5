/* test_res_iam_role.c - semantic comparison of IAM policy documents (table-driven: equal and
 * different pairs), the trust policy unicron writes, reading principals back from trust
 * policies in every JSON form IAM accepts, and (against the fake AWS transport, no network) how
 * reading a role follows the attached-policy list's Marker across pages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "res_iam_role.h"
#include "test_aws_fake.h"

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

/* ---- reading a role: ListAttachedRolePolicies paging on the fake transport ----------------- */

struct iam_pager {
    int list_calls;
    const char *marker1; /* Marker the first page answers */
    bool repeat;         /* every page answers marker1 again */
    bool no_marker;      /* the first page says IsTruncated=true but has no Marker */
    char seen[4][4096];  /* Marker of the first ListAttachedRolePolicies requests */
};

/* The value of form field name in body (no percent-decoding: the test markers are letters). */
static void form_field(const char *body, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    for (const char *p = body; p != NULL && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t l = strcspn(v, "&");
            snprintf(out, cap, "%.*s", (int)l, v);
            return;
        }
    }
}

static uc_status iam_handler(void *ctx, const struct fake_req *req, struct aws_http_response *resp)
{
    struct iam_pager *p = ctx;
    resp->status = 200;
    if (strstr(req->body, "Action=GetRole&") != NULL) {
        uc_buf_puts(&resp->body,
                    "<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName><Arn>"
                    "arn:aws:iam::111111111111:role/r</Arn><AssumeRolePolicyDocument>%7B%7D"
                    "</AssumeRolePolicyDocument></Role></GetRoleResult></GetRoleResponse>");
        return UC_OK;
    }
    if (strstr(req->body, "Action=ListAttachedRolePolicies") == NULL) {
        resp->status = 400;
        return UC_OK;
    }
    char marker[4096];
    form_field(req->body, "Marker", marker, sizeof marker);
    if (p->list_calls < 4)
        snprintf(p->seen[p->list_calls], sizeof p->seen[0], "%s", marker);
    p->list_calls++;
    bool first = marker[0] == '\0';
    uc_buf_printf(&resp->body,
                  "<ListAttachedRolePoliciesResponse><ListAttachedRolePoliciesResult>"
                  "<AttachedPolicies><member><PolicyArn>arn:aws:iam::aws:policy/P%d</PolicyArn>"
                  "<PolicyName>P%d</PolicyName></member></AttachedPolicies>",
                  p->list_calls, p->list_calls);
    if ((first || p->repeat) && p->no_marker)
        uc_buf_puts(&resp->body, "<IsTruncated>true</IsTruncated>");
    else if (first || p->repeat)
        uc_buf_printf(&resp->body, "<IsTruncated>true</IsTruncated><Marker>%s</Marker>",
                      p->marker1);
    else
        uc_buf_puts(&resp->body, "<IsTruncated>false</IsTruncated>");
    uc_buf_puts(&resp->body, "</ListAttachedRolePoliciesResult></ListAttachedRolePoliciesResponse>");
    return UC_OK;
}

/* A Marker is opaque and may be long (IAM allows 320 characters today; nothing promises that
 * stays so): it is passed back whole and the list goes on. */
static void test_read_follows_a_long_marker(void **state)
{
    struct fake_env *e = *state;
    static char tok[3001];
    for (size_t i = 0; i < sizeof tok - 1; i++)
        tok[i] = (char)('a' + (int)(i % 26));
    struct iam_pager p = {.marker1 = tok};
    e->ft.handler = iam_handler;
    e->ft.ctx = &p;
    struct res_iam_role_state st;
    struct aws_error err;
    assert_int_equal(res_iam_role_read(aws_client_session(e->c), "r", NULL, &st, &err), UC_OK);
    assert_true(st.exists);
    assert_int_equal(p.list_calls, 2);
    assert_string_equal(p.seen[1], tok);
    assert_int_equal(json_array_size(st.attached), 2);
    res_iam_role_state_release(&st);
}

/* A service that answers the Marker it was given would page forever: reading stops at once
 * with an error, never a silently short (or repeated) list. */
static void test_read_stops_on_a_repeated_marker(void **state)
{
    struct fake_env *e = *state;
    struct iam_pager p = {.marker1 = "m-1", .repeat = true};
    e->ft.handler = iam_handler;
    e->ft.ctx = &p;
    struct res_iam_role_state st;
    struct aws_error err;
    uc_status rc = res_iam_role_read(aws_client_session(e->c), "r", NULL, &st, &err);
    assert_int_not_equal(rc, UC_OK);
    assert_null(st.attached);
    assert_true(p.list_calls <= 3);
    assert_int_equal(err.status, rc);
    assert_string_equal(err.operation, "ListAttachedRolePolicies");
    assert_non_null(strstr(err.message, "Marker"));
}

/* IsTruncated=true without a Marker cannot be continued: an error, not a short list. */
static void test_read_truncated_without_marker(void **state)
{
    struct fake_env *e = *state;
    struct iam_pager p = {.no_marker = true};
    e->ft.handler = iam_handler;
    e->ft.ctx = &p;
    struct res_iam_role_state st;
    struct aws_error err;
    uc_status rc = res_iam_role_read(aws_client_session(e->c), "r", NULL, &st, &err);
    assert_int_not_equal(rc, UC_OK);
    assert_int_equal(p.list_calls, 1);
    assert_string_equal(err.operation, "ListAttachedRolePolicies");
    assert_non_null(strstr(err.message, "Marker"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_equal_table),
        cmocka_unit_test(test_trust_policy_roundtrip),
        cmocka_unit_test(test_trust_principals_forms),
        cmocka_unit_test_setup_teardown(test_read_follows_a_long_marker, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_read_stops_on_a_repeated_marker, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_read_truncated_without_marker, fake_env_setup,
                                        fake_env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
