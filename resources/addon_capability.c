/* addon_capability.c - unicron_addon kind `capability`: an EKS Capability (Argo CD, ACK, kro) run
 * by AWS. Its IAM capability role (created or adopted, trusted by capabilities.eks.amazonaws.com),
 * CreateCapability with Argo CD's Identity Center settings from `configuration`, the waits on
 * DescribeCapability, UpdateCapability for the role mappings and network access, and
 * DeleteCapability (delete propagation RETAIN) followed by the role. The capability's access
 * entry is the one EKS creates: none is made here. EKS gives Argo CD's entry only the policies
 * to read the cluster and manage its own namespace; to deploy the catalog's charts (namespaces,
 * CRDs, cluster roles) the entry gets AmazonEKSClusterAdminPolicy (aws-apis.md §12.5).
 */
#include <stdio.h>
#include <string.h>

#include "aws_eks.h"
#include "aws_waiter.h"
#include "res_addon.h"
#include "res_iam_role.h"
#include "res_provider.h"
#include "uc_buf.h"

#define CAP_TRUST                                                                                  \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"              \
    "{\"Service\":\"capabilities.eks.amazonaws.com\"},\"Action\":[\"sts:AssumeRole\","             \
    "\"sts:TagSession\"]}]}"

/* "unicron-<cluster>-<component>", at most 64 characters (IAM's limit): a long cluster name is
 * cut and a hash of the whole name keeps it unique. */
static const char *role_name(struct res_addon_op *op)
{
    const char *full =
        uc_arena_printf(op->ctx->arena, "unicron-%s-%s", op->cl.name, op->comp->name);
    if (full == NULL || strlen(full) <= 64)
        return full;
    unsigned long h = 5381;
    for (const char *p = full; *p; p++)
        h = h * 33 + (unsigned char)*p;
    int keep = 64 - 8 - 1 - (int)strlen(op->comp->name) - 1 - 8;
    return uc_arena_printf(op->ctx->arena, "unicron-%.*s-%08lx-%s", keep, op->cl.name,
                           h & 0xffffffffUL, op->comp->name);
}

static bool is_argocd(const struct res_addon_op *op)
{
    return strcmp(op->comp->capability_type, "ARGOCD") == 0;
}

/* --- describe ----------------------------------------------------------------------------- */

static uc_status describe(struct res_addon_op *op, json_t **cap, struct aws_error *err)
{
    json_t *resp = NULL;
    const char *labels[] = {op->cl.name, op->comp->name};
    *cap = NULL;
    uc_status st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_CAPABILITY, labels,
                                 2, NULL, NULL, &op->o, &resp, err);
    if (st != UC_OK && aws_error_is_not_found(err))
        return UC_OK;
    if (st != UC_OK)
        return st;
    *cap = json_incref(json_object_get(resp, "capability"));
    json_decref(resp);
    return UC_OK;
}

/* The user's form of the live Argo CD configuration: the keys the prior document had (all of
 * them when there is none: import), from the live capability. */
static const char *live_configuration(struct res_addon_op *op, const json_t *cap, const char *prior)
{
    const json_t *argo = json_object_get(json_object_get(cap, "configuration"), "argoCd");
    if (!is_argocd(op) || !json_is_object(argo))
        return NULL;
    json_t *pj = prior != NULL ? json_loads(prior, 0, NULL) : NULL;
    json_t *out = json_object();
    const json_t *idc = json_object_get(argo, "awsIdc");
    json_t *oidc = json_object();
    json_object_set(oidc, "idcInstanceArn", json_object_get(idc, "idcInstanceArn"));
    const json_t *pidc = json_object_get(pj, "awsIdc");
    if (json_object_get(pidc, "idcRegion") != NULL)
        json_object_set(oidc, "idcRegion", json_object_get(idc, "idcRegion"));
    json_object_set_new(out, "awsIdc", oidc);
    const char *ns = res_addon_jstr(argo, "namespace");
    if (json_object_get(pj, "namespace") != NULL || (ns[0] && strcmp(ns, "argocd") != 0))
        json_object_set_new(out, "namespace", json_string(ns[0] ? ns : "argocd"));
    const json_t *maps = json_object_get(argo, "rbacRoleMappings");
    if (json_object_get(pj, "rbacRoleMappings") != NULL || json_array_size(maps) > 0)
        json_object_set(out, "rbacRoleMappings", maps != NULL ? (json_t *)maps : json_array());
    const json_t *vpce = json_object_get(json_object_get(argo, "networkAccess"), "vpceIds");
    if (json_object_get(pj, "networkAccess") != NULL || json_array_size(vpce) > 0)
        json_object_set_new(out, "networkAccess",
                            json_pack("{s:O}", "vpceIds", vpce ? (json_t *)vpce : json_array()));
    char *text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    const char *r = res_addon_json_keep(op->ctx->arena, prior, text);
    free(text);
    json_decref(out);
    json_decref(pj);
    return r;
}

static void observe(struct res_addon_op *op, const json_t *cap, const char *prior_cfg,
                    struct res_addon_obs *obs)
{
    struct uc_arena *a = op->ctx->arena;
    obs->exists = cap != NULL;
    if (cap == NULL)
        return;
    obs->version = uc_arena_strdup(a, res_addon_jstr(cap, "version"));
    obs->status = uc_arena_strdup(a, res_addon_jstr(cap, "status"));
    obs->arn = uc_arena_strdup(a, res_addon_jstr(cap, "arn"));
    obs->configuration = live_configuration(op, cap, prior_cfg);
    const char *ns =
        is_argocd(op)
            ? res_addon_jstr(json_object_get(json_object_get(cap, "configuration"), "argoCd"),
                             "namespace")
            : "";
    obs->ns = ns[0] ? uc_arena_strdup(a, ns) : NULL;
}

/* --- waits -------------------------------------------------------------------------------- */

struct cap_wait {
    struct res_addon_op *op;
    bool gone_ok;
    const char *issues;
};

static uc_status poll_cap(void *ud, const struct aws_call_opts *o, char *status, size_t n,
                          enum aws_wait_result *result, struct aws_error *err)
{
    struct cap_wait *w = ud;
    json_t *cap = NULL;
    (void)o;
    uc_status st = describe(w->op, &cap, err);
    if (st != UC_OK)
        return st;
    if (cap == NULL) {
        snprintf(status, n, "gone");
        *result = w->gone_ok ? AWS_WAIT_SUCCESS : AWS_WAIT_FAILURE;
        return UC_OK;
    }
    snprintf(status, n, "%s", res_addon_jstr(cap, "status"));
    w->issues = res_addon_issues_text(w->op->ctx->arena, cap);
    json_decref(cap);
    return UC_OK;
}

static bool wait_cap(struct res_addon_op *op, bool gone)
{
    static const char *const ok[] = {"ACTIVE", NULL};
    static const char *const bad[] = {"CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED", NULL};
    struct cap_wait w = {.op = op, .gone_ok = gone};
    char last[64] = "";
    struct aws_error err;
    const char *what =
        uc_arena_printf(op->ctx->arena, "EKS capability %s on cluster %s to %s", op->comp->name,
                        op->cl.name, gone ? "be deleted" : "become ACTIVE");
    struct aws_waiter waiter = {.description = what,
                                .poll = poll_cap,
                                .ctx = &w,
                                .success = gone ? NULL : ok,
                                .failure = bad,
                                .min_delay_ms = 1000,
                                .max_delay_ms = 15000};
    uc_status st = aws_wait(op->ctx->provider->client, &waiter, &op->o, last, sizeof last, &err);
    if (st == UC_OK)
        return true;
    if (aws_error_is(&err, "WaiterFailure")) {
        tf_diag_error(op->ctx->diags, NULL, "EKS capability failed",
                      "%s: the %s capability reached %s. Health issues: %s", op->where,
                      op->comp->capability_type, last, w.issues ? w.issues : "none given");
        return false;
    }
    res_addon_diag(op, NULL, &err);
    return false;
}

/* --- create / update / delete ------------------------------------------------------------- */

/* The role: created or adopted, trust for capabilities.eks.amazonaws.com. */
static bool ensure_role(struct res_addon_op *op, char *arn, size_t n)
{
    struct aws_error err;
    json_t *tags = json_pack("{s:s, s:s}", "unicron:cluster", op->cl.name, "unicron:component",
                             op->comp->name);
    struct res_iam_role_spec spec = {
        .name = role_name(op),
        .trust_policy = CAP_TRUST,
        .tags = tags,
        .description = "EKS capability role made by unicron_addon",
    };
    uc_status st = res_iam_role_ensure(op->cl.session, &spec, &op->o, arn, n, NULL, &err);
    json_decref(tags);
    if (st != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    return true;
}

static json_t *argocd_config(const struct res_addon_spec *want)
{
    json_t *cfg = want->configuration ? json_loads(want->configuration, 0, NULL) : NULL;
    if (!json_is_object(cfg)) {
        json_decref(cfg);
        cfg = json_object();
    }
    return json_pack("{s:o}", "argoCd", cfg);
}

/* CreateCapability; *adopted is set when it exists already (ResourceInUseException). */
static uc_status create_cap(struct res_addon_op *op, const struct res_addon_spec *want,
                            const char *role_arn, bool *adopted, struct aws_error *err)
{
    *adopted = false;
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "capabilityName", op->comp->name, "type",
                  op->comp->capability_type, "roleArn", role_arn, "deletePropagationPolicy",
                  "RETAIN", "tags", "unicron:component", op->comp->name);
    if (body == NULL)
        return aws_error_set(err, UC_NOMEM, "eks", "CreateCapability", "no memory");
    if (is_argocd(op))
        json_object_set_new(body, "configuration", argocd_config(want));
    const char *labels[] = {op->cl.name};
    uc_status st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_CREATE_CAPABILITY, labels, 1,
                                 NULL, body, &op->o, NULL, err);
    json_decref(body);
    if (st != UC_OK && aws_error_is(err, "ResourceInUseException")) {
        *adopted = true; /* made by an attempt whose answer was lost: adopted below */
        return UC_OK;
    }
    return st;
}

/* Identities of a role in a rbacRoleMappings list. */
static const json_t *mapping_of(const json_t *maps, const char *role)
{
    size_t i;
    json_t *m;
    json_array_foreach(maps, i, m) if (strcmp(res_addon_jstr(m, "role"), role) == 0) return m;
    return NULL;
}

static bool identity_in(const json_t *m, const json_t *ident)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(m, "identities"), i,
                       x) if (json_equal(x, ident)) return true;
    return false;
}

/* The UpdateCapability body for what differs (NULL when nothing does). */
static json_t *update_body(struct res_addon_op *op, const struct res_addon_spec *want,
                           const json_t *cap, const char *role_arn)
{
    json_t *body = json_object();
    if (strcmp(res_addon_jstr(cap, "roleArn"), role_arn) != 0)
        json_object_set_new(body, "roleArn", json_string(role_arn));
    if (!is_argocd(op))
        goto out;
    const json_t *live = json_object_get(json_object_get(cap, "configuration"), "argoCd");
    json_t *w = want->configuration ? json_loads(want->configuration, 0, NULL) : NULL;
    const json_t *wm = json_object_get(w, "rbacRoleMappings");
    const json_t *lm = json_object_get(live, "rbacRoleMappings");
    json_t *add = json_array(), *rem = json_array();
    size_t i, j;
    json_t *m, *ident;
    json_array_foreach(wm, i, m)
    {
        const json_t *cur = mapping_of(lm, res_addon_jstr(m, "role"));
        json_array_foreach(json_object_get(m, "identities"), j, ident) if (!identity_in(cur, ident))
        {
            json_array_append(add, m);
            break;
        }
    }
    json_array_foreach(lm, i, m)
    {
        const json_t *target = mapping_of(wm, res_addon_jstr(m, "role"));
        json_t *gone = json_array();
        json_array_foreach(json_object_get(m, "identities"), j,
                           ident) if (!identity_in(target, ident)) json_array_append(gone, ident);
        if (json_array_size(gone) > 0)
            json_array_append_new(rem, json_pack("{s:O, s:o}", "role", json_object_get(m, "role"),
                                                 "identities", gone));
        else
            json_decref(gone);
    }
    json_t *argo = json_object();
    if (json_array_size(add) || json_array_size(rem)) {
        json_t *r = json_object();
        if (json_array_size(add))
            json_object_set(r, "addOrUpdateRoleMappings", add);
        if (json_array_size(rem))
            json_object_set(r, "removeRoleMappings", rem);
        json_object_set_new(argo, "rbacRoleMappings", r);
    }
    json_decref(add);
    json_decref(rem);
    const json_t *wv = json_object_get(json_object_get(w, "networkAccess"), "vpceIds");
    const json_t *lv = json_object_get(json_object_get(live, "networkAccess"), "vpceIds");
    if (!json_equal(wv ? wv : json_array(), lv ? lv : json_array()) &&
        (json_array_size(wv) || json_array_size(lv)))
        json_object_set_new(argo, "networkAccess",
                            json_pack("{s:O}", "vpceIds", wv ? (json_t *)wv : json_array()));
    if (json_object_size(argo))
        json_object_set_new(body, "configuration", json_pack("{s:o}", "argoCd", argo));
    else
        json_decref(argo);
    json_decref(w);
out:
    if (json_object_size(body) == 0) {
        json_decref(body);
        return NULL;
    }
    return body;
}

/* awsIdc and namespace cannot change in place (not in UpdateCapability). */
static bool check_fixed(struct res_addon_op *op, const struct res_addon_spec *want,
                        const json_t *cap)
{
    if (!is_argocd(op))
        return true;
    const json_t *live = json_object_get(json_object_get(cap, "configuration"), "argoCd");
    json_t *w = want->configuration ? json_loads(want->configuration, 0, NULL) : NULL;
    const char *wa = res_addon_jstr(json_object_get(w, "awsIdc"), "idcInstanceArn");
    const char *la = res_addon_jstr(json_object_get(live, "awsIdc"), "idcInstanceArn");
    const char *wn = res_addon_jstr(w, "namespace");
    const char *ln = res_addon_jstr(live, "namespace");
    bool ok = strcmp(wa, la) == 0 && strcmp(wn[0] ? wn : "argocd", ln[0] ? ln : "argocd") == 0;
    if (!ok) {
        struct tf_path p = tf_path_attr(NULL, "configuration");
        tf_diag_error(op->ctx->diags, &p, "Argo CD capability setting cannot change",
                      "%s: awsIdc and namespace of an existing Argo CD capability cannot be "
                      "changed (UpdateCapability does not take them; the capability has %s in "
                      "namespace %s). Destroy and re-create the component to change them.",
                      op->where, la, ln[0] ? ln : "argocd");
    }
    json_decref(w);
    return ok;
}

/* Associates AmazonEKSClusterAdminPolicy (cluster scope) with the access entry EKS made for the
 * Argo CD capability's role, so that Argo CD may deploy. Idempotent. */
static bool grant_deploy(struct res_addon_op *op)
{
    struct aws_error err;
    json_t *cap = NULL;
    if (describe(op, &cap, &err) != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    if (strcmp(res_addon_jstr(cap, "status"), "ACTIVE") != 0) {
        json_decref(cap); /* wait = false: its entry may not exist yet */
        return true;
    }
    const char *role = res_addon_jstr(cap, "roleArn");
    const char *eks = strstr(op->cl.arn, ":eks:");
    const char *policy = uc_arena_printf(
        op->ctx->arena, "%.*s:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        eks != NULL ? (int)(eks - op->cl.arn) : 7, eks != NULL ? op->cl.arn : "arn:aws");
    json_t *body =
        json_pack("{s:s, s:{s:s}}", "policyArn", policy, "accessScope", "type", "cluster");
    const char *labels[] = {op->cl.name, role};
    uc_status st =
        role[0] ? aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_ASSOCIATE_ACCESS_POLICY,
                                labels, 2, NULL, body, &op->o, NULL, &err)
                : UC_OK;
    json_decref(body);
    json_decref(cap);
    if (st != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    return true;
}

static bool wait_update(struct res_addon_op *op, const char *id)
{
    /* the capability goes UPDATING -> ACTIVE (or UPDATE_FAILED) when the update ends */
    (void)id;
    return wait_cap(op, false);
}

bool res_addon_cap_apply(struct res_addon_op *op, const struct res_addon_spec *want,
                         const struct res_addon_spec *prior, struct res_addon_obs *obs)
{
    struct aws_error err;
    char role_arn[512];
    json_t *cap = NULL;
    bool ok = false;
    if (!ensure_role(op, role_arn, sizeof role_arn))
        return false;
    if (describe(op, &cap, &err) != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    if (cap != NULL && strcmp(res_addon_jstr(cap, "status"), "DELETING") == 0) {
        json_decref(cap);
        cap = NULL;
        if (!wait_cap(op, true))
            return false;
    }
    bool made = false;
    if (cap == NULL) {
        bool adopted;
        if (create_cap(op, want, role_arn, &adopted, &err) != UC_OK) {
            res_addon_diag(op, NULL, &err);
            return false;
        }
        made = !adopted;
        if (adopted && describe(op, &cap, &err) != UC_OK) {
            res_addon_diag(op, NULL, &err);
            return false;
        }
    }
    if (!made && cap != NULL && res_addon_settling(res_addon_jstr(cap, "status"))) {
        /* someone else's create or update runs (out of band, or an interrupted apply's): EKS
         * refuses UpdateCapability until it settles, and it settles to their configuration,
         * not the plan's; wait, then bring it to the plan below */
        json_decref(cap);
        cap = NULL;
        if (!wait_cap(op, false))
            return false;
        if (describe(op, &cap, &err) != UC_OK) {
            res_addon_diag(op, NULL, &err);
            return false;
        }
    }
    if (!made && cap != NULL && strcmp(res_addon_jstr(cap, "status"), "ACTIVE") == 0) {
        if (!check_fixed(op, want, cap))
            goto out;
        json_t *body = update_body(op, want, cap, role_arn);
        if (body != NULL) {
            json_t *resp = NULL;
            const char *labels[] = {op->cl.name, op->comp->name};
            uc_status st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_UPDATE_CAPABILITY,
                                         labels, 2, NULL, body, &op->o, &resp, &err);
            json_decref(body);
            if (st != UC_OK) {
                res_addon_diag(op, "configuration", &err);
                goto out;
            }
            const char *id = res_addon_jstr(json_object_get(resp, "update"), "id");
            bool waited = !want->wait || wait_update(op, id);
            json_decref(resp);
            if (!waited)
                goto out;
        }
    }
    ok = !want->wait || wait_cap(op, false);
    if (ok && is_argocd(op))
        ok = grant_deploy(op);
out:
    json_decref(cap);
    cap = NULL;
    if (describe(op, &cap, &err) != UC_OK) {
        if (ok)
            res_addon_diag(op, NULL, &err);
        ok = false;
    }
    observe(op, cap,
            want->configuration ? want->configuration : (prior ? prior->configuration : NULL), obs);
    /* what the user wrote is what was applied: keep its text when the capability took it */
    if (ok && obs->exists)
        obs->configuration = want->configuration;
    json_decref(cap);
    return ok;
}

bool res_addon_cap_read(struct res_addon_op *op, const char *prior_configuration,
                        struct res_addon_obs *obs)
{
    struct aws_error err;
    json_t *cap = NULL;
    if (describe(op, &cap, &err) != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    observe(op, cap, prior_configuration, obs);
    json_decref(cap);
    return true;
}

bool res_addon_cap_delete(struct res_addon_op *op)
{
    struct aws_error err;
    const char *labels[] = {op->cl.name, op->comp->name};
    uc_status st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_DELETE_CAPABILITY, labels, 2,
                                 NULL, NULL, &op->o, NULL, &err);
    if (st != UC_OK && aws_error_is(&err, "ResourceInUseException")) {
        if (!wait_cap(op, false))
            return false;
        st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_DELETE_CAPABILITY, labels, 2, NULL,
                           NULL, &op->o, NULL, &err);
    }
    if (st != UC_OK && !aws_error_is_not_found(&err)) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    if (st == UC_OK && !wait_cap(op, true))
        return false;
    if (res_iam_role_delete(op->cl.session, role_name(op), &op->o, &err) != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    return true;
}
