/* test_res_tenant.c - unicron_tenant's apply side: the plan of an environment whose account was
 * dropped by Read (computed values unknown, the others kept), the destroy warning, import ID
 * checks, and one lifecycle against a real tools/localaws started here (create three accounts,
 * read back without drift, drift through tags, update removing an environment, import by name,
 * delete in retire mode); the Organizations account helpers (adopt-or-create by e-mail, when an
 * account's access role counts as settled, and a deleted access role failing fast).
 *
 * The lifecycle test is skipped (cmocka skip) when python3 or tools/localaws cannot start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_client.h"
#include "res_iam_role.h"
#include "res_org_account.h"
#include "res_provider.h"
#include "res_registry.h"
#include "tf_json.h"
#include "test_localaws.h"

#ifndef UNICRON_SOURCE_DIR
#define UNICRON_SOURCE_DIR "."
#endif


struct fixture {
    struct uc_arena *a;
    struct tf_diags d;
    struct res_provider *provider;
    const struct res_resource *r;
};

static struct res_provider *provider_for(struct uc_arena *a, const char *url)
{
    const char *json = url == NULL
                           ? "{\"default_tags\":{\"managed-by\":\"terraform\"}}"
                           : uc_arena_printf(a,
                                             "{\"region\":\"us-east-1\",\"access_key\":\"test\","
                                             "\"secret_key\":\"test\",\"default_tags\":"
                                             "{\"managed-by\":\"terraform\"},\"endpoints\":"
                                             "{\"organizations\":\"%s\",\"sts\":\"%s\","
                                             "\"iam\":\"%s\"}}",
                                             url, url, url);
    struct tf_value *cfg = NULL;
    struct tf_diags d;
    tf_diags_init(&d, a);
    if (tf_json_decode(a, json, strlen(json), res_registry_provider_type(), &cfg, NULL) != UC_OK)
        return NULL;
    return res_provider_new(cfg, NULL, &d);
}

static int setup(void **state)
{
    static struct fixture f;
    if (res_registry_init() != UC_OK)
        return -1;
    f.a = uc_arena_new();
    tf_diags_init(&f.d, f.a);
    f.provider = provider_for(f.a, NULL);
    f.r = res_registry_find("unicron_tenant");
    *state = &f;
    return f.provider && f.r ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    res_provider_free(f->provider);
    uc_arena_free(f->a);
    return 0;
}

static struct tf_value *decode(struct uc_arena *a, const struct res_resource *r, const char *json)
{
    struct tf_value *v = NULL;
    const char *err = NULL;
    if (tf_json_decode(a, json, strlen(json), res_registry_type(r), &v, &err) != UC_OK)
        fail_msg("bad test JSON (%s): %s", err ? err : "?", json);
    return v;
}

static struct res_ctx ctx_for(struct uc_arena *a, struct tf_diags *d,
                              const struct res_provider *p, const struct res_resource *r)
{
    tf_diags_init(d, a);
    struct res_ctx ctx = {.arena = a, .diags = d, .provider = p, .type = res_registry_type(r)};
    return ctx;
}

static struct tf_value *plan(struct res_ctx *ctx, const struct res_resource *r,
                             const struct tf_value *prior, const struct tf_value *config)
{
    struct tf_plan_result res;
    memset(&res, 0, sizeof res);
    /* proposed = config merged with prior computed values: the generic planner does that */
    struct tf_plan_request req = {.block = r->schema->block, .type = res_registry_type(r),
                                  .prior = prior, .proposed = config, .config = config};
    assert_int_equal(res_resource_plan(ctx, r, &req, &res), UC_OK);
    return res.planned;
}

static const char *diag_text(struct uc_arena *a, const struct tf_diags *d)
{
    const char *out = "";
    for (size_t i = 0; i < d->count; i++)
        out = uc_arena_printf(a, "%s%s: %s\n", out, d->items[i].summary, d->items[i].detail);
    return out;
}

static const char *env_str(const struct tf_value *v, size_t i, const char *attr)
{
    const struct tf_value *envs = tf_value_attr(v, "environment");
    assert_non_null(envs);
    assert_true(i < envs->count);
    return tf_value_str(tf_value_attr(envs->elems[i], attr));
}

#define CONFIG(envs, extra)                                                                    \
    "{\"name\":\"data\",\"email_template\":\"aws+{tenant}-{environment}@example.com\","        \
    "\"tags\":{\"team\":\"data\"},\"cost_center\":\"CC-7\",\"environment\":[" envs "],"       \
    "\"access\":[{\"role\":\"admin\",\"principals\":[\"arn:aws:iam::000000000000:role/ops\"]},"  \
    "{\"role\":\"readonly\",\"principals\":[\"arn:aws:iam::000000000000:user/audit\"],"        \
    "\"environments\":[\"prod\"]}]" extra "}"

#define STATE_ENV(name, id)                                                                   \
    "{\"name\":\"" name "\",\"email\":\"aws+data-" name "@example.com\",\"tier\":\"standard\"," \
    "\"account_id\":" id ",\"account_arn\":null,\"state\":null,\"access_role_arn\":null}"

/* --- pure ------------------------------------------------------------------------------------ */

static void test_dropped_account_is_planned_as_new(void **state)
{
    struct fixture *f = *state;
    struct tf_diags d;
    struct res_ctx ctx = ctx_for(f->a, &d, f->provider, f->r);
    /* Read dropped prod's account (closed outside Terraform): account_id null in the state. */
    struct tf_value *prior = decode(
        f->a, f->r,
        "{\"id\":\"data\",\"name\":\"data\",\"email_template\":"
        "\"aws+{tenant}-{environment}@example.com\",\"tags\":{\"team\":\"data\"},"
        "\"cost_center\":\"CC-7\",\"close_on_deletion\":false,\"access\":[],"
        "\"account_ids\":{\"dev\":\"111111111111\"},\"tags_all\":{\"managed-by\":\"terraform\","
        "\"team\":\"data\",\"unicron:cost-center\":\"CC-7\",\"unicron:tenant\":\"data\"},"
        "\"environment\":[" STATE_ENV("dev", "\"111111111111\"") "," STATE_ENV("prod", "null")
        "]}");
    struct tf_value *cfg = decode(f->a, f->r,
                                  "{\"name\":\"data\",\"email_template\":"
                                  "\"aws+{tenant}-{environment}@example.com\",\"tags\":"
                                  "{\"team\":\"data\"},\"cost_center\":\"CC-7\",\"access\":[],"
                                  "\"environment\":[{\"name\":\"dev\"},{\"name\":\"prod\"}]}");
    struct tf_value *p = plan(&ctx, f->r, prior, cfg);
    assert_int_equal(d.count, 0);
    const struct tf_value *prod = tf_value_attr(p, "environment")->elems[1];
    assert_true(tf_value_is_unknown(tf_value_attr(prod, "account_id")));
    assert_true(tf_value_is_unknown(tf_value_attr(prod, "account_arn")));
    assert_true(tf_value_is_unknown(tf_value_attr(prod, "state")));
    assert_true(tf_value_is_unknown(tf_value_attr(prod, "access_role_arn")));
    assert_string_equal(env_str(p, 0, "account_id"), "111111111111");
    assert_true(tf_value_is_unknown(tf_value_attr(p, "account_ids")));
    assert_true(tf_value_equal(tf_value_attr(p, "tags_all"), tf_value_attr(prior, "tags_all")));
}

/* A state with more environments than a tenant has (hand-edited, or from a later version):
 * read, update and delete refuse it with an error naming the accounts beyond the limit, before
 * any AWS call, instead of dropping them from the state (they would stay open, untracked). */
static void test_state_with_too_many_environments_loses_no_account(void **state)
{
    struct fixture *f = *state;
    struct tf_diags d;
    struct res_ctx ctx = ctx_for(f->a, &d, f->provider, f->r);
    struct tf_value *prior = decode(
        f->a, f->r,
        "{\"id\":\"data\",\"name\":\"data\",\"close_on_deletion\":false,\"access\":[],"
        "\"account_ids\":{\"dev\":\"111111111111\"},\"environment\":["
        STATE_ENV("dev", "\"111111111111\"") "," STATE_ENV("staging", "\"222222222222\"") ","
        STATE_ENV("prod", "\"333333333333\"") "," STATE_ENV("qa", "\"444444444444\"") ","
        STATE_ENV("perf", "null") "]}");
    assert_null(f->r->read(&ctx, prior));
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].severity, TF_SEV_ERROR);
    assert_string_equal(d.items[0].summary, "More environments than a tenant has");
    assert_non_null(strstr(d.items[0].detail, "holds 5 environments"));
    assert_non_null(strstr(d.items[0].detail, "cannot read"));
    assert_non_null(
        strstr(d.items[0].detail, "qa (account 444444444444), perf (account none yet)"));

    ctx = ctx_for(f->a, &d, f->provider, f->r);
    assert_false(f->r->delete(&ctx, prior));
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].detail, "444444444444"));

    ctx = ctx_for(f->a, &d, f->provider, f->r);
    assert_null(f->r->update(&ctx, prior, prior, prior));
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].detail, "cannot update"));
}

/* A tag value unknown at validate and known at plan (another resource's output) gets the
 * validate checks at plan: a NUL inside is an error on the tag, not a shorter tag sent to AWS. */
static void test_plan_refuses_nul_in_a_tag_known_late(void **state)
{
    struct fixture *f = *state;
    struct tf_diags d;
    struct res_ctx ctx = ctx_for(f->a, &d, f->provider, f->r);
    struct tf_value *cfg = decode(f->a, f->r,
                                  "{\"name\":\"data\",\"email_template\":"
                                  "\"aws+{tenant}-{environment}@example.com\",\"access\":[],"
                                  "\"environment\":[{\"name\":\"dev\"}]}");
    const char *keys[1] = {"team"};
    struct tf_value *vals[1] = {tf_value_stringn(f->a, "a\0b", 3)};
    cfg = tf_value_with_attr(f->a, cfg, "tags",
                             tf_value_map(f->a, &tf_type_map_string, keys, vals, 1));
    cfg = tf_value_with_attr(f->a, cfg, "owner", tf_value_stringn(f->a, "o\0", 2));
    assert_non_null(cfg);
    plan(&ctx, f->r, NULL, cfg);
    assert_int_equal(d.count, 2);
    assert_int_equal(d.items[0].severity, TF_SEV_ERROR);
    assert_non_null(strstr(d.items[0].detail, "NUL"));
    assert_string_equal(d.items[0].path.steps[0].name, "tags");
    assert_string_equal(d.items[0].path.steps[1].name, "team");
    assert_string_equal(d.items[1].path.steps[0].name, "owner");
}

static void test_destroy_warning_and_import_id(void **state)
{
    struct fixture *f = *state;
    struct tf_diags d;
    struct res_ctx ctx = ctx_for(f->a, &d, f->provider, f->r);
    struct tf_value *prior = decode(
        f->a, f->r,
        "{\"name\":\"data\",\"retired_parent_id\":\"ou-ab12-cdef5678\",\"close_on_deletion\":"
        "false,\"account_ids\":{\"dev\":\"111111111111\"},\"environment\":[],\"access\":[]}");
    f->r->plan_destroy(&ctx, prior);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].severity, TF_SEV_WARNING);
    assert_non_null(strstr(d.items[0].summary, "retired"));
    assert_non_null(strstr(d.items[0].detail, "111111111111 (dev)"));
    assert_non_null(strstr(d.items[0].detail, "ou-ab12-cdef5678"));

    prior = tf_value_with_attr(f->a, prior, "close_on_deletion", tf_value_bool(f->a, true));
    ctx = ctx_for(f->a, &d, f->provider, f->r);
    f->r->plan_destroy(&ctx, prior);
    assert_int_equal(d.count, 0); /* closing is what the user asked for: no warning */

    ctx = ctx_for(f->a, &d, f->provider, f->r);
    assert_null(f->r->import(&ctx, "Not A Slug"));
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].summary, "Invalid import ID");
}

/* --- against tools/localaws ------------------------------------------------------------------ */

static bool start_localaws(char *url, size_t n)
{
    static const char *const extra[] = {"--role-propagation-ms", "50", NULL};
    return test_localaws_start(url, n, extra);
}

static void stop_localaws(void)
{
    test_localaws_stop();
}

/* One Organizations call with the provider's client (for out-of-band changes and checks). */
static json_t *org(struct res_provider *p, const char *op, json_t *in)
{
    struct aws_error err;
    json_t *out = NULL;
    struct aws_call_opts o = {.deadline_ms = uc_clock_monotonic_ms() + 30000};
    uc_status st = aws_json_call(aws_client_session(p->client), AWS_SVC_ORGANIZATIONS, op, in,
                                 &o, &out, &err);
    json_decref(in);
    if (st != UC_OK)
        fail_msg("%s: %s %s", op, err.code, err.message);
    return out;
}

static const char *tag_of(struct res_provider *p, const char *account, const char *key,
                          char *buf, size_t n)
{
    json_t *out = org(p, "ListTagsForResource", json_pack("{s:s}", "ResourceId", account));
    size_t i;
    json_t *t;
    buf[0] = '\0';
    json_array_foreach(json_object_get(out, "Tags"), i, t) {
        if (strcmp(json_string_value(json_object_get(t, "Key")), key) == 0)
            snprintf(buf, n, "%s", json_string_value(json_object_get(t, "Value")));
    }
    json_decref(out);
    return buf[0] ? buf : NULL;
}

static void test_lifecycle_against_localaws(void **state)
{
    (void)state;
    char url[256];
    if (!start_localaws(url, sizeof url)) {
        stop_localaws();
        skip();
    }
    struct uc_arena *a = uc_arena_new();
    struct res_provider *p = provider_for(a, url);
    const struct res_resource *r = res_registry_find("unicron_tenant");
    struct tf_diags d;
    char buf[128];
    assert_non_null(p);

    /* create: dev and prod, admin everywhere, readonly in prod */
    struct res_ctx ctx = ctx_for(a, &d, p, r);
    struct tf_value *cfg = decode(a, r, CONFIG("{\"name\":\"dev\"},{\"name\":\"prod\"}", ""));
    struct tf_value *planned = plan(&ctx, r, NULL, cfg);
    assert_int_equal(d.count, 0);
    struct tf_value *created = r->create(&ctx, planned, cfg);
    if (d.count)
        fail_msg("create: %s", diag_text(a, &d));
    assert_non_null(created);
    assert_true(tf_value_is_wholly_known(created));
    const char *dev = env_str(created, 0, "account_id");
    const char *prod = env_str(created, 1, "account_id");
    assert_non_null(dev);
    assert_non_null(prod);
    assert_string_equal(env_str(created, 1, "state"), "ACTIVE");
    assert_string_equal(env_str(created, 1, "access_role_arn"),
                        uc_arena_printf(a, "arn:aws:iam::%s:role/OrganizationAccountAccessRole",
                                        prod));
    assert_string_equal(tag_of(p, prod, "unicron:tier", buf, sizeof buf), "standard");
    assert_string_equal(tag_of(p, dev, "unicron:tenant", buf, sizeof buf), "data");

    /* create again (an interrupted apply): the accounts are adopted, not duplicated */
    ctx = ctx_for(a, &d, p, r);
    struct tf_value *again = r->create(&ctx, planned, cfg);
    if (d.count)
        fail_msg("second create: %s", diag_text(a, &d));
    assert_string_equal(env_str(again, 0, "account_id"), dev);
    assert_string_equal(env_str(again, 1, "account_id"), prod);

    /* read: no drift */
    ctx = ctx_for(a, &d, p, r);
    struct tf_value *read = r->read(&ctx, created);
    if (d.count)
        fail_msg("read: %s", diag_text(a, &d));
    if (!tf_value_equal(read, created))
        fail_msg("read differs:\n%s\n%s", tf_value_debug(a, read), tf_value_debug(a, created));

    /* drift: a tag changed out of band shows in tags_all */
    json_decref(org(p, "TagResource",
                    json_pack("{s:s,s:[{s:s,s:s}]}", "ResourceId", prod, "Tags", "Key", "team",
                              "Value", "other")));
    ctx = ctx_for(a, &d, p, r);
    read = r->read(&ctx, created);
    assert_int_equal(d.count, 0);
    assert_string_equal(tf_value_str(tf_value_map_get(tf_value_attr(read, "tags_all"), "team")),
                        "other");

    /* import by name gives the configuration back */
    ctx = ctx_for(a, &d, p, r);
    struct tf_value *imported = r->import(&ctx, "data");
    if (d.count)
        fail_msg("import: %s", diag_text(a, &d));
    assert_string_equal(tf_value_str(tf_value_attr(imported, "email_template")),
                        "aws+{tenant}-{environment}@example.com");
    assert_int_equal(tf_value_attr(imported, "environment")->count, 2);
    assert_string_equal(env_str(imported, 1, "account_id"), prod);
    assert_int_equal(tf_value_attr(imported, "access")->count, 2);
    assert_true(tf_value_equal(tf_value_attr(imported, "access"), tf_value_attr(cfg, "access")));

    /* update: restore the tag, remove prod (retired: tagged, kept) */
    ctx = ctx_for(a, &d, p, r);
    struct tf_value *cfg2 = decode(a, r, CONFIG("{\"name\":\"dev\"}", ""));
    cfg2 = tf_value_with_attr(a, cfg2, "access", tf_value_list(a, tf_value_attr(cfg2, "access")
                                                                      ->type,
                                                               tf_value_attr(cfg2, "access")
                                                                   ->elems,
                                                               1));
    struct tf_value *planned2 = plan(&ctx, r, read, cfg2);
    assert_int_equal(d.count, 0);
    struct tf_value *updated = r->update(&ctx, read, planned2, cfg2);
    if (d.count)
        fail_msg("update: %s", diag_text(a, &d));
    assert_int_equal(tf_value_attr(updated, "environment")->count, 1);
    assert_string_equal(tag_of(p, prod, "unicron:retired", buf, sizeof buf), "true");
    assert_string_equal(tag_of(p, dev, "team", buf, sizeof buf), "data");

    /* delete (retire mode) */
    ctx = ctx_for(a, &d, p, r);
    assert_true(r->delete(&ctx, updated));
    assert_int_equal(d.count, 0);
    assert_string_equal(tag_of(p, dev, "unicron:retired", buf, sizeof buf), "true");
    json_t *acct = org(p, "DescribeAccount", json_pack("{s:s}", "AccountId", dev));
    assert_string_equal(json_string_value(json_object_get(json_object_get(acct, "Account"),
                                                          "State")),
                        "ACTIVE");
    json_decref(acct);

    res_provider_free(p);
    uc_arena_free(a);
    stop_localaws();
}

/* When AccessDenied from an account's access role means "gone" rather than "still propagating". */
static void test_role_settled_by_account_age(void **state)
{
    (void)state;
    static const struct {
        double joined, now;
        bool settled;
    } rows[] = {
        {0, 1.7e9, false},                                   /* unknown join time */
        {1.7e9, 1.7e9 + 10, false},                          /* just created */
        {1.7e9, 1.7e9 + RES_ORG_ROLE_SETTLED_S - 1, false},  /* still young */
        {1.7e9, 1.7e9 + RES_ORG_ROLE_SETTLED_S, true},       /* an hour old */
        {1.7e9, 1.7e9 + 400 * 86400.0, true},                /* a year old */
        {1.7e9 + 3600, 1.7e9, false},                        /* joined in our future (skew) */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (res_org_role_settled(rows[i].joined, rows[i].now) != rows[i].settled)
            fail_msg("row %zu: joined %.0f now %.0f", i, rows[i].joined, rows[i].now);
}

/* Adopt-or-create by e-mail, then a settled account whose access role was deleted: the session
 * fails with AccessDenied in seconds instead of the client's account_role_wait_ms (5 minutes). */
static void test_org_account_and_deleted_access_role_against_localaws(void **state)
{
    (void)state;
    char url[256];
    if (!start_localaws(url, sizeof url)) {
        stop_localaws();
        skip();
    }
    struct uc_arena *a = uc_arena_new();
    struct res_provider *p = provider_for(a, url);
    struct aws_error err;
    struct aws_call_opts o = {.deadline_ms = uc_clock_monotonic_ms() + 120000};
    struct res_org_account_result made, again;
    assert_non_null(p);
    struct res_org_account_spec spec = {"solo@example.com", "solo", "OrganizationAccountAccessRole",
                                        NULL};
    if (res_org_ensure_account(aws_client_session(p->client), &spec, &o, &made, &err) != UC_OK)
        fail_msg("create: %s %s", err.code, err.message);
    assert_false(made.adopted);
    assert_true(made.request[0] != '\0');
    assert_int_equal(strlen(made.id), 12);
    if (res_org_ensure_account(aws_client_session(p->client), &spec, &o, &again, &err) != UC_OK)
        fail_msg("adopt: %s %s", err.code, err.message);
    assert_true(again.adopted);
    assert_string_equal(again.id, made.id);

    /* delete the access role from inside the account (waits for it to propagate first) */
    struct aws_session *s = aws_client_account_session(p->client, made.id, &err);
    assert_non_null(s);
    if (res_iam_role_delete(s, "OrganizationAccountAccessRole", &o, &err) != UC_OK)
        fail_msg("delete role: %s %s", err.code, err.message);

    /* a fresh client (as in a new terraform plan), the account treated as settled */
    struct res_provider *fresh = provider_for(a, url);
    assert_non_null(fresh);
    uint64_t t0 = uc_clock_monotonic_ms();
    s = res_org_member_session(fresh->client, made.id, true, &o, &err);
    uint64_t took = uc_clock_monotonic_ms() - t0;
    assert_null(s);
    assert_true(aws_error_is(&err, "AccessDenied"));
    if (took > RES_ORG_SETTLED_ROLE_WAIT_MS + 10000)
        fail_msg("a deleted access role took %llu ms to report", (unsigned long long)took);

    res_provider_free(fresh);
    res_provider_free(p);
    uc_arena_free(a);
    stop_localaws();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dropped_account_is_planned_as_new),
        cmocka_unit_test(test_destroy_warning_and_import_id),
        cmocka_unit_test(test_state_with_too_many_environments_loses_no_account),
        cmocka_unit_test(test_plan_refuses_nul_in_a_tag_known_late),
        cmocka_unit_test(test_lifecycle_against_localaws),
        cmocka_unit_test(test_role_settled_by_account_age),
        cmocka_unit_test(test_org_account_and_deleted_access_role_against_localaws),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    stop_localaws();
    return rc;
}
