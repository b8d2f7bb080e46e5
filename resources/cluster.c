/* cluster.c - unicron_cluster: an EKS cluster in one tenant account, its IAM roles and managed
 * node groups (on-demand or spot), upgraded in place one Kubernetes minor at a time.
 *
 * Reads top to bottom: schema table, plan-time validation, plan hooks, conversions, read,
 * create / update, delete, import. The AWS work is in cluster_eks.c (control plane, roles, OIDC),
 * cluster_nodegroups.c, cluster_access.c and cluster_upgrade.c (res_cluster.h). No AWS call may
 * happen at validate or plan.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "res_aws_diag.h"
#include "res_catalog.h"
#include "res_cluster.h"
#include "res_eks_versions.h"
#include "res_fanout.h"
#include "res_iam_role.h"
#include "res_keyed_read.h"
#include "res_org_account.h"
#include "res_provider.h"
#include "res_registry.h"
#include "res_schema.h"
#include "res_timeouts.h"
#include "res_validate.h"
#include "uc_buf.h"

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
static const struct res_int_range size_range = {.min = 0, .max = 450};
static const struct res_int_range max_size_range = {.min = 1, .max = 450};
static const struct res_int_range disk_range = {.min = 1, .max = 16384};

static const struct tf_attr taint_attrs[] = {
    {.name = "key", .type = &tf_type_string, .flags = TF_REQUIRED, .description = "Taint key.",
     .validate = res_validate_k8s_qualified_name},
    {.name = "value", .type = &tf_type_string, .flags = TF_OPTIONAL,
     .description = "Taint value.", .validate = res_validate_k8s_label_value},
    {.name = "effect", .type = &tf_type_string, .flags = TF_REQUIRED,
     .description = "NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE.",
     .validate = res_validate_enum, .validate_arg = taint_effects},
};
static const struct tf_block taint_block = {
    .attrs = taint_attrs,
    .nattrs = sizeof taint_attrs / sizeof taint_attrs[0],
    .description = "A Kubernetes taint on the group's nodes.",
};

static const struct tf_attr node_group_attrs[] = {
    {.name = "name", .type = &tf_type_string, .flags = TF_REQUIRED,
     .description = "Node group name (1-63 characters).",
     .validate = res_validate_eks_nodegroup_name},
    {.name = "instance_types", .type = &tf_type_list_string, .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "EC2 instance types; several help SPOT capacity.",
     .validate = res_validate_instance_type, .default_json = "[\"m6i.large\"]"},
    {.name = "capacity_type", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "ON_DEMAND or SPOT (default: SPOT for economy tier clusters, else "
                    "ON_DEMAND).",
     .validate = res_validate_enum, .validate_arg = capacity_types},
    {.name = "min_size", .type = &tf_type_number, .flags = TF_REQUIRED,
     .description = "Minimum number of nodes (0-450).", .validate = res_validate_int_range,
     .validate_arg = &size_range},
    {.name = "max_size", .type = &tf_type_number, .flags = TF_REQUIRED,
     .description = "Maximum number of nodes (1-450).", .validate = res_validate_int_range,
     .validate_arg = &max_size_range},
    {.name = "desired_size", .type = &tf_type_number, .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Initial number of nodes (default: min_size, at least 1). Applied on create "
                    "only: the autoscaler owns it afterwards, so it never shows as drift.",
     .validate = res_validate_int_range, .validate_arg = &size_range},
    {.name = "disk_size", .type = &tf_type_number, .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Root volume size in GiB.", .validate = res_validate_int_range,
     .validate_arg = &disk_range, .default_json = "20"},
    {.name = "ami_type", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "EKS AMI type (default AL2023_x86_64_STANDARD).",
     .validate = res_validate_enum, .validate_arg = ami_types,
     .default_json = "\"AL2023_x86_64_STANDARD\""},
    {.name = "labels", .type = &tf_type_map_string, .flags = TF_OPTIONAL,
     .description = "Kubernetes labels of the nodes.", .validate = res_validate_k8s_labels},
    {.name = "arn", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "Node group ARN."},
    {.name = "status", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "Node group status."},
    {.name = "version", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "Kubernetes version of the nodes."},
    {.name = "eks_name", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "The node group's name in EKS: name, or name-<8 hex> once a change EKS "
                    "cannot make in place replaced it (create-before-destroy)."},
    {.name = "tags_all", .type = &tf_type_map_string, .flags = TF_COMPUTED,
     .description = "Tags of the node group as EKS holds them: the cluster's tags_all. The "
                    "bookkeeping tags unicron:node-group and unicron:desired-size and the keys "
                    "the provider's ignore_tags names are left out. A tag changed, removed or "
                    "added outside Terraform shows here; apply puts the tags back."},
};
static const struct tf_block_type node_group_blocks[] = {
    {.name = "taint", .nesting = TF_NEST_LIST, .block = &taint_block, .max_items = 50,
     .description = "Kubernetes taints (at most 50)."},
};
static const struct tf_block node_group_block = {
    .attrs = node_group_attrs,
    .nattrs = sizeof node_group_attrs / sizeof node_group_attrs[0],
    .blocks = node_group_blocks,
    .nblocks = sizeof node_group_blocks / sizeof node_group_blocks[0],
    .description = "An EKS managed node group. Fields EKS cannot change in place are changed by "
                   "creating the new group first, then deleting the old one.",
};

static const struct tf_attr access_entry_attrs[] = {
    {.name = "principal_arn", .type = &tf_type_string, .flags = TF_REQUIRED,
     .description = "IAM role or user ARN given access to the cluster.",
     .validate = res_validate_iam_principal_arn},
    {.name = "policy", .type = &tf_type_string, .flags = TF_REQUIRED,
     .description = "EKS access policy: its name (AmazonEKSViewPolicy, AmazonEKSEditPolicy, "
                    "AmazonEKSAdminPolicy, AmazonEKSClusterAdminPolicy, ...) or its full ARN.",
     .validate = res_validate_access_policy},
    {.name = "namespaces", .type = &tf_type_set_string, .flags = TF_OPTIONAL,
     .description = "Kubernetes namespaces the policy is limited to (default: the whole "
                    "cluster).",
     .validate = res_validate_k8s_namespace},
};
static const struct tf_block access_entry_block = {
    .attrs = access_entry_attrs,
    .nattrs = sizeof access_entry_attrs / sizeof access_entry_attrs[0],
    .description = "An EKS access entry with one access policy.",
};

static const struct tf_attr cluster_attrs[] = {
    {.name = "id", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "<account_id>/<name>."},
    {.name = "account_id", .type = &tf_type_string, .flags = TF_REQUIRED | TF_FORCE_NEW,
     .description = "Tenant account the cluster lives in (e.g. "
                    "unicron_tenant.x.account_ids[\"dev\"]).",
     .validate = res_validate_account_id},
    {.name = "name", .type = &tf_type_string, .flags = TF_REQUIRED | TF_FORCE_NEW,
     .description = "EKS cluster name.", .validate = res_validate_eks_cluster_name},
    {.name = "kubernetes_version", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Kubernetes minor (\"1.NN\"); upgraded in place one minor at a time, never "
                    "downgraded.",
     .validate = res_validate_k8s_version, .default_json = "\"1.35\""},
    {.name = "subnet_ids", .type = &tf_type_set_string, .flags = TF_REQUIRED,
     .description = "Subnets of the cluster and its node groups (at least two, in two "
                    "availability zones).",
     .validate = res_validate_subnet_id},
    {.name = "security_group_ids", .type = &tf_type_set_string, .flags = TF_OPTIONAL,
     .description = "Extra security groups for the control plane ENIs.",
     .validate = res_validate_security_group_id},
    {.name = "endpoint_private_access", .type = &tf_type_bool, .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Reach the API server from inside the VPC (default false).",
     .default_json = "false"},
    {.name = "endpoint_public_access", .type = &tf_type_bool, .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Reach the API server from the internet (default true).",
     .default_json = "true"},
    {.name = "public_access_cidrs", .type = &tf_type_set_string, .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "CIDR blocks allowed to reach the public endpoint (default 0.0.0.0/0).",
     .validate = res_validate_cidr, .default_json = "[\"0.0.0.0/0\"]"},
    {.name = "enabled_log_types", .type = &tf_type_set_string, .flags = TF_OPTIONAL,
     .description = "Control plane logs: api, audit, authenticator, controllerManager, "
                    "scheduler.",
     .validate = res_validate_enum, .validate_arg = log_types},
    {.name = "tier", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "critical, standard (default) or economy; economy node groups default to "
                    "SPOT.",
     .validate = res_validate_enum, .validate_arg = tiers, .default_json = "\"standard\""},
    {.name = "tags", .type = &tf_type_map_string, .flags = TF_OPTIONAL,
     .description = "Tags of the cluster and its node groups.", .validate = res_validate_tags},
    {.name = "tags_all", .type = &tf_type_map_string, .flags = TF_COMPUTED,
     .description = "Provider default_tags, tags, and the unicron:* tags."},
    {.name = "arn", .type = &tf_type_string, .flags = TF_COMPUTED, .description = "Cluster ARN."},
    {.name = "endpoint", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "Kubernetes API server URL."},
    {.name = "certificate_authority_data", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "Base64 PEM of the cluster CA."},
    {.name = "oidc_issuer_url", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "OIDC issuer URL (IRSA)."},
    {.name = "oidc_provider_arn", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "ARN of the cluster's IAM OIDC provider (for IRSA trust policies)."},
    {.name = "cluster_security_group_id", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "The security group EKS made for the control plane and nodes."},
    {.name = "platform_version", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "EKS platform version (eks.N)."},
    {.name = "status", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "Cluster status."},
    {.name = "cluster_role_arn", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "IAM role of the control plane."},
    {.name = "node_role_arn", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "IAM role of the nodes."},
    {.name = "tenant_access_entries", .type = &tf_type_map_string, .flags = TF_COMPUTED,
     .description = "Access entries unicron keeps for the tenant's access roles that exist in the "
                    "account (unicron-admin, unicron-developer, unicron-readonly): role name -> "
                    "access policy; \"\" while an entry is missing (the next apply restores it)."},
    {.name = "kubeconfig", .type = &tf_type_string, .flags = TF_COMPUTED,
     .description = "A kubeconfig (YAML) for the cluster using `aws eks get-token` exec "
                    "authentication through the account-access role; holds no secret."},
};

static const struct tf_block_type cluster_blocks[] = {
    {.name = "node_group", .nesting = TF_NEST_LIST, .block = &node_group_block,
     .description = "Managed node groups."},
    {.name = "access_entry", .nesting = TF_NEST_LIST, .block = &access_entry_block,
     .description = "Access entries beyond the automatic ones of the tenant's access roles "
                    "(unicron-admin, unicron-developer, unicron-readonly)."},
    {.name = "timeouts", .nesting = TF_NEST_SINGLE, .block = &res_timeouts_block},
};

static const struct tf_block cluster_block = {
    .attrs = cluster_attrs,
    .nattrs = sizeof cluster_attrs / sizeof cluster_attrs[0],
    .blocks = cluster_blocks,
    .nblocks = sizeof cluster_blocks / sizeof cluster_blocks[0],
    .description = "An EKS cluster in a tenant account with managed node groups.",
};

static const struct tf_schema cluster_schema = {.version = 0, .block = &cluster_block};

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
    const struct tf_value *subnets = tf_value_attr(config, "subnet_ids");
    if (res_is_set(subnets) && tf_value_is_wholly_known(subnets) && subnets->count < 2) {
        struct tf_path p = tf_path_attr(NULL, "subnet_ids");
        tf_diag_error(ctx->diags, &p, "Too few subnets",
                      "EKS needs subnets in at least two availability zones: give at least two "
                      "subnet_ids (%zu given).",
                      subnets->count);
    }
    const struct tf_value *entries = tf_value_attr(config, "access_entry");
    struct tf_path abase = tf_path_attr(NULL, "access_entry");
    for (size_t i = 0; res_is_set(entries) && i < entries->count; i++) {
        const char *pr = tf_value_str(tf_value_attr(entries->elems[i], "principal_arn"));
        for (size_t j = 0; pr != NULL && j < i; j++) {
            const char *other = tf_value_str(tf_value_attr(entries->elems[j], "principal_arn"));
            if (other == NULL || strcmp(other, pr) != 0)
                continue;
            struct tf_path p = tf_path_index(&abase, (int64_t)i);
            p = tf_path_attr(&p, "principal_arn");
            tf_diag_error(ctx->diags, &p, "Duplicate access entry",
                          "%s already has access_entry block %zu: EKS keeps one access entry "
                          "per principal, with one policy here.",
                          pr, j + 1);
            break;
        }
        const char *acct = tf_value_str(tf_value_attr(config, "account_id"));
        for (int k = 0; pr != NULL && acct != NULL && strstr(pr, acct) != NULL && k < 3; k++) {
            static const char *const tenant_roles[] = {":role/unicron-admin",
                                                       ":role/unicron-developer",
                                                       ":role/unicron-readonly"};
            size_t lp = strlen(pr), lr = strlen(tenant_roles[k]);
            if (lp > lr && strcmp(pr + lp - lr, tenant_roles[k]) == 0) {
                struct tf_path p = tf_path_index(&abase, (int64_t)i);
                p = tf_path_attr(&p, "principal_arn");
                tf_diag_error(ctx->diags, &p, "Access entry managed by unicron",
                              "%s is a tenant access role: unicron gives it its access entry "
                              "automatically. Remove this block.",
                              pr);
            }
        }
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

/* name-<8 hex of the replace-only fields>: the EKS name of a replacement group; unknown while
 * a field is unknown. */
static struct tf_value *replacement_name(struct uc_arena *a, const struct tf_value *ng)
{
    struct uc_buf b;
    char h[65], out[80];
    const char *name = tf_value_str(tf_value_attr(ng, "name"));
    uc_buf_init(&b);
    for (size_t i = 0; i < sizeof replace_only_fields / sizeof replace_only_fields[0]; i++) {
        const struct tf_value *v = tf_value_attr(ng, replace_only_fields[i]);
        if (name == NULL || !tf_value_is_wholly_known(v)) {
            uc_buf_release(&b);
            return tf_value_unknown(a, &tf_type_string);
        }
        uc_buf_printf(&b, "%s=%s;", replace_only_fields[i], tf_value_debug(a, v));
    }
    res_sha256_hex(b.err == UC_OK ? uc_buf_str(&b) : "", h, sizeof h);
    uc_buf_release(&b);
    snprintf(out, sizeof out, "%.54s-%.8s", name, h);
    return tf_value_string(a, out);
}

static struct tf_value *plan_node_group(struct uc_arena *a, const struct tf_value *prior_ngs,
                                        const struct tf_value *cfg_ng, struct tf_value *ng,
                                        const struct tf_value *tier, bool version_changes,
                                        bool replacing, struct tf_value *tags_all)
{
    /* every node group carries the cluster's tags_all: a drifted group plans them back */
    if ((ng = tf_value_with_attr(a, ng, "tags_all", tags_all)) == NULL)
        return NULL;
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
    /* The EKS name: the user's for a new group, a suffixed one for a replacement (the old group
     * still exists while the new one is created), else the prior one. */
    struct tf_value *eks_name = NULL;
    if (old == NULL)
        eks_name = tf_value_attr(ng, "name");
    else if (recreated)
        eks_name = replacement_name(a, ng);
    else if (!res_is_set(tf_value_attr(ng, "eks_name")))
        eks_name = tf_value_attr(ng, "name");
    if (eks_name != NULL && (ng = tf_value_with_attr(a, ng, "eks_name", eks_name)) == NULL)
        return NULL;
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

    static const char *const own_keys[] = {"unicron:cluster", "unicron:tier"};
    const struct tf_value *own_vals[] = {tf_value_attr(config, "name"), tf_value_attr(p, "tier")};
    struct tf_value *tags_all =
        res_tags_all(a, res_provider_default_tags(ctx ? ctx->provider : NULL),
                     tf_value_attr(config, "tags"), own_keys, own_vals, 2);
    if (tags_all != NULL)
        tags_all = res_provider_plan_tags(a, ctx ? ctx->provider : NULL, tags_all, d);
    if (tags_all == NULL || (p = tf_value_with_attr(a, p, "tags_all", tags_all)) == NULL)
        goto oom;

    struct tf_value *ngs = tf_value_attr(p, "node_group");
    const struct tf_value *cfg_ngs = tf_value_attr(config, "node_group");
    if (res_is_set(ngs) && res_is_set(cfg_ngs) && ngs->count == cfg_ngs->count) {
        struct tf_value **elems = uc_arena_calloc(a, ngs->count + 1, sizeof *elems);
        if (elems == NULL)
            goto oom;
        const struct tf_value *prior_ngs = update ? tf_value_attr(prior, "node_group") : NULL;
        for (size_t i = 0; i < ngs->count; i++) {
            elems[i] = plan_node_group(a, prior_ngs, cfg_ngs->elems[i], ngs->elems[i],
                                       tf_value_attr(p, "tier"), version_changes, !update,
                                       tags_all);
            if (elems[i] == NULL)
                goto oom;
        }
        ngs = tf_value_list(a, ngs->type, elems, ngs->count);
        if (ngs == NULL || (p = tf_value_with_attr(a, p, "node_group", ngs)) == NULL)
            goto oom;
    }

    /* the tenant roles' access entries: every role read as present gets its policy back */
    const struct tf_value *ta = tf_value_attr(p, "tenant_access_entries");
    if (update && res_is_set(ta) && tf_value_is_wholly_known(ta)) {
        static const char *const roles[] = {"unicron-admin", "unicron-developer",
                                            "unicron-readonly"};
        static const char *const policies[] = {"AmazonEKSClusterAdminPolicy",
                                               "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"};
        struct tf_value **vals = uc_arena_calloc(a, ta->count + 1, sizeof *vals);
        if (vals == NULL)
            goto oom;
        for (size_t i = 0; i < ta->count; i++) {
            vals[i] = ta->elems[i];
            for (size_t k = 0; k < 3; k++)
                if (strcmp(ta->keys[i], roles[k]) == 0 &&
                    (vals[i] = tf_value_string(a, policies[k])) == NULL)
                    goto oom;
        }
        struct tf_value *m = tf_value_map(a, &tf_type_map_string, ta->keys, vals, ta->count);
        if (m == NULL || (p = tf_value_with_attr(a, p, "tenant_access_entries", m)) == NULL)
            goto oom;
    }

    *planned = p;
    return;
oom:
    tf_diag_error(d, NULL, "Out of memory", "Planning unicron_cluster ran out of memory.");
}

static const struct tf_plan_hooks cluster_hooks = {cluster_element_key, cluster_modify, NULL};

/* --- conversions between Terraform values and AWS objects ----------------------------------- *
 *
 * Names. The control plane role is unicron-<cluster>-cluster, the node role unicron-<cluster>-node
 * (res_cluster_role_name). A node group is named in EKS as configured until a change EKS cannot
 * make in place replaces it: the new group is <name>-<8 hex> (eks_name in the state). Every
 * object carries unicron:cluster = <name>; node groups also unicron:node-group = <Terraform name>,
 * which import reads back. The tenant's access roles unicron-admin / -developer / -readonly get
 * access entries automatically; access_entry blocks add more. Entries EKS makes itself (the node
 * role's EC2_LINUX entry, the cluster creator's) are never read as configuration.
 */

static const char *const tenant_roles[] = {"unicron-admin", "unicron-developer",
                                           "unicron-readonly"};
static const char *const tenant_role_policies[] = {"AmazonEKSClusterAdminPolicy",
                                                   "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"};

static const char *partition_of(const char *region)
{
    if (strncmp(region, "cn-", 3) == 0)
        return "aws-cn";
    if (strncmp(region, "us-gov-", 7) == 0)
        return "aws-us-gov";
    if (strncmp(region, "us-iso", 6) == 0)
        return "aws-iso";
    return "aws";
}

static const char *cluster_where(struct uc_arena *a, const struct res_cluster_op *op)
{
    return uc_arena_printf(a, "Cluster %s (account %s)", op->name, op->account_id);
}

/* The session inside the cluster's account, region and partition. settled: the account's access
 * role is known to work (refresh, delete), so AccessDenied fails fast. */
static bool op_init(struct res_cluster_op *op, struct res_ctx *ctx, const struct tf_value *obj,
                    const char *timeout, int64_t dflt_ns, bool settled)
{
    struct aws_error err;
    aws_error_clear(&err);
    memset(op, 0, sizeof *op);
    op->account_id = tf_value_str(tf_value_attr(obj, "account_id"));
    op->name = tf_value_str(tf_value_attr(obj, "name"));
    op->opts = res_call_opts(ctx, obj, timeout, dflt_ns, false);
    if (ctx->provider == NULL || ctx->provider->client == NULL || op->account_id == NULL ||
        op->name == NULL) {
        tf_diag_error(ctx->diags, NULL, "Provider not ready",
                      "The AWS client of the unicron provider is not available, or the cluster "
                      "has no account_id / name.");
        return false;
    }
    op->client = ctx->provider->client;
    op->provider = ctx->provider;
    if (aws_client_resolve(op->client, &err) != UC_OK) {
        res_aws_diag(ctx->diags, NULL, NULL, &err);
        return false;
    }
    snprintf(op->region, sizeof op->region, "%s", aws_client_region(op->client));
    snprintf(op->partition, sizeof op->partition, "%s", partition_of(op->region));
    op->s = res_org_member_session(op->client, op->account_id, settled, &op->opts, &err);
    if (op->s == NULL) {
        struct tf_path p = tf_path_attr(NULL, "account_id");
        res_aws_diag(ctx->diags, &p, cluster_where(ctx->arena, op), &err);
        return false;
    }
    return true;
}

static json_t *string_array(const struct tf_value *v)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && res_is_set(v) && i < v->count; i++)
        if (tf_value_str(v->elems[i]) != NULL)
            json_array_append_new(arr, json_string(tf_value_str(v->elems[i])));
    return arr;
}

static json_t *string_object(const struct tf_value *m)
{
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && res_is_set(m) && i < m->count; i++)
        if (tf_value_str(m->elems[i]) != NULL)
            json_object_set_new(o, m->keys[i], json_string(tf_value_str(m->elems[i])));
    return o;
}

static int64_t int_of(const struct tf_value *obj, const char *name, int64_t dflt)
{
    int64_t v = dflt;
    if (!get_int(obj, name, &v))
        v = dflt;
    return v;
}

static struct tf_value *list_of_strings(struct uc_arena *a, const struct tf_type *t,
                                        const json_t *arr, bool set)
{
    size_t n = json_array_size(arr), m = 0;
    struct tf_value **el = uc_arena_calloc(a, n + 1, sizeof *el);
    if (el == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (s != NULL && (el[m++] = tf_value_string(a, s)) == NULL)
            return NULL;
    }
    return set ? tf_value_set(a, t, el, m) : tf_value_list(a, t, el, m);
}

static struct tf_value *map_of_strings(struct uc_arena *a, const json_t *obj)
{
    size_t n = json_object_size(obj), m = 0;
    const char **keys = uc_arena_calloc(a, n + 1, sizeof *keys);
    struct tf_value **vals = uc_arena_calloc(a, n + 1, sizeof *vals);
    const char *k;
    json_t *v;
    if (keys == NULL || vals == NULL)
        return NULL;
    json_object_foreach((json_t *)obj, k, v) {
        if (!json_is_string(v))
            continue;
        keys[m] = uc_arena_strdup(a, k);
        if (keys[m] == NULL || (vals[m] = tf_value_string(a, json_string_value(v))) == NULL)
            return NULL;
        m++;
    }
    return tf_value_map(a, &tf_type_map_string, keys, vals, m);
}

/* An object of type t with every attribute null, nested block lists empty. */
static struct tf_value *empty_object(struct uc_arena *a, const struct tf_type *t)
{
    struct tf_value **vals = uc_arena_calloc(a, t->count + 1, sizeof *vals);
    if (vals == NULL)
        return NULL;
    for (size_t i = 0; i < t->count; i++) {
        const struct tf_type *m = t->members[i];
        bool block_list = (m->kind == TF_LIST || m->kind == TF_SET) && m->elem != NULL &&
                          m->elem->kind == TF_OBJECT;
        vals[i] = block_list ? tf_value_list(a, m, NULL, 0) : tf_value_null(a, m);
        if (vals[i] == NULL)
            return NULL;
    }
    return tf_value_object(a, t, vals);
}

/* Sets attr of *v to x (NULL x = out of memory: *v becomes NULL). */
static void set_attr(struct uc_arena *a, struct tf_value **v, const char *attr, struct tf_value *x)
{
    if (*v != NULL)
        *v = x != NULL ? tf_value_with_attr(a, *v, attr, x) : NULL;
}

static bool transitional(const char *status)
{
    return status != NULL && (strcmp(status, "CREATING") == 0 || strcmp(status, "UPDATING") == 0);
}

/* A node group's tags_all from its EKS tags: the cluster's tags_all as the group holds them,
 * without its bookkeeping tags (unicron:node-group, unicron:desired-size) and without the keys
 * ignore_tags names (someone else's: never drift). */
static struct tf_value *ng_tags_all(struct res_ctx *ctx, const json_t *tags)
{
    json_t *visible = json_is_object(tags) ? json_deep_copy(tags) : json_object();
    if (visible == NULL)
        return NULL;
    json_object_del(visible, RES_CLUSTER_TAG_NODE_GROUP);
    json_object_del(visible, RES_CLUSTER_TAG_DESIRED);
    res_provider_drop_ignored_tags(ctx->provider, visible);
    struct tf_value *out = map_of_strings(ctx->arena, visible);
    json_decref(visible);
    return out;
}

/* The node group element of state: base (the element so far; NULL on import) with what EKS
 * holds. desired_size is never taken from EKS while base has one (the autoscaler owns it). */
static struct tf_value *ng_to_state(struct res_ctx *ctx, const struct tf_type *elem_t,
                                    const struct tf_value *base, const json_t *ng,
                                    const char *tf_name, size_t index)
{
    struct uc_arena *a = ctx->arena;
    struct tf_value *e = base != NULL ? (struct tf_value *)base : empty_object(a, elem_t);
    const json_t *sc = json_object_get(ng, "scalingConfig");
    const char *status = json_string_value(json_object_get(ng, "status"));
    const char *eks_name = json_string_value(json_object_get(ng, "nodegroupName"));
    set_attr(a, &e, "name", tf_value_string(a, tf_name));
    set_attr(a, &e, "eks_name", res_str_or_null(a, eks_name));
    set_attr(a, &e, "instance_types",
             list_of_strings(a, &tf_type_list_string, json_object_get(ng, "instanceTypes"),
                             false));
    set_attr(a, &e, "capacity_type",
             res_str_or_null(a, json_string_value(json_object_get(ng, "capacityType"))));
    set_attr(a, &e, "ami_type",
             res_str_or_null(a, json_string_value(json_object_get(ng, "amiType"))));
    set_attr(a, &e, "min_size",
             tf_value_int(a, json_integer_value(json_object_get(sc, "minSize"))));
    set_attr(a, &e, "max_size",
             tf_value_int(a, json_integer_value(json_object_get(sc, "maxSize"))));
    if (e != NULL && !res_is_set(tf_value_attr(e, "desired_size"))) {
        /* import: the size it was created with (unicron:desired-size), else EKS's current */
        const char *tag = json_string_value(
            json_object_get(json_object_get(ng, "tags"), RES_CLUSTER_TAG_DESIRED));
        struct tf_value *dv = tag != NULL ? tf_value_number_text(a, tag) : NULL;
        set_attr(a, &e, "desired_size",
                 dv != NULL ? dv
                            : tf_value_int(a, json_integer_value(
                                                  json_object_get(sc, "desiredSize"))));
    }
    const json_t *disk = json_object_get(ng, "diskSize");
    if (json_is_integer(disk))
        set_attr(a, &e, "disk_size", tf_value_int(a, json_integer_value(disk)));
    else if (e != NULL && !tf_value_is_known(tf_value_attr(e, "disk_size")))
        set_attr(a, &e, "disk_size", tf_value_null(a, &tf_type_number));
    const json_t *labels = json_object_get(ng, "labels");
    if (json_object_size(labels) == 0 && e != NULL && !res_is_set(tf_value_attr(e, "labels")))
        set_attr(a, &e, "labels", tf_value_null(a, &tf_type_map_string));
    else
        set_attr(a, &e, "labels", map_of_strings(a, labels));
    /* taints: the base's order when EKS holds the same set */
    if (e != NULL) {
        const struct tf_value *old = tf_value_attr(e, "taint");
        const struct tf_type *lt = old != NULL ? old->type : NULL;
        const json_t *taints = json_object_get(ng, "taints");
        size_t n = json_array_size(taints);
        struct tf_value **el = uc_arena_calloc(a, n + 1, sizeof *el);
        if (el == NULL || lt == NULL) {
            e = NULL;
        } else {
            for (size_t i = 0; i < n && e != NULL; i++) {
                const json_t *t = json_array_get(taints, i);
                struct tf_value *x = empty_object(a, lt->elem);
                set_attr(a, &x, "key",
                         res_str_or_null(a, json_string_value(json_object_get(t, "key"))));
                const char *val = json_string_value(json_object_get(t, "value"));
                set_attr(a, &x, "value",
                         val ? tf_value_string(a, val) : tf_value_null(a, &tf_type_string));
                set_attr(a, &x, "effect",
                         res_str_or_null(a, json_string_value(json_object_get(t, "effect"))));
                if ((el[i] = x) == NULL)
                    e = NULL;
            }
            struct tf_value *list = e ? tf_value_list(a, lt, el, n) : NULL;
            bool same = list != NULL && res_is_set(old) && old->count == n &&
                        tf_value_is_wholly_known(old);
            for (size_t i = 0; same && i < n; i++) {
                bool found = false;
                for (size_t j = 0; j < n && !found; j++)
                    found = tf_value_equal(old->elems[i], list->elems[j]);
                same = found;
            }
            if (!same)
                set_attr(a, &e, "taint", list);
        }
    }
    set_attr(a, &e, "tags_all", ng_tags_all(ctx, json_object_get(ng, "tags")));
    set_attr(a, &e, "arn",
             res_str_or_null(a, json_string_value(json_object_get(ng, "nodegroupArn"))));
    set_attr(a, &e, "version",
             res_str_or_null(a, json_string_value(json_object_get(ng, "version"))));
    const char *old_status = base ? tf_value_str(tf_value_attr(base, "status")) : NULL;
    if (transitional(status)) {
        struct tf_path p = tf_path_attr(NULL, "node_group");
        p = tf_path_index(&p, (int64_t)index);
        tf_diag_warning(ctx->diags, &p, "Node group is changing",
                        "EKS node group %s is %s (a change in progress, possibly outside "
                        "Terraform). Its values are read as they are now; refresh again once it "
                        "is ACTIVE.",
                        eks_name ? eks_name : tf_name, status);
        if (old_status != NULL && !transitional(old_status))
            status = old_status;
    }
    set_attr(a, &e, "status", res_str_or_null(a, status));
    return e;
}

/* EKS tags without the ones unicron writes and the provider's default_tags (import's tags). */
static struct tf_value *user_tags(struct uc_arena *a, const json_t *tags,
                                  const struct tf_value *defaults)
{
    json_t *t = json_deep_copy(tags ? tags : json_object());
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(t, tmp, k, v) {
        const char *dv = tf_value_str(tf_value_map_get(defaults, k));
        if (strncmp(k, "unicron:", 8) == 0 ||
            (dv != NULL && json_is_string(v) && strcmp(dv, json_string_value(v)) == 0))
            json_object_del(t, k);
    }
    struct tf_value *out = json_object_size(t) ? map_of_strings(a, t)
                                               : tf_value_null(a, &tf_type_map_string);
    json_decref(t);
    return out;
}

/* The timeouts block an import gets back from the unicron:timeouts tag (NULL: none). */
static struct tf_value *timeouts_from_tag(struct uc_arena *a, const struct tf_type *t,
                                          const char *meta)
{
    struct tf_value *v = meta != NULL && meta[0] ? empty_object(a, t) : NULL;
    char buf[160];
    if (v == NULL)
        return NULL;
    snprintf(buf, sizeof buf, "%s", meta);
    for (char *p = buf, *save = NULL, *tok; (tok = strtok_r(p, " ", &save)) != NULL; p = NULL) {
        char *eq = strchr(tok, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        if (strcmp(tok, "create") == 0 || strcmp(tok, "update") == 0 ||
            strcmp(tok, "delete") == 0)
            set_attr(a, &v, tok, tf_value_string(a, eq + 1));
    }
    return v;
}

/* The cluster attributes of state from the Cluster object c, on top of v. */
static struct tf_value *cluster_to_state(struct res_ctx *ctx, const struct res_cluster_op *op,
                                         struct tf_value *v, const json_t *c, bool import)
{
    struct uc_arena *a = ctx->arena;
    const json_t *vpc = json_object_get(c, "resourcesVpcConfig");
    const char *status = json_string_value(json_object_get(c, "status"));
    const char *version = json_string_value(json_object_get(c, "version"));
    const json_t *tags = json_object_get(c, "tags");
    char buf[600];
    set_attr(a, &v, "id",
             tf_value_string(a, uc_arena_printf(a, "%s/%s", op->account_id, op->name)));
    set_attr(a, &v, "kubernetes_version", res_str_or_null(a, version));
    set_attr(a, &v, "subnet_ids",
             list_of_strings(a, &tf_type_set_string, json_object_get(vpc, "subnetIds"), true));
    const json_t *sgs = json_object_get(vpc, "securityGroupIds");
    if (json_array_size(sgs) == 0 && v != NULL &&
        !res_is_set(tf_value_attr(v, "security_group_ids")))
        set_attr(a, &v, "security_group_ids", tf_value_null(a, &tf_type_set_string));
    else
        set_attr(a, &v, "security_group_ids", list_of_strings(a, &tf_type_set_string, sgs, true));
    set_attr(a, &v, "endpoint_private_access",
             tf_value_bool(a, json_is_true(json_object_get(vpc, "endpointPrivateAccess"))));
    set_attr(a, &v, "endpoint_public_access",
             tf_value_bool(a, json_is_true(json_object_get(vpc, "endpointPublicAccess"))));
    set_attr(a, &v, "public_access_cidrs",
             list_of_strings(a, &tf_type_set_string, json_object_get(vpc, "publicAccessCidrs"),
                             true));
    json_t *logs = json_array();
    size_t i, j;
    json_t *entry, *t;
    json_array_foreach(json_object_get(json_object_get(c, "logging"), "clusterLogging"), i,
                       entry) {
        if (!json_is_true(json_object_get(entry, "enabled")))
            continue;
        json_array_foreach(json_object_get(entry, "types"), j, t) json_array_append(logs, t);
    }
    if (json_array_size(logs) == 0 && v != NULL &&
        !res_is_set(tf_value_attr(v, "enabled_log_types")))
        set_attr(a, &v, "enabled_log_types", tf_value_null(a, &tf_type_set_string));
    else
        set_attr(a, &v, "enabled_log_types", list_of_strings(a, &tf_type_set_string, logs, true));
    json_decref(logs);
    /* tags the provider's ignore_tags names are someone else's: never drift */
    json_t *visible = tags != NULL ? json_deep_copy(tags) : json_object();
    res_provider_drop_ignored_tags(ctx->provider, visible);
    set_attr(a, &v, "tags_all", map_of_strings(a, visible));
    if (import && v != NULL) {
        /* the timeouts the cluster was applied with, from its role's unicron:timeouts tag */
        struct res_iam_role_state rs;
        struct aws_error err;
        char rname[96];
        res_iam_role_state_init(&rs);
        aws_error_clear(&err);
        if (res_iam_role_read(op->s, res_cluster_role_name(op->name, false, rname, sizeof rname),
                              &op->opts, &rs, &err) == UC_OK && rs.exists) {
            const char *meta = json_string_value(json_object_get(rs.tags,
                                                                 RES_CLUSTER_TAG_TIMEOUTS));
            const struct tf_value *cur = tf_value_attr(v, "timeouts");
            struct tf_value *to = cur ? timeouts_from_tag(a, cur->type, meta) : NULL;
            if (to != NULL)
                set_attr(a, &v, "timeouts", to);
        }
        res_iam_role_state_release(&rs);
    }
    const char *tier = json_string_value(json_object_get(tags, RES_CLUSTER_TAG_TIER));
    if (tier != NULL)
        set_attr(a, &v, "tier", tf_value_string(a, tier));
    else if (v != NULL && !tf_value_is_known(tf_value_attr(v, "tier")))
        set_attr(a, &v, "tier", tf_value_string(a, "standard"));
    if (import)
        set_attr(a, &v, "tags",
                 user_tags(a, visible, res_provider_default_tags(ctx->provider)));
    json_decref(visible);
    const char *arn = json_string_value(json_object_get(c, "arn"));
    const char *endpoint = json_string_value(json_object_get(c, "endpoint"));
    const char *ca = json_string_value(
        json_object_get(json_object_get(c, "certificateAuthority"), "data"));
    set_attr(a, &v, "arn", res_str_or_null(a, arn));
    set_attr(a, &v, "endpoint", res_str_or_null(a, endpoint));
    set_attr(a, &v, "certificate_authority_data", res_str_or_null(a, ca));
    set_attr(a, &v, "oidc_issuer_url",
             res_str_or_null(a, json_string_value(json_object_get(
                                    json_object_get(json_object_get(c, "identity"), "oidc"),
                                    "issuer"))));
    set_attr(a, &v, "platform_version",
             res_str_or_null(a, json_string_value(json_object_get(c, "platformVersion"))));
    set_attr(a, &v, "cluster_security_group_id",
             res_str_or_null(a, json_string_value(json_object_get(vpc, "clusterSecurityGroupId"))));
    set_attr(a, &v, "cluster_role_arn",
             res_str_or_null(a, json_string_value(json_object_get(c, "roleArn"))));
    snprintf(buf, sizeof buf, "arn:%s:iam::%s:role/", op->partition, op->account_id);
    size_t l = strlen(buf);
    res_cluster_role_name(op->name, true, buf + l, sizeof buf - l);
    set_attr(a, &v, "node_role_arn", tf_value_string(a, buf));
    char role[320];
    snprintf(role, sizeof role, "arn:%s:iam::%s:role/%s", op->partition, op->account_id,
             ctx->provider->account_access_role_name);
    set_attr(a, &v, "kubeconfig",
             res_str_or_null(a, res_cluster_kubeconfig(a, op->name, arn, endpoint, ca, op->region,
                                                      role)));
    const char *old_status = v ? tf_value_str(tf_value_attr(v, "status")) : NULL;
    if (transitional(status)) {
        tf_diag_warning(ctx->diags, NULL, "Cluster is changing",
                        "EKS cluster %s is %s (a change in progress, possibly outside "
                        "Terraform). Its values are read as they are now; refresh again once it "
                        "is ACTIVE.",
                        op->name, status);
        if (old_status != NULL && !transitional(old_status))
            status = old_status;
    }
    set_attr(a, &v, "status", res_str_or_null(a, status));
    return v;
}

/* The tenant access role ARN of kind k in the cluster's account into buf. */
static const char *tenant_role_arn(const struct res_cluster_op *op, int k, char *buf, size_t n)
{
    snprintf(buf, n, "arn:%s:iam::%s:role/%s", op->partition, op->account_id, tenant_roles[k]);
    return buf;
}

/* The read of one tenant access role and of its access entry's policies (res_fanout_each item:
 * it writes only itself). */
struct tenant_role_read {
    const struct res_cluster_op *op;
    int k;
    char arn[256], policy_arn[256];
    struct res_access_want want;
    uc_status st;
    struct aws_error err;
    bool exists;
    json_t *pol; /* the entry's associated policies when the role exists (owned) */
};

static void tenant_role_read_init(struct tenant_role_read *r, const struct res_cluster_op *op,
                                  int k)
{
    memset(r, 0, sizeof *r);
    r->op = op;
    r->k = k;
    aws_error_clear(&r->err);
    r->want.principal = tenant_role_arn(op, k, r->arn, sizeof r->arn);
    r->want.policy_arn =
        res_access_policy_arn(op, tenant_role_policies[k], r->policy_arn, sizeof r->policy_arn);
}

/* GetRole (no policy list is needed: only whether the tenant has the role), then the entry. */
static void tenant_role_read_run(void *item)
{
    struct tenant_role_read *r = item;
    struct res_iam_role_state rs;
    r->st = res_iam_role_get(r->op->s, tenant_roles[r->k], &r->op->opts, &rs, &r->err);
    r->exists = r->st == UC_OK && rs.exists;
    res_iam_role_state_release(&rs);
    if (r->exists)
        r->st = res_access_read(r->op, r->want.principal, &r->pol, &r->err);
}

/* The access_entry element's wanted entry (namespaces array owned by the caller). */
static void entry_want(const struct res_cluster_op *op, const struct tf_value *e, char *arn,
                       size_t n, struct res_access_want *w, json_t **ns)
{
    const char *policy = tf_value_str(tf_value_attr(e, "policy"));
    *ns = string_array(tf_value_attr(e, "namespaces"));
    w->principal = tf_value_str(tf_value_attr(e, "principal_arn"));
    w->policy_arn = res_access_policy_arn(op, policy ? policy : "", arn, n);
    w->namespaces = *ns;
}

/* --- read: what EKS holds now ---------------------------------------------------------------- */

/* The state of the cluster as EKS holds it, on top of base (the prior state, the planned value
 * after apply, or an import skeleton). *gone when the cluster does not exist (NULL returned).
 * NULL with an error diagnostic on failure. import: node groups and access entries come from
 * EKS instead of base. */
static struct tf_value *read_cluster(struct res_ctx *ctx, const struct res_cluster_op *op,
                                     const struct tf_value *base, bool import, bool *gone)
{
    struct uc_arena *a = ctx->arena;
    struct aws_error err;
    json_t *c = NULL, *names = NULL;
    struct tf_value *v = (struct tf_value *)base, *result = NULL;
    const struct tf_value *ngs = tf_value_attr(base, "node_group");
    size_t n = 0;
    struct res_ng_work *ws = NULL;
    aws_error_clear(&err);
    *gone = false;
    if (res_cluster_describe(op, &c, &err) != UC_OK) {
        res_aws_diag(ctx->diags, NULL, cluster_where(a, op), &err);
        goto out;
    }
    if (c == NULL) {
        *gone = true;
        goto out;
    }
    if (strcmp(json_string_value(json_object_get(c, "status")) ? json_string_value(
                                                                    json_object_get(c, "status"))
                                                              : "",
               "DELETING") == 0) {
        *gone = true;
        goto out;
    }
    v = cluster_to_state(ctx, op, v, c, import);
    if (v == NULL)
        goto oom;
    const char *version = tf_value_str(tf_value_attr(v, "kubernetes_version"));
    if (version != NULL) {
        struct tf_path p = tf_path_attr(NULL, "kubernetes_version");
        res_eks_version_check_live(op->s, op->provider->eks_catalogue, version, false, &op->opts,
                                   &p, ctx->diags);
    }

    /* node groups: the state's (by eks_name), or on import every one EKS has */
    if (import) {
        if (res_ng_list(op, &names, &err) != UC_OK) {
            res_aws_diag(ctx->diags, NULL, cluster_where(a, op), &err);
            goto out;
        }
        n = json_array_size(names);
    } else {
        n = res_is_set(ngs) ? ngs->count : 0;
    }
    ws = uc_arena_calloc(a, n + 1, sizeof *ws);
    if (ws == NULL || !res_ng_works_init(ws, n, op))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        ws[i].step = RES_NG_READ;
        ws[i].index = i;
        if (import) {
            ws[i].eks_name = json_string_value(json_array_get(names, i));
            ws[i].name = ws[i].eks_name ? ws[i].eks_name : "";
        } else {
            const struct tf_value *e = ngs->elems[i];
            ws[i].name = tf_value_str(tf_value_attr(e, "name"));
            ws[i].eks_name = tf_value_str(tf_value_attr(e, "eks_name"));
            if (ws[i].eks_name == NULL)
                ws[i].eks_name = ws[i].name;
            if (ws[i].name == NULL)
                ws[i].name = ws[i].eks_name = "";
        }
    }
    res_ng_works_run(ws, n, ctx->diags);
    for (size_t i = 0; i < n; i++)
        if (!ws[i].ok)
            goto out;
    const struct tf_type *list_t = tf_value_attr(v, "node_group")->type;
    struct tf_value **el = uc_arena_calloc(a, n + 1, sizeof *el);
    size_t m = 0;
    if (el == NULL)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        if (ws[i].gone || ws[i].ng == NULL)
            continue; /* deleted outside Terraform: the plan creates it again */
        const char *tf_name = ws[i].name;
        if (import) {
            const char *tag = json_string_value(
                json_object_get(json_object_get(ws[i].ng, "tags"), RES_CLUSTER_TAG_NODE_GROUP));
            if (tag != NULL)
                tf_name = tag;
        }
        el[m] = ng_to_state(ctx, list_t->elem, import ? NULL : ngs->elems[i], ws[i].ng, tf_name,
                            i);
        if (el[m++] == NULL)
            goto oom;
    }
    set_attr(a, &v, "node_group", tf_value_list(a, list_t, el, m));

    /* access entries: the configured ones that still hold their policy (on import: every
     * entry with a policy that is neither a tenant role nor the account-access role) */
    const struct tf_value *entries = tf_value_attr(v, "access_entry");
    const struct tf_type *et = entries != NULL ? entries->type : NULL;
    if (et == NULL)
        goto oom;
    json_t *principals = NULL;
    size_t ne = 0;
    if (import) {
        if (res_access_list(op, &principals, &err) != UC_OK) {
            res_aws_diag(ctx->diags, NULL, cluster_where(a, op), &err);
            goto out;
        }
        ne = json_array_size(principals);
    } else {
        ne = res_is_set(entries) ? entries->count : 0;
    }
    struct tf_value **ael = uc_arena_calloc(a, ne + 1, sizeof *ael);
    size_t am = 0;
    char access_role[320];
    snprintf(access_role, sizeof access_role, "arn:%s:iam::%s:role/%s", op->partition,
             op->account_id, ctx->provider->account_access_role_name);
    for (size_t i = 0; ael != NULL && i < ne; i++) {
        json_t *pol = NULL, *ns = NULL;
        char parn[256];
        if (import) {
            const char *pr = json_string_value(json_array_get(principals, i));
            bool skip = pr == NULL || strcmp(pr, access_role) == 0;
            for (int k = 0; !skip && k < 3; k++)
                skip = strcmp(pr, tenant_role_arn(op, k, parn, sizeof parn)) == 0;
            if (skip)
                continue;
            if (res_access_read(op, pr, &pol, &err) != UC_OK) {
                res_aws_diag(ctx->diags, NULL, cluster_where(a, op), &err);
                json_decref(principals);
                goto out;
            }
            const json_t *p0 = json_array_get(pol, 0);
            const char *parn0 = json_string_value(json_object_get(p0, "policyArn"));
            const char *slash = parn0 ? strrchr(parn0, '/') : NULL;
            /* EKS's own entries for capability roles are the add-on's, not configuration */
            bool capability = slash != NULL && (strncmp(slash + 1, "AmazonEKSArgoCD", 15) == 0 ||
                                                strcmp(slash + 1, "AmazonEKSACKPolicy") == 0 ||
                                                strcmp(slash + 1, "AmazonEKSKROPolicy") == 0);
            if (json_array_size(pol) == 1 && parn0 != NULL && !capability) {
                const json_t *scope = json_object_get(p0, "accessScope");
                const json_t *nss = json_object_get(scope, "namespaces");
                struct tf_value *x = empty_object(a, et->elem);
                set_attr(a, &x, "principal_arn", tf_value_string(a, pr));
                set_attr(a, &x, "policy", tf_value_string(a, slash ? slash + 1 : parn0));
                set_attr(a, &x, "namespaces",
                         json_array_size(nss) ? list_of_strings(a, &tf_type_set_string, nss, true)
                                              : tf_value_null(a, &tf_type_set_string));
                if ((ael[am++] = x) == NULL)
                    ael = NULL;
            }
            json_decref(pol);
            continue;
        }
        struct res_access_want w;
        entry_want(op, entries->elems[i], parn, sizeof parn, &w, &ns);
        if (w.principal == NULL || res_access_read(op, w.principal, &pol, &err) != UC_OK) {
            json_decref(ns);
            if (w.principal == NULL)
                continue;
            res_aws_diag(ctx->diags, NULL, cluster_where(a, op), &err);
            json_decref(principals);
            goto out;
        }
        if (res_access_matches(pol, &w))
            ael[am++] = entries->elems[i]; /* removed or changed outside Terraform: dropped */
        json_decref(pol);
        json_decref(ns);
    }
    json_decref(principals);
    if (ael == NULL)
        goto oom;
    set_attr(a, &v, "access_entry", tf_value_list(a, et, ael, am));

    /* the tenant's access roles: the entry each existing role must have (the three at once) */
    {
        struct tenant_role_read rr[3];
        const char *keys[3];
        struct tf_value *vals[3];
        size_t nk = 0;
        for (int k = 0; k < 3; k++)
            tenant_role_read_init(&rr[k], op, k);
        res_fanout_each(rr, 3, sizeof rr[0], tenant_role_read_run, 3);
        bool failed = false;
        for (int k = 0; k < 3; k++) {
            if (rr[k].st != UC_OK && !failed) {
                res_aws_diag(ctx->diags, NULL, cluster_where(a, op), &rr[k].err);
                failed = true;
            }
            if (!failed && rr[k].exists) {
                keys[nk] = tenant_roles[k];
                vals[nk++] = tf_value_string(
                    a, res_access_matches(rr[k].pol, &rr[k].want) ? tenant_role_policies[k] : "");
            }
            json_decref(rr[k].pol);
        }
        if (failed)
            goto out;
        set_attr(a, &v, "tenant_access_entries", tf_value_map(a, &tf_type_map_string, keys, vals,
                                                              nk));
    }

    /* the OIDC provider */
    const char *issuer = tf_value_str(tf_value_attr(v, "oidc_issuer_url"));
    bool exists = false;
    if (issuer != NULL && res_cluster_oidc_exists(op, issuer, &exists, &err) != UC_OK) {
        res_aws_diag(ctx->diags, NULL, cluster_where(a, op), &err);
        goto out;
    }
    char oidc[512] = "";
    if (exists)
        res_cluster_oidc_arn(op, issuer, oidc, sizeof oidc);
    set_attr(a, &v, "oidc_provider_arn", res_str_or_null(a, oidc));
    if (v != NULL && !tf_value_is_known(tf_value_attr(v, "tags")))
        set_attr(a, &v, "tags", tf_value_null(a, &tf_type_map_string));
    if (v == NULL)
        goto oom;
    result = v;
    goto out;
oom:
    tf_diag_error(ctx->diags, NULL, "Out of memory", "Reading unicron_cluster ran out of memory.");
out:
    res_ng_works_release(ws, n);
    json_decref(c);
    json_decref(names);
    return result;
}

static struct tf_value *cluster_read(struct res_ctx *ctx, const struct tf_value *cur)
{
    struct res_cluster_op op;
    bool gone = false;
    if (!op_init(&op, ctx, cur, "read", RES_READ_TIMEOUT_NS, true))
        return NULL;
    struct tf_value *v = read_cluster(ctx, &op, cur, false, &gone);
    if (gone) {
        tf_diag_warning(ctx->diags, NULL, "Cluster deleted outside Terraform",
                        "EKS cluster %s in account %s no longer exists; it is removed from the "
                        "state and the plan creates it again.",
                        op.name, op.account_id);
        return tf_value_null(ctx->arena, ctx->type);
    }
    return v != NULL ? v : (struct tf_value *)cur;
}

/* --- create / update: the steps ------------------------------------------------------------- */

/* Tags every object of the cluster carries (tags_all of the planned value). */
static json_t *planned_tags(const struct tf_value *planned)
{
    return string_object(tf_value_attr(planned, "tags_all"));
}

/* The tags of the cluster's IAM roles: tags_all plus unicron:timeouts (what import gives back;
 * "" without a timeouts block). */
static json_t *cluster_tags(const struct tf_value *planned)
{
    json_t *t = planned_tags(planned);
    const struct tf_value *to = tf_value_attr(planned, "timeouts");
    static const char *const ops[] = {"create", "update", "delete"};
    char meta[160] = "";
    size_t o = 0;
    for (size_t i = 0; res_is_set(to) && i < 3; i++) {
        const char *d = tf_value_str(tf_value_attr(to, ops[i]));
        if (d != NULL && o < sizeof meta)
            o += (size_t)snprintf(meta + o, sizeof meta - o, "%s%s=%s", o ? " " : "", ops[i], d);
    }
    if (t != NULL)
        json_object_set_new(t, RES_CLUSTER_TAG_TIMEOUTS, json_string(meta));
    return t;
}

/* The keys the roles lose: in prior tags_all, not in planned tags_all, neither unicron:*
 * bookkeeping nor named by ignore_tags (someone else's). A new array; NULL when out of memory.
 * Keys the state never held are left alone: role tags are not read, so they are never drift. */
static json_t *removed_tags(const struct res_provider *provider, const struct tf_value *prior,
                            const struct tf_value *planned)
{
    json_t *out = json_array();
    for (size_t i = 0; out != NULL && res_is_set(prior) && i < prior->count; i++) {
        const char *k = prior->keys[i];
        if (tf_value_map_get(planned, k) == NULL && strncmp(k, "unicron:", 8) != 0 &&
            !res_provider_tag_ignored(provider, k))
            json_array_append_new(out, json_string(k));
    }
    return out;
}

/* Decimal text of n (a static buffer per thread). */
static const char *int_text(int64_t n)
{
    static _Thread_local char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)n);
    return buf;
}

/* The CreateNodegroup body of planned element e (without nodegroupName). */
static json_t *ng_body(const struct tf_value *planned, const struct tf_value *e,
                       const char *node_role, const char *version)
{
    json_t *tags = planned_tags(planned);
    const char *name = tf_value_str(tf_value_attr(e, "name"));
    int64_t min = int_of(e, "min_size", 1), max = int_of(e, "max_size", 1);
    int64_t desired = int_of(e, "desired_size", min > 0 ? min : 1);
    json_object_set_new(tags, RES_CLUSTER_TAG_NODE_GROUP, json_string(name ? name : ""));
    json_object_set_new(tags, RES_CLUSTER_TAG_DESIRED,
                        json_string(int_text(desired)));
    json_t *b = json_pack("{s:o,s:s,s:{s:I,s:I,s:I},s:o,s:o}", "subnets",
                          string_array(tf_value_attr(planned, "subnet_ids")), "nodeRole",
                          node_role, "scalingConfig", "minSize", (json_int_t)min, "maxSize",
                          (json_int_t)max, "desiredSize", (json_int_t)desired, "instanceTypes",
                          string_array(tf_value_attr(e, "instance_types")), "tags", tags);
    if (b == NULL)
        return NULL;
    const char *ct = tf_value_str(tf_value_attr(e, "capacity_type"));
    const char *ami = tf_value_str(tf_value_attr(e, "ami_type"));
    int64_t disk = 0;
    if (ct)
        json_object_set_new(b, "capacityType", json_string(ct));
    if (ami)
        json_object_set_new(b, "amiType", json_string(ami));
    if (get_int(e, "disk_size", &disk))
        json_object_set_new(b, "diskSize", json_integer(disk));
    if (version)
        json_object_set_new(b, "version", json_string(version));
    if (res_is_set(tf_value_attr(e, "labels")))
        json_object_set_new(b, "labels", string_object(tf_value_attr(e, "labels")));
    const struct tf_value *taints = tf_value_attr(e, "taint");
    if (res_is_set(taints) && taints->count > 0) {
        json_t *arr = json_array();
        for (size_t i = 0; i < taints->count; i++) {
            const struct tf_value *t = taints->elems[i];
            json_t *o = json_pack("{s:s,s:s}", "key", tf_value_str(tf_value_attr(t, "key")),
                                  "effect", tf_value_str(tf_value_attr(t, "effect")));
            if (o && tf_value_str(tf_value_attr(t, "value")))
                json_object_set_new(o, "value", json_string(tf_value_str(tf_value_attr(t,
                                                                                     "value"))));
            json_array_append_new(arr, o);
        }
        json_object_set_new(b, "taints", arr);
    }
    return b;
}

/* The UpdateNodegroupConfig body taking prior element old to planned element e; NULL when
 * nothing changes. */
static json_t *ng_config_body(const struct tf_value *old, const struct tf_value *e)
{
    json_t *b = json_object();
    int64_t omin = int_of(old, "min_size", -1), omax = int_of(old, "max_size", -1);
    int64_t min = int_of(e, "min_size", -1), max = int_of(e, "max_size", -1);
    if (b == NULL)
        return NULL;
    if (omin != min || omax != max)
        json_object_set_new(b, "scalingConfig",
                            json_pack("{s:I,s:I}", "minSize", (json_int_t)min, "maxSize",
                                      (json_int_t)max));
    const struct tf_value *ol = tf_value_attr(old, "labels"), *nl = tf_value_attr(e, "labels");
    json_t *add = json_object(), *rem = json_array();
    for (size_t i = 0; res_is_set(nl) && i < nl->count; i++) {
        const char *ov = tf_value_str(tf_value_map_get(ol, nl->keys[i]));
        const char *nv = tf_value_str(nl->elems[i]);
        if (nv && (ov == NULL || strcmp(ov, nv) != 0))
            json_object_set_new(add, nl->keys[i], json_string(nv));
    }
    for (size_t i = 0; res_is_set(ol) && i < ol->count; i++)
        if (tf_value_map_get(nl, ol->keys[i]) == NULL)
            json_array_append_new(rem, json_string(ol->keys[i]));
    if (json_object_size(add) || json_array_size(rem)) {
        json_t *l = json_object();
        if (json_object_size(add))
            json_object_set(l, "addOrUpdateLabels", add);
        if (json_array_size(rem))
            json_object_set(l, "removeLabels", rem);
        json_object_set_new(b, "labels", l);
    }
    json_decref(add);
    json_decref(rem);
    const struct tf_value *ot = tf_value_attr(old, "taint"), *nt = tf_value_attr(e, "taint");
    json_t *tadd = json_array(), *trem = json_array();
    for (size_t i = 0; res_is_set(nt) && i < nt->count; i++) {
        bool same = false;
        for (size_t j = 0; res_is_set(ot) && j < ot->count && !same; j++)
            same = tf_value_equal(nt->elems[i], ot->elems[j]);
        if (same)
            continue;
        const struct tf_value *t = nt->elems[i];
        json_t *o = json_pack("{s:s,s:s}", "key", tf_value_str(tf_value_attr(t, "key")), "effect",
                              tf_value_str(tf_value_attr(t, "effect")));
        if (o && tf_value_str(tf_value_attr(t, "value")))
            json_object_set_new(o, "value", json_string(tf_value_str(tf_value_attr(t, "value"))));
        json_array_append_new(tadd, o);
    }
    for (size_t j = 0; res_is_set(ot) && j < ot->count; j++) {
        const char *k = tf_value_str(tf_value_attr(ot->elems[j], "key"));
        const char *ef = tf_value_str(tf_value_attr(ot->elems[j], "effect"));
        bool kept = false;
        for (size_t i = 0; res_is_set(nt) && i < nt->count && !kept; i++) {
            const char *k2 = tf_value_str(tf_value_attr(nt->elems[i], "key"));
            const char *e2 = tf_value_str(tf_value_attr(nt->elems[i], "effect"));
            kept = k && k2 && ef && e2 && strcmp(k, k2) == 0 && strcmp(ef, e2) == 0;
        }
        if (!kept && k && ef)
            json_array_append_new(trem, json_pack("{s:s,s:s}", "key", k, "effect", ef));
    }
    if (json_array_size(tadd) || json_array_size(trem)) {
        json_t *t = json_object();
        if (json_array_size(tadd))
            json_object_set(t, "addOrUpdateTaints", tadd);
        if (json_array_size(trem))
            json_object_set(t, "removeTaints", trem);
        json_object_set_new(b, "taints", t);
    }
    json_decref(tadd);
    json_decref(trem);
    if (json_object_size(b) == 0) {
        json_decref(b);
        return NULL;
    }
    return b;
}

static bool replace_only_changed(const struct tf_value *old, const struct tf_value *e)
{
    for (size_t i = 0; i < sizeof replace_only_fields / sizeof replace_only_fields[0]; i++)
        if (!tf_value_equal(tf_value_attr(old, replace_only_fields[i]),
                            tf_value_attr(e, replace_only_fields[i])))
            return true;
    return false;
}

/* Access entries: the tenant roles that exist in the account, then the configured ones. */
static bool ensure_access(struct res_ctx *ctx, const struct res_cluster_op *op,
                          const struct tf_value *planned)
{
    struct aws_error err;
    bool ok = true;
    char arn[256], parn[256];
    aws_error_clear(&err);
    for (int k = 0; k < 3; k++) {
        struct res_iam_role_state st;
        res_iam_role_state_init(&st);
        uc_status rs = res_iam_role_read(op->s, tenant_roles[k], &op->opts, &st, &err);
        bool exists = st.exists;
        res_iam_role_state_release(&st);
        if (rs != UC_OK) {
            res_aws_diag(ctx->diags, NULL, cluster_where(ctx->arena, op), &err);
            return false;
        }
        if (!exists)
            continue;
        struct res_access_want w = {.principal = tenant_role_arn(op, k, arn, sizeof arn),
                                    .policy_arn = res_access_policy_arn(
                                        op, tenant_role_policies[k], parn, sizeof parn)};
        if (res_access_ensure(op, &w, &err) != UC_OK) {
            res_aws_diag(ctx->diags, NULL,
                         uc_arena_printf(ctx->arena, "%s, access entry of %s",
                                         cluster_where(ctx->arena, op), w.principal),
                         &err);
            ok = false;
        }
    }
    const struct tf_value *entries = tf_value_attr(planned, "access_entry");
    for (size_t i = 0; res_is_set(entries) && i < entries->count; i++) {
        struct res_access_want w;
        json_t *ns = NULL;
        entry_want(op, entries->elems[i], parn, sizeof parn, &w, &ns);
        if (w.principal != NULL && res_access_ensure(op, &w, &err) != UC_OK) {
            struct tf_path p = tf_path_attr(NULL, "access_entry");
            p = tf_path_index(&p, (int64_t)i);
            res_aws_diag(ctx->diags, &p,
                         uc_arena_printf(ctx->arena, "%s, access entry of %s",
                                         cluster_where(ctx->arena, op), w.principal),
                         &err);
            ok = false;
        }
        json_decref(ns);
    }
    return ok;
}

/* The planned value with every node group's eks_name settled to what exists after the work
 * (a failed create drops the group; a failed replacement keeps the old one), plus removed
 * groups whose deletion failed. */
static struct tf_value *settle_groups(struct uc_arena *a, struct tf_value *v,
                                      const struct res_ng_work *ws, const size_t *work_of,
                                      const struct tf_value *prior)
{
    const struct tf_value *ngs = tf_value_attr(v, "node_group");
    const struct tf_value *old = tf_value_attr(prior, "node_group");
    size_t n = res_is_set(ngs) ? ngs->count : 0, nold = res_is_set(old) ? old->count : 0, m = 0;
    struct tf_value **el = uc_arena_calloc(a, n + nold + 1, sizeof *el);
    if (el == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        struct tf_value *e = ngs->elems[i];
        const struct res_ng_work *w = work_of[i] != SIZE_MAX ? &ws[work_of[i]] : NULL;
        const char *name = tf_value_str(tf_value_attr(e, "name"));
        const struct tf_value *pe = res_find_by_name(old, name);
        if (w != NULL && w->step == RES_NG_CREATE && !w->ok)
            continue;
        if (w != NULL && w->step == RES_NG_REPLACE && !w->created)
            e = pe != NULL ? (struct tf_value *)pe : NULL;
        /* a replacement that never ran (an earlier step failed): the old group is still there */
        if (w == NULL && pe != NULL && replace_only_changed(pe, e))
            e = (struct tf_value *)pe;
        if (e == NULL)
            continue;
        el[m++] = e;
    }
    for (size_t j = 0; j < nold; j++) {
        const char *name = tf_value_str(tf_value_attr(old->elems[j], "name"));
        if (res_find_by_name(ngs, name) != NULL)
            continue;
        size_t k = work_of[n + j];
        if (k == SIZE_MAX || ws == NULL || !ws[k].ok)
            el[m++] = old->elems[j]; /* not deleted: keep it in the state */
    }
    return tf_value_with_attr(a, v, "node_group",
                              tf_value_list(a, tf_value_attr(v, "node_group")->type, el, m));
}

/* The op for reading back what was done after StopProvider fired or the deadline passed: no
 * cancel token, 30 seconds, so that the state records the work instead of losing it. */
static struct res_cluster_op settle_op(const struct res_cluster_op *op)
{
    struct res_cluster_op o = *op;
    if (uc_cancel_is_set(op->opts.cancel) ||
        (op->opts.deadline_ms && uc_clock_monotonic_ms() >= op->opts.deadline_ms)) {
        o.opts.cancel = NULL;
        o.opts.deadline_ms = uc_clock_monotonic_ms() + 30000;
    }
    return o;
}

/* Final state after create / update: what EKS holds, on top of v. */
static struct tf_value *final_state(struct res_ctx *ctx, const struct res_cluster_op *op_in,
                                    struct tf_value *v)
{
    bool gone = false;
    struct res_cluster_op so = settle_op(op_in);
    const struct res_cluster_op *op = &so;
    struct tf_value *r = read_cluster(ctx, op, v, false, &gone);
    if (gone)
        tf_diag_error(ctx->diags, NULL, "Cluster disappeared",
                      "EKS cluster %s in account %s was deleted while it was being changed.",
                      op->name, op->account_id);
    return r;
}

static struct tf_value *cluster_create(struct res_ctx *ctx, const struct tf_value *planned,
                                       const struct tf_value *config)
{
    struct uc_arena *a = ctx->arena;
    struct res_cluster_op op;
    struct aws_error err;
    char cluster_role[512] = "", node_role[512] = "", oidc[512];
    json_t *tags = NULL, *body = NULL, *c = NULL;
    struct res_ng_work *ws = NULL;
    size_t n = 0;
    struct tf_value *result = NULL;
    (void)config;
    aws_error_clear(&err);
    if (!op_init(&op, ctx, planned, "create", RES_DEFAULT_TIMEOUT_NS, false))
        return NULL;
    const char *where = cluster_where(a, &op);
    const char *version = tf_value_str(tf_value_attr(planned, "kubernetes_version"));
    struct tf_path vpath = tf_path_attr(NULL, "kubernetes_version");
    if (version != NULL &&
        !res_eks_version_check_live(op.s, NULL, version, true, &op.opts, &vpath, ctx->diags))
        return NULL; /* nothing created */
    tags = planned_tags(planned);
    json_t *rtags = cluster_tags(planned);
    if (tags == NULL || rtags == NULL) {
        json_decref(rtags);
        goto oom;
    }
    uc_status rst = res_cluster_ensure_roles(&op, rtags, cluster_role, node_role, &err);
    json_decref(rtags);
    if (rst != UC_OK) {
        res_aws_diag(ctx->diags, NULL, where, &err);
        goto out;
    }
    body = json_pack("{s:s,s:s,s:{s:o,s:o,s:b,s:b,s:o},s:{s:s,s:b},s:O}", "name", op.name,
                     "roleArn", cluster_role, "resourcesVpcConfig", "subnetIds",
                     string_array(tf_value_attr(planned, "subnet_ids")), "securityGroupIds",
                     string_array(tf_value_attr(planned, "security_group_ids")),
                     "endpointPublicAccess",
                     tf_value_get_bool(tf_value_attr(planned, "endpoint_public_access"), true),
                     "endpointPrivateAccess",
                     tf_value_get_bool(tf_value_attr(planned, "endpoint_private_access"), false),
                     "publicAccessCidrs",
                     string_array(tf_value_attr(planned, "public_access_cidrs")), "accessConfig",
                     "authenticationMode", "API", "bootstrapClusterCreatorAdminPermissions", 1,
                     "tags", tags);
    if (body == NULL)
        goto oom;
    if (version != NULL)
        json_object_set_new(body, "version", json_string(version));
    const struct tf_value *logs = tf_value_attr(planned, "enabled_log_types");
    if (res_is_set(logs) && logs->count > 0)
        json_object_set_new(body, "logging",
                            json_pack("{s:[{s:o,s:b}]}", "clusterLogging", "types",
                                      string_array(logs), "enabled", 1));
    if (res_cluster_create(&op, body, &c, &err) != UC_OK) {
        res_aws_diag(ctx->diags, NULL, where, &err);
        goto out;
    }
    json_decref(c);
    c = NULL;
    if (res_cluster_wait_active(&op, &c, &err) != UC_OK) {
        res_aws_diag(ctx->diags, NULL, where, &err);
        goto partial;
    }
    const char *issuer = json_string_value(
        json_object_get(json_object_get(json_object_get(c, "identity"), "oidc"), "issuer"));
    if (issuer != NULL &&
        res_cluster_oidc_ensure(&op, issuer, tags, oidc, sizeof oidc, &err) != UC_OK)
        res_aws_diag(ctx->diags, NULL, where, &err);
    ensure_access(ctx, &op, planned);

    /* node groups, in parallel, at the cluster's version */
    const struct tf_value *ngs = tf_value_attr(planned, "node_group");
    const char *cv = json_string_value(json_object_get(c, "version"));
    n = res_is_set(ngs) ? ngs->count : 0;
    ws = uc_arena_calloc(a, n + 1, sizeof *ws);
    size_t *work_of = uc_arena_calloc(a, n + 1, sizeof *work_of);
    if (ws == NULL || work_of == NULL || !res_ng_works_init(ws, n, &op))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const struct tf_value *e = ngs->elems[i];
        ws[i].step = RES_NG_CREATE;
        ws[i].index = i;
        ws[i].name = tf_value_str(tf_value_attr(e, "name"));
        ws[i].new_eks_name = tf_value_str(tf_value_attr(e, "eks_name"));
        if (ws[i].new_eks_name == NULL)
            ws[i].new_eks_name = ws[i].name;
        ws[i].body = ng_body(planned, e, node_role, cv);
        work_of[i] = i;
        if (ws[i].body == NULL || ws[i].name == NULL)
            goto oom;
    }
    res_ng_works_run(ws, n, ctx->diags);
    struct tf_value *v = settle_groups(a, (struct tf_value *)planned, ws, work_of, NULL);
    if (v == NULL)
        goto oom;
    result = final_state(ctx, &op, v);
    goto out;
partial:
    /* the cluster exists but is not ready: keep it in the state so that nothing is lost */
    {
        struct tf_value *pv = (struct tf_value *)planned;
        set_attr(a, &pv, "node_group",
                 tf_value_list(a, tf_value_attr(planned, "node_group")->type, NULL, 0));
        result = pv ? final_state(ctx, &op, pv) : NULL;
    }
    goto out;
oom:
    tf_diag_error(ctx->diags, NULL, "Out of memory", "Creating unicron_cluster ran out of memory.");
out:
    res_ng_works_release(ws, n);
    json_decref(tags);
    json_decref(body);
    json_decref(c);
    return result;
}

static bool sets_equal(const struct tf_value *x, const struct tf_value *y)
{
    size_t nx = res_is_set(x) ? x->count : 0, ny = res_is_set(y) ? y->count : 0;
    return nx == ny && (nx == 0 || tf_value_equal(x, y));
}

static struct tf_value *cluster_update(struct res_ctx *ctx, const struct tf_value *prior,
                                       const struct tf_value *planned,
                                       const struct tf_value *config)
{
    struct uc_arena *a = ctx->arena;
    struct res_cluster_op op;
    struct aws_error err;
    json_t *tags = NULL;
    struct res_ng_work *ws = NULL;
    size_t nw = 0, nalloc = 0;
    struct tf_value *result = NULL;
    bool ok = true;
    (void)config;
    aws_error_clear(&err);
    if (!op_init(&op, ctx, planned, "update", RES_DEFAULT_TIMEOUT_NS, false))
        return NULL;
    const char *where = cluster_where(a, &op);
    const char *old_v = tf_value_str(tf_value_attr(prior, "kubernetes_version"));
    const char *new_v = tf_value_str(tf_value_attr(planned, "kubernetes_version"));
    int from = 0, to = 0;
    struct tf_path vpath = tf_path_attr(NULL, "kubernetes_version");
    bool upgrade = old_v && new_v && res_parse_k8s_version(old_v, &from) &&
                   res_parse_k8s_version(new_v, &to) && to > from;
    if (upgrade &&
        !res_eks_version_check_live(op.s, NULL, new_v, true, &op.opts, &vpath, ctx->diags))
        return NULL;
    tags = planned_tags(planned);
    const char *arn = tf_value_str(tf_value_attr(prior, "arn"));
    if (tags == NULL)
        goto oom;

    /* tags: the cluster's, then the roles' (with the timeouts import gives back) */
    bool tags_change = !tf_value_equal(tf_value_attr(prior, "tags_all"),
                                       tf_value_attr(planned, "tags_all"));
    if (arn != NULL && tags_change && res_cluster_set_tags(&op, arn, tags, NULL, &err) != UC_OK) {
        struct tf_path p = tf_path_attr(NULL, "tags");
        res_aws_diag(ctx->diags, &p, where, &err);
        ok = false;
    }
    json_t *rtags = cluster_tags(planned);
    json_t *rdrop = removed_tags(ctx->provider, tf_value_attr(prior, "tags_all"),
                                 tf_value_attr(planned, "tags_all"));
    char rname[96];
    for (int node = 0; ok && node < 2; node++) {
        if (rtags == NULL || rdrop == NULL ||
            res_iam_role_tag(op.s, res_cluster_role_name(op.name, node, rname, sizeof rname),
                             rtags, rdrop, &op.opts, &err) != UC_OK) {
            res_aws_diag(ctx->diags, NULL, where, &err);
            ok = false;
        }
    }
    json_decref(rtags);
    json_decref(rdrop);
    /* logging, then endpoint access, then subnets / security groups: one update each */
    const struct tf_value *ologs = tf_value_attr(prior, "enabled_log_types");
    const struct tf_value *nlogs = tf_value_attr(planned, "enabled_log_types");
    if (ok && !sets_equal(ologs, nlogs)) {
        static const char *const all[] = {"api", "audit", "authenticator", "controllerManager",
                                          "scheduler"};
        json_t *on = json_array(), *off = json_array();
        for (size_t i = 0; i < 5; i++) {
            bool want = false;
            for (size_t j = 0; res_is_set(nlogs) && j < nlogs->count; j++)
                want |= tf_value_str(nlogs->elems[j]) &&
                        strcmp(tf_value_str(nlogs->elems[j]), all[i]) == 0;
            json_array_append_new(want ? on : off, json_string(all[i]));
        }
        json_t *cl = json_array();
        if (json_array_size(on))
            json_array_append_new(cl, json_pack("{s:O,s:b}", "types", on, "enabled", 1));
        if (json_array_size(off))
            json_array_append_new(cl, json_pack("{s:O,s:b}", "types", off, "enabled", 0));
        json_t *b = json_pack("{s:{s:o}}", "logging", "clusterLogging", cl);
        json_decref(on);
        json_decref(off);
        if (b == NULL || res_cluster_update_config(&op, b, &err) != UC_OK) {
            struct tf_path p = tf_path_attr(NULL, "enabled_log_types");
            res_aws_diag(ctx->diags, &p, where, &err);
            ok = false;
        }
        json_decref(b);
    }
    if (ok && (!tf_value_equal(tf_value_attr(prior, "endpoint_public_access"),
                               tf_value_attr(planned, "endpoint_public_access")) ||
               !tf_value_equal(tf_value_attr(prior, "endpoint_private_access"),
                               tf_value_attr(planned, "endpoint_private_access")) ||
               !sets_equal(tf_value_attr(prior, "public_access_cidrs"),
                           tf_value_attr(planned, "public_access_cidrs")))) {
        json_t *b = json_pack(
            "{s:{s:b,s:b,s:o}}", "resourcesVpcConfig", "endpointPublicAccess",
            tf_value_get_bool(tf_value_attr(planned, "endpoint_public_access"), true),
            "endpointPrivateAccess",
            tf_value_get_bool(tf_value_attr(planned, "endpoint_private_access"), false),
            "publicAccessCidrs", string_array(tf_value_attr(planned, "public_access_cidrs")));
        if (b == NULL || res_cluster_update_config(&op, b, &err) != UC_OK) {
            struct tf_path p = tf_path_attr(NULL, "endpoint_public_access");
            res_aws_diag(ctx->diags, &p, where, &err);
            ok = false;
        }
        json_decref(b);
    }
    if (ok && (!sets_equal(tf_value_attr(prior, "subnet_ids"),
                           tf_value_attr(planned, "subnet_ids")) ||
               !sets_equal(tf_value_attr(prior, "security_group_ids"),
                           tf_value_attr(planned, "security_group_ids")))) {
        json_t *b = json_pack("{s:{s:o,s:o}}", "resourcesVpcConfig", "subnetIds",
                              string_array(tf_value_attr(planned, "subnet_ids")),
                              "securityGroupIds",
                              string_array(tf_value_attr(planned, "security_group_ids")));
        if (b == NULL || res_cluster_update_config(&op, b, &err) != UC_OK) {
            struct tf_path p = tf_path_attr(NULL, "subnet_ids");
            res_aws_diag(ctx->diags, &p, where, &err);
            ok = false;
        }
        json_decref(b);
    }

    /* node groups: removed ones first, then the upgrade, then the rest in parallel */
    const struct tf_value *ngs = tf_value_attr(planned, "node_group");
    const struct tf_value *old = tf_value_attr(prior, "node_group");
    size_t n = res_is_set(ngs) ? ngs->count : 0, nold = res_is_set(old) ? old->count : 0;
    const char *node_role = tf_value_str(tf_value_attr(prior, "node_role_arn"));
    nalloc = n + nold;
    ws = uc_arena_calloc(a, nalloc + 1, sizeof *ws);
    size_t *work_of = uc_arena_calloc(a, nalloc + 1, sizeof *work_of);
    if (ws == NULL || work_of == NULL || !res_ng_works_init(ws, nalloc, &op))
        goto oom;
    for (size_t i = 0; i < nalloc; i++)
        work_of[i] = SIZE_MAX;
    for (size_t j = 0; ok && j < nold; j++) {
        const struct tf_value *e = old->elems[j];
        const char *name = tf_value_str(tf_value_attr(e, "name"));
        if (name == NULL || res_find_by_name(ngs, name) != NULL)
            continue;
        struct res_ng_work *w = &ws[nw];
        w->step = RES_NG_DELETE;
        w->index = j;
        w->name = name;
        w->eks_name = tf_value_str(tf_value_attr(e, "eks_name"));
        if (w->eks_name == NULL)
            w->eks_name = name;
        work_of[n + j] = nw++;
    }
    size_t first = nw;
    res_ng_works_run(ws, nw, ctx->diags);
    for (size_t i = 0; i < nw; i++)
        ok &= ws[i].ok;
    if (ok && upgrade) {
        const char **names = uc_arena_calloc(a, n + 1, sizeof *names);
        const char **vers = uc_arena_calloc(a, n + 1, sizeof *vers);
        size_t k = 0;
        if (names == NULL || vers == NULL)
            goto oom;
        for (size_t i = 0; i < n; i++) {
            const struct tf_value *pe =
                res_find_by_name(old, tf_value_str(tf_value_attr(ngs->elems[i], "name")));
            if (pe == NULL)
                continue;
            names[k] = tf_value_str(tf_value_attr(pe, "eks_name"));
            if (names[k] == NULL)
                names[k] = tf_value_str(tf_value_attr(pe, "name"));
            vers[k++] = tf_value_str(tf_value_attr(pe, "version"));
        }
        ok = res_cluster_upgrade(&op, from, to, names, vers, k, ctx->diags);
    }
    for (size_t i = 0; ok && i < n; i++) {
        const struct tf_value *e = ngs->elems[i];
        const char *name = tf_value_str(tf_value_attr(e, "name"));
        const struct tf_value *pe = res_find_by_name(old, name);
        struct res_ng_work *w = &ws[nw];
        w->index = i;
        w->name = name;
        w->new_eks_name = tf_value_str(tf_value_attr(e, "eks_name"));
        if (w->new_eks_name == NULL)
            w->new_eks_name = name;
        if (pe == NULL || replace_only_changed(pe, e)) {
            w->step = pe == NULL ? RES_NG_CREATE : RES_NG_REPLACE;
            w->eks_name = pe ? tf_value_str(tf_value_attr(pe, "eks_name")) : NULL;
            if (pe != NULL && w->eks_name == NULL)
                w->eks_name = name;
            if (pe != NULL && w->eks_name != NULL && w->new_eks_name != NULL &&
                strcmp(w->eks_name, w->new_eks_name) == 0) {
                /* the planned name is taken by the group it replaces: plan said otherwise */
                w->new_eks_name = uc_arena_printf(w->arena, "%.54s-r", name);
            }
            w->body = ng_body(planned, e, node_role ? node_role : "", new_v);
            if (w->body == NULL)
                goto oom;
        } else {
            w->body = ng_config_body(pe, e);
            if (w->body == NULL)
                continue;
            w->step = RES_NG_CONFIG;
            w->eks_name = tf_value_str(tf_value_attr(pe, "eks_name"));
            if (w->eks_name == NULL)
                w->eks_name = name;
        }
        work_of[i] = nw++;
    }
    if (ok) {
        res_ng_works_run(ws + first, nw - first, ctx->diags);
        for (size_t i = first; i < nw; i++)
            ok &= ws[i].step == RES_NG_REPLACE ? ws[i].created : ws[i].ok;
    }

    /* tags of the node groups kept as they were (new and replacement groups got them): when
     * the cluster's change, and where a group's own drifted (its tags_all read differs) */
    for (size_t i = 0; ok && i < n; i++) {
        const struct tf_value *e = ngs->elems[i];
        const char *name = tf_value_str(tf_value_attr(e, "name"));
        const struct tf_value *pe = res_find_by_name(old, name);
        const char *ngarn = tf_value_str(tf_value_attr(pe, "arn"));
        if (pe == NULL || ngarn == NULL || replace_only_changed(pe, e))
            continue;
        if (!tags_change &&
            tf_value_equal(tf_value_attr(pe, "tags_all"), tf_value_attr(e, "tags_all")))
            continue;
        json_t *want = planned_tags(planned);
        if (want != NULL)
            json_object_set_new(want, RES_CLUSTER_TAG_NODE_GROUP, json_string(name));
        if (want == NULL ||
            res_cluster_set_tags(&op, ngarn, want, RES_CLUSTER_TAG_DESIRED, &err) != UC_OK) {
            struct tf_path p = tf_path_attr(NULL, "node_group");
            p = tf_path_index(&p, (int64_t)i);
            res_aws_diag(ctx->diags, &p, where, &err);
            ok = false;
        }
        json_decref(want);
    }

    /* access entries: drop the ones no longer configured, then ensure every wanted one */
    const struct tf_value *oe = tf_value_attr(prior, "access_entry");
    const struct tf_value *ne = tf_value_attr(planned, "access_entry");
    for (size_t j = 0; res_is_set(oe) && j < oe->count; j++) {
        const char *pr = tf_value_str(tf_value_attr(oe->elems[j], "principal_arn"));
        bool kept = false;
        for (size_t i = 0; res_is_set(ne) && i < ne->count && !kept; i++) {
            const char *p2 = tf_value_str(tf_value_attr(ne->elems[i], "principal_arn"));
            kept = pr && p2 && strcmp(pr, p2) == 0;
        }
        if (pr != NULL && !kept && res_access_delete(&op, pr, &err) != UC_OK) {
            struct tf_path p = tf_path_attr(NULL, "access_entry");
            res_aws_diag(ctx->diags, &p, where, &err);
            ok = false;
        }
    }
    if (!ensure_access(ctx, &op, planned))
        ok = false;
    const char *issuer = tf_value_str(tf_value_attr(prior, "oidc_issuer_url"));
    char oidc[512];
    if (issuer != NULL &&
        res_cluster_oidc_ensure(&op, issuer, tags, oidc, sizeof oidc, &err) != UC_OK) {
        res_aws_diag(ctx->diags, NULL, where, &err);
        ok = false;
    }

    /* the state: planned values where the work finished, prior ones where it did not */
    struct tf_value *v = settle_groups(a, (struct tf_value *)planned, ws, work_of, prior);
    if (v == NULL)
        goto oom;
    if (!ok && upgrade)
        set_attr(a, &v, "kubernetes_version", tf_value_attr(prior, "kubernetes_version"));
    result = final_state(ctx, &op, v);
    goto out;
oom:
    tf_diag_error(ctx->diags, NULL, "Out of memory", "Updating unicron_cluster ran out of memory.");
out:
    res_ng_works_release(ws, nalloc);
    json_decref(tags);
    return result;
}

/* --- delete ----------------------------------------------------------------------------------- */

static bool cluster_delete(struct res_ctx *ctx, const struct tf_value *prior)
{
    struct uc_arena *a = ctx->arena;
    struct res_cluster_op op;
    struct aws_error err;
    json_t *names = NULL, *c = NULL;
    struct res_ng_work *ws = NULL;
    size_t n = 0;
    bool ok = false;
    aws_error_clear(&err);
    if (!op_init(&op, ctx, prior, "delete", RES_DEFAULT_TIMEOUT_NS, true))
        return false;
    const char *where = cluster_where(a, &op);
    if (res_cluster_describe(&op, &c, &err) != UC_OK) {
        res_aws_diag(ctx->diags, NULL, where, &err);
        goto out;
    }
    const char *issuer = tf_value_str(tf_value_attr(prior, "oidc_issuer_url"));
    const char *cstatus = json_string_value(json_object_get(c, "status"));
    if (transitional(cstatus)) {
        /* EKS refuses to delete while it creates or updates: wait for that first */
        json_decref(c);
        c = NULL;
        if (res_cluster_wait_active(&op, &c, &err) != UC_OK) {
            res_aws_diag(ctx->diags, NULL, where, &err);
            goto out;
        }
    }
    if (c != NULL) {
        const char *i2 = json_string_value(
            json_object_get(json_object_get(json_object_get(c, "identity"), "oidc"), "issuer"));
        if (i2 != NULL)
            issuer = uc_arena_strdup(a, i2);
        if (res_ng_list(&op, &names, &err) != UC_OK) {
            res_aws_diag(ctx->diags, NULL, where, &err);
            goto out;
        }
        n = json_array_size(names);
        ws = uc_arena_calloc(a, n + 1, sizeof *ws);
        if (ws == NULL || !res_ng_works_init(ws, n, &op)) {
            tf_diag_error(ctx->diags, NULL, "Out of memory",
                          "Deleting unicron_cluster ran out of memory.");
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            ws[i].step = RES_NG_DELETE;
            ws[i].index = i;
            ws[i].eks_name = ws[i].name = json_string_value(json_array_get(names, i));
            if (ws[i].name == NULL)
                ws[i].eks_name = ws[i].name = "";
        }
        res_ng_works_run(ws, n, ctx->diags);
        for (size_t i = 0; i < n; i++)
            if (!ws[i].ok)
                goto out;
    }
    if (issuer != NULL && res_cluster_oidc_delete(&op, issuer, &err) != UC_OK) {
        res_aws_diag(ctx->diags, NULL, where, &err);
        goto out;
    }
    if (c != NULL && res_cluster_delete(&op, &err) != UC_OK) {
        res_aws_diag(ctx->diags, NULL, where, &err);
        goto out;
    }
    if (res_cluster_delete_roles(&op, &err) != UC_OK) {
        res_aws_diag(ctx->diags, NULL, where, &err);
        goto out;
    }
    ok = true;
out:
    res_ng_works_release(ws, n);
    json_decref(names);
    json_decref(c);
    return ok;
}

/* --- import ----------------------------------------------------------------------------------- */

static struct tf_value *cluster_import(struct res_ctx *ctx, const char *id)
{
    struct uc_arena *a = ctx->arena;
    const char *slash = id ? strchr(id, '/') : NULL;
    char account[16] = "";
    if (slash == NULL || slash - id != 12 || !res_is_account_id(
                                                 uc_arena_printf(a, "%.12s", id)) ||
        slash[1] == '\0') {
        tf_diag_error(ctx->diags, NULL, "Invalid import ID",
                      "Import a cluster by <account_id>/<name> (e.g. 123456789012/data-dev); got "
                      "\"%.100s\".",
                      id ? id : "");
        return NULL;
    }
    snprintf(account, sizeof account, "%.12s", id);
    struct tf_value *v = empty_object(a, ctx->type);
    set_attr(a, &v, "account_id", tf_value_string(a, account));
    set_attr(a, &v, "name", tf_value_string(a, slash + 1));
    if (v == NULL) {
        tf_diag_error(ctx->diags, NULL, "Out of memory", "Importing ran out of memory.");
        return NULL;
    }
    struct res_cluster_op op;
    bool gone = false;
    if (!op_init(&op, ctx, v, "read", RES_READ_TIMEOUT_NS, true))
        return NULL;
    struct tf_value *r = read_cluster(ctx, &op, v, true, &gone);
    if (gone) {
        tf_diag_error(ctx->diags, NULL, "Cannot import non-existent remote object",
                      "There is no EKS cluster %s in account %s.", op.name, op.account_id);
        return NULL;
    }
    return r;
}

/* --- the add-on reads' shared DescribeCluster ---------------------------------------------- */

/* The add-on reads of one process share the cluster's DescribeCluster answer
 * (res_eks_cluster_open); every write to the cluster drops it before and after it runs. */
static void forget_shared(struct res_ctx *ctx, const struct tf_value *obj)
{
    const char *account = tf_value_str(tf_value_attr(obj, "account_id"));
    const char *name = tf_value_str(tf_value_attr(obj, "name"));
    char key[RES_CLUSTER_ID_MAX];
    if (ctx->provider == NULL || account == NULL || name == NULL ||
        !res_cluster_id(account, name, key, sizeof key))
        return; /* a key that does not fit is never shared (res_cluster_describe) */
    res_keyed_read_invalidate(ctx->provider->eks_clusters, key);
}

static struct tf_value *create_shared(struct res_ctx *ctx, const struct tf_value *planned,
                                      const struct tf_value *config)
{
    forget_shared(ctx, planned);
    struct tf_value *r = cluster_create(ctx, planned, config);
    forget_shared(ctx, planned);
    return r;
}

static struct tf_value *update_shared(struct res_ctx *ctx, const struct tf_value *prior,
                                      const struct tf_value *planned,
                                      const struct tf_value *config)
{
    forget_shared(ctx, prior);
    struct tf_value *r = cluster_update(ctx, prior, planned, config);
    forget_shared(ctx, prior);
    return r;
}

static bool delete_shared(struct res_ctx *ctx, const struct tf_value *prior)
{
    forget_shared(ctx, prior);
    bool ok = cluster_delete(ctx, prior);
    forget_shared(ctx, prior);
    return ok;
}

/* --- resource ------------------------------------------------------------------------------- */

const struct res_resource res_cluster = {
    .type_name = "unicron_cluster",
    .schema = &cluster_schema,
    .plan_hooks = &cluster_hooks,
    .validate = cluster_validate,
    .create = create_shared,
    .update = update_shared,
    .delete = delete_shared,
    .read = cluster_read,
    .import = cluster_import,
};
