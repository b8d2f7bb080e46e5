/* test_res_cluster.c - unicron_cluster's apply side against a real tools/localaws started here:
 * create (roles, cluster, OIDC provider, access entries for the tenant's roles and configured
 * ones, two node groups, one SPOT), create again adopting everything (one cluster), read without
 * drift, the provider's version table against DescribeClusterVersions, upgrade 1.33 -> 1.35 with
 * a scaling change and an instance-type change (the emulator's history shows control plane 1.34,
 * node groups 1.34, control plane 1.35, node groups 1.35, and the new group ACTIVE before the old
 * one's deletion), out-of-band changes seen by read, import then a plan without changes, and
 * delete leaving nothing behind. Tags: a node group's tags changed out of band are drift that
 * apply undoes, ignore_tags holds on node groups and IAM roles. Also the kubeconfig text.
 *
 * The localaws tests are skipped (cmocka skip) when python3 or tools/localaws cannot start.
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
#include "aws_eks.h"
#include "res_cluster.h"
#include "res_eks_versions.h"
#include "res_iam_role.h"
#include "res_org_account.h"
#include "res_provider.h"
#include "res_registry.h"
#include "tf_json.h"
#include "uc_buf.h"
#include "test_localaws.h"

#ifndef UNICRON_SOURCE_DIR
#define UNICRON_SOURCE_DIR "."
#endif


/* extra: more provider attributes (",\"ignore_tags\":{...}") or "". */
static struct res_provider *provider_for(struct uc_arena *a, const char *url, const char *extra)
{
    const char *json = uc_arena_printf(a,
                                       "{\"region\":\"us-east-1\",\"access_key\":\"test\","
                                       "\"secret_key\":\"test\",\"default_tags\":"
                                       "{\"managed-by\":\"terraform\"},\"endpoints\":"
                                       "{\"organizations\":\"%s\",\"sts\":\"%s\","
                                       "\"iam\":\"%s\",\"eks\":\"%s\"}%s}",
                                       url, url, url, url, extra);
    struct tf_value *cfg = NULL;
    struct tf_diags d;
    tf_diags_init(&d, a);
    if (tf_json_decode(a, json, strlen(json), res_registry_provider_type(), &cfg, NULL) != UC_OK)
        return NULL;
    return res_provider_new(cfg, NULL, &d);
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
                             const struct tf_value *prior, const struct tf_value *config,
                             struct tf_plan_result *res)
{
    memset(res, 0, sizeof *res);
    struct tf_plan_request req = {.block = r->schema->block, .type = res_registry_type(r),
                                  .prior = prior, .proposed = config, .config = config};
    assert_int_equal(res_resource_plan(ctx, r, &req, res), UC_OK);
    return res->planned;
}

static const char *diag_text(struct uc_arena *a, const struct tf_diags *d)
{
    const char *out = "";
    for (size_t i = 0; i < d->count; i++)
        out = uc_arena_printf(a, "%s%s: %s\n", out, d->items[i].summary, d->items[i].detail);
    return out;
}

static size_t errors(const struct tf_diags *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++)
        n += d->items[i].severity == TF_SEV_ERROR;
    return n;
}

/* --- pure ------------------------------------------------------------------------------------ */

static void test_kubeconfig_has_no_secret(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    const char *k = res_cluster_kubeconfig(a, "data-dev", "arn:aws:eks:eu-west-1:1:cluster/x",
                                           "https://E.example", "Q0E=", "eu-west-1",
                                           "arn:aws:iam::111111111111:role/Access");
    assert_non_null(k);
    assert_non_null(strstr(k, "server: \"https://E.example\""));
    assert_non_null(strstr(k, "certificate-authority-data: \"Q0E=\""));
    assert_non_null(strstr(k, "command: aws"));
    assert_non_null(strstr(k, "- get-token"));
    assert_non_null(strstr(k, "- --cluster-name\n      - \"data-dev\""));
    assert_non_null(strstr(k, "- --region\n      - \"eu-west-1\""));
    assert_non_null(strstr(k, "- --role-arn\n      - \"arn:aws:iam::111111111111:role/Access\""));
    assert_null(strstr(k, "k8s-aws-v1"));
    assert_null(strstr(k, "token:"));
    assert_null(strstr(k, "client-key"));
    assert_null(strstr(k, "password"));
    assert_null(res_cluster_kubeconfig(a, "x", NULL, NULL, NULL, NULL, NULL));
    uc_arena_free(a);
}

/* The version policy on injected days (VERSIONS.md). */
static void test_version_policy(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    struct tf_diags d;
    struct tf_path p = tf_path_attr(NULL, "kubernetes_version");
    int64_t day = 0;
    char buf[16];
    assert_true(res_eks_parse_date("2026-12-03", &day));
    assert_string_equal(res_eks_format_date(day, buf, sizeof buf), "2026-12-03");
    assert_false(res_eks_parse_date("2026-02-30", &day));
    assert_true(res_eks_set_today("2026-12-03"));
    assert_int_equal(res_eks_support_on(35, res_eks_today()), RES_EKS_STANDARD);
    assert_int_equal(res_eks_support_on(34, res_eks_today()), RES_EKS_EXTENDED);
    assert_int_equal(res_eks_support_on(31, res_eks_today()), RES_EKS_UNSUPPORTED);
    assert_int_equal(res_eks_support_on(37, res_eks_today()), RES_EKS_NEWER);
    assert_int_equal(res_k8s_min_minor(), 32);
    assert_int_equal(res_k8s_max_minor(), 36);

    tf_diags_init(&d, a);
    assert_true(res_eks_version_check_plan("1.35", &p, &d));
    assert_int_equal(d.count, 0);
    assert_true(res_eks_version_check_plan("1.34", &p, &d));
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].severity, TF_SEV_WARNING);
    assert_non_null(strstr(d.items[0].detail, "six times"));
    assert_non_null(strstr(d.items[0].detail, "$0.60 instead of $0.10"));
    assert_non_null(strstr(d.items[0].detail, "Upgrade to 1.35"));
    tf_diags_init(&d, a);
    assert_false(res_eks_version_check_plan("1.31", &p, &d));
    assert_int_equal(errors(&d), 1);
    assert_non_null(strstr(d.items[0].detail, "2026-11-26"));
    tf_diags_init(&d, a);
    assert_true(res_eks_version_check_plan("1.37", &p, &d));
    assert_int_equal(d.items[0].severity, TF_SEV_WARNING);
    tf_diags_init(&d, a);
    assert_false(res_eks_version_check_plan("v1.3", &p, &d));

    /* a year later 1.34 is past extended support, 1.35 extended */
    assert_true(res_eks_set_today("2027-12-02"));
    tf_diags_init(&d, a);
    assert_false(res_eks_version_check_plan("1.34", &p, &d));
    tf_diags_init(&d, a);
    assert_true(res_eks_version_check_plan("1.35", &p, &d));
    assert_int_equal(d.items[0].severity, TF_SEV_WARNING);
    assert_int_equal(res_k8s_min_minor(), 35);
    assert_true(res_eks_set_today("2026-12-03"));
    uc_arena_free(a);
}

/* --- against tools/localaws ------------------------------------------------------------------ */

static bool start_localaws(char *url, size_t n)
{
    static const char *const extra[] = {"--role-propagation-ms", "50", "--today", "2026-12-03", NULL};
    return test_localaws_start(url, n, extra);
}

static void stop_localaws(void)
{
    test_localaws_stop();
}

/* The emulator's event history (admin surface), fetched with python3's urllib. */
static json_t *history(const char *url, const char *query)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import sys,urllib.request;"
             "sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' "
             "'%s/_localaws/history?%s'",
             url, query);
    FILE *f = popen(cmd, "r");
    if (f == NULL)
        return NULL;
    json_error_t e;
    json_t *doc = json_loadf(f, 0, &e);
    pclose(f);
    return doc;
}

static struct res_cluster_op op_for(struct res_provider *p, const char *account, const char *name)
{
    struct aws_error err;
    struct res_cluster_op op = {.client = p->client, .account_id = account, .name = name};
    op.opts.deadline_ms = uc_clock_monotonic_ms() + 120000;
    snprintf(op.partition, sizeof op.partition, "aws");
    snprintf(op.region, sizeof op.region, "us-east-1");
    op.s = aws_client_account_session(p->client, account, &err);
    assert_non_null(op.s);
    return op;
}

static json_t *eks(struct res_cluster_op *op, const struct aws_rest_op *rop,
                   const char *const *labels, size_t n, json_t *query)
{
    struct aws_error err;
    json_t *out = NULL;
    uc_status st = aws_rest_call(op->s, AWS_SVC_EKS, rop, labels, n, query, NULL, &op->opts, &out,
                                 &err);
    json_decref(query);
    if (st != UC_OK)
        fail_msg("%s: %s %s", rop->name, err.code, err.message);
    return out;
}

#define CFG(version, groups)                                                                  \
    "{\"account_id\":\"%s\",\"name\":\"data-dev\",\"kubernetes_version\":\"" version "\","   \
    "\"subnet_ids\":[\"subnet-0123abcd\",\"subnet-4567cdef\"],\"tier\":\"standard\","          \
    "\"tags\":{\"team\":\"data\"},\"enabled_log_types\":[\"api\"],"                            \
    "\"timeouts\":{\"create\":\"45m\",\"delete\":\"20m\"},"                                    \
    "\"access_entry\":[{\"principal_arn\":\"arn:aws:iam::%s:role/viewer\",\"policy\":"          \
    "\"AmazonEKSViewPolicy\",\"namespaces\":[\"apps\"]}],\"node_group\":[" groups "]}"
#define NG_GENERAL(min, max, types)                                                           \
    "{\"name\":\"general\",\"min_size\":" min ",\"max_size\":" max ",\"desired_size\":2,"      \
    "\"instance_types\":"                                                                     \
    types ",\"labels\":{\"pool\":\"general\"},\"taint\":[]}"
#define NG_SPOT                                                                               \
    "{\"name\":\"spot\",\"min_size\":0,\"max_size\":3,\"capacity_type\":\"SPOT\","             \
    "\"taint\":[{\"key\":\"spot\",\"value\":\"true\",\"effect\":\"NO_SCHEDULE\"}]}"

static const struct tf_value *group(const struct tf_value *v, const char *name)
{
    const struct tf_value *ngs = tf_value_attr(v, "node_group");
    for (size_t i = 0; ngs && i < ngs->count; i++)
        if (strcmp(tf_value_str(tf_value_attr(ngs->elems[i], "name")), name) == 0)
            return ngs->elems[i];
    return NULL;
}

/* The plan: every node group carries the cluster's tags_all; a configured tag that ignore_tags
 * names is left out of it (never written, never read back) with a warning on tags. */
static void test_plan_tags_all_and_ignore_tags(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    struct res_provider *p = provider_for(a, "http://127.0.0.1:9",
                                          ",\"ignore_tags\":{\"keys\":[\"cost-scan\"],"
                                          "\"key_prefixes\":[\"scanner:\"]}");
    const struct res_resource *r = res_registry_find("unicron_cluster");
    struct tf_diags d;
    struct tf_plan_result pr;
    assert_non_null(p);
    struct res_ctx ctx = ctx_for(a, &d, p, r);
    struct tf_value *cfg = decode(
        a, r,
        "{\"account_id\":\"123456789012\",\"name\":\"c1\",\"subnet_ids\":[\"subnet-0123abcd\","
        "\"subnet-4567cdef\"],\"tags\":{\"team\":\"data\",\"scanner:x\":\"1\",\"cost-scan\":"
        "\"y\"},\"access_entry\":[],\"node_group\":[{\"name\":\"a\",\"min_size\":1,"
        "\"max_size\":2,\"taint\":[]},{\"name\":\"b\",\"min_size\":0,\"max_size\":2,"
        "\"taint\":[]}]}");
    struct tf_value *planned = plan(&ctx, r, NULL, cfg, &pr);
    assert_int_equal(errors(&d), 0);
    assert_int_equal(d.count, 2); /* one warning per ignored key, on tags */
    for (size_t i = 0; i < d.count; i++) {
        assert_int_equal(d.items[i].severity, TF_SEV_WARNING);
        assert_non_null(strstr(d.items[i].summary, "ignore_tags"));
    }
    const struct tf_value *all = tf_value_attr(planned, "tags_all");
    assert_int_equal(all->count, 4); /* managed-by, team, unicron:cluster, unicron:tier */
    assert_string_equal(tf_value_str(tf_value_map_get(all, "team")), "data");
    assert_string_equal(tf_value_str(tf_value_map_get(all, "managed-by")), "terraform");
    assert_string_equal(tf_value_str(tf_value_map_get(all, "unicron:cluster")), "c1");
    assert_null(tf_value_map_get(all, "scanner:x"));
    assert_null(tf_value_map_get(all, "cost-scan"));
    assert_true(tf_value_equal(tf_value_attr(group(planned, "a"), "tags_all"), all));
    assert_true(tf_value_equal(tf_value_attr(group(planned, "b"), "tags_all"), all));
    /* unknown tags: unknown tags_all everywhere */
    ctx = ctx_for(a, &d, p, r);
    struct tf_value *cfg2 = tf_value_with_attr(a, cfg, "tags",
                                               tf_value_unknown(a, &tf_type_map_string));
    planned = plan(&ctx, r, NULL, cfg2, &pr);
    assert_false(tf_value_is_known(tf_value_attr(planned, "tags_all")));
    assert_false(tf_value_is_known(tf_value_attr(group(planned, "a"), "tags_all")));
    res_provider_free(p);
    uc_arena_free(a);
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
    struct res_provider *p = provider_for(a, url, "");
    const struct res_resource *r = res_registry_find("unicron_cluster");
    struct tf_diags d;
    struct tf_plan_result pr;
    struct aws_error err;
    assert_non_null(p);

    /* a tenant account with the tenant's admin role in it */
    struct aws_call_opts o = {.deadline_ms = uc_clock_monotonic_ms() + 120000};
    struct res_org_account_result acct;
    struct res_org_account_spec spec = {"clu@example.com", "clu", "OrganizationAccountAccessRole",
                                        NULL};
    if (res_org_ensure_account(aws_client_session(p->client), &spec, &o, &acct, &err) != UC_OK)
        fail_msg("account: %s %s", err.code, err.message);
    const char *id = acct.id;
    struct res_cluster_op op = op_for(p, id, "data-dev");
    struct res_iam_role_spec admin = {
        .name = "unicron-admin",
        .trust_policy = uc_arena_printf(a, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
                                           "\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::%s:"
                                           "root\"},\"Action\":\"sts:AssumeRole\"}]}",
                                        id)};
    if (res_iam_role_ensure(op.s, &admin, &o, NULL, 0, NULL, &err) != UC_OK)
        fail_msg("admin role: %s %s", err.code, err.message);
    admin.name = "viewer";
    if (res_iam_role_ensure(op.s, &admin, &o, NULL, 0, NULL, &err) != UC_OK)
        fail_msg("viewer role: %s %s", err.code, err.message);

    /* create at 1.33 (extended support: a warning, not an error) */
    struct res_ctx ctx = ctx_for(a, &d, p, r);
    const char *j1 = uc_arena_printf(a, CFG("1.33", NG_GENERAL("1", "3", "[\"m6i.large\"]") ","
                                                    NG_SPOT),
                                     id, id);
    struct tf_value *cfg = decode(a, r, j1);
    struct tf_value *planned = plan(&ctx, r, NULL, cfg, &pr);
    assert_int_equal(d.count, 0);
    struct tf_value *created = r->create(&ctx, planned, cfg);
    if (errors(&d))
        fail_msg("create: %s", diag_text(a, &d));
    assert_non_null(created);
    if (!tf_value_is_wholly_known(created))
        fail_msg("create left unknowns: %s", tf_value_debug(a, created));
    assert_string_equal(tf_value_str(tf_value_attr(created, "status")), "ACTIVE");
    assert_string_equal(tf_value_str(tf_value_attr(created, "id")),
                        uc_arena_printf(a, "%s/data-dev", id));
    assert_non_null(strstr(tf_value_str(tf_value_attr(created, "oidc_provider_arn")),
                           ":oidc-provider/"));
    assert_non_null(tf_value_str(tf_value_attr(created, "cluster_security_group_id")));
    const char *kc = tf_value_str(tf_value_attr(created, "kubeconfig"));
    assert_non_null(strstr(kc, tf_value_str(tf_value_attr(created, "endpoint"))));
    assert_null(strstr(kc, "k8s-aws-v1"));
    assert_string_equal(tf_value_str(tf_value_attr(group(created, "spot"), "capacity_type")),
                        "SPOT");
    assert_string_equal(tf_value_str(tf_value_attr(group(created, "general"), "status")),
                        "ACTIVE");
    assert_string_equal(tf_value_str(tf_value_attr(group(created, "general"), "version")),
                        "1.33");
    /* the tenant's admin role got its access entry */
    const char *admin_arn = uc_arena_printf(a, "arn:aws:iam::%s:role/unicron-admin", id);
    json_t *pol = NULL;
    assert_int_equal(res_access_read(&op, admin_arn, &pol, &err), UC_OK);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(pol, 0), "policyArn")),
                           "AmazonEKSClusterAdminPolicy"));
    json_decref(pol);

    /* create again (an interrupted apply): adopted, still one cluster */
    ctx = ctx_for(a, &d, p, r);
    struct tf_value *again = r->create(&ctx, planned, cfg);
    if (errors(&d))
        fail_msg("second create: %s", diag_text(a, &d));
    assert_string_equal(tf_value_str(tf_value_attr(again, "arn")),
                        tf_value_str(tf_value_attr(created, "arn")));
    json_t *lc = eks(&op, &AWS_EKS_LIST_CLUSTERS, NULL, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(lc, "clusters")), 1);
    json_decref(lc);

    /* read: no drift; a plan with the same configuration changes nothing */
    ctx = ctx_for(a, &d, p, r);
    struct tf_value *read = r->read(&ctx, created);
    if (errors(&d))
        fail_msg("read: %s", diag_text(a, &d));
    if (!tf_value_equal(read, created))
        fail_msg("read differs:\n%s\n%s", tf_value_debug(a, read), tf_value_debug(a, created));
    struct tf_value *same = plan(&ctx, r, read, cfg, &pr);
    if (!tf_value_equal(same, read))
        fail_msg("no-op plan differs:\n%s\n%s", tf_value_debug(a, same), tf_value_debug(a, read));

    /* the version table agrees with what the emulator's DescribeClusterVersions says */
    for (size_t i = 0; i < res_eks_versions_count(); i++) {
        const struct res_eks_version *v = res_eks_version_at(i);
        struct res_eks_version_status vs;
        char ver[16];
        snprintf(ver, sizeof ver, "1.%d", v->minor);
        assert_int_equal(res_eks_describe_version(op.s, NULL, ver, &o, &vs, &err), UC_OK);
        if (!vs.listed || vs.end_standard != v->end_standard || vs.end_extended != v->end_extended)
            fail_msg("%s: emulator %s %lld %lld, table %lld %lld", ver, vs.status,
                     (long long)vs.end_standard, (long long)vs.end_extended,
                     (long long)v->end_standard, (long long)v->end_extended);
        assert_int_equal(vs.is_default, strcmp(ver, res_k8s_default_version()) == 0);
    }

    /* update: 1.33 -> 1.35, general's max 3 -> 5, spot's instance types changed */
    json_t *h0 = history(url, "kind=cluster");
    json_int_t since = json_integer_value(json_object_get(h0, "lastSeq"));
    json_decref(h0);
    ctx = ctx_for(a, &d, p, r);
    const char *j2 = uc_arena_printf(
        a,
        CFG("1.35", NG_GENERAL("1", "5", "[\"m6i.large\"]") ","
                    "{\"name\":\"spot\",\"min_size\":0,\"max_size\":3,\"capacity_type\":\"SPOT\","
                    "\"instance_types\":[\"m6i.large\",\"m5.large\"],\"taint\":[{\"key\":\"spot\","
                    "\"value\":\"true\",\"effect\":\"NO_SCHEDULE\"}]}"),
        id, id);
    struct tf_value *cfg2 = decode(a, r, j2);
    struct tf_value *planned2 = plan(&ctx, r, read, cfg2, &pr);
    if (errors(&d))
        fail_msg("plan 2: %s", diag_text(a, &d));
    assert_int_equal(pr.n_requires_replace, 0);
    const char *new_spot = tf_value_str(tf_value_attr(group(planned2, "spot"), "eks_name"));
    assert_non_null(new_spot);
    assert_true(strncmp(new_spot, "spot-", 5) == 0);
    struct tf_value *updated = r->update(&ctx, read, planned2, cfg2);
    if (errors(&d))
        fail_msg("update: %s", diag_text(a, &d));
    assert_string_equal(tf_value_str(tf_value_attr(updated, "kubernetes_version")), "1.35");
    assert_string_equal(tf_value_str(tf_value_attr(group(updated, "general"), "version")), "1.35");
    assert_string_equal(tf_value_str(tf_value_attr(group(updated, "spot"), "eks_name")), new_spot);
    int64_t max = 0;
    assert_int_equal(tf_value_get_int64(tf_value_attr(group(updated, "general"), "max_size"), &max),
                     UC_OK);
    assert_int_equal(max, 5);

    /* the order EKS recorded: cp 1.34, ngs 1.34, cp 1.35, ngs 1.35 */
    json_t *h = history(url, uc_arena_printf(a, "event=update_started&since=%lld",
                                             (long long)since));
    assert_non_null(h);
    const char *seq[16];
    size_t nseq = 0;
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(h, "events"), i, ev) {
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (type == NULL || strcmp(type, "VersionUpdate") != 0 || nseq >= 16)
            continue;
        const char *ver = json_string_value(
            json_object_get(json_array_get(json_object_get(ev, "params"), 0), "value"));
        seq[nseq++] = uc_arena_printf(a, "%s %s", json_string_value(json_object_get(ev, "kind")),
                                      ver ? ver : "?");
    }
    json_decref(h);
    const char *want[] = {"cluster 1.34", "nodegroup 1.34", "nodegroup 1.34", "cluster 1.35",
                          "nodegroup 1.35", "nodegroup 1.35"};
    assert_int_equal(nseq, 6);
    for (size_t k = 0; k < 6; k++)
        assert_string_equal(seq[k], want[k]);
    /* create-before-destroy: the new spot group ACTIVE before the old one's deletion started */
    h = history(url, uc_arena_printf(a, "kind=nodegroup&since=%lld", (long long)since));
    json_int_t active_new = 0, delete_old = 0;
    json_array_foreach(json_object_get(h, "events"), i, ev) {
        const char *name = json_string_value(json_object_get(ev, "name"));
        const char *event = json_string_value(json_object_get(ev, "event"));
        const char *status = json_string_value(json_object_get(ev, "status"));
        json_int_t s = json_integer_value(json_object_get(ev, "seq"));
        if (name && strcmp(name, new_spot) == 0 && status && strcmp(status, "ACTIVE") == 0 &&
            !active_new)
            active_new = s;
        if (name && strcmp(name, "spot") == 0 && event &&
            strcmp(event, "delete_requested") == 0 && !delete_old)
            delete_old = s;
    }
    json_decref(h);
    if (!(active_new > 0 && delete_old > active_new))
        fail_msg("new group ACTIVE at %lld, old deleted at %lld", (long long)active_new,
                 (long long)delete_old);

    /* out of band: general deleted, the access entry removed */
    const char *l2[] = {"data-dev", "general"};
    json_decref(eks(&op, &AWS_EKS_DELETE_NODEGROUP, l2, 2, NULL));
    assert_int_equal(res_access_delete(&op, uc_arena_printf(a, "arn:aws:iam::%s:role/viewer", id),
                                       &err),
                     UC_OK);
    assert_string_equal(tf_value_str(tf_value_map_get(tf_value_attr(updated,
                                                                     "tenant_access_entries"),
                                                       "unicron-admin")),
                        "AmazonEKSClusterAdminPolicy");
    assert_int_equal(res_access_delete(&op, admin_arn, &err), UC_OK);
    ctx = ctx_for(a, &d, p, r);
    read = r->read(&ctx, updated);
    assert_int_equal(errors(&d), 0);
    assert_int_equal(tf_value_attr(read, "access_entry")->count, 0);
    assert_string_equal(tf_value_str(tf_value_map_get(tf_value_attr(read,
                                                                     "tenant_access_entries"),
                                                       "unicron-admin")),
                        "");
    /* DELETING or gone: either way the group is being removed; wait and read again */
    for (int k = 0; k < 200 && group(read, "general") != NULL; k++) {
        usleep(50000);
        ctx = ctx_for(a, &d, p, r);
        read = r->read(&ctx, updated);
    }
    assert_null(group(read, "general"));
    /* apply restores both */
    ctx = ctx_for(a, &d, p, r);
    planned2 = plan(&ctx, r, read, cfg2, &pr);
    updated = r->update(&ctx, read, planned2, cfg2);
    if (errors(&d))
        fail_msg("restore: %s", diag_text(a, &d));
    assert_non_null(group(updated, "general"));
    assert_int_equal(tf_value_attr(updated, "access_entry")->count, 1);
    assert_string_equal(tf_value_str(tf_value_map_get(tf_value_attr(updated,
                                                                     "tenant_access_entries"),
                                                       "unicron-admin")),
                        "AmazonEKSClusterAdminPolicy");

    /* scaling: min above the autoscaler's desired size moves desired into the range */
    ctx = ctx_for(a, &d, p, r);
    const char *j3 = uc_arena_printf(
        a,
        CFG("1.35", NG_GENERAL("2", "5", "[\"m6i.large\"]") ","
                    "{\"name\":\"spot\",\"min_size\":0,\"max_size\":3,\"capacity_type\":\"SPOT\","
                    "\"instance_types\":[\"m6i.large\",\"m5.large\"],\"taint\":[{\"key\":\"spot\","
                    "\"value\":\"true\",\"effect\":\"NO_SCHEDULE\"}]}"),
        id, id);
    struct tf_value *cfg3 = decode(a, r, j3);
    struct tf_value *planned3 = plan(&ctx, r, updated, cfg3, &pr);
    updated = r->update(&ctx, updated, planned3, cfg3);
    if (errors(&d))
        fail_msg("scaling: %s", diag_text(a, &d));
    const char *l3[] = {"data-dev", "general"};
    json_t *ngj = eks(&op, &AWS_EKS_DESCRIBE_NODEGROUP, l3, 2, NULL);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(ngj, "nodegroup"), "scalingConfig"),
                         "desiredSize")),
                     2);
    json_decref(ngj);
    cfg2 = cfg3;

    /* the autoscaler scales general to 3: never drift, not even after an import */
    json_t *sc = json_pack("{s:{s:i}}", "scalingConfig", "desiredSize", 3), *uo = NULL;
    const char *lg[] = {"data-dev", "general"};
    if (aws_rest_call(op.s, AWS_SVC_EKS, &AWS_EKS_UPDATE_NODEGROUP_CONFIG, lg, 2, NULL, sc, &o,
                      &uo, &err) != UC_OK ||
        res_cluster_wait_update(&op, "general", uo, &err) != UC_OK)
        fail_msg("scale: %s %s", err.code, err.message);
    json_decref(sc);
    json_decref(uo);
    ctx = ctx_for(a, &d, p, r);
    read = r->read(&ctx, updated);
    if (!tf_value_equal(plan(&ctx, r, read, cfg2, &pr), read))
        fail_msg("a scaled group plans a change");

    /* import, then the configuration plans no change */
    ctx = ctx_for(a, &d, p, r);
    struct tf_value *imported = r->import(&ctx, uc_arena_printf(a, "%s/data-dev", id));
    if (errors(&d) || imported == NULL)
        fail_msg("import: %s", diag_text(a, &d));
    struct tf_value *iplan = plan(&ctx, r, imported, cfg2, &pr);
    if (!tf_value_equal(iplan, imported))
        fail_msg("plan after import differs:\n%s\n%s", tf_value_debug(a, iplan),
                 tf_value_debug(a, imported));

    /* delete: nothing left */
    ctx = ctx_for(a, &d, p, r);
    if (!r->delete(&ctx, updated))
        fail_msg("delete: %s", diag_text(a, &d));
    json_t *c = NULL;
    assert_int_equal(res_cluster_describe(&op, &c, &err), UC_OK);
    assert_null(c);
    bool exists = true;
    assert_int_equal(res_cluster_oidc_exists(&op, tf_value_str(tf_value_attr(updated,
                                                                             "oidc_issuer_url")),
                                             &exists, &err),
                     UC_OK);
    assert_false(exists);
    struct res_iam_role_state rs;
    res_iam_role_state_init(&rs);
    assert_int_equal(res_iam_role_read(op.s, "unicron-data-dev-node", &o, &rs, &err), UC_OK);
    assert_false(rs.exists);
    res_iam_role_state_release(&rs);
    ctx = ctx_for(a, &d, p, r);
    read = r->read(&ctx, updated);
    assert_true(tf_value_is_null(read));

    res_provider_free(p);
    uc_arena_free(a);
    stop_localaws();
}

/* The tags (object) EKS holds on arn. */
static json_t *eks_tags(struct res_cluster_op *op, const char *arn)
{
    json_t *out = eks(op, &AWS_EKS_LIST_TAGS_FOR_RESOURCE, &arn, 1, NULL);
    json_t *t = json_incref(json_object_get(out, "tags"));
    json_decref(out);
    assert_non_null(t);
    return t;
}

static void assert_tag(const json_t *tags, const char *key, const char *want)
{
    const char *have = json_string_value(json_object_get(tags, key));
    if (want == NULL && have != NULL)
        fail_msg("tag %s = \"%s\" should be gone", key, have);
    if (want != NULL && (have == NULL || strcmp(have, want) != 0))
        fail_msg("tag %s = \"%s\", want \"%s\"", key, have ? have : "(none)", want);
}

static const char *map_str(const struct tf_value *m, const char *key)
{
    return tf_value_str(tf_value_map_get(m, key));
}

#define TAGS_CFG(tags)                                                                        \
    "{\"account_id\":\"%s\",\"name\":\"tagged\",\"kubernetes_version\":\"1.35\","              \
    "\"subnet_ids\":[\"subnet-0123abcd\",\"subnet-4567cdef\"],\"tags\":" tags ","             \
    "\"access_entry\":[],\"node_group\":[{\"name\":\"general\",\"min_size\":1,"               \
    "\"max_size\":2,\"taint\":[]}]}"

/* A node group's tags changed out of band are drift (its tags_all) and apply puts them back;
 * tags ignore_tags names are neither drift nor removed, on node groups and on the cluster's IAM
 * roles; a key removed from tags leaves the roles too. A state written before node groups had
 * tags_all loads (null) and read fills it. */
static void test_node_group_and_role_tags_against_localaws(void **state)
{
    (void)state;
    char url[256];
    if (!start_localaws(url, sizeof url)) {
        stop_localaws();
        skip();
    }
    struct uc_arena *a = uc_arena_new();
    struct res_provider *p =
        provider_for(a, url, ",\"ignore_tags\":{\"key_prefixes\":[\"scanner:\"]}");
    const struct res_resource *r = res_registry_find("unicron_cluster");
    struct tf_diags d;
    struct tf_plan_result pr;
    struct aws_error err;
    assert_non_null(p);
    struct aws_call_opts o = {.deadline_ms = uc_clock_monotonic_ms() + 120000};
    struct res_org_account_result acct;
    struct res_org_account_spec spec = {"tags@example.com", "tags",
                                        "OrganizationAccountAccessRole", NULL};
    if (res_org_ensure_account(aws_client_session(p->client), &spec, &o, &acct, &err) != UC_OK)
        fail_msg("account: %s %s", err.code, err.message);
    const char *id = acct.id;
    struct res_cluster_op op = op_for(p, id, "tagged");

    struct res_ctx ctx = ctx_for(a, &d, p, r);
    struct tf_value *cfg = decode(a, r, uc_arena_printf(a, TAGS_CFG("{\"team\":\"data\"}"), id));
    struct tf_value *planned = plan(&ctx, r, NULL, cfg, &pr);
    const struct tf_value *want = tf_value_attr(planned, "tags_all");
    assert_true(tf_value_equal(tf_value_attr(group(planned, "general"), "tags_all"), want));
    struct tf_value *created = r->create(&ctx, planned, cfg);
    if (errors(&d) || created == NULL)
        fail_msg("create: %s", diag_text(a, &d));
    /* the group's tags_all is the cluster's: no bookkeeping tags in it */
    const struct tf_value *gta = tf_value_attr(group(created, "general"), "tags_all");
    if (!tf_value_equal(gta, want))
        fail_msg("node group tags_all %s, want %s", tf_value_debug(a, gta),
                 tf_value_debug(a, want));
    const char *ngarn = tf_value_str(tf_value_attr(group(created, "general"), "arn"));
    assert_non_null(ngarn);

    /* out of band on the node group: a value changed, a key removed, a foreign and an ignored
     * tag added */
    json_t *add = json_pack("{s:{s:s,s:s,s:s}}", "tags", "team", "changed", "foreign", "x",
                            "scanner:seen", "2026-12-03");
    json_t *q = json_pack("{s:[s]}", "tagKeys", "managed-by");
    if (aws_rest_call(op.s, AWS_SVC_EKS, &AWS_EKS_TAG_RESOURCE, &ngarn, 1, NULL, add, &o, NULL,
                      &err) != UC_OK ||
        aws_rest_call(op.s, AWS_SVC_EKS, &AWS_EKS_UNTAG_RESOURCE, &ngarn, 1, q, NULL, &o, NULL,
                      &err) != UC_OK)
        fail_msg("out-of-band tags: %s %s", err.code, err.message);
    json_decref(add);
    json_decref(q);
    ctx = ctx_for(a, &d, p, r);
    struct tf_value *read = r->read(&ctx, created);
    if (errors(&d))
        fail_msg("read: %s", diag_text(a, &d));
    gta = tf_value_attr(group(read, "general"), "tags_all");
    assert_string_equal(map_str(gta, "team"), "changed");
    assert_string_equal(map_str(gta, "foreign"), "x");
    assert_null(map_str(gta, "managed-by"));
    assert_null(map_str(gta, "scanner:seen"));
    assert_null(map_str(gta, "unicron:desired-size"));
    assert_null(map_str(gta, "unicron:node-group"));
    assert_true(tf_value_equal(tf_value_attr(read, "tags_all"), want)); /* cluster untouched */
    /* the plan puts the cluster's tags_all back on the group; apply does */
    struct tf_value *fix = plan(&ctx, r, read, cfg, &pr);
    assert_false(tf_value_equal(fix, read));
    assert_true(tf_value_equal(tf_value_attr(group(fix, "general"), "tags_all"), want));
    struct tf_value *updated = r->update(&ctx, read, fix, cfg);
    if (errors(&d) || updated == NULL)
        fail_msg("update: %s", diag_text(a, &d));
    assert_true(tf_value_equal(tf_value_attr(group(updated, "general"), "tags_all"), want));
    json_t *t = eks_tags(&op, ngarn);
    assert_tag(t, "team", "data");
    assert_tag(t, "managed-by", "terraform");
    assert_tag(t, "foreign", NULL);
    assert_tag(t, "scanner:seen", "2026-12-03"); /* someone else's: kept */
    assert_tag(t, "unicron:node-group", "general");
    assert_tag(t, "unicron:desired-size", "1");
    json_decref(t);
    ctx = ctx_for(a, &d, p, r);
    read = r->read(&ctx, updated);
    if (!tf_value_equal(plan(&ctx, r, read, cfg, &pr), read))
        fail_msg("a restored node group plans a change");

    /* the roles: an ignored and a foreign tag stay; a key taken out of tags leaves */
    char rname[96];
    res_cluster_role_name("tagged", false, rname, sizeof rname);
    json_t *in = json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s}]}", "RoleName", rname, "Tags", "Key",
                           "scanner:seen", "Value", "2026-12-03", "Key", "other", "Value", "z");
    if (aws_query_call(op.s, AWS_SVC_IAM, "TagRole", in, &o, NULL, &err) != UC_OK)
        fail_msg("TagRole: %s %s", err.code, err.message);
    json_decref(in);
    ctx = ctx_for(a, &d, p, r);
    read = r->read(&ctx, updated);
    if (!tf_value_equal(plan(&ctx, r, read, cfg, &pr), read))
        fail_msg("tags added to a role plan a change");
    struct tf_value *cfg2 = decode(a, r, uc_arena_printf(a, TAGS_CFG("{\"budget\":\"q4\"}"), id));
    struct tf_value *planned2 = plan(&ctx, r, read, cfg2, &pr);
    updated = r->update(&ctx, read, planned2, cfg2);
    if (errors(&d) || updated == NULL)
        fail_msg("tags update: %s", diag_text(a, &d));
    for (int node = 0; node < 2; node++) {
        struct res_iam_role_state rs;
        res_iam_role_state_init(&rs);
        res_cluster_role_name("tagged", node, rname, sizeof rname);
        assert_int_equal(res_iam_role_read(op.s, rname, &o, &rs, &err), UC_OK);
        assert_true(rs.exists);
        assert_tag(rs.tags, "budget", "q4");
        assert_tag(rs.tags, "team", NULL);
        assert_tag(rs.tags, "managed-by", "terraform");
        assert_tag(rs.tags, "unicron:cluster", "tagged");
        assert_tag(rs.tags, "scanner:seen", node ? NULL : "2026-12-03");
        assert_tag(rs.tags, "other", node ? NULL : "z");
        res_iam_role_state_release(&rs);
    }
    t = eks_tags(&op, ngarn);
    assert_tag(t, "budget", "q4");
    assert_tag(t, "team", NULL);
    assert_tag(t, "scanner:seen", "2026-12-03");
    json_decref(t);

    /* a state from before node groups had tags_all: loads with null, read fills it */
    struct uc_buf b;
    uc_buf_init(&b);
    assert_int_equal(tf_json_encode(updated, res_registry_type(r), &b), UC_OK);
    json_t *doc = json_loads(uc_buf_str(&b), 0, NULL);
    uc_buf_release(&b);
    assert_non_null(doc);
    json_object_del(json_array_get(json_object_get(doc, "node_group"), 0), "tags_all");
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    struct tf_value *old = decode(a, r, text);
    free(text);
    assert_true(tf_value_is_null(tf_value_attr(group(old, "general"), "tags_all")));
    ctx = ctx_for(a, &d, p, r);
    read = r->read(&ctx, old);
    if (errors(&d) || !tf_value_equal(read, updated))
        fail_msg("read of an old state: %s\n%s\n%s", diag_text(a, &d), tf_value_debug(a, read),
                 tf_value_debug(a, updated));

    ctx = ctx_for(a, &d, p, r);
    if (!r->delete(&ctx, updated))
        fail_msg("delete: %s", diag_text(a, &d));
    res_provider_free(p);
    uc_arena_free(a);
    stop_localaws();
}

static int setup(void **state)
{
    (void)state;
    res_eks_set_today("2026-12-03");
    return res_registry_init() == UC_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kubeconfig_has_no_secret),
        cmocka_unit_test(test_version_policy),
        cmocka_unit_test(test_plan_tags_all_and_ignore_tags),
        cmocka_unit_test(test_lifecycle_against_localaws),
        cmocka_unit_test(test_node_group_and_role_tags_against_localaws),
    };
    int rc = cmocka_run_group_tests(tests, setup, NULL);
    stop_localaws();
    return rc;
}
