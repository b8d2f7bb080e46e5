/* addon.c - unicron_addon: one catalog component on a cluster - an EKS managed add-on, an EKS
 * Capability (managed Argo CD, ACK, kro), or a Helm chart / Git path delivered as an Argo CD
 * Application.
 *
 * Reads top to bottom: schema table, plan-time validation, plan hooks, conversions, then create /
 * read / update / delete / import, which open the cluster (eks_access.c) and hand the work to the
 * kind's file (addon_eks.c, addon_capability.c, addon_argocd.c). No AWS or Kubernetes call may
 * happen at validate or plan.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "res_addon.h"
#include "res_aws_diag.h"
#include "res_catalog.h"
#include "res_provider.h"
#include "res_registry.h"
#include "res_schema.h"
#include "uc_buf.h"
#include "res_timeouts.h"
#include "res_validate.h"
#include "tf_json.h"

/* --- schema ------------------------------------------------------------------------------- */

static const char *const resolve_modes[] = {"OVERWRITE", "PRESERVE", "NONE", NULL};

static const struct tf_attr addon_attrs[] = {
    {.name = "id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "<cluster_id>/<name>."},
    {.name = "cluster_id",
     .type = &tf_type_string,
     .flags = TF_REQUIRED | TF_FORCE_NEW,
     .description = "Id of the unicron_cluster (<account_id>/<cluster name>).",
     .validate = res_validate_cluster_id},
    {.name = "name",
     .type = &tf_type_string,
     .flags = TF_REQUIRED | TF_FORCE_NEW,
     .description = "Catalog name of the component, e.g. vpc-cni, argo-cd, spark-operator.",
     .validate = res_validate_catalog_name},
    {.name = "version",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Version to install (default: the recommendation for the cluster's "
                    "Kubernetes version, followed when the cluster is upgraded).",
     .validate = res_validate_version_label},
    {.name = "configuration",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "JSON object: EKS configuration values, Helm values, or the capability "
                    "configuration; compared semantically.",
     .validate = res_validate_json_object},
    {.name = "namespace",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Kubernetes namespace (default: the catalog's).",
     .validate = res_validate_k8s_namespace},
    {.name = "resolve_conflicts",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "EKS add-ons only: OVERWRITE, PRESERVE or NONE for fields changed outside "
                    "EKS.",
     .validate = res_validate_enum,
     .validate_arg = resolve_modes},
    {.name = "service_account_role_arn",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "EKS add-ons only: IAM role for the add-on's service account (IRSA).",
     .validate = res_validate_iam_role_arn},
    {.name = "preserve",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description = "EKS add-ons only: on destroy keep the add-on's software on the cluster "
                    "(DeleteAddon preserve); default false."},
    {.name = "kubernetes_version",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "The cluster's Kubernetes version (read from the cluster). Set it from "
                    "unicron_cluster.kubernetes_version so the plan of an upgrade shows the "
                    "add-on versions that follow it.",
     .validate = res_validate_k8s_version},
    {.name = "wait",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Wait until the component is healthy (default true).",
     .default_json = "true"},
    {.name = "kind",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "eks, capability or argocd (from the catalog)."},
    {.name = "status",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "Component status (EKS: ACTIVE, DEGRADED, ...; Argo CD: <sync>/<health>)."},
    {.name = "arn",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "ARN of the EKS add-on or capability (argocd: none)."},
};

static const struct tf_block_type addon_blocks[] = {
    {.name = "timeouts", .nesting = TF_NEST_SINGLE, .block = &res_timeouts_block},
};

static const struct tf_block addon_block = {
    .attrs = addon_attrs,
    .nattrs = sizeof addon_attrs / sizeof addon_attrs[0],
    .blocks = addon_blocks,
    .nblocks = sizeof addon_blocks / sizeof addon_blocks[0],
    .description = "A platform component from the unicron catalog, installed on one cluster.",
};

static const struct tf_schema addon_schema = {.version = 0, .block = &addon_block};

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
    const char *arn =
        json_string_value(json_object_get(json_object_get(j, "awsIdc"), "idcInstanceArn"));
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
        static const char *const eks_only[] = {"resolve_conflicts", "service_account_role_arn",
                                               "preserve"};
        for (size_t i = 0; i < 3; i++) {
            if (!maybe_set(config, eks_only[i]))
                continue;
            if (i == 2 && !tf_value_get_bool(tf_value_attr(config, "preserve"), true))
                continue; /* preserve = false is what every kind does */
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

/* The recommendation for the cluster's current Kubernetes version that the last apply or refresh
 * found (private state {"default_version": "..."}), or NULL. */
static const char *private_default(struct uc_arena *a, const struct res_ctx *ctx)
{
    if (ctx == NULL || ctx->private_in == NULL || ctx->private_in_len == 0)
        return NULL;
    json_t *j = json_loadb((const char *)ctx->private_in, ctx->private_in_len, 0, NULL);
    const char *v = json_string_value(json_object_get(j, "default_version"));
    const char *out = v != NULL && v[0] ? uc_arena_strdup(a, v) : NULL;
    json_decref(j);
    return out;
}

/* The planned version when `version` is not configured ("versions follow the cluster"):
 * - create: a chart's catalog default (its pin for a configured kubernetes_version); EKS add-on
 *   and pinned versions are resolved at apply (unknown);
 * - later: a configured kubernetes_version that is unknown or differs from the prior one (the
 *   cluster is upgraded in this apply) makes it unknown (a chart: the pin for the new minor);
 *   otherwise the recommendation the last refresh recorded for the cluster's current version
 *   when it differs from the installed one; otherwise the prior version.
 * Capabilities have no version to choose: the prior value stays. */
static struct tf_value *plan_version(struct uc_arena *a, const struct res_component *c,
                                     const struct tf_value *prior, const struct tf_value *config,
                                     bool create, void *ud)
{
    const struct tf_value *kv = tf_value_attr(config, "kubernetes_version");
    const struct tf_value *pv = create ? NULL : tf_value_attr(prior, "version");
    int minor =
        tf_value_is_known(kv) && !tf_value_is_null(kv) ? res_eks_minor(tf_value_str(kv)) : -1;
    if (c == NULL)
        return tf_value_unknown(a, &tf_type_string);
    if (c->kind == RES_KIND_CAPABILITY)
        return pv != NULL ? (struct tf_value *)pv : tf_value_unknown(a, &tf_type_string);
    if (create) {
        const char *v = NULL;
        if (c->kind == RES_KIND_ARGOCD)
            v = c->npins == 0 ? c->default_version
                              : (minor > 0 ? res_catalog_recommended_version(c, minor) : NULL);
        return v != NULL ? tf_value_string(a, v) : tf_value_unknown(a, &tf_type_string);
    }
    const struct tf_value *pk = tf_value_attr(prior, "kubernetes_version");
    if (!tf_value_is_known(kv) || (!tf_value_is_null(kv) && !tf_value_equal(kv, pk))) {
        if (c->kind == RES_KIND_ARGOCD && minor > 0)
            return tf_value_string(a, res_catalog_recommended_version(c, minor));
        return tf_value_unknown(a, &tf_type_string);
    }
    const char *dflt = private_default(a, ud);
    if (dflt != NULL && (pv == NULL || tf_value_str(pv) == NULL || strcmp(dflt, pv->str) != 0))
        return tf_value_string(a, dflt);
    return pv != NULL ? (struct tf_value *)pv : tf_value_unknown(a, &tf_type_string);
}

static void addon_modify(struct uc_arena *a, const struct tf_value *prior,
                         const struct tf_value *config, struct tf_value **planned, bool replacing,
                         void *ud, struct tf_diags *d)
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
    if (c != NULL && c->namespace != NULL && tf_value_is_null(tf_value_attr(config, "namespace"))) {
        struct tf_value *ns = tf_value_string(a, c->namespace);
        if (ns == NULL || (p = tf_value_with_attr(a, p, "namespace", ns)) == NULL)
            goto oom;
    }

    /* version: see plan_version. kubernetes_version: unknown on create unless configured. */
    if (tf_value_is_null(tf_value_attr(config, "version"))) {
        struct tf_value *v = plan_version(a, c, prior, config, create, ud);
        if (v == NULL)
            goto oom;
        if (v != tf_value_attr(p, "version") &&
            (p = tf_value_with_attr(a, p, "version", v)) == NULL)
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
        static const char *const inputs[] = {"version", "configuration", "namespace",
                                             "service_account_role_arn", "kubernetes_version"};
        for (size_t i = 0; i < 5; i++) {
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

/* --- conversions ---------------------------------------------------------------------------- */

const char *res_addon_jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

bool res_addon_settling(const char *status)
{
    return status != NULL && (strcmp(status, "CREATING") == 0 || strcmp(status, "UPDATING") == 0);
}

const char *res_addon_issues_text(struct uc_arena *a, const json_t *obj)
{
    struct uc_buf b;
    uc_buf_init(&b);
    size_t i;
    json_t *is;
    json_array_foreach(json_object_get(json_object_get(obj, "health"), "issues"), i, is)
        uc_buf_printf(&b, "%s%s: %s", i ? "; " : "", res_addon_jstr(is, "code"),
                      res_addon_jstr(is, "message"));
    const char *s = uc_arena_strdup(a, b.len ? uc_buf_str(&b) : "no health issues given");
    uc_buf_release(&b);
    return s;
}

static json_t *load_doc(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return json_object();
    return json_loads(s, 0, NULL);
}

bool res_addon_json_same(const char *a, const char *b)
{
    json_t *x = load_doc(a), *y = load_doc(b);
    bool same = x != NULL && y != NULL && json_equal(x, y);
    if (x == NULL && y == NULL)
        same = strcmp(a, b) == 0; /* neither is JSON (e.g. YAML set outside): compare text */
    json_decref(x);
    json_decref(y);
    return same;
}

const char *res_addon_json_keep(struct uc_arena *a, const char *prior, const char *remote)
{
    if (res_addon_json_same(prior, remote))
        return prior;
    json_t *r = load_doc(remote);
    if (r == NULL)
        return uc_arena_strdup(a, remote); /* not JSON: as given */
    if (json_object_size(r) == 0 && prior == NULL) {
        json_decref(r);
        return NULL;
    }
    char *t = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
    const char *out = t != NULL ? uc_arena_strdup(a, t) : NULL;
    free(t);
    json_decref(r);
    return out;
}

void res_addon_diag(struct res_addon_op *op, const char *attr, const struct aws_error *err)
{
    struct tf_path p = tf_path_attr(NULL, attr != NULL ? attr : "name");
    const struct tf_path *pp = attr != NULL ? &p : NULL;
    if (err != NULL && strcmp(err->service, "kubernetes") == 0 && err->status != UC_CANCELED &&
        err->status != UC_TIMEOUT) {
        char line[1600];
        aws_error_format(err, line, sizeof line);
        tf_diag_error(op->ctx->diags, pp, "Kubernetes request failed",
                      "%s: Kubernetes %s failed: %s%s%s", op->where, err->operation,
                      err->code[0] ? err->code : "error", err->code[0] ? " - " : "", line);
        return;
    }
    res_aws_diag(op->ctx->diags, pp, op->where, err);
}

static const char *str_attr(const struct tf_value *obj, const char *name)
{
    const struct tf_value *v = tf_value_attr(obj, name);
    return tf_value_is_known(v) && !tf_value_is_null(v) ? tf_value_str(v) : NULL;
}

static void spec_of(const struct tf_value *obj, struct res_addon_spec *s)
{
    memset(s, 0, sizeof *s);
    s->version = str_attr(obj, "version");
    s->configuration = str_attr(obj, "configuration");
    s->ns = str_attr(obj, "namespace");
    s->resolve_conflicts = str_attr(obj, "resolve_conflicts");
    s->role_arn = str_attr(obj, "service_account_role_arn");
    s->wait = tf_value_get_bool(tf_value_attr(obj, "wait"), true);
    s->preserve = tf_value_get_bool(tf_value_attr(obj, "preserve"), false);
}

/* Opens the cluster of obj for an operation `what` ("create", "update", "delete"; NULL = read).
 * *gone is set when the cluster itself does not exist (nothing to do there); false otherwise and
 * on errors (diagnosed). */
static bool op_open(struct res_addon_op *op, struct res_ctx *ctx, const struct tf_value *obj,
                    const char *what, bool *gone)
{
    memset(op, 0, sizeof *op);
    *gone = false;
    op->ctx = ctx;
    const char *cluster_id = str_attr(obj, "cluster_id");
    const char *name = str_attr(obj, "name");
    op->comp = res_catalog_find(name);
    op->o = what != NULL ? res_call_opts(ctx, obj, what, RES_DEFAULT_TIMEOUT_NS, false)
                         : res_call_opts(ctx, NULL, "read", RES_READ_TIMEOUT_NS, false);
    op->where = uc_arena_printf(ctx->arena, "component \"%s\" on cluster %s", name ? name : "?",
                                cluster_id ? cluster_id : "?");
    if (op->comp == NULL || cluster_id == NULL) {
        struct tf_path p = tf_path_attr(NULL, "name");
        tf_diag_error(ctx->diags, &p, "Unknown component",
                      "\"%s\" is not in this provider's catalog.", name ? name : "");
        return false;
    }
    if (ctx->provider == NULL || ctx->provider->client == NULL) {
        tf_diag_error(ctx->diags, NULL, "Provider not configured",
                      "unicron_addon needs a configured provider.");
        return false;
    }
    struct aws_error err;
    /* a refresh shares DescribeCluster with the cluster's other add-ons; writes read it exact */
    struct res_keyed_read *shared = what == NULL ? ctx->provider->eks_clusters : NULL;
    if (res_eks_cluster_open(ctx->provider->client, shared, cluster_id, &op->o, &op->cl, &err) !=
        UC_OK) {
        if (aws_error_is_not_found(&err) && (what == NULL || strcmp(what, "delete") == 0)) {
            *gone = true;
            return false;
        }
        res_addon_diag(op, "cluster_id", &err);
        return false;
    }
    if (what != NULL && strcmp(what, "delete") != 0 && strcmp(op->cl.status, "ACTIVE") != 0 &&
        strcmp(op->cl.status, "UPDATING") != 0) {
        struct tf_path p = tf_path_attr(NULL, "cluster_id");
        tf_diag_error(ctx->diags, &p, "Cluster not ready",
                      "%s: the cluster is %s; components can be installed once it is ACTIVE.",
                      op->where, op->cl.status[0] ? op->cl.status : "not ready");
        res_eks_cluster_release(&op->cl);
        return false;
    }
    return true;
}

static void op_close(struct res_addon_op *op)
{
    res_eks_cluster_release(&op->cl);
}

/* Private state: the recommendation for the cluster's current version (see plan_version). */
static void set_private(struct res_ctx *ctx, const char *dflt)
{
    if (dflt == NULL)
        return;
    json_t *j = json_pack("{s:s}", "default_version", dflt);
    char *t = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    if (t != NULL) {
        ctx->private_out = (const unsigned char *)uc_arena_strdup(ctx->arena, t);
        ctx->private_out_len = ctx->private_out != NULL ? strlen(t) : 0;
    }
    free(t);
    json_decref(j);
}

/* obj with attribute name set to string s (null when s is NULL); NULL when out of memory. */
static struct tf_value *with_str(struct uc_arena *a, struct tf_value *obj, const char *name,
                                 const char *s)
{
    if (obj == NULL)
        return NULL;
    struct tf_value *v = s != NULL ? tf_value_string(a, s) : tf_value_null(a, &tf_type_string);
    return v != NULL ? tf_value_with_attr(a, obj, name, v) : NULL;
}

/* The state after create / update: the plan with the computed values filled in. */
static struct tf_value *applied_state(struct res_addon_op *op, const struct tf_value *planned,
                                      const struct res_addon_obs *obs)
{
    struct uc_arena *a = op->ctx->arena;
    struct tf_value *s = (struct tf_value *)planned;
    const char *cluster_id = str_attr(planned, "cluster_id");
    s = with_str(a, s, "id", uc_arena_printf(a, "%s/%s", cluster_id, op->comp->name));
    s = with_str(a, s, "kind", res_kind_name(op->comp->kind));
    if (s != NULL && !tf_value_is_known(tf_value_attr(s, "version")))
        s = with_str(a, s, "version", obs->version);
    if (s != NULL && !tf_value_is_known(tf_value_attr(s, "namespace")))
        s = with_str(a, s, "namespace", obs->ns);
    if (s != NULL && !tf_value_is_known(tf_value_attr(s, "kubernetes_version")))
        s = with_str(a, s, "kubernetes_version", op->cl.version);
    if (s != NULL && !tf_value_is_known(tf_value_attr(s, "wait")))
        s = tf_value_with_attr(a, s, "wait", tf_value_bool(a, true));
    s = with_str(a, s, "status", obs->status);
    s = with_str(a, s, "arn", obs->arn);
    return s;
}

static bool kind_apply(struct res_addon_op *op, const struct res_addon_spec *want,
                       const struct res_addon_spec *prior, struct res_addon_obs *obs)
{
    switch (op->comp->kind) {
    case RES_KIND_EKS:
        return res_addon_eks_apply(op, want, prior, obs);
    case RES_KIND_CAPABILITY: {
        res_addon_argocd_forget(op);
        bool ok = res_addon_cap_apply(op, want, prior, obs);
        res_addon_argocd_forget(op);
        return ok;
    }
    case RES_KIND_ARGOCD:
        return res_addon_argocd_apply(op, want, obs);
    }
    return false;
}

static struct tf_value *apply(struct res_ctx *ctx, const struct tf_value *prior,
                              const struct tf_value *planned, const char *what)
{
    struct res_addon_op op;
    struct res_addon_spec want, was;
    struct res_addon_obs obs;
    bool gone;
    memset(&obs, 0, sizeof obs);
    if (!op_open(&op, ctx, planned, what, &gone))
        return NULL;
    spec_of(planned, &want);
    if (prior != NULL)
        spec_of(prior, &was);
    bool ok = kind_apply(&op, &want, prior != NULL ? &was : NULL, &obs);
    set_private(ctx, obs.default_version);
    struct tf_value *state = NULL;
    if (ok) {
        state = applied_state(&op, planned, &obs);
        if (state == NULL)
            tf_diag_error(ctx->diags, NULL, "Out of memory", "%s: out of memory", op.where);
    } else if (obs.exists && prior == NULL) {
        /* it exists but is not right: save it (the next apply updates it), never lose it */
        struct res_addon_obs known = obs;
        if (known.version == NULL)
            known.version = "";
        state = applied_state(&op, planned, &known);
        if (state != NULL && !tf_value_is_wholly_known(state))
            state = NULL;
    }
    op_close(&op);
    return state;
}

static struct tf_value *addon_create(struct res_ctx *ctx, const struct tf_value *planned,
                                     const struct tf_value *config)
{
    (void)config;
    return apply(ctx, NULL, planned, "create");
}

static struct tf_value *addon_update(struct res_ctx *ctx, const struct tf_value *prior,
                                     const struct tf_value *planned, const struct tf_value *config)
{
    (void)config;
    return apply(ctx, prior, planned, "update");
}

static struct tf_value *addon_read(struct res_ctx *ctx, const struct tf_value *cur)
{
    struct res_addon_op op;
    struct res_addon_obs obs;
    bool gone, ok = false;
    struct uc_arena *a = ctx->arena;
    memset(&obs, 0, sizeof obs);
    if (!op_open(&op, ctx, cur, NULL, &gone))
        return gone ? tf_value_null(a, ctx->type) : NULL;
    const char *prior_cfg = str_attr(cur, "configuration");
    switch (op.comp->kind) {
    case RES_KIND_EKS:
        ok = res_addon_eks_read(&op, &obs);
        break;
    case RES_KIND_CAPABILITY:
        ok = res_addon_cap_read(&op, prior_cfg, &obs);
        break;
    case RES_KIND_ARGOCD:
        ok = res_addon_argocd_read(&op, &obs);
        break;
    }
    struct tf_value *s = NULL;
    if (!ok)
        goto out;
    if (!obs.exists) {
        s = tf_value_null(a, ctx->type);
        goto out;
    }
    set_private(ctx, obs.default_version);
    s = (struct tf_value *)cur;
    const char *cluster_id = str_attr(cur, "cluster_id");
    s = with_str(a, s, "id", uc_arena_printf(a, "%s/%s", cluster_id, op.comp->name));
    s = with_str(a, s, "kind", res_kind_name(op.comp->kind));
    if (obs.version != NULL)
        s = with_str(a, s, "version", obs.version);
    if (op.comp->kind == RES_KIND_CAPABILITY)
        s = with_str(a, s, "configuration", obs.configuration);
    else
        s = with_str(a, s, "configuration", res_addon_json_keep(a, prior_cfg, obs.configuration));
    if (op.comp->kind == RES_KIND_EKS)
        s = with_str(a, s, "service_account_role_arn", obs.role_arn);
    if (obs.ns != NULL && op.comp->kind == RES_KIND_ARGOCD)
        s = with_str(a, s, "namespace", obs.ns);
    else if (s != NULL && tf_value_is_null(tf_value_attr(s, "namespace")))
        s = with_str(a, s, "namespace", obs.ns != NULL ? obs.ns : op.comp->namespace);
    s = with_str(a, s, "kubernetes_version", op.cl.version);
    if (s != NULL && tf_value_is_null(tf_value_attr(s, "wait")))
        s = tf_value_with_attr(a, s, "wait", tf_value_bool(a, true));
    s = with_str(a, s, "status", obs.status);
    s = with_str(a, s, "arn", obs.arn);
    if (s == NULL)
        tf_diag_error(ctx->diags, NULL, "Out of memory", "%s: out of memory", op.where);
out:
    op_close(&op);
    return s;
}

static bool addon_delete(struct res_ctx *ctx, const struct tf_value *prior)
{
    struct res_addon_op op;
    bool gone, ok = false;
    if (!op_open(&op, ctx, prior, "delete", &gone))
        return gone; /* the cluster is gone, and the component with it */
    switch (op.comp->kind) {
    case RES_KIND_EKS:
        ok = res_addon_eks_delete(&op, tf_value_get_bool(tf_value_attr(prior, "preserve"), false));
        break;
    case RES_KIND_CAPABILITY:
        res_addon_argocd_forget(&op);
        ok = res_addon_cap_delete(&op);
        res_addon_argocd_forget(&op);
        break;
    case RES_KIND_ARGOCD:
        ok = res_addon_argocd_delete(&op);
        break;
    }
    op_close(&op);
    return ok;
}

/* Import by <account_id>/<cluster>/<name>: a partial state that read completes. */
static struct tf_value *addon_import(struct res_ctx *ctx, const char *id)
{
    const char *last = id != NULL ? strrchr(id, '/') : NULL;
    char account[16], cluster[128];
    char *cluster_id = last != NULL ? uc_arena_strndup(ctx->arena, id, (size_t)(last - id)) : NULL;
    const struct res_component *c = last != NULL ? res_catalog_find(last + 1) : NULL;
    if (cluster_id == NULL || c == NULL ||
        !res_eks_parse_cluster_id(cluster_id, account, sizeof account, cluster, sizeof cluster)) {
        tf_diag_error(ctx->diags, NULL, "Invalid import ID",
                      "Import unicron_addon by <account_id>/<cluster name>/<component>, e.g. "
                      "123456789012/data-dev/coredns (the component a catalog name); got "
                      "\"%.120s\".",
                      id != NULL ? id : "");
        return NULL;
    }
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", id, "cluster_id", cluster_id, "name",
                          c->name, "kind", res_kind_name(c->kind), "wait", 1);
    if (j != NULL && c->namespace != NULL)
        json_object_set_new(j, "namespace", json_string(c->namespace));
    char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    struct tf_value *v = NULL;
    const char *why = NULL;
    if (text == NULL ||
        tf_json_decode(ctx->arena, text, strlen(text), ctx->type, &v, &why) != UC_OK)
        tf_diag_error(ctx->diags, NULL, "Import failed", "Building the imported state: %s",
                      why != NULL ? why : "out of memory");
    free(text);
    json_decref(j);
    return v;
}

/* --- resource ------------------------------------------------------------------------------- */

const struct res_resource res_addon = {
    .type_name = "unicron_addon",
    .schema = &addon_schema,
    .plan_hooks = &addon_hooks,
    .validate = addon_validate,
    .create = addon_create,
    .update = addon_update,
    .delete = addon_delete,
    .read = addon_read,
    .import = addon_import,
};
