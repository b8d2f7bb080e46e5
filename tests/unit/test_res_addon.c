/* test_res_addon.c - unicron_addon's apply side: cluster ids and Kubernetes minors, semantic JSON
 * and the text kept in state, import ID checks, the EKS-only `preserve`, versions that follow
 * the cluster at plan (the recorded recommendation, a configured kubernetes_version that
 * changes), and one lifecycle against a real tools/localaws started here: an account and cluster
 * made through the AWS client, coredns created before any node group (DEGRADED warning, no
 * timeout), read, an incompatible version naming the compatible ones, import, StopProvider
 * ending a wait, delete, and a create that adopts an add-on made out of band.
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

#include "aws_eks.h"
#include "aws_waiter.h"
#include "res_addon.h"
#include "res_eks_access.h"
#include "res_iam_role.h"
#include "res_org_account.h"
#include "res_provider.h"
#include "res_registry.h"
#include "tf_json.h"
#include "test_localaws.h"

#ifndef UNICRON_SOURCE_DIR
#define UNICRON_SOURCE_DIR "."
#endif


static struct res_provider *provider_for(struct uc_arena *a, const char *url)
{
    const char *json =
        url == NULL ? "{}"
                    : uc_arena_printf(a,
                                      "{\"region\":\"us-east-1\",\"access_key\":\"test\","
                                      "\"secret_key\":\"test\",\"endpoints\":{\"organizations\":"
                                      "\"%s\",\"sts\":\"%s\",\"iam\":\"%s\",\"eks\":\"%s\"}}",
                                      url, url, url, url);
    struct tf_value *cfg = NULL;
    struct tf_diags d;
    tf_diags_init(&d, a);
    if (tf_json_decode(a, json, strlen(json), res_registry_provider_type(), &cfg, NULL) != UC_OK)
        return NULL;
    return res_provider_new(cfg, NULL, &d);
}

static const struct res_resource *addon(void)
{
    const struct res_resource *r = res_registry_find("unicron_addon");
    assert_non_null(r);
    return r;
}

static struct tf_value *decode(struct uc_arena *a, const char *json)
{
    struct tf_value *v = NULL;
    const char *err = NULL;
    if (tf_json_decode(a, json, strlen(json), res_registry_type(addon()), &v, &err) != UC_OK)
        fail_msg("bad test JSON (%s): %s", err ? err : "?", json);
    return v;
}

static struct res_ctx ctx_for(struct uc_arena *a, struct tf_diags *d, const struct res_provider *p)
{
    tf_diags_init(d, a);
    struct res_ctx ctx = {
        .arena = a, .diags = d, .provider = p, .type = res_registry_type(addon())};
    return ctx;
}

static struct tf_value *plan(struct res_ctx *ctx, const struct tf_value *prior,
                             const struct tf_value *config)
{
    struct tf_plan_result res;
    memset(&res, 0, sizeof res);
    const struct res_resource *r = addon();
    struct tf_plan_request req = {.block = r->schema->block,
                                  .type = res_registry_type(r),
                                  .prior = prior,
                                  .proposed = config,
                                  .config = config};
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

static int setup(void **state)
{
    (void)state;
    return res_registry_init() == UC_OK ? 0 : -1;
}

/* --- pure ------------------------------------------------------------------------------------ */

static void test_cluster_ids_and_minors(void **state)
{
    (void)state;
    char acct[16], name[128];
    assert_true(
        res_eks_parse_cluster_id("123456789012/data-dev", acct, sizeof acct, name, sizeof name));
    assert_string_equal(acct, "123456789012");
    assert_string_equal(name, "data-dev");
    static const char *const bad[] = {
        "", "123/x", "123456789012/", "12345678901a/x", "123456789012/a/b", "data-dev", NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_false(res_eks_parse_cluster_id(bad[i], acct, sizeof acct, name, sizeof name));
    assert_false(res_eks_parse_cluster_id(NULL, acct, sizeof acct, name, sizeof name));
    assert_int_equal(res_eks_minor("1.34"), 34);
    assert_int_equal(res_eks_minor("1.9"), 9);
    assert_int_equal(res_eks_minor("1."), -1);
    assert_int_equal(res_eks_minor("2.1"), -1);
    assert_int_equal(res_eks_minor("1.34.1"), -1);
    assert_int_equal(res_eks_minor(NULL), -1);
}

static void test_semantic_json(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    assert_true(res_addon_json_same("{\"a\":1,\"b\":[1,2]}", "{ \"b\": [1, 2], \"a\": 1 }"));
    assert_false(res_addon_json_same("{\"b\":[1,2]}", "{\"b\":[2,1]}"));
    assert_true(res_addon_json_same(NULL, "{}"));
    assert_true(res_addon_json_same("", NULL));
    assert_false(res_addon_json_same(NULL, "{\"a\":1}"));
    /* the prior text stays when the remote document is the same */
    const char *prior = "{ \"z\": 1, \"a\": {\"k\": \"v\"} }";
    assert_ptr_equal(res_addon_json_keep(a, prior, "{\"a\":{\"k\":\"v\"},\"z\":1}"), prior);
    /* otherwise the remote one, compact with sorted keys */
    assert_string_equal(res_addon_json_keep(a, prior, "{\"z\": 2, \"a\": 1}"), "{\"a\":1,\"z\":2}");
    assert_null(res_addon_json_keep(a, NULL, "{}"));
    assert_null(res_addon_json_keep(a, NULL, NULL));
    assert_string_equal(res_addon_json_keep(a, NULL, "not: json"), "not: json");
    uc_arena_free(a);
}

static void test_import_ids_and_preserve(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    struct res_provider *p = provider_for(a, NULL);
    struct tf_diags d;
    struct res_ctx ctx = ctx_for(a, &d, p);
    static const char *const bad[] = {"coredns",
                                      "123456789012/coredns",
                                      "123456789012/apps/not-a-component",
                                      "12345678901/apps/coredns",
                                      "123456789012//coredns",
                                      NULL};
    for (size_t i = 0; bad[i]; i++) {
        ctx = ctx_for(a, &d, p);
        assert_null(addon()->import(&ctx, bad[i]));
        assert_int_equal(d.count, 1);
        assert_string_equal(d.items[0].summary, "Invalid import ID");
    }
    ctx = ctx_for(a, &d, p);
    struct tf_value *v = addon()->import(&ctx, "123456789012/apps/spark-operator");
    assert_non_null(v);
    assert_string_equal(tf_value_str(tf_value_attr(v, "cluster_id")), "123456789012/apps");
    assert_string_equal(tf_value_str(tf_value_attr(v, "kind")), "argocd");

    /* preserve is for EKS add-ons; false is what every kind does anyway */
    ctx = ctx_for(a, &d, p);
    addon()->validate(&ctx, decode(a, "{\"cluster_id\":\"123456789012/apps\",\"name\":"
                                      "\"spark-operator\",\"preserve\":true}"));
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].summary, "Not an EKS add-on");
    ctx = ctx_for(a, &d, p);
    addon()->validate(&ctx, decode(a, "{\"cluster_id\":\"123456789012/apps\",\"name\":"
                                      "\"spark-operator\",\"preserve\":false}"));
    assert_int_equal(d.count, 0);
    ctx = ctx_for(a, &d, p);
    addon()->validate(&ctx, decode(a, "{\"cluster_id\":\"123456789012/apps\",\"name\":"
                                      "\"coredns\",\"preserve\":true}"));
    assert_int_equal(d.count, 0);
    res_provider_free(p);
    uc_arena_free(a);
}

static void test_versions_follow_the_cluster(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    struct tf_diags d;
    struct res_ctx ctx = ctx_for(a, &d, NULL);
    const char *prior_json =
        "{\"id\":\"123456789012/apps/kube-proxy\",\"cluster_id\":\"123456789012/apps\","
        "\"name\":\"kube-proxy\",\"version\":\"v1.34.8-eksbuild.2\",\"namespace\":"
        "\"kube-system\",\"kubernetes_version\":\"1.34\",\"wait\":true,\"kind\":\"eks\","
        "\"status\":\"ACTIVE\",\"arn\":\"arn:aws:eks:us-east-1:123456789012:addon/apps/k/1\"}";
    struct tf_value *prior = decode(a, prior_json);
    struct tf_value *cfg = decode(a, "{\"cluster_id\":\"123456789012/apps\",\"name\":"
                                     "\"kube-proxy\"}");
    /* nothing recorded: the installed version stays */
    struct tf_value *p = plan(&ctx, prior, cfg);
    assert_true(tf_value_equal(p, prior));
    /* the last refresh found a newer recommendation (cluster upgraded): planned, and known */
    static const char priv[] = "{\"default_version\":\"v1.35.8-eksbuild.2\"}";
    ctx.private_in = (const unsigned char *)priv;
    ctx.private_in_len = sizeof priv - 1;
    p = plan(&ctx, prior, cfg);
    assert_string_equal(tf_value_str(tf_value_attr(p, "version")), "v1.35.8-eksbuild.2");
    assert_true(tf_value_is_unknown(tf_value_attr(p, "status")));
    /* a pinned version is honoured whatever the recommendation */
    struct tf_value *pinned = decode(a, "{\"cluster_id\":\"123456789012/apps\",\"name\":"
                                        "\"kube-proxy\",\"version\":\"v1.34.8-eksbuild.2\"}");
    p = plan(&ctx, prior, pinned);
    assert_string_equal(tf_value_str(tf_value_attr(p, "version")), "v1.34.8-eksbuild.2");
    /* kubernetes_version wired from the cluster and upgraded in this plan: resolved at apply */
    ctx.private_in = NULL;
    ctx.private_in_len = 0;
    struct tf_value *wired = decode(a, "{\"cluster_id\":\"123456789012/apps\",\"name\":"
                                       "\"kube-proxy\",\"kubernetes_version\":\"1.35\"}");
    p = plan(&ctx, prior, wired);
    assert_true(tf_value_is_unknown(tf_value_attr(p, "version")));
    wired =
        tf_value_with_attr(a, wired, "kubernetes_version", tf_value_unknown(a, &tf_type_string));
    p = plan(&ctx, prior, wired);
    assert_true(tf_value_is_unknown(tf_value_attr(p, "version")));
    /* a chart with a per-minor pin plans the pin of the new minor */
    const char *ca_prior =
        "{\"id\":\"123456789012/apps/cluster-autoscaler\",\"cluster_id\":\"123456789012/apps\","
        "\"name\":\"cluster-autoscaler\",\"version\":\"9.0.0\",\"namespace\":\"kube-system\","
        "\"kubernetes_version\":\"1.34\",\"wait\":true,\"kind\":\"argocd\",\"status\":"
        "\"Synced/Healthy\"}";
    p = plan(&ctx, decode(a, ca_prior),
             decode(a, "{\"cluster_id\":\"123456789012/apps\",\"name\":\"cluster-autoscaler\","
                       "\"kubernetes_version\":\"1.35\"}"));
    assert_string_equal(tf_value_str(tf_value_attr(p, "version")), "9.59.0");
    assert_int_equal(d.count, 0);
    uc_arena_free(a);
}

/* --- against tools/localaws ------------------------------------------------------------------ */

static bool start_localaws(char *url, size_t n)
{
    return test_localaws_start(url, n, NULL);
}

static void stop_localaws(void)
{
    test_localaws_stop();
}

struct cluster_poll {
    struct aws_session *s;
    const char *name;
};

static uc_status poll_cluster(void *ud, const struct aws_call_opts *o, char *status, size_t n,
                              enum aws_wait_result *result, struct aws_error *err)
{
    struct cluster_poll *c = ud;
    json_t *out = NULL;
    const char *labels[] = {c->name};
    uc_status st = aws_rest_call(c->s, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_CLUSTER, labels, 1, NULL,
                                 NULL, o, &out, err);
    if (st == UC_OK)
        snprintf(status, n, "%s", res_addon_jstr(json_object_get(out, "cluster"), "status"));
    json_decref(out);
    (void)result;
    return st;
}

/* An account and an ACTIVE cluster "apps" (Kubernetes 1.34) in it; the account id into id. */
static void make_cluster(struct res_provider *p, char *id, size_t n)
{
    struct aws_error err;
    struct aws_call_opts o = {.deadline_ms = uc_clock_monotonic_ms() + 120000};
    struct res_org_account_spec spec = {.email = "aws+addon-unit@example.com",
                                        .name = "addon-unit",
                                        .role_name = "OrganizationAccountAccessRole"};
    struct res_org_account_result acct;
    if (res_org_ensure_account(aws_client_session(p->client), &spec, &o, &acct, &err) != UC_OK)
        fail_msg("CreateAccount: %s %s", err.code, err.message);
    snprintf(id, n, "%s", acct.id);
    struct aws_session *s = res_org_member_session(p->client, acct.id, false, &o, &err);
    assert_non_null(s);
    struct res_iam_role_spec role = {
        .name = "apps-cluster-role",
        .trust_policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        "\"Principal\":{\"Service\":\"eks.amazonaws.com\"},\"Action\":"
                        "\"sts:AssumeRole\"}]}"};
    char arn[512];
    if (res_iam_role_ensure(s, &role, &o, arn, sizeof arn, NULL, &err) != UC_OK)
        fail_msg("CreateRole: %s %s", err.code, err.message);
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:{s:[s,s]}}", "name", "apps", "roleArn", arn, "version", "1.34",
                  "resourcesVpcConfig", "subnetIds", "subnet-a", "subnet-b");
    uc_status st =
        aws_rest_call(s, AWS_SVC_EKS, &AWS_EKS_CREATE_CLUSTER, NULL, 0, NULL, body, &o, NULL, &err);
    json_decref(body);
    if (st != UC_OK)
        fail_msg("CreateCluster: %s %s", err.code, err.message);
    static const char *const ok[] = {"ACTIVE", NULL};
    struct cluster_poll cp = {s, "apps"};
    struct aws_waiter w = {.description = "cluster apps",
                           .poll = poll_cluster,
                           .ctx = &cp,
                           .success = ok,
                           .min_delay_ms = 100,
                           .max_delay_ms = 500};
    if (aws_wait(p->client, &w, &o, NULL, 0, &err) != UC_OK)
        fail_msg("cluster: %s", err.message);
}

static void test_lifecycle_against_localaws(void **state)
{
    (void)state;
    char url[256], account[16];
    if (!start_localaws(url, sizeof url)) {
        stop_localaws();
        skip();
    }
    struct uc_arena *a = uc_arena_new();
    struct res_provider *p = provider_for(a, url);
    assert_non_null(p);
    make_cluster(p, account, sizeof account);
    const struct res_resource *r = addon();
    struct tf_diags d;
    struct res_ctx ctx = ctx_for(a, &d, p);
    const char *cfg_json =
        uc_arena_printf(a,
                        "{\"cluster_id\":\"%s/apps\",\"name\":\"coredns\",\"configuration\":"
                        "\"{\\\"replicaCount\\\": 3}\"}",
                        account);
    struct tf_value *cfg = decode(a, cfg_json);

    /* create before any node group: a warning, not a timeout; the state is complete */
    struct tf_value *planned = plan(&ctx, NULL, cfg);
    struct tf_value *st = r->create(&ctx, planned, cfg);
    if (st == NULL)
        fail_msg("create: %s", diag_text(a, &d));
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].severity, TF_SEV_WARNING);
    assert_non_null(strstr(d.items[0].detail, "no ACTIVE node group"));
    assert_true(tf_value_is_wholly_known(st));
    assert_string_equal(tf_value_str(tf_value_attr(st, "status")), "DEGRADED");
    assert_string_equal(tf_value_str(tf_value_attr(st, "kubernetes_version")), "1.34");
    const char *version = tf_value_str(tf_value_attr(st, "version"));
    assert_non_null(strstr(version, "eksbuild"));
    assert_non_null(ctx.private_out);
    assert_non_null(strstr((const char *)ctx.private_out, version));

    /* read: the same, configuration kept as written */
    ctx = ctx_for(a, &d, p);
    struct tf_value *rd = r->read(&ctx, st);
    assert_non_null(rd);
    assert_int_equal(d.count, 0);
    assert_true(tf_value_equal(rd, st));

    /* an incompatible version: a diagnostic on version naming the compatible ones */
    struct tf_value *cfg2 =
        tf_value_with_attr(a, cfg, "version", tf_value_string(a, "v1.11.3-eksbuild.1"));
    ctx = ctx_for(a, &d, p);
    struct tf_value *pl2 = plan(&ctx, st, cfg2);
    assert_null(r->update(&ctx, st, pl2, cfg2));
    assert_true(tf_diags_has_error(&d));
    assert_non_null(strstr(d.items[0].detail, version));
    assert_true(d.items[0].has_path);

    /* import by <cluster_id>/<name> reads back the same component */
    ctx = ctx_for(a, &d, p);
    struct tf_value *imp = r->import(&ctx, uc_arena_printf(a, "%s/apps/coredns", account));
    assert_non_null(imp);
    imp = r->read(&ctx, imp);
    assert_non_null(imp);
    assert_string_equal(tf_value_str(tf_value_attr(imp, "version")), version);
    assert_true(res_addon_json_same(tf_value_str(tf_value_attr(imp, "configuration")),
                                    "{\"replicaCount\":3}"));

    /* StopProvider ends a delete's wait at once, saying so */
    struct uc_cancel *cancel = uc_cancel_new();
    uc_cancel_trigger(cancel);
    ctx = ctx_for(a, &d, p);
    ctx.cancel = cancel;
    assert_false(r->delete (&ctx, st));
    assert_true(tf_diags_has_error(&d));
    assert_non_null(strstr(d.items[0].summary, "Interrupted"));
    uc_cancel_free(cancel);

    /* delete waits until it is gone; a second read finds nothing */
    ctx = ctx_for(a, &d, p);
    if (!r->delete (&ctx, st))
        fail_msg("delete: %s", diag_text(a, &d));
    ctx = ctx_for(a, &d, p);
    rd = r->read(&ctx, st);
    assert_non_null(rd);
    assert_true(tf_value_is_null(rd));

    /* create adopts an add-on that exists already (made out of band, or by an interrupted
     * apply), bringing its configuration to the plan */
    struct aws_error err;
    struct aws_call_opts o = {.deadline_ms = uc_clock_monotonic_ms() + 60000};
    struct res_eks_cluster cl;
    assert_int_equal(
        res_eks_cluster_open(p->client, NULL, uc_arena_printf(a, "%s/apps", account), &o, &cl,
                             &err),
        UC_OK);
    json_t *body = json_pack("{s:s}", "addonName", "coredns");
    const char *labels[] = {"apps"};
    assert_int_equal(aws_rest_call(cl.session, AWS_SVC_EKS, &AWS_EKS_CREATE_ADDON, labels, 1, NULL,
                                   body, &o, NULL, &err),
                     UC_OK);
    json_decref(body);
    ctx = ctx_for(a, &d, p);
    st = r->create(&ctx, planned, cfg);
    if (st == NULL)
        fail_msg("adopting create: %s", diag_text(a, &d));
    assert_false(tf_diags_has_error(&d));
    json_t *live = NULL;
    const char *labels2[] = {"apps", "coredns"};
    assert_int_equal(aws_rest_call(cl.session, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_ADDON, labels2, 2,
                                   NULL, NULL, &o, &live, &err),
                     UC_OK);
    assert_true(
        res_addon_json_same(res_addon_jstr(json_object_get(live, "addon"), "configurationValues"),
                            "{\"replicaCount\":3}"));
    json_decref(live);
    res_eks_cluster_release(&cl);
    ctx = ctx_for(a, &d, p);
    assert_true(r->delete (&ctx, st));
    res_provider_free(p);
    uc_arena_free(a);
    stop_localaws();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cluster_ids_and_minors),
        cmocka_unit_test(test_semantic_json),
        cmocka_unit_test(test_import_ids_and_preserve),
        cmocka_unit_test(test_versions_follow_the_cluster),
        cmocka_unit_test(test_lifecycle_against_localaws),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
