/* addon.c - unicron_addon: one catalog component on a cluster - an EKS managed add-on, an EKS
 * Capability (managed Argo CD, ACK, kro), or a Helm chart / Git path delivered as an Argo CD
 * Application.
 *
 * Reads top to bottom: schema table, plan-time validation, plan hooks, then the resource table.
 * Apply comes with the add-on issue; until then the core answers "not available yet". No AWS or
 * Kubernetes call may happen at validate or plan.
 */
#include <jansson.h>
#include <string.h>

#include "res_catalog.h"
#include "res_registry.h"
#include "res_schema.h"
#include "res_validate.h"

/* --- schema ------------------------------------------------------------------------------- */

static const char *const resolve_modes[] = {"OVERWRITE", "PRESERVE", "NONE", NULL};

static const struct tf_attr addon_attrs[] = {
    {"id", &tf_type_string, TF_COMPUTED, "<cluster_id>/<name>.", NULL, NULL, NULL},
    {"cluster_id", &tf_type_string, TF_REQUIRED | TF_FORCE_NEW,
     "Id of the unicron_cluster (<account_id>/<cluster name>).", res_validate_cluster_id, NULL,
     NULL},
    {"name", &tf_type_string, TF_REQUIRED | TF_FORCE_NEW,
     "Catalog name of the component, e.g. vpc-cni, argo-cd, spark-operator.",
     res_validate_catalog_name, NULL, NULL},
    {"version", &tf_type_string, TF_OPTIONAL | TF_COMPUTED,
     "Version to install (default: the catalog's recommendation for the cluster's Kubernetes "
     "version).",
     res_validate_version_label, NULL, NULL},
    {"configuration", &tf_type_string, TF_OPTIONAL,
     "JSON object: EKS configuration values, Helm values, or the capability configuration; "
     "compared semantically.",
     res_validate_json_object, NULL, NULL},
    {"namespace", &tf_type_string, TF_OPTIONAL | TF_COMPUTED,
     "Kubernetes namespace (default: the catalog's).", res_validate_k8s_namespace, NULL, NULL},
    {"resolve_conflicts", &tf_type_string, TF_OPTIONAL,
     "EKS add-ons only: OVERWRITE, PRESERVE or NONE for fields changed outside EKS.",
     res_validate_enum, resolve_modes, NULL},
    {"service_account_role_arn", &tf_type_string, TF_OPTIONAL,
     "EKS add-ons only: IAM role for the add-on's service account (IRSA).",
     res_validate_iam_role_arn, NULL, NULL},
    {"wait", &tf_type_bool, TF_OPTIONAL | TF_COMPUTED,
     "Wait until the component is healthy (default true).", NULL, NULL, "true"},
    {"kind", &tf_type_string, TF_COMPUTED, "eks, capability or argocd (from the catalog).", NULL,
     NULL, NULL},
    {"status", &tf_type_string, TF_COMPUTED, "Component status.", NULL, NULL, NULL},
    {"arn", &tf_type_string, TF_COMPUTED, "ARN of the EKS add-on or capability (argocd: none).",
     NULL, NULL, NULL},
};

static const struct tf_block_type addon_blocks[] = {
    {"timeouts", TF_NEST_SINGLE, &res_timeouts_block, 0, 0, NULL},
};

static const struct tf_block addon_block = {
    addon_attrs,
    sizeof addon_attrs / sizeof addon_attrs[0],
    addon_blocks,
    sizeof addon_blocks / sizeof addon_blocks[0],
    "A platform component from the unicron catalog, installed on one cluster.",
    false,
};

static const struct tf_schema addon_schema = {0, &addon_block};

/* --- validation --------------------------------------------------------------------------- */

static bool maybe_set(const struct tf_value *obj, const char *name)
{
    const struct tf_value *v = tf_value_attr(obj, name);
    return v != NULL && !tf_value_is_null(v);
}

/* The argo-cd capability needs IAM Identity Center: configuration.awsIdc.idcInstanceArn. */
static void validate_argocd_capability(struct res_ctx *ctx, const struct tf_value *config)
{
    const struct tf_value *cfg = tf_value_attr(config, "configuration");
    struct tf_path p = tf_path_attr(NULL, "configuration");
    if (!tf_value_is_known(cfg))
        return;
    if (tf_value_is_null(cfg)) {
        tf_diag_error(ctx->diags, &p, "Missing Argo CD configuration",
                      "The EKS Argo CD capability needs an IAM Identity Center instance: set "
                      "configuration = jsonencode({ awsIdc = { idcInstanceArn = \"arn:aws:sso:::"
                      "instance/ssoins-...\" } }).");
        return;
    }
    json_t *j = json_loadb(cfg->str, cfg->str_len, 0, NULL);
    if (j == NULL)
        return; /* the attribute validator reports the syntax */
    const char *arn = json_string_value(json_object_get(json_object_get(j, "awsIdc"),
                                                        "idcInstanceArn"));
    if (json_is_object(j) && (arn == NULL || arn[0] == '\0'))
        tf_diag_error(ctx->diags, &p, "Missing Argo CD configuration",
                      "configuration.awsIdc.idcInstanceArn is required by the EKS Argo CD "
                      "capability (local Argo CD users are not supported).");
    json_decref(j);
}

static void addon_validate(struct res_ctx *ctx, const struct tf_value *config)
{
    if (!res_is_set(config))
        return;
    const struct res_component *c = res_catalog_find(tf_value_str(tf_value_attr(config, "name")));
    if (c == NULL)
        return; /* unknown name: reported by the attribute validator */
    if (c->kind != RES_KIND_EKS) {
        static const char *const eks_only[] = {"resolve_conflicts", "service_account_role_arn"};
        for (size_t i = 0; i < 2; i++) {
            if (!maybe_set(config, eks_only[i]))
                continue;
            struct tf_path p = tf_path_attr(NULL, eks_only[i]);
            if (c->kind == RES_KIND_ARGOCD)
                tf_diag_error(ctx->diags, &p, "Not an EKS add-on",
                              "%s applies to EKS managed add-ons only. \"%s\" is a Helm chart "
                              "delivered as an Argo CD Application, which needs the argo-cd "
                              "component on the cluster first; give it IAM access through its "
                              "values in configuration instead.",
                              eks_only[i], c->name);
            else
                tf_diag_error(ctx->diags, &p, "Not an EKS add-on",
                              "%s applies to EKS managed add-ons only; \"%s\" is an EKS "
                              "Capability run by AWS.",
                              eks_only[i], c->name);
        }
    }
    if (c->kind == RES_KIND_CAPABILITY && maybe_set(config, "version")) {
        struct tf_path p = tf_path_attr(NULL, "version");
        tf_diag_error(ctx->diags, &p, "Version not configurable",
                      "\"%s\" is an EKS Capability: AWS runs, patches and upgrades it, so it has "
                      "no version to choose.",
                      c->name);
    }
    if (c->kind == RES_KIND_CAPABILITY && c->capability_type != NULL &&
        strcmp(c->capability_type, "ARGOCD") == 0)
        validate_argocd_capability(ctx, config);
    else if (c->kind == RES_KIND_CAPABILITY && maybe_set(config, "configuration")) {
        struct tf_path p = tf_path_attr(NULL, "configuration");
        tf_diag_error(ctx->diags, &p, "Configuration not supported",
                      "The EKS %s capability takes no configuration.", c->capability_type);
    }
}

/* --- plan hooks ---------------------------------------------------------------------------- */

static void addon_modify(struct uc_arena *a, const struct tf_value *prior,
                         const struct tf_value *config, struct tf_value **planned,
                         bool replacing, void *ud, struct tf_diags *d)
{
    struct tf_value *p = *planned;
    if (!res_is_set(p) || !res_is_set(config))
        return;
    const struct tf_value *name = tf_value_attr(config, "name");
    const struct res_component *c = res_catalog_find(tf_value_str(name));
    bool create = !res_is_set(prior) || replacing;

    /* kind is the catalog's, known as soon as the name is. */
    struct tf_value *kind = c != NULL ? tf_value_string(a, res_kind_name(c->kind))
                                      : tf_value_unknown(a, &tf_type_string);
    if (kind == NULL || (p = tf_value_with_attr(a, p, "kind", kind)) == NULL)
        goto oom;

    /* namespace: the catalog's default when not configured. */
    if (c != NULL && c->namespace != NULL &&
        tf_value_is_null(tf_value_attr(config, "namespace"))) {
        struct tf_value *ns = tf_value_string(a, c->namespace);
        if (ns == NULL || (p = tf_value_with_attr(a, p, "namespace", ns)) == NULL)
            goto oom;
    }

    /* version: a chart's default is known now unless it depends on the cluster's Kubernetes
     * minor (pins), which the add-on cannot see at plan; EKS add-on and capability versions are
     * resolved at apply. Existing add-ons keep their version unless configured. */
    if (create && tf_value_is_null(tf_value_attr(config, "version"))) {
        struct tf_value *v = NULL;
        if (c != NULL && c->kind == RES_KIND_ARGOCD && c->npins == 0 && c->default_version)
            v = tf_value_string(a, c->default_version);
        else
            v = tf_value_unknown(a, &tf_type_string);
        if (v == NULL || (p = tf_value_with_attr(a, p, "version", v)) == NULL)
            goto oom;
    }

    /* configuration is compared semantically: a JSON document equal to the prior one (key
     * order, whitespace) plans the prior text, which Terraform accepts for equal values. */
    const char *old_cfg = create ? NULL : tf_value_str(tf_value_attr(prior, "configuration"));
    const struct tf_value *new_cfg = tf_value_attr(config, "configuration");
    if (old_cfg != NULL && tf_value_str(new_cfg) != NULL && strcmp(old_cfg, new_cfg->str) != 0) {
        json_t *x = json_loads(old_cfg, 0, NULL);
        json_t *y = json_loadb(new_cfg->str, new_cfg->str_len, 0, NULL);
        bool same = x != NULL && y != NULL && json_equal(x, y);
        json_decref(x);
        json_decref(y);
        if (same && (p = tf_value_with_attr(a, p, "configuration",
                                            tf_value_attr(prior, "configuration"))) == NULL)
            goto oom;
    }

    /* A version or configuration change moves the component through an update. */
    if (!create) {
        static const char *const inputs[] = {"version", "configuration", "namespace"};
        for (size_t i = 0; i < 3; i++) {
            if (tf_value_equal(tf_value_attr(p, inputs[i]), tf_value_attr(prior, inputs[i])))
                continue;
            struct tf_value *u = tf_value_unknown(a, &tf_type_string);
            if (u == NULL || (p = tf_value_with_attr(a, p, "status", u)) == NULL)
                goto oom;
            break;
        }
    }
    *planned = p;
    return;
oom:
    tf_diag_error(d, NULL, "Out of memory", "Planning unicron_addon ran out of memory.");
}

static const struct tf_plan_hooks addon_hooks = {NULL, addon_modify, NULL};

/* --- resource ------------------------------------------------------------------------------- */

const struct res_resource res_addon = {
    .type_name = "unicron_addon",
    .schema = &addon_schema,
    .plan_hooks = &addon_hooks,
    .validate = addon_validate,
    /* create / update / delete / read / import / plan_destroy: the add-on issue. */
};
