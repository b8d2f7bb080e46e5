/* test_res_schema.c - the provider block and the three resource schemas: Terraform's load-time
 * rules (tf_block_check), attribute flags and nesting exactly as DESIGN.md §3, implied types,
 * and configuration validation (attribute validators + each resource's cross-attribute checks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "res_catalog.h"
#include "res_provider.h"
#include "res_registry.h"
#include "tf_json.h"

/* --- helpers ------------------------------------------------------------------------------ */

/* Finds "a.b.c" through nested blocks: the last step is an attribute or a block. */
static const struct tf_attr *find_attr(const struct tf_block *b, const char *dotted)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", dotted);
    char *save = NULL, *part = strtok_r(buf, ".", &save);
    while (part != NULL) {
        char *next = strtok_r(NULL, ".", &save);
        if (next == NULL)
            return tf_block_find_attr(b, part);
        const struct tf_block_type *bt = tf_block_find_block(b, part);
        if (bt == NULL)
            return NULL;
        b = bt->block;
        part = next;
    }
    return NULL;
}

static const struct tf_block *block_of(const char *type)
{
    const struct res_resource *r = res_registry_find(type);
    assert_non_null(r);
    return r->schema->block;
}

static int setup(void **state)
{
    (void)state;
    return res_registry_init() == UC_OK ? 0 : -1;
}

/* --- load-time rules and implied types ------------------------------------------------------ */

static void check_descriptions(const struct tf_block *b, const char *where)
{
    for (size_t i = 0; i < b->nattrs; i++)
        if (b->attrs[i].description == NULL || strlen(b->attrs[i].description) < 5)
            fail_msg("%s.%s has no description", where, b->attrs[i].name);
    for (size_t i = 0; i < b->nblocks; i++)
        check_descriptions(b->blocks[i].block, b->blocks[i].name);
}

static void test_schemas_pass_terraform_rules(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    assert_int_equal(res_registry_count(), 3);
    for (size_t i = 0; i < res_registry_count(); i++) {
        const struct res_resource *r = res_registry_at(i);
        const char *err = NULL;
        if (!tf_block_check(r->schema->block, &err, a))
            fail_msg("%s: %s", r->type_name, err ? err : "?");
        assert_int_equal(strncmp(r->type_name, "unicron_", 8), 0);
        assert_ptr_equal(res_registry_find(r->type_name), r);
        check_descriptions(r->schema->block, r->type_name);
        /* the implied type is the block's */
        const struct tf_type *t = res_registry_type(r);
        assert_non_null(t);
        assert_true(tf_type_equal(t, tf_block_type_of(a, r->schema->block)));
        assert_int_equal(t->count, r->schema->block->nattrs + r->schema->block->nblocks);
        /* unicron_tenant (issue 5), unicron_cluster (issue 9) and unicron_addon (issue 10)
         * apply for real: every function is there. */
        if (strcmp(r->type_name, "unicron_tenant") == 0 ||
            strcmp(r->type_name, "unicron_cluster") == 0 ||
            strcmp(r->type_name, "unicron_addon") == 0) {
            assert_non_null(r->create);
            assert_non_null(r->update);
            assert_non_null(r->delete);
            assert_non_null(r->read);
            assert_non_null(r->import);
            if (strcmp(r->type_name, "unicron_tenant") == 0)
                assert_non_null(r->plan_destroy);
        } else {
            assert_null(r->create);
            assert_null(r->update);
            assert_null(r->delete);
        }
    }
    const char *err = NULL;
    if (!tf_block_check(res_provider_schema.block, &err, a))
        fail_msg("provider: %s", err ? err : "?");
    check_descriptions(res_provider_schema.block, "provider");
    assert_non_null(res_registry_provider_type());
    assert_null(res_registry_find("unicron_nothing"));
    assert_null(res_registry_find(NULL));
    uc_arena_free(a);
}

static void test_implied_types(void **state)
{
    (void)state;
    const struct tf_type *t = res_registry_type(res_registry_find("unicron_tenant"));
    int i = tf_type_attr_index(t, "environment");
    assert_true(i >= 0);
    const struct tf_type *env = t->members[i];
    assert_int_equal(env->kind, TF_LIST);
    assert_int_equal(env->elem->kind, TF_OBJECT);
    assert_true(tf_type_attr_index(env->elem, "account_id") >= 0);
    assert_int_equal(t->members[tf_type_attr_index(t, "timeouts")]->kind, TF_OBJECT);
    assert_int_equal(t->members[tf_type_attr_index(t, "account_ids")]->kind, TF_MAP);
    const struct tf_type *access = t->members[tf_type_attr_index(t, "access")];
    assert_int_equal(access->elem->members[tf_type_attr_index(access->elem, "principals")]->kind,
                     TF_SET);

    const struct tf_type *c = res_registry_type(res_registry_find("unicron_cluster"));
    const struct tf_type *ng = c->members[tf_type_attr_index(c, "node_group")];
    assert_int_equal(ng->kind, TF_LIST);
    const struct tf_type *taint = ng->elem->members[tf_type_attr_index(ng->elem, "taint")];
    assert_int_equal(taint->kind, TF_LIST);
    assert_int_equal(ng->elem->members[tf_type_attr_index(ng->elem, "min_size")]->kind,
                     TF_NUMBER);

    const struct tf_type *p = res_registry_provider_type();
    assert_int_equal(p->members[tf_type_attr_index(p, "assume_role")]->kind, TF_LIST);
    assert_int_equal(p->members[tf_type_attr_index(p, "default_tags")]->kind, TF_MAP);
}

/* --- flags exactly as DESIGN.md §3 -------------------------------------------------------- */

#define R TF_REQUIRED
#define O TF_OPTIONAL
#define C TF_COMPUTED
#define S TF_SENSITIVE
#define F TF_FORCE_NEW

static const struct {
    const char *type; /* NULL = provider */
    const char *path;
    unsigned flags;
} flag_rows[] = {
    {NULL, "region", O}, {NULL, "profile", O}, {NULL, "access_key", O},
    {NULL, "secret_key", O | S}, {NULL, "token", O | S}, {NULL, "shared_config_files", O},
    {NULL, "shared_credentials_files", O}, {NULL, "assume_role.role_arn", R},
    {NULL, "assume_role.session_name", O}, {NULL, "assume_role.external_id", O},
    {NULL, "assume_role.duration", O}, {NULL, "assume_role.policy", O},
    {NULL, "assume_role.policy_arns", O}, {NULL, "assume_role.tags", O},
    {NULL, "assume_role.transitive_tag_keys", O}, {NULL, "assume_role.source_identity", O},
    {NULL, "assume_role_with_web_identity.role_arn", R},
    {NULL, "assume_role_with_web_identity.web_identity_token_file", O},
    {NULL, "assume_role_with_web_identity.session_name", O}, {NULL, "endpoints.organizations", O},
    {NULL, "endpoints.sts", O}, {NULL, "endpoints.iam", O}, {NULL, "endpoints.eks", O},
    {NULL, "account_access_role_name", O}, {NULL, "max_retries", O}, {NULL, "retry_mode", O},
    {NULL, "default_tags", O}, {NULL, "allowed_account_ids", O},
    {NULL, "forbidden_account_ids", O}, {NULL, "ignore_tags.keys", O},
    {NULL, "ignore_tags.key_prefixes", O},

    {"unicron_tenant", "id", C}, {"unicron_tenant", "name", R | F},
    {"unicron_tenant", "email_template", O}, {"unicron_tenant", "parent_id", O},
    {"unicron_tenant", "retired_parent_id", O}, {"unicron_tenant", "cost_center", O},
    {"unicron_tenant", "owner", O}, {"unicron_tenant", "tags", O},
    {"unicron_tenant", "tags_all", C}, {"unicron_tenant", "close_on_deletion", O | C},
    {"unicron_tenant", "account_ids", C}, {"unicron_tenant", "environment.name", R},
    {"unicron_tenant", "environment.email", O | C}, {"unicron_tenant", "environment.parent_id", O},
    {"unicron_tenant", "environment.tier", O | C}, {"unicron_tenant", "environment.account_id", C},
    {"unicron_tenant", "environment.account_arn", C}, {"unicron_tenant", "environment.state", C},
    {"unicron_tenant", "environment.access_role_arn", C}, {"unicron_tenant", "access.role", R},
    {"unicron_tenant", "access.principals", R}, {"unicron_tenant", "access.environments", O},
    {"unicron_tenant", "timeouts.create", O}, {"unicron_tenant", "timeouts.update", O},
    {"unicron_tenant", "timeouts.delete", O},

    {"unicron_cluster", "id", C}, {"unicron_cluster", "account_id", R | F},
    {"unicron_cluster", "name", R | F}, {"unicron_cluster", "kubernetes_version", O | C},
    {"unicron_cluster", "subnet_ids", R}, {"unicron_cluster", "security_group_ids", O},
    {"unicron_cluster", "endpoint_private_access", O | C},
    {"unicron_cluster", "endpoint_public_access", O | C},
    {"unicron_cluster", "public_access_cidrs", O | C}, {"unicron_cluster", "enabled_log_types", O},
    {"unicron_cluster", "tier", O | C}, {"unicron_cluster", "tags", O},
    {"unicron_cluster", "tags_all", C}, {"unicron_cluster", "arn", C},
    {"unicron_cluster", "endpoint", C}, {"unicron_cluster", "certificate_authority_data", C},
    {"unicron_cluster", "oidc_issuer_url", C}, {"unicron_cluster", "platform_version", C},
    {"unicron_cluster", "status", C}, {"unicron_cluster", "cluster_role_arn", C},
    {"unicron_cluster", "node_role_arn", C}, {"unicron_cluster", "node_group.name", R},
    {"unicron_cluster", "node_group.instance_types", O | C},
    {"unicron_cluster", "node_group.capacity_type", O | C},
    {"unicron_cluster", "node_group.min_size", R}, {"unicron_cluster", "node_group.max_size", R},
    {"unicron_cluster", "node_group.desired_size", O | C},
    {"unicron_cluster", "node_group.disk_size", O | C},
    {"unicron_cluster", "node_group.ami_type", O | C}, {"unicron_cluster", "node_group.labels", O},
    {"unicron_cluster", "node_group.taint.key", R}, {"unicron_cluster", "node_group.taint.value", O},
    {"unicron_cluster", "node_group.taint.effect", R}, {"unicron_cluster", "node_group.arn", C},
    {"unicron_cluster", "node_group.status", C}, {"unicron_cluster", "node_group.version", C},
    {"unicron_cluster", "node_group.eks_name", C}, {"unicron_cluster", "node_group.tags_all", C},
    {"unicron_cluster", "oidc_provider_arn", C},
    {"unicron_cluster", "cluster_security_group_id", C}, {"unicron_cluster", "kubeconfig", C},
    {"unicron_cluster", "tenant_access_entries", C},
    {"unicron_cluster", "access_entry.principal_arn", R},
    {"unicron_cluster", "access_entry.policy", R},
    {"unicron_cluster", "access_entry.namespaces", O},
    {"unicron_cluster", "timeouts.create", O}, {"unicron_cluster", "timeouts.delete", O},

    {"unicron_addon", "id", C}, {"unicron_addon", "cluster_id", R | F},
    {"unicron_addon", "name", R | F}, {"unicron_addon", "version", O | C},
    {"unicron_addon", "configuration", O}, {"unicron_addon", "namespace", O | C},
    {"unicron_addon", "resolve_conflicts", O}, {"unicron_addon", "service_account_role_arn", O},
    {"unicron_addon", "wait", O | C}, {"unicron_addon", "kind", C},
    {"unicron_addon", "status", C}, {"unicron_addon", "arn", C},
    {"unicron_addon", "preserve", O}, {"unicron_addon", "kubernetes_version", O | C},
    {"unicron_addon", "timeouts.update", O},
};

static void test_flags(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof flag_rows / sizeof flag_rows[0]; i++) {
        const struct tf_block *b =
            flag_rows[i].type ? block_of(flag_rows[i].type) : res_provider_schema.block;
        const struct tf_attr *at = find_attr(b, flag_rows[i].path);
        if (at == NULL)
            fail_msg("%s: no attribute %s", flag_rows[i].type ? flag_rows[i].type : "provider",
                     flag_rows[i].path);
        if (at->flags != flag_rows[i].flags)
            fail_msg("%s.%s: flags %#x, want %#x",
                     flag_rows[i].type ? flag_rows[i].type : "provider", flag_rows[i].path,
                     at->flags, flag_rows[i].flags);
    }
}

static void test_blocks_and_defaults(void **state)
{
    (void)state;
    static const struct {
        const char *type;
        const char *name;
        enum tf_nesting nesting;
        int64_t min, max;
    } blocks[] = {
        {"unicron_tenant", "environment", TF_NEST_LIST, 1, 3},
        {"unicron_tenant", "access", TF_NEST_LIST, 0, 0},
        {"unicron_tenant", "timeouts", TF_NEST_SINGLE, 0, 0},
        {"unicron_cluster", "node_group", TF_NEST_LIST, 0, 0},
        {"unicron_cluster", "access_entry", TF_NEST_LIST, 0, 0},
        {"unicron_cluster", "timeouts", TF_NEST_SINGLE, 0, 0},
        {"unicron_addon", "timeouts", TF_NEST_SINGLE, 0, 0},
    };
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        const struct tf_block_type *bt = tf_block_find_block(block_of(blocks[i].type),
                                                             blocks[i].name);
        assert_non_null(bt);
        assert_int_equal(bt->nesting, blocks[i].nesting);
        assert_int_equal(bt->min_items, blocks[i].min);
        assert_int_equal(bt->max_items, blocks[i].max);
    }
    const struct tf_block_type *ng = tf_block_find_block(block_of("unicron_cluster"),
                                                         "node_group");
    const struct tf_block_type *taint = tf_block_find_block(ng->block, "taint");
    assert_int_equal(taint->nesting, TF_NEST_LIST);
    assert_int_equal(tf_block_find_block(res_provider_schema.block, "assume_role")->nesting,
                     TF_NEST_LIST);
    assert_int_equal(tf_block_find_block(res_provider_schema.block, "endpoints")->nesting,
                     TF_NEST_SINGLE);
    /* timeouts holds exactly create / update / delete */
    const struct tf_block *to = tf_block_find_block(block_of("unicron_addon"), "timeouts")->block;
    assert_int_equal(to->nattrs, 3);

    char want[16];
    snprintf(want, sizeof want, "\"%s\"", res_k8s_default_version());
    assert_string_equal(find_attr(block_of("unicron_cluster"), "kubernetes_version")->default_json,
                        want);
    assert_string_equal(find_attr(block_of("unicron_tenant"), "close_on_deletion")->default_json,
                        "false");
    assert_string_equal(find_attr(block_of("unicron_addon"), "wait")->default_json, "true");
}

/* --- configuration validation ---------------------------------------------------------------- */

struct vcase {
    const char *name;
    const char *type; /* NULL = provider */
    const char *json;
    const char *want;      /* NULL = no diagnostics */
    const char *want_path; /* rendered path of the first error */
};

static const struct vcase vcases[] = {
    {"tenant ok", "unicron_tenant",
     "{\"name\":\"data\",\"email_template\":\"aws+{tenant}-{environment}@example.com\","
     "\"environment\":[{\"name\":\"dev\"},{\"name\":\"prod\",\"tier\":\"critical\"}],"
     "\"access\":[{\"role\":\"admin\",\"principals\":[\"arn:aws:iam::123456789012:root\"]},"
     "{\"role\":\"readonly\",\"principals\":[\"arn:aws:iam::123456789012:role/x\"],"
     "\"environments\":[\"prod\"]}]}",
     NULL, NULL},
    {"duplicate environment", "unicron_tenant",
     "{\"name\":\"data\",\"email_template\":\"a+{tenant}-{environment}@example.com\","
     "\"environment\":[{\"name\":\"dev\"},{\"name\":\"dev\"}],\"access\":[]}",
     "Duplicate environment", "environment[1].name"},
    {"four environments", "unicron_tenant",
     "{\"name\":\"data\",\"email_template\":\"a+{tenant}-{environment}@example.com\","
     "\"environment\":[{\"name\":\"dev\"},{\"name\":\"staging\"},{\"name\":\"prod\"},"
     "{\"name\":\"dev\"}],\"access\":[]}",
     "Too many environment blocks", "environment"},
    {"no environment", "unicron_tenant",
     "{\"name\":\"data\",\"email_template\":\"a+{tenant}@example.com\",\"environment\":[],"
     "\"access\":[]}",
     "Insufficient environment blocks", "environment"},
    {"bad environment name", "unicron_tenant",
     "{\"name\":\"data\",\"email_template\":\"a+{tenant}-{environment}@example.com\","
     "\"environment\":[{\"name\":\"qa\"}],\"access\":[]}",
     "\"qa\" is not allowed", "environment[0].name"},
    {"template without environment", "unicron_tenant",
     "{\"name\":\"data\",\"email_template\":\"a+{tenant}@example.com\","
     "\"environment\":[{\"name\":\"dev\"},{\"name\":\"prod\"}],\"access\":[]}",
     "Add {environment}", "email_template"},
    {"template too long after substitution", "unicron_tenant",
     "{\"name\":\"abcdefghijabcdefghijabcdefghij12\","
     "\"email_template\":\"platform-accounts+{tenant}-{environment}@example.com\","
     "\"environment\":[{\"name\":\"staging\"}],\"access\":[]}",
     "6 to 64 characters", "email_template"},
    {"no email at all", "unicron_tenant",
     "{\"name\":\"data\",\"environment\":[{\"name\":\"dev\"}],\"access\":[]}",
     "Missing account e-mail", "environment[0]"},
    {"duplicate explicit email", "unicron_tenant",
     "{\"name\":\"data\",\"environment\":[{\"name\":\"dev\",\"email\":\"a@example.com\"},"
     "{\"name\":\"prod\",\"email\":\"A@example.com\"}],\"access\":[]}",
     "Duplicate account e-mail", "environment[1].email"},
    {"access names undeclared environment", "unicron_tenant",
     "{\"name\":\"data\",\"email_template\":\"a+{tenant}-{environment}@example.com\","
     "\"environment\":[{\"name\":\"dev\"}],\"access\":[{\"role\":\"admin\","
     "\"principals\":[\"arn:aws:iam::123456789012:root\"],\"environments\":[\"prod\"]}]}",
     "no environment block with that name", "access[0].environments"},
    {"duplicate access role", "unicron_tenant",
     "{\"name\":\"data\",\"email_template\":\"a+{tenant}-{environment}@example.com\","
     "\"environment\":[{\"name\":\"dev\"},{\"name\":\"prod\"}],\"access\":["
     "{\"role\":\"admin\",\"principals\":[\"arn:aws:iam::123456789012:root\"],"
     "\"environments\":[\"prod\"]},"
     "{\"role\":\"admin\",\"principals\":[\"arn:aws:iam::123456789012:role/y\"]}]}",
     "Role \"admin\" in environment \"prod\" is already defined", "access[1].role"},
    {"principal not an ARN", "unicron_tenant",
     "{\"name\":\"data\",\"email_template\":\"a+{tenant}-{environment}@example.com\","
     "\"environment\":[{\"name\":\"dev\"}],\"access\":[{\"role\":\"admin\","
     "\"principals\":[\"alice\"]}]}",
     "Invalid IAM principal", "access[0].principals"},
    {"bad ou", "unicron_tenant",
     "{\"name\":\"data\",\"parent_id\":\"ou-12\","
     "\"email_template\":\"a+{tenant}-{environment}@example.com\","
     "\"environment\":[{\"name\":\"dev\"}],\"access\":[]}",
     "Invalid organization parent id", "parent_id"},
    {"bad timeout", "unicron_tenant",
     "{\"name\":\"data\",\"email_template\":\"a+{tenant}-{environment}@example.com\","
     "\"environment\":[{\"name\":\"dev\"}],\"access\":[],\"timeouts\":{\"create\":\"1d\"}}",
     "Invalid duration", "timeouts.create"},

    {"cluster ok", "unicron_cluster",
     "{\"account_id\":\"123456789012\",\"name\":\"data-dev\",\"kubernetes_version\":\"1.35\","
     "\"subnet_ids\":[\"subnet-0123abcd\","
     "\"subnet-4567cdef\"],\"public_access_cidrs\":[\"10.0.0.0/8\"],"
     "\"node_group\":[{\"name\":\"general\",\"min_size\":1,\"max_size\":3,\"desired_size\":2,"
     "\"taint\":[]}]}",
     NULL, NULL},
    {"min greater than desired", "unicron_cluster",
     "{\"account_id\":\"123456789012\",\"name\":\"c\",\"subnet_ids\":[\"subnet-0123abcd\","
     "\"subnet-4567cdef\"],"
     "\"node_group\":[{\"name\":\"g\",\"min_size\":3,\"max_size\":5,\"desired_size\":2,"
     "\"taint\":[]}]}",
     "desired_size (2) is less than min_size (3)", "node_group[0].desired_size"},
    {"desired greater than max", "unicron_cluster",
     "{\"account_id\":\"123456789012\",\"name\":\"c\",\"subnet_ids\":[\"subnet-0123abcd\","
     "\"subnet-4567cdef\"],"
     "\"node_group\":[{\"name\":\"g\",\"min_size\":1,\"max_size\":2,\"desired_size\":3,"
     "\"taint\":[]}]}",
     "greater than max_size", "node_group[0].desired_size"},
    {"min greater than max", "unicron_cluster",
     "{\"account_id\":\"123456789012\",\"name\":\"c\",\"subnet_ids\":[\"subnet-0123abcd\","
     "\"subnet-4567cdef\"],"
     "\"node_group\":[{\"name\":\"g\",\"min_size\":4,\"max_size\":2,\"taint\":[]}]}",
     "min_size (4) is greater than max_size (2)", "node_group[0].min_size"},
    {"duplicate node group", "unicron_cluster",
     "{\"account_id\":\"123456789012\",\"name\":\"c\",\"subnet_ids\":[\"subnet-0123abcd\","
     "\"subnet-4567cdef\"],"
     "\"node_group\":[{\"name\":\"g\",\"min_size\":1,\"max_size\":2,\"taint\":[]},"
     "{\"name\":\"g\",\"min_size\":1,\"max_size\":2,\"taint\":[]}]}",
     "Duplicate node group", "node_group[1].name"},
    {"bad capacity type", "unicron_cluster",
     "{\"account_id\":\"123456789012\",\"name\":\"c\",\"subnet_ids\":[\"subnet-0123abcd\","
     "\"subnet-4567cdef\"],"
     "\"node_group\":[{\"name\":\"g\",\"min_size\":1,\"max_size\":2,\"capacity_type\":\"spot\","
     "\"taint\":[]}]}",
     "did you mean \"SPOT\"", "node_group[0].capacity_type"},
    {"duplicate taint", "unicron_cluster",
     "{\"account_id\":\"123456789012\",\"name\":\"c\",\"subnet_ids\":[\"subnet-0123abcd\","
     "\"subnet-4567cdef\"],"
     "\"node_group\":[{\"name\":\"g\",\"min_size\":1,\"max_size\":2,\"taint\":["
     "{\"key\":\"gpu\",\"effect\":\"NO_SCHEDULE\"},{\"key\":\"gpu\",\"value\":\"x\","
     "\"effect\":\"NO_SCHEDULE\"}]}]}",
     "Duplicate taint", "node_group[0].taint[1].key"},
    {"no endpoint", "unicron_cluster",
     "{\"account_id\":\"123456789012\",\"name\":\"c\",\"subnet_ids\":[\"subnet-0123abcd\","
     "\"subnet-4567cdef\"],"
     "\"endpoint_private_access\":false,\"endpoint_public_access\":false,\"node_group\":[]}",
     "No API server endpoint", "endpoint_public_access"},
    {"bad k8s version", "unicron_cluster",
     "{\"account_id\":\"123456789012\",\"name\":\"c\",\"subnet_ids\":[\"subnet-0123abcd\","
     "\"subnet-4567cdef\"],"
     "\"kubernetes_version\":\"1.20\",\"node_group\":[]}",
     "Unsupported Kubernetes version", "kubernetes_version"},
    {"bad cidr", "unicron_cluster",
     "{\"account_id\":\"123456789012\",\"name\":\"c\",\"subnet_ids\":[\"subnet-0123abcd\","
     "\"subnet-4567cdef\"],"
     "\"public_access_cidrs\":[\"10.0.0.0/33\"],\"node_group\":[]}",
     "Invalid CIDR block", "public_access_cidrs"},

    {"addon ok", "unicron_addon",
     "{\"cluster_id\":\"123456789012/c\",\"name\":\"vpc-cni\",\"resolve_conflicts\":"
     "\"OVERWRITE\",\"configuration\":\"{\\\"env\\\":{}}\"}",
     NULL, NULL},
    {"addon unknown name", "unicron_addon",
     "{\"cluster_id\":\"123456789012/c\",\"name\":\"spark-operater\"}",
     "Did you mean \"spark-operator\"?", "name"},
    {"resolve_conflicts on argocd kind", "unicron_addon",
     "{\"cluster_id\":\"123456789012/c\",\"name\":\"spark-operator\","
     "\"resolve_conflicts\":\"OVERWRITE\"}",
     "needs the argo-cd component on the cluster first", "resolve_conflicts"},
    {"version on capability", "unicron_addon",
     "{\"cluster_id\":\"123456789012/c\",\"name\":\"kro\",\"version\":\"1.0\"}",
     "no version to choose", "version"},
    {"argo-cd capability without identity center", "unicron_addon",
     "{\"cluster_id\":\"123456789012/c\",\"name\":\"argo-cd\"}",
     "IAM Identity Center", "configuration"},
    {"argo-cd capability ok", "unicron_addon",
     "{\"cluster_id\":\"123456789012/c\",\"name\":\"argo-cd\",\"configuration\":"
     "\"{\\\"awsIdc\\\":{\\\"idcInstanceArn\\\":\\\"arn:aws:sso:::instance/ssoins-1\\\"}}\"}",
     NULL, NULL},
    {"bad json configuration", "unicron_addon",
     "{\"cluster_id\":\"123456789012/c\",\"name\":\"coredns\",\"configuration\":\"{nope\"}",
     "Invalid JSON", "configuration"},

    {"provider ok", NULL,
     "{\"region\":\"us-east-1\",\"access_key\":\"test\",\"secret_key\":\"test\","
     "\"retry_mode\":\"adaptive\",\"max_retries\":5,\"endpoints\":{\"sts\":"
     "\"http://127.0.0.1:4566\"},\"default_tags\":{\"team\":\"platform\"}}",
     NULL, NULL},
    {"provider retry_mode", NULL, "{\"retry_mode\":\"fast\"}",
     "expected one of \"standard\", \"adaptive\"", "retry_mode"},
    {"provider max_retries", NULL, "{\"max_retries\":1000}", "from 0 to 100", "max_retries"},
    {"provider region", NULL, "{\"region\":\"europe\"}", "Invalid AWS region", "region"},
    {"provider half static credentials", NULL, "{\"access_key\":\"AKIA\"}", "Missing secret_key",
     "secret_key"},
    {"provider assume_role arn", NULL, "{\"assume_role\":[{\"role_arn\":\"admin\"}]}",
     "Invalid IAM role ARN", "assume_role[0].role_arn"},
    {"provider assume_role policy arn", NULL,
     "{\"assume_role\":[{\"role_arn\":\"arn:aws:iam::123456789012:role/x\"},"
     "{\"role_arn\":\"arn:aws:iam::123456789012:role/y\",\"policy_arns\":[\"ReadOnly\"]}]}",
     "Invalid IAM policy ARN", "assume_role[1].policy_arns"},
    {"provider assume_role policy json", NULL,
     "{\"assume_role\":[{\"role_arn\":\"arn:aws:iam::123456789012:role/x\","
     "\"policy\":\"{not json\"}]}",
     "JSON", "assume_role[0].policy"},
    {"provider assume_role source identity", NULL,
     "{\"assume_role\":[{\"role_arn\":\"arn:aws:iam::123456789012:role/x\","
     "\"source_identity\":\"a b\"}]}",
     "session name", "assume_role[0].source_identity"},
    {"provider assume_role duration", NULL,
     "{\"assume_role\":[{\"role_arn\":\"arn:aws:iam::123456789012:role/x\","
     "\"duration\":\"13h\"}]}",
     "allowed are 15m to 12h", "assume_role[0].duration"},
    {"provider account lists", NULL,
     "{\"forbidden_account_ids\":[\"1\"]}", "Invalid AWS account id",
     "forbidden_account_ids"},
    {"provider account lists both", NULL,
     "{\"allowed_account_ids\":[\"123456789012\"],\"forbidden_account_ids\":"
     "[\"210987654321\"]}",
     "allowed_account_ids or forbidden_account_ids, not both", "forbidden_account_ids"},
    {"provider endpoint url", NULL, "{\"endpoints\":{\"eks\":\"localhost:4566\"}}",
     "Invalid URL", "endpoints.eks"},
};

static void test_validation(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vcases / sizeof vcases[0]; i++) {
        const struct vcase *vc = &vcases[i];
        struct uc_arena *a = uc_arena_new();
        struct tf_diags d;
        tf_diags_init(&d, a);
        const struct res_resource *r = vc->type ? res_registry_find(vc->type) : NULL;
        const struct tf_type *t = r ? res_registry_type(r) : res_registry_provider_type();
        const struct tf_block *b = r ? r->schema->block : res_provider_schema.block;
        struct tf_value *cfg = NULL;
        const char *err = NULL;
        if (tf_json_decode(a, vc->json, strlen(vc->json), t, &cfg, &err) != UC_OK)
            fail_msg("%s: bad test JSON: %s", vc->name, err ? err : "?");
        struct res_ctx ctx = {.arena = a, .diags = &d, .type = t};
        tf_block_validate(b, cfg, NULL, &d);
        if (r && r->validate)
            r->validate(&ctx, cfg);
        else if (!r)
            res_provider_validate(&ctx, cfg);
        struct uc_buf text;
        uc_buf_init(&text);
        for (size_t k = 0; k < d.count; k++)
            uc_buf_printf(&text, "%s: %s\n", d.items[k].summary, d.items[k].detail);
        if (vc->want == NULL) {
            if (d.count != 0)
                fail_msg("%s: expected no diagnostics, got %s", vc->name, uc_buf_str(&text));
        } else {
            if (d.count != 1)
                fail_msg("%s: expected exactly one diagnostic, got %zu: %s", vc->name, d.count,
                         uc_buf_str(&text));
            if (strstr(uc_buf_str(&text), vc->want) == NULL)
                fail_msg("%s: want \"%s\" in %s", vc->name, vc->want, uc_buf_str(&text));
            struct uc_buf path;
            uc_buf_init(&path);
            tf_path_format(&d.items[0].path, &path);
            if (strcmp(uc_buf_str(&path), vc->want_path) != 0)
                fail_msg("%s: path %s, want %s", vc->name, uc_buf_str(&path), vc->want_path);
            uc_buf_release(&path);
        }
        uc_buf_release(&text);
        uc_arena_free(a);
    }
}

/* res_provider_new: parses the block, applies defaults, never keeps unknowns. */
static void test_provider_new(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    struct tf_diags d;
    tf_diags_init(&d, a);
    const char *json =
        "{\"region\":\"eu-west-1\",\"profile\":\"platform\",\"retry_mode\":\"adaptive\","
        "\"max_retries\":7,\"shared_config_files\":[\"/a\",\"/b\"],"
        "\"assume_role\":[{\"role_arn\":\"arn:aws:iam::123456789012:role/x\",\"duration\":"
        "\"2h\"},{\"role_arn\":\"arn:aws:iam::210987654321:role/y\",\"policy_arns\":"
        "[\"arn:aws:iam::aws:policy/ReadOnlyAccess\"],\"tags\":{\"team\":\"data\"},"
        "\"transitive_tag_keys\":[\"team\"],\"source_identity\":\"alice\"}],\"endpoints\":{\"organizations\":\"http://127.0.0.1:1\",\"eks\":"
        "\"http://127.0.0.1:2\"},\"default_tags\":{\"team\":\"platform\"}}";
    struct tf_value *cfg = NULL;
    assert_int_equal(tf_json_decode(a, json, strlen(json), res_registry_provider_type(), &cfg,
                                    NULL),
                     UC_OK);
    struct res_provider *p = res_provider_new(cfg, "1.11.4", &d);
    assert_non_null(p);
    assert_int_equal(d.count, 0);
    assert_string_equal(p->aws.region, "eu-west-1");
    assert_string_equal(p->aws.profile, "platform");
    assert_string_equal(p->aws.retry_mode, "adaptive");
    assert_int_equal(p->aws.max_retries, 7);
    assert_int_equal(p->aws.n_shared_config_files, 2);
    assert_string_equal(p->aws.shared_config_files[1], "/b");
    assert_int_equal(p->aws.n_assume_roles, 2);
    assert_string_equal(p->aws.assume_roles[0].role_arn, "arn:aws:iam::123456789012:role/x");
    assert_int_equal(p->aws.assume_roles[0].duration_seconds, 7200);
    const struct aws_assume_role_params *second = &p->aws.assume_roles[1];
    assert_string_equal(second->role_arn, "arn:aws:iam::210987654321:role/y");
    assert_int_equal(second->n_policy_arns, 1);
    assert_string_equal(second->policy_arns[0], "arn:aws:iam::aws:policy/ReadOnlyAccess");
    assert_int_equal(second->n_tags, 1);
    assert_string_equal(second->tag_keys[0], "team");
    assert_string_equal(second->tag_values[0], "data");
    assert_int_equal(second->n_transitive_tag_keys, 1);
    assert_string_equal(second->source_identity, "alice");
    assert_string_equal(p->aws.endpoints[AWS_SVC_ORGANIZATIONS], "http://127.0.0.1:1");
    assert_null(p->aws.endpoints[AWS_SVC_STS]);
    assert_string_equal(p->aws.endpoints[AWS_SVC_EKS], "http://127.0.0.1:2");
    assert_string_equal(p->account_access_role_name, "OrganizationAccountAccessRole");
    assert_string_equal(p->terraform_version, "1.11.4");
    const struct tf_value *tags = res_provider_default_tags(p);
    assert_int_equal(tags->count, 1);
    assert_string_equal(tf_value_str(tf_value_map_get(tags, "team")), "platform");
    res_provider_free(p);

    /* no provider block at all: every attribute null */
    struct res_provider *empty = res_provider_new(tf_value_null(a, res_registry_provider_type()),
                                                  NULL, &d);
    assert_non_null(empty);
    assert_int_equal(empty->aws.max_retries, -1);
    assert_int_equal(res_provider_default_tags(empty)->count, 0);
    res_provider_free(empty);

    /* an unknown value is an error on its attribute */
    struct tf_value *unk = tf_value_with_attr(a, cfg, "region",
                                              tf_value_unknown(a, &tf_type_string));
    assert_null(res_provider_new(unk, NULL, &d));
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path.steps[0].name, "region");
    res_provider_free(NULL);
    assert_null(res_provider_default_tags(NULL));
    uc_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schemas_pass_terraform_rules),
        cmocka_unit_test(test_implied_types),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_blocks_and_defaults),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_provider_new),
    };
    res_eks_set_today("2026-12-03"); /* the version policy depends on the date */
    return cmocka_run_group_tests(tests, setup, NULL);
}
