/* cluster.c - unicron_cluster: an EKS cluster in one tenant account, its IAM roles and managed
 * node groups (on-demand or spot), upgraded in place one Kubernetes minor at a time.
 *
 * Reads top to bottom: schema table, plan-time validation, plan hooks, then the resource table.
 * Apply comes with the cluster issue; until then the core answers "not available yet". No AWS
 * call may happen at validate or plan.
 */
#include <string.h>

#include "res_catalog.h"
#include "res_provider.h"
#include "res_registry.h"
#include "res_schema.h"
#include "res_validate.h"

/* --- schema ------------------------------------------------------------------------------- */

static const char *const tiers[] = {"critical", "standard", "economy", NULL};
static const char *const capacity_types[] = {"ON_DEMAND", "SPOT", NULL};
static const char *const log_types[] = {"api", "audit", "authenticator", "controllerManager",
                                       "scheduler", NULL};
static const char *const taint_effects[] = {"NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE",
                                            NULL};
/* EKS AMI types for managed node groups (botocore eks AMITypes, Linux and Bottlerocket). */
static const char *const ami_types[] = {
    "AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",   "AL2023_x86_64_NEURON",   "BOTTLEROCKET_x86_64",
    "BOTTLEROCKET_ARM_64",    "BOTTLEROCKET_x86_64_NVIDIA", "BOTTLEROCKET_ARM_64_NVIDIA",
    "AL2_x86_64",             "AL2_x86_64_GPU",         "AL2_ARM_64",
    "CUSTOM",                 NULL};

/* Managed node group sizes: EKS's default quota is 450 nodes per node group. */
static const struct res_int_range size_range = {0, 450};
static const struct res_int_range max_size_range = {1, 450};
static const struct res_int_range disk_range = {1, 16384};

static const struct tf_attr taint_attrs[] = {
    {"key", &tf_type_string, TF_REQUIRED, "Taint key.", res_validate_k8s_qualified_name, NULL,
     NULL},
    {"value", &tf_type_string, TF_OPTIONAL, "Taint value.", res_validate_k8s_label_value, NULL,
     NULL},
    {"effect", &tf_type_string, TF_REQUIRED,
     "NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE.", res_validate_enum, taint_effects, NULL},
};
static const struct tf_block taint_block = {
    taint_attrs, sizeof taint_attrs / sizeof taint_attrs[0], NULL, 0,
    "A Kubernetes taint on the group's nodes.", false};

static const struct tf_attr node_group_attrs[] = {
    {"name", &tf_type_string, TF_REQUIRED, "Node group name (1-63 characters).",
     res_validate_eks_nodegroup_name, NULL, NULL},
    {"instance_types", &tf_type_list_string, TF_OPTIONAL | TF_COMPUTED,
     "EC2 instance types; several help SPOT capacity.", res_validate_instance_type, NULL,
     "[\"m6i.large\"]"},
    {"capacity_type", &tf_type_string, TF_OPTIONAL | TF_COMPUTED,
     "ON_DEMAND or SPOT (default: SPOT for economy tier clusters, else ON_DEMAND).",
     res_validate_enum, capacity_types, NULL},
    {"min_size", &tf_type_number, TF_REQUIRED, "Minimum number of nodes (0-450).",
     res_validate_int_range, &size_range, NULL},
    {"max_size", &tf_type_number, TF_REQUIRED, "Maximum number of nodes (1-450).",
     res_validate_int_range, &max_size_range, NULL},
    {"desired_size", &tf_type_number, TF_OPTIONAL | TF_COMPUTED,
     "Initial number of nodes (default: min_size, at least 1). Applied on create only: the "
     "autoscaler owns it afterwards, so it never shows as drift.",
     res_validate_int_range, &size_range, NULL},
    {"disk_size", &tf_type_number, TF_OPTIONAL | TF_COMPUTED, "Root volume size in GiB.",
     res_validate_int_range, &disk_range, "20"},
    {"ami_type", &tf_type_string, TF_OPTIONAL | TF_COMPUTED,
     "EKS AMI type (default AL2023_x86_64_STANDARD).", res_validate_enum, ami_types,
     "\"AL2023_x86_64_STANDARD\""},
    {"labels", &tf_type_map_string, TF_OPTIONAL, "Kubernetes labels of the nodes.",
     res_validate_k8s_labels, NULL, NULL},
    {"arn", &tf_type_string, TF_COMPUTED, "Node group ARN.", NULL, NULL, NULL},
    {"status", &tf_type_string, TF_COMPUTED, "Node group status.", NULL, NULL, NULL},
    {"version", &tf_type_string, TF_COMPUTED, "Kubernetes version of the nodes.", NULL, NULL,
     NULL},
};
static const struct tf_block_type node_group_blocks[] = {
    {"taint", TF_NEST_LIST, &taint_block, 0, 50, "Kubernetes taints (at most 50)."},
};
static const struct tf_block node_group_block = {
    node_group_attrs,
    sizeof node_group_attrs / sizeof node_group_attrs[0],
    node_group_blocks,
    sizeof node_group_blocks / sizeof node_group_blocks[0],
    "An EKS managed node group. Fields EKS cannot change in place are changed by creating the "
    "new group first, then deleting the old one.",
    false};

static const struct tf_attr cluster_attrs[] = {
    {"id", &tf_type_string, TF_COMPUTED, "<account_id>/<name>.", NULL, NULL, NULL},
    {"account_id", &tf_type_string, TF_REQUIRED | TF_FORCE_NEW,
     "Tenant account the cluster lives in (e.g. unicron_tenant.x.account_ids[\"dev\"]).",
     res_validate_account_id, NULL, NULL},
    {"name", &tf_type_string, TF_REQUIRED | TF_FORCE_NEW, "EKS cluster name.",
     res_validate_eks_cluster_name, NULL, NULL},
    {"kubernetes_version", &tf_type_string, TF_OPTIONAL | TF_COMPUTED,
     "Kubernetes minor (\"1.NN\"); upgraded in place one minor at a time, never downgraded.",
     res_validate_k8s_version, NULL, "\"1.35\""},
    {"subnet_ids", &tf_type_set_string, TF_REQUIRED,
     "Subnets of the cluster and its node groups (at least two availability zones).",
     res_validate_subnet_id, NULL, NULL},
    {"security_group_ids", &tf_type_set_string, TF_OPTIONAL,
     "Extra security groups for the control plane ENIs.", res_validate_security_group_id, NULL,
     NULL},
    {"endpoint_private_access", &tf_type_bool, TF_OPTIONAL | TF_COMPUTED,
     "Reach the API server from inside the VPC (default false).", NULL, NULL, "false"},
    {"endpoint_public_access", &tf_type_bool, TF_OPTIONAL | TF_COMPUTED,
     "Reach the API server from the internet (default true).", NULL, NULL, "true"},
    {"public_access_cidrs", &tf_type_set_string, TF_OPTIONAL | TF_COMPUTED,
     "CIDR blocks allowed to reach the public endpoint (default 0.0.0.0/0).", res_validate_cidr,
     NULL, "[\"0.0.0.0/0\"]"},
    {"enabled_log_types", &tf_type_set_string, TF_OPTIONAL,
     "Control plane logs: api, audit, authenticator, controllerManager, scheduler.",
     res_validate_enum, log_types, NULL},
    {"tier", &tf_type_string, TF_OPTIONAL | TF_COMPUTED,
     "critical, standard (default) or economy; economy node groups default to SPOT.",
     res_validate_enum, tiers, "\"standard\""},
    {"tags", &tf_type_map_string, TF_OPTIONAL, "Tags of the cluster and its node groups.",
     res_validate_tags, NULL, NULL},
    {"tags_all", &tf_type_map_string, TF_COMPUTED,
     "Provider default_tags, tags, and the unicron:* tags.", NULL, NULL, NULL},
    {"arn", &tf_type_string, TF_COMPUTED, "Cluster ARN.", NULL, NULL, NULL},
    {"endpoint", &tf_type_string, TF_COMPUTED, "Kubernetes API server URL.", NULL, NULL, NULL},
    {"certificate_authority_data", &tf_type_string, TF_COMPUTED,
     "Base64 PEM of the cluster CA.", NULL, NULL, NULL},
    {"oidc_issuer_url", &tf_type_string, TF_COMPUTED, "OIDC issuer URL (IRSA).", NULL, NULL,
     NULL},
    {"platform_version", &tf_type_string, TF_COMPUTED, "EKS platform version (eks.N).", NULL,
     NULL, NULL},
    {"status", &tf_type_string, TF_COMPUTED, "Cluster status.", NULL, NULL, NULL},
    {"cluster_role_arn", &tf_type_string, TF_COMPUTED, "IAM role of the control plane.", NULL,
     NULL, NULL},
    {"node_role_arn", &tf_type_string, TF_COMPUTED, "IAM role of the nodes.", NULL, NULL, NULL},
};

static const struct tf_block_type cluster_blocks[] = {
    {"node_group", TF_NEST_LIST, &node_group_block, 0, 0, "Managed node groups."},
    {"timeouts", TF_NEST_SINGLE, &res_timeouts_block, 0, 0, NULL},
};

static const struct tf_block cluster_block = {
    cluster_attrs,
    sizeof cluster_attrs / sizeof cluster_attrs[0],
    cluster_blocks,
    sizeof cluster_blocks / sizeof cluster_blocks[0],
    "An EKS cluster in a tenant account with managed node groups.",
    false,
};

static const struct tf_schema cluster_schema = {0, &cluster_block};

/* --- validation --------------------------------------------------------------------------- */

/* Known integer attribute, or false. */
static bool get_int(const struct tf_value *obj, const char *name, int64_t *out)
{
    const struct tf_value *v = tf_value_attr(obj, name);
    return res_is_set(v) && tf_value_get_int64(v, out) == UC_OK;
}

static void validate_node_group(struct res_ctx *ctx, const struct tf_value *ng,
                                const struct tf_path *ngp)
{
    int64_t min = 0, max = 0, desired = 0;
    bool has_min = get_int(ng, "min_size", &min), has_max = get_int(ng, "max_size", &max);
    bool has_desired = get_int(ng, "desired_size", &desired);
    if (has_min && has_max && min > max) {
        struct tf_path p = tf_path_attr(ngp, "min_size");
        tf_diag_error(ctx->diags, &p, "Invalid node group size",
                      "min_size (%lld) is greater than max_size (%lld).", (long long)min,
                      (long long)max);
        return;
    }
    if (has_desired && has_min && desired < min) {
        struct tf_path p = tf_path_attr(ngp, "desired_size");
        tf_diag_error(ctx->diags, &p, "Invalid node group size",
                      "desired_size (%lld) is less than min_size (%lld): EKS needs min_size <= "
                      "desired_size <= max_size.",
                      (long long)desired, (long long)min);
    } else if (has_desired && has_max && desired > max) {
        struct tf_path p = tf_path_attr(ngp, "desired_size");
        tf_diag_error(ctx->diags, &p, "Invalid node group size",
                      "desired_size (%lld) is greater than max_size (%lld): EKS needs min_size "
                      "<= desired_size <= max_size.",
                      (long long)desired, (long long)max);
    }
    const struct tf_value *taints = tf_value_attr(ng, "taint");
    if (!res_is_set(taints))
        return;
    struct tf_path tbase = tf_path_attr(ngp, "taint");
    for (size_t i = 0; i < taints->count; i++) {
        const char *key = tf_value_str(tf_value_attr(taints->elems[i], "key"));
        const char *eff = tf_value_str(tf_value_attr(taints->elems[i], "effect"));
        for (size_t j = 0; key && eff && j < i; j++) {
            const char *k2 = tf_value_str(tf_value_attr(taints->elems[j], "key"));
            const char *e2 = tf_value_str(tf_value_attr(taints->elems[j], "effect"));
            if (k2 && e2 && strcmp(key, k2) == 0 && strcmp(eff, e2) == 0) {
                struct tf_path p = tf_path_index(&tbase, (int64_t)i);
                p = tf_path_attr(&p, "key");
                tf_diag_error(ctx->diags, &p, "Duplicate taint",
                              "Taint \"%s\" with effect %s is declared twice.", key, eff);
                break;
            }
        }
    }
}

static void cluster_validate(struct res_ctx *ctx, const struct tf_value *config)
{
    if (!res_is_set(config))
        return;
    const struct tf_value *priv = tf_value_attr(config, "endpoint_private_access");
    const struct tf_value *pub = tf_value_attr(config, "endpoint_public_access");
    if (res_is_set(priv) && res_is_set(pub) && !priv->b && !pub->b) {
        struct tf_path p = tf_path_attr(NULL, "endpoint_public_access");
        tf_diag_error(ctx->diags, &p, "No API server endpoint",
                      "endpoint_private_access and endpoint_public_access are both false: the "
                      "cluster's API server would be unreachable. Enable at least one.");
    }
    const struct tf_value *ngs = tf_value_attr(config, "node_group");
    if (!res_is_set(ngs))
        return;
    struct tf_path base = tf_path_attr(NULL, "node_group");
    for (size_t i = 0; i < ngs->count; i++) {
        struct tf_path ngp = tf_path_index(&base, (int64_t)i);
        const char *name = tf_value_str(tf_value_attr(ngs->elems[i], "name"));
        for (size_t j = 0; name != NULL && j < i; j++) {
            const char *other = tf_value_str(tf_value_attr(ngs->elems[j], "name"));
            if (other != NULL && strcmp(other, name) == 0) {
                struct tf_path p = tf_path_attr(&ngp, "name");
                tf_diag_error(ctx->diags, &p, "Duplicate node group",
                              "Node group \"%s\" is declared more than once (blocks %zu and "
                              "%zu).",
                              name, j + 1, i + 1);
                break;
            }
        }
        validate_node_group(ctx, ngs->elems[i], &ngp);
    }
}

/* --- plan hooks ---------------------------------------------------------------------------- */

static const char *cluster_element_key(const char *block_name, const struct tf_value *elem)
{
    if (strcmp(block_name, "node_group") == 0)
        return tf_value_str(tf_value_attr(elem, "name"));
    return NULL;
}

/* Node group fields EKS cannot change in place: a change creates a new group (new ARN). */
static const char *const replace_only_fields[] = {"instance_types", "capacity_type",
                                                  "disk_size", "ami_type"};

static struct tf_value *plan_node_group(struct uc_arena *a, const struct tf_value *prior_ngs,
                                        const struct tf_value *cfg_ng, struct tf_value *ng,
                                        const struct tf_value *tier, bool version_changes,
                                        bool replacing)
{
    /* capacity_type follows the cluster tier unless configured. */
    if (tf_value_is_null(tf_value_attr(cfg_ng, "capacity_type"))) {
        const char *t = tf_value_str(tier);
        struct tf_value *v =
            t == NULL ? tf_value_unknown(a, &tf_type_string)
                      : tf_value_string(a, strcmp(t, "economy") == 0 ? "SPOT" : "ON_DEMAND");
        if (v == NULL || (ng = tf_value_with_attr(a, ng, "capacity_type", v)) == NULL)
            return NULL;
    }
    const char *name = tf_value_str(tf_value_attr(ng, "name"));
    const struct tf_value *old = replacing ? NULL : res_find_by_name(prior_ngs, name);

    /* desired_size: initial size only. Keep the prior value of an existing group; a new group
     * starts at min_size (at least 1 so that add-ons like coredns get a node). */
    if (tf_value_is_null(tf_value_attr(cfg_ng, "desired_size"))) {
        struct tf_value *v = NULL;
        int64_t min = 0;
        if (old != NULL && res_is_set(tf_value_attr(old, "desired_size")))
            v = tf_value_attr(old, "desired_size");
        else if (get_int(cfg_ng, "min_size", &min))
            v = tf_value_int(a, min > 0 ? min : 1);
        else
            v = tf_value_unknown(a, &tf_type_number);
        if (v == NULL || (ng = tf_value_with_attr(a, ng, "desired_size", v)) == NULL)
            return NULL;
    }

    bool recreated = old == NULL;
    for (size_t i = 0; !recreated && i < sizeof replace_only_fields / sizeof replace_only_fields[0];
         i++) {
        const struct tf_value *nv = tf_value_attr(ng, replace_only_fields[i]);
        if (!tf_value_is_wholly_known(nv) ||
            !tf_value_equal(nv, tf_value_attr(old, replace_only_fields[i])))
            recreated = true;
    }
    static const char *const recreated_unknown[] = {"arn", "status", "version"};
    static const char *const upgraded_unknown[] = {"status", "version"};
    const char *const *names = recreated ? recreated_unknown : upgraded_unknown;
    size_t n = recreated ? 3 : (version_changes ? 2 : 0);
    for (size_t i = 0; i < n; i++) {
        struct tf_value *u = tf_value_unknown(a, &tf_type_string);
        if (u == NULL || (ng = tf_value_with_attr(a, ng, names[i], u)) == NULL)
            return NULL;
    }
    return ng;
}

static void cluster_modify(struct uc_arena *a, const struct tf_value *prior,
                           const struct tf_value *config, struct tf_value **planned,
                           bool replacing, void *ud, struct tf_diags *d)
{
    const struct res_ctx *ctx = ud;
    struct tf_value *p = *planned;
    if (!res_is_set(p) || !res_is_set(config))
        return;
    bool update = res_is_set(prior) && !replacing;

    /* Kubernetes version: never down; a change makes version-derived values unknown. */
    const char *old_v = update ? tf_value_str(tf_value_attr(prior, "kubernetes_version")) : NULL;
    const struct tf_value *new_vv = tf_value_attr(p, "kubernetes_version");
    const char *new_v = tf_value_str(new_vv);
    int old_minor = 0, new_minor = 0;
    bool version_changes = update && (!tf_value_is_known(new_vv) ||
                                      (old_v && new_v && strcmp(old_v, new_v) != 0));
    if (old_v && new_v && res_parse_k8s_version(old_v, &old_minor) &&
        res_parse_k8s_version(new_v, &new_minor) && new_minor < old_minor) {
        struct tf_path path = tf_path_attr(NULL, "kubernetes_version");
        tf_diag_error(d, &path, "Kubernetes cannot be downgraded",
                      "The cluster runs Kubernetes %s and the configuration asks for %s. EKS "
                      "only upgrades in place; keep \"%s\" or newer, or create a new cluster "
                      "(a new name) for an older version.",
                      old_v, new_v, old_v);
    }
    if (version_changes) {
        static const char *const derived[] = {"platform_version", "status"};
        for (size_t i = 0; i < 2; i++) {
            struct tf_value *u = tf_value_unknown(a, &tf_type_string);
            if (u == NULL || (p = tf_value_with_attr(a, p, derived[i], u)) == NULL)
                goto oom;
        }
    }

    struct tf_value *ngs = tf_value_attr(p, "node_group");
    const struct tf_value *cfg_ngs = tf_value_attr(config, "node_group");
    if (res_is_set(ngs) && res_is_set(cfg_ngs) && ngs->count == cfg_ngs->count) {
        struct tf_value **elems = uc_arena_calloc(a, ngs->count + 1, sizeof *elems);
        if (elems == NULL)
            goto oom;
        const struct tf_value *prior_ngs = update ? tf_value_attr(prior, "node_group") : NULL;
        for (size_t i = 0; i < ngs->count; i++) {
            elems[i] = plan_node_group(a, prior_ngs, cfg_ngs->elems[i], ngs->elems[i],
                                       tf_value_attr(p, "tier"), version_changes, !update);
            if (elems[i] == NULL)
                goto oom;
        }
        ngs = tf_value_list(a, ngs->type, elems, ngs->count);
        if (ngs == NULL || (p = tf_value_with_attr(a, p, "node_group", ngs)) == NULL)
            goto oom;
    }

    static const char *const own_keys[] = {"unicron:cluster", "unicron:tier"};
    const struct tf_value *own_vals[] = {tf_value_attr(config, "name"), tf_value_attr(p, "tier")};
    struct tf_value *tags_all =
        res_tags_all(a, res_provider_default_tags(ctx ? ctx->provider : NULL),
                     tf_value_attr(config, "tags"), own_keys, own_vals, 2);
    if (tags_all == NULL || (p = tf_value_with_attr(a, p, "tags_all", tags_all)) == NULL)
        goto oom;
    *planned = p;
    return;
oom:
    tf_diag_error(d, NULL, "Out of memory", "Planning unicron_cluster ran out of memory.");
}

static const struct tf_plan_hooks cluster_hooks = {cluster_element_key, cluster_modify, NULL};

/* --- resource ------------------------------------------------------------------------------- */

const struct res_resource res_cluster = {
    .type_name = "unicron_cluster",
    .schema = &cluster_schema,
    .plan_hooks = &cluster_hooks,
    .validate = cluster_validate,
    /* create / update / delete / read / import / plan_destroy: the cluster issue. */
};
