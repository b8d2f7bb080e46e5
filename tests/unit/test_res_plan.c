/* test_res_plan.c - the resources' plan hooks through res_resource_plan(): environment blocks
 * matched by name (a reorder keeps account ids), e-mail from the template and the e-mail-change
 * error, tags_all from provider default_tags, node-group defaults, the Kubernetes downgrade
 * error, add-on kind / version / semantic JSON. Plans must be deterministic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "res_provider.h"
#include "res_registry.h"
#include "tf_json.h"

struct fixture {
    struct uc_arena *a;
    struct tf_diags d;
    struct res_provider *provider;
};

static int setup(void **state)
{
    static struct fixture f;
    if (res_registry_init() != UC_OK)
        return -1;
    f.a = uc_arena_new();
    tf_diags_init(&f.d, f.a);
    const char *json = "{\"default_tags\":{\"managed-by\":\"terraform\",\"team\":\"platform\"}}";
    struct tf_value *cfg = NULL;
    if (tf_json_decode(f.a, json, strlen(json), res_registry_provider_type(), &cfg, NULL) != UC_OK)
        return -1;
    f.provider = res_provider_new(cfg, NULL, &f.d);
    *state = &f;
    return f.provider ? 0 : -1;
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

/* Plans config against prior (NULL = create) with the fixture's provider. */
static struct tf_value *plan(struct fixture *f, const char *type, const struct tf_value *prior,
                             const struct tf_value *config, struct tf_plan_result *res,
                             struct tf_diags *d)
{
    const struct res_resource *r = res_registry_find(type);
    tf_diags_init(d, f->a);
    struct res_ctx ctx = {.arena = f->a, .diags = d, .provider = f->provider,
                          .type = res_registry_type(r)};
    struct tf_plan_request req = {.block = r->schema->block, .type = res_registry_type(r),
                                  .prior = prior, .proposed = config, .config = config};
    assert_int_equal(res_resource_plan(&ctx, r, &req, res), UC_OK);
    return res->planned;
}

static const char *str_at(const struct tf_value *obj, const char *block, size_t i,
                          const char *attr)
{
    const struct tf_value *list = tf_value_attr(obj, block);
    assert_non_null(list);
    assert_true(i < list->count);
    return tf_value_str(tf_value_attr(list->elems[i], attr));
}

static const char *diag_text(struct uc_arena *a, const struct tf_diags *d)
{
    const char *out = "";
    for (size_t i = 0; i < d->count; i++)
        out = uc_arena_printf(a, "%s%s: %s\n", out, d->items[i].summary, d->items[i].detail);
    return out;
}

static const char *path_text(const struct tf_diag *dg)
{
    static char buf[128];
    struct uc_buf b;
    uc_buf_init(&b);
    tf_path_format(&dg->path, &b);
    snprintf(buf, sizeof buf, "%s", uc_buf_str(&b));
    uc_buf_release(&b);
    return buf;
}

#define TENANT_CONFIG(envs, extra)                                                             \
    "{\"name\":\"data\",\"email_template\":\"aws+{tenant}-{environment}@example.com\","        \
    "\"tags\":{\"team\":\"data\"},\"cost_center\":\"CC-7\",\"access\":[],"                    \
    "\"environment\":[" envs "]" extra "}"

#define TENANT_STATE(envs)                                                                     \
    "{\"id\":\"data\",\"name\":\"data\",\"email_template\":"                                   \
    "\"aws+{tenant}-{environment}@example.com\",\"tags\":{\"team\":\"data\"},"                 \
    "\"cost_center\":\"CC-7\",\"close_on_deletion\":false,\"access\":[],"                     \
    "\"tags_all\":{\"managed-by\":\"terraform\",\"team\":\"data\",\"unicron:cost-center\":"  \
    "\"CC-7\",\"unicron:tenant\":\"data\"},"                                                   \
    "\"account_ids\":{\"dev\":\"111111111111\",\"prod\":\"222222222222\"},"                   \
    "\"environment\":[" envs "]}"

#define DEV_STATE                                                                              \
    "{\"name\":\"dev\",\"email\":\"aws+data-dev@example.com\",\"tier\":\"standard\","         \
    "\"account_id\":\"111111111111\",\"account_arn\":\"arn:dev\",\"state\":\"ACTIVE\","        \
    "\"access_role_arn\":\"arn:role-dev\"}"
#define PROD_STATE                                                                             \
    "{\"name\":\"prod\",\"email\":\"aws+data-prod@example.com\",\"tier\":\"critical\","       \
    "\"account_id\":\"222222222222\",\"account_arn\":\"arn:prod\",\"state\":\"ACTIVE\","      \
    "\"access_role_arn\":\"arn:role-prod\"}"

static void test_tenant_create(void **state)
{
    struct fixture *f = *state;
    const struct res_resource *r = res_registry_find("unicron_tenant");
    struct tf_value *cfg = decode(f->a, r, TENANT_CONFIG(
        "{\"name\":\"dev\"},{\"name\":\"prod\",\"email\":\"prod-root@example.com\"}", ""));
    struct tf_plan_result res;
    struct tf_diags d;
    struct tf_value *p = plan(f, "unicron_tenant", NULL, cfg, &res, &d);
    assert_int_equal(d.count, 0);
    assert_string_equal(str_at(p, "environment", 0, "email"), "aws+data-dev@example.com");
    assert_string_equal(str_at(p, "environment", 1, "email"), "prod-root@example.com");
    assert_string_equal(str_at(p, "environment", 0, "tier"), "standard");
    assert_true(tf_value_is_unknown(tf_value_attr(tf_value_attr(p, "environment")->elems[0],
                                                  "account_id")));
    assert_true(tf_value_is_unknown(tf_value_attr(p, "account_ids")));
    assert_true(tf_value_is_unknown(tf_value_attr(p, "id")));
    assert_false(tf_value_attr(p, "close_on_deletion")->b);
    /* tags_all: default_tags < tags < unicron:* */
    const struct tf_value *all = tf_value_attr(p, "tags_all");
    assert_true(tf_value_is_wholly_known(all));
    assert_int_equal(all->count, 4);
    assert_string_equal(tf_value_str(tf_value_map_get(all, "team")), "data");
    assert_string_equal(tf_value_str(tf_value_map_get(all, "managed-by")), "terraform");
    assert_string_equal(tf_value_str(tf_value_map_get(all, "unicron:tenant")), "data");
    assert_string_equal(tf_value_str(tf_value_map_get(all, "unicron:cost-center")), "CC-7");
    assert_null(tf_value_map_get(all, "unicron:owner"));

    /* deterministic: the same request plans the same value */
    struct tf_plan_result res2;
    struct tf_value *p2 = plan(f, "unicron_tenant", NULL, cfg, &res2, &d);
    assert_true(tf_value_equal(p, p2));

    /* unknown inputs make the derived values unknown, never wrong */
    struct tf_value *cfg_unknown = tf_value_with_attr(f->a, cfg, "name",
                                                      tf_value_unknown(f->a, &tf_type_string));
    p = plan(f, "unicron_tenant", NULL, cfg_unknown, &res, &d);
    assert_int_equal(d.count, 0);
    assert_true(tf_value_is_unknown(tf_value_attr(p, "tags_all")));
    assert_true(tf_value_is_unknown(tf_value_attr(tf_value_attr(p, "environment")->elems[0],
                                                  "email")));
    assert_string_equal(str_at(p, "environment", 1, "email"), "prod-root@example.com");
    struct tf_value *cfg_tags = tf_value_with_attr(f->a, cfg, "tags",
                                                   tf_value_unknown(f->a, &tf_type_map_string));
    p = plan(f, "unicron_tenant", NULL, cfg_tags, &res, &d);
    assert_true(tf_value_is_unknown(tf_value_attr(p, "tags_all")));
}

static void test_tenant_noop_and_reorder(void **state)
{
    struct fixture *f = *state;
    const struct res_resource *r = res_registry_find("unicron_tenant");
    struct tf_value *prior = decode(f->a, r, TENANT_STATE(DEV_STATE "," PROD_STATE));
    struct tf_plan_result res;
    struct tf_diags d;

    /* no change: the plan is the prior state */
    struct tf_value *cfg = decode(f->a, r, TENANT_CONFIG(
        "{\"name\":\"dev\"},{\"name\":\"prod\",\"tier\":\"critical\"}", ""));
    struct tf_value *p = plan(f, "unicron_tenant", prior, cfg, &res, &d);
    assert_int_equal(d.count, 0);
    assert_int_equal(res.n_requires_replace, 0);
    if (!tf_value_equal(p, prior))
        fail_msg("no-op plan differs:\n%s\n%s", tf_value_debug(f->a, p),
                 tf_value_debug(f->a, prior));

    /* reorder: prod first; every environment keeps its account */
    cfg = decode(f->a, r, TENANT_CONFIG(
        "{\"name\":\"prod\",\"tier\":\"critical\"},{\"name\":\"dev\"}", ""));
    p = plan(f, "unicron_tenant", prior, cfg, &res, &d);
    assert_int_equal(d.count, 0);
    assert_int_equal(res.n_requires_replace, 0);
    assert_string_equal(str_at(p, "environment", 0, "name"), "prod");
    assert_string_equal(str_at(p, "environment", 0, "account_id"), "222222222222");
    assert_string_equal(str_at(p, "environment", 0, "email"), "aws+data-prod@example.com");
    assert_string_equal(str_at(p, "environment", 1, "account_id"), "111111111111");
    assert_string_equal(str_at(p, "environment", 1, "access_role_arn"), "arn:role-dev");
    assert_true(tf_value_equal(tf_value_attr(p, "account_ids"),
                               tf_value_attr(prior, "account_ids")));

    /* adding staging: its account is unknown, so account_ids is unknown; others keep theirs */
    cfg = decode(f->a, r, TENANT_CONFIG(
        "{\"name\":\"dev\"},{\"name\":\"staging\"},{\"name\":\"prod\",\"tier\":\"critical\"}",
        ""));
    p = plan(f, "unicron_tenant", prior, cfg, &res, &d);
    assert_int_equal(d.count, 0);
    assert_string_equal(str_at(p, "environment", 2, "account_id"), "222222222222");
    assert_true(tf_value_is_unknown(tf_value_attr(tf_value_attr(p, "environment")->elems[1],
                                                  "account_id")));
    assert_string_equal(str_at(p, "environment", 1, "email"), "aws+data-staging@example.com");
    assert_true(tf_value_is_unknown(tf_value_attr(p, "account_ids")));

    /* removing prod: account_ids shrinks and stays known */
    cfg = decode(f->a, r, TENANT_CONFIG("{\"name\":\"dev\"}", ""));
    p = plan(f, "unicron_tenant", prior, cfg, &res, &d);
    assert_int_equal(d.count, 0);
    assert_int_equal(tf_value_attr(p, "account_ids")->count, 1);
}

static void test_tenant_email_change_is_an_error(void **state)
{
    struct fixture *f = *state;
    const struct res_resource *r = res_registry_find("unicron_tenant");
    struct tf_value *prior = decode(f->a, r, TENANT_STATE(DEV_STATE "," PROD_STATE));
    struct tf_plan_result res;
    struct tf_diags d;

    /* explicit e-mail on an existing account */
    struct tf_value *cfg = decode(f->a, r, TENANT_CONFIG(
        "{\"name\":\"dev\"},{\"name\":\"prod\",\"tier\":\"critical\","
        "\"email\":\"new-prod@example.com\"}",
        ""));
    plan(f, "unicron_tenant", prior, cfg, &res, &d);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].summary, "Account e-mail cannot be changed");
    assert_string_equal(path_text(&d.items[0]), "environment[1].email");
    assert_non_null(strstr(d.items[0].detail, "222222222222"));
    assert_int_equal(res.n_requires_replace, 0); /* never a replacement */

    /* a template change reaches every existing account; reordered, the path follows config */
    const char *tmpl_cfg =
        "{\"name\":\"data\",\"email_template\":\"ops+{tenant}-{environment}@example.com\","
        "\"tags\":{\"team\":\"data\"},\"cost_center\":\"CC-7\",\"access\":[],"
        "\"environment\":[{\"name\":\"prod\",\"tier\":\"critical\"},{\"name\":\"dev\"},"
        "{\"name\":\"staging\"}]}";
    plan(f, "unicron_tenant", prior, decode(f->a, r, tmpl_cfg), &res, &d);
    assert_int_equal(d.count, 2);
    assert_string_equal(path_text(&d.items[0]), "environment[0].email");
    assert_string_equal(path_text(&d.items[1]), "environment[1].email");
    assert_non_null(strstr(diag_text(f->a, &d), "ops+data-dev@example.com"));

    /* a tenant rename replaces the tenant: new accounts, no e-mail error */
    const char *renamed =
        "{\"name\":\"data2\",\"email_template\":\"aws+{tenant}-{environment}@example.com\","
        "\"access\":[],\"environment\":[{\"name\":\"dev\"}]}";
    struct tf_value *p = plan(f, "unicron_tenant", prior, decode(f->a, r, renamed), &res, &d);
    assert_int_equal(d.count, 0);
    assert_int_equal(res.n_requires_replace, 1);
    assert_string_equal(res.requires_replace[0].steps[0].name, "name");
    assert_true(tf_value_is_unknown(tf_value_attr(p, "account_ids")));
}

#define CLUSTER_CONFIG(version, tier, groups)                                                  \
    "{\"account_id\":\"111111111111\",\"name\":\"data-dev\",\"kubernetes_version\":" version   \
    ",\"tier\":" tier ",\"subnet_ids\":[\"subnet-0123abcd\","                               \
    "\"subnet-4567cdef\"],\"node_group\":[" groups "]}"

static void test_cluster_create(void **state)
{
    struct fixture *f = *state;
    const struct res_resource *r = res_registry_find("unicron_cluster");
    struct tf_value *cfg = decode(f->a, r, CLUSTER_CONFIG(
        "null", "\"economy\"",
        "{\"name\":\"general\",\"min_size\":0,\"max_size\":4,\"taint\":[]},"
        "{\"name\":\"batch\",\"min_size\":2,\"max_size\":8,\"capacity_type\":\"ON_DEMAND\","
        "\"taint\":[]}"));
    struct tf_plan_result res;
    struct tf_diags d;
    struct tf_value *p = plan(f, "unicron_cluster", NULL, cfg, &res, &d);
    assert_int_equal(d.count, 0);
    assert_string_equal(tf_value_str(tf_value_attr(p, "kubernetes_version")), "1.35");
    assert_string_equal(str_at(p, "node_group", 0, "capacity_type"), "SPOT");
    assert_string_equal(str_at(p, "node_group", 1, "capacity_type"), "ON_DEMAND");
    int64_t n = 0;
    assert_int_equal(tf_value_get_int64(tf_value_attr(tf_value_attr(p, "node_group")->elems[0],
                                                      "desired_size"), &n), UC_OK);
    assert_int_equal(n, 1); /* min 0: start with one node */
    assert_int_equal(tf_value_get_int64(tf_value_attr(tf_value_attr(p, "node_group")->elems[1],
                                                      "desired_size"), &n), UC_OK);
    assert_int_equal(n, 2);
    assert_true(tf_value_is_unknown(tf_value_attr(p, "endpoint")));
    assert_true(tf_value_is_unknown(tf_value_attr(p, "id")));
    assert_string_equal(tf_value_str(tf_value_map_get(tf_value_attr(p, "tags_all"),
                                                      "unicron:tier")), "economy");
    assert_string_equal(tf_value_str(tf_value_map_get(tf_value_attr(p, "tags_all"),
                                                      "unicron:cluster")), "data-dev");

    /* the account id flows in unknown from the tenant: planning still works */
    struct tf_value *cfg_u = tf_value_with_attr(f->a, cfg, "account_id",
                                                tf_value_unknown(f->a, &tf_type_string));
    p = plan(f, "unicron_cluster", NULL, cfg_u, &res, &d);
    assert_int_equal(d.count, 0);
    assert_true(tf_value_is_unknown(tf_value_attr(p, "account_id")));
}

#define CLUSTER_STATE(version)                                                                 \
    "{\"id\":\"111111111111/data-dev\",\"account_id\":\"111111111111\",\"name\":\"data-dev\","  \
    "\"kubernetes_version\":" version ",\"tier\":\"standard\","                                \
    "\"subnet_ids\":[\"subnet-0123abcd\",\"subnet-4567cdef\"],"                               \
    "\"endpoint_private_access\":false,"                                                     \
    "\"endpoint_public_access\":true,\"public_access_cidrs\":[\"0.0.0.0/0\"],"                 \
    "\"tags_all\":{\"managed-by\":\"terraform\",\"team\":\"platform\",\"unicron:cluster\":"   \
    "\"data-dev\",\"unicron:tier\":\"standard\"},\"arn\":\"arn:c\",\"endpoint\":\"https://e\"," \
    "\"certificate_authority_data\":\"Q0E=\",\"oidc_issuer_url\":\"https://oidc\","           \
    "\"platform_version\":\"eks.3\",\"status\":\"ACTIVE\",\"cluster_role_arn\":\"arn:cr\","    \
    "\"node_role_arn\":\"arn:nr\",\"node_group\":[{\"name\":\"general\","                      \
    "\"instance_types\":[\"m6i.large\"],\"capacity_type\":\"ON_DEMAND\",\"min_size\":1,"       \
    "\"max_size\":4,\"desired_size\":3,\"disk_size\":20,\"ami_type\":"                         \
    "\"AL2023_x86_64_STANDARD\",\"arn\":\"arn:ng\",\"status\":\"ACTIVE\",\"eks_name\":"          \
    "\"general\",\"version\":" version ",\"taint\":[],\"tags_all\":{\"managed-by\":"      \
    "\"terraform\",\"team\":\"platform\",\"unicron:cluster\":\"data-dev\",\"unicron:tier\":" \
    "\"standard\"}}]}"

static void test_cluster_upgrade_and_downgrade(void **state)
{
    struct fixture *f = *state;
    const struct res_resource *r = res_registry_find("unicron_cluster");
    struct tf_value *prior = decode(f->a, r, CLUSTER_STATE("\"1.34\""));
    struct tf_plan_result res;
    struct tf_diags d;
    const char *group = "{\"name\":\"general\",\"min_size\":1,\"max_size\":4,\"taint\":[]}";
    char json[2048];

    /* no change */
    snprintf(json, sizeof json, CLUSTER_CONFIG("\"1.34\"", "null", "%s"), group);
    struct tf_value *p = plan(f, "unicron_cluster", prior, decode(f->a, r, json), &res, &d);
    assert_int_equal(d.count, 0);
    if (!tf_value_equal(p, prior))
        fail_msg("no-op cluster plan differs:\n%s", tf_value_debug(f->a, p));

    /* upgrade: version-derived values become unknown, desired_size stays 3 */
    snprintf(json, sizeof json, CLUSTER_CONFIG("\"1.35\"", "null", "%s"), group);
    p = plan(f, "unicron_cluster", prior, decode(f->a, r, json), &res, &d);
    assert_int_equal(d.count, 0);
    assert_int_equal(res.n_requires_replace, 0);
    assert_true(tf_value_is_unknown(tf_value_attr(p, "platform_version")));
    assert_string_equal(tf_value_str(tf_value_attr(p, "endpoint")), "https://e");
    assert_true(tf_value_is_unknown(tf_value_attr(tf_value_attr(p, "node_group")->elems[0],
                                                  "version")));
    assert_string_equal(str_at(p, "node_group", 0, "arn"), "arn:ng");
    int64_t n = 0;
    tf_value_get_int64(tf_value_attr(tf_value_attr(p, "node_group")->elems[0], "desired_size"),
                       &n);
    assert_int_equal(n, 3);

    /* downgrade: an error on kubernetes_version */
    snprintf(json, sizeof json, CLUSTER_CONFIG("\"1.33\"", "null", "%s"), group);
    plan(f, "unicron_cluster", prior, decode(f->a, r, json), &res, &d);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].summary, "Kubernetes cannot be downgraded");
    assert_string_equal(path_text(&d.items[0]), "kubernetes_version");
    assert_non_null(strstr(d.items[0].detail, "1.34"));

    /* tier economy: the group's capacity type changes, so EKS makes a new group (new ARN) */
    snprintf(json, sizeof json, CLUSTER_CONFIG("\"1.34\"", "\"economy\"", "%s"), group);
    p = plan(f, "unicron_cluster", prior, decode(f->a, r, json), &res, &d);
    assert_int_equal(d.count, 0);
    assert_string_equal(str_at(p, "node_group", 0, "capacity_type"), "SPOT");
    assert_true(tf_value_is_unknown(tf_value_attr(tf_value_attr(p, "node_group")->elems[0],
                                                  "arn")));

    /* a new cluster name replaces it: no downgrade error for the new cluster */
    snprintf(json, sizeof json,
             "{\"account_id\":\"111111111111\",\"name\":\"data-dev-2\","
             "\"kubernetes_version\":\"1.33\",\"subnet_ids\":[\"subnet-0123abcd\","
             "\"subnet-4567cdef\"],"
             "\"node_group\":[%s]}",
             group);
    plan(f, "unicron_cluster", prior, decode(f->a, r, json), &res, &d);
    assert_int_equal(d.count, 0);
    assert_int_equal(res.n_requires_replace, 1);
}

static void test_addon(void **state)
{
    struct fixture *f = *state;
    const struct res_resource *r = res_registry_find("unicron_addon");
    struct tf_plan_result res;
    struct tf_diags d;
    struct tf_value *p = plan(f, "unicron_addon", NULL, decode(f->a, r,
        "{\"cluster_id\":\"111111111111/data-dev\",\"name\":\"spark-operator\"}"), &res, &d);
    assert_int_equal(d.count, 0);
    assert_string_equal(tf_value_str(tf_value_attr(p, "kind")), "argocd");
    assert_string_equal(tf_value_str(tf_value_attr(p, "version")), "2.5.2");
    assert_string_equal(tf_value_str(tf_value_attr(p, "namespace")), "spark-operator");
    assert_true(tf_value_attr(p, "wait")->b);
    assert_true(tf_value_is_unknown(tf_value_attr(p, "status")));

    /* EKS add-on: version resolved at apply; cluster-autoscaler depends on the cluster minor */
    p = plan(f, "unicron_addon", NULL, decode(f->a, r,
        "{\"cluster_id\":\"111111111111/data-dev\",\"name\":\"coredns\"}"), &res, &d);
    assert_string_equal(tf_value_str(tf_value_attr(p, "kind")), "eks");
    assert_true(tf_value_is_unknown(tf_value_attr(p, "version")));
    p = plan(f, "unicron_addon", NULL, decode(f->a, r,
        "{\"cluster_id\":\"111111111111/data-dev\",\"name\":\"cluster-autoscaler\"}"), &res, &d);
    assert_true(tf_value_is_unknown(tf_value_attr(p, "version")));

    /* cluster_id unknown (flows from the cluster): still plans, kind known */
    struct tf_value *cfg = decode(f->a, r, "{\"name\":\"vpc-cni\"}");
    cfg = tf_value_with_attr(f->a, cfg, "cluster_id", tf_value_unknown(f->a, &tf_type_string));
    p = plan(f, "unicron_addon", NULL, cfg, &res, &d);
    assert_int_equal(d.count, 0);
    assert_string_equal(tf_value_str(tf_value_attr(p, "kind")), "eks");

    /* configuration compared semantically: reformatted JSON plans the prior text */
    const char *state_json =
        "{\"id\":\"111111111111/data-dev/vpc-cni\",\"cluster_id\":\"111111111111/data-dev\","
        "\"name\":\"vpc-cni\",\"version\":\"v1.19.0-eksbuild.1\",\"configuration\":"
        "\"{\\\"env\\\":{\\\"A\\\":\\\"1\\\",\\\"B\\\":\\\"2\\\"}}\",\"namespace\":"
        "\"kube-system\",\"wait\":true,\"kind\":\"eks\",\"status\":\"ACTIVE\",\"arn\":\"arn:a\"}";
    struct tf_value *prior = decode(f->a, r, state_json);
    const char *reformatted =
        "{\"cluster_id\":\"111111111111/data-dev\",\"name\":\"vpc-cni\",\"configuration\":"
        "\"{ \\\"env\\\": { \\\"B\\\": \\\"2\\\", \\\"A\\\": \\\"1\\\" } }\"}";
    p = plan(f, "unicron_addon", prior, decode(f->a, r, reformatted), &res, &d);
    assert_int_equal(d.count, 0);
    if (!tf_value_equal(p, prior))
        fail_msg("semantically equal configuration planned a change:\n%s",
                 tf_value_debug(f->a, p));
    const char *changed =
        "{\"cluster_id\":\"111111111111/data-dev\",\"name\":\"vpc-cni\",\"configuration\":"
        "\"{\\\"env\\\":{\\\"A\\\":\\\"3\\\"}}\"}";
    p = plan(f, "unicron_addon", prior, decode(f->a, r, changed), &res, &d);
    assert_true(tf_value_is_unknown(tf_value_attr(p, "status")));
    assert_string_equal(tf_value_str(tf_value_attr(p, "version")), "v1.19.0-eksbuild.1");
}

/* Without a configured provider (ctx->provider NULL) tags_all has only own and resource tags. */
static void test_no_provider(void **state)
{
    struct fixture *f = *state;
    const struct res_resource *r = res_registry_find("unicron_tenant");
    struct tf_value *cfg = decode(f->a, r, TENANT_CONFIG("{\"name\":\"dev\"}", ""));
    struct tf_diags d;
    tf_diags_init(&d, f->a);
    struct res_ctx ctx = {.arena = f->a, .diags = &d, .type = res_registry_type(r)};
    struct tf_plan_request req = {.block = r->schema->block, .type = res_registry_type(r),
                                  .prior = NULL, .proposed = cfg, .config = cfg};
    struct tf_plan_result res;
    assert_int_equal(res_resource_plan(&ctx, r, &req, &res), UC_OK);
    assert_int_equal(tf_value_attr(res.planned, "tags_all")->count, 3);
    assert_int_equal(res_resource_plan(NULL, r, &req, &res), UC_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tenant_create),
        cmocka_unit_test(test_tenant_noop_and_reorder),
        cmocka_unit_test(test_tenant_email_change_is_an_error),
        cmocka_unit_test(test_cluster_create),
        cmocka_unit_test(test_cluster_upgrade_and_downgrade),
        cmocka_unit_test(test_addon),
        cmocka_unit_test(test_no_provider),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
