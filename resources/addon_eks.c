/* addon_eks.c - unicron_addon kind `eks`: an EKS managed add-on. Versions from
 * DescribeAddonVersions for the cluster's Kubernetes version (default and compatibility),
 * CreateAddon (adopting an existing add-on), UpdateAddon and its update, DeleteAddon (preserve),
 * and the waits: ACTIVE, except that DEGRADED on a cluster without an ACTIVE node group ends the
 * wait with a warning instead of burning the timeout.
 */
#include <stdio.h>
#include <string.h>

#include "aws_eks.h"
#include "aws_waiter.h"
#include "res_addon.h"
#include "res_keyed_read.h"
#include "res_provider.h"
#include "uc_buf.h"

/* --- versions ----------------------------------------------------------------------------- */

/* DescribeAddonVersions of the add-on for the cluster's Kubernetes version
 * (res_shared_read_load_fn; also the exact call). */
static uc_status describe_versions(void *ctx, json_t **out, struct aws_error *err)
{
    struct res_addon_op *op = ctx;
    json_t *q = json_pack("{s:s, s:s}", "addonName", op->comp->eks_addon_name, "kubernetesVersion",
                          op->cl.version);
    if (q == NULL)
        return aws_error_set(err, UC_NOMEM, "eks", "DescribeAddonVersions", "no memory");
    uc_status st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_ADDON_VERSIONS,
                                 NULL, 0, q, NULL, &op->o, out, err);
    json_decref(q);
    return st;
}

/* The versions compatible with the cluster's Kubernetes version (array of strings, newest
 * first as AWS lists them) and its default. AWS's catalogue, the same for every cluster of
 * that version: one answer serves the add-ons of one provider process. */
static bool addon_versions(struct res_addon_op *op, json_t **compatible, const char **dflt)
{
    struct aws_error err;
    json_t *resp = NULL;
    *compatible = NULL;
    *dflt = NULL;
    const char *key =
        uc_arena_printf(op->ctx->arena, "%s@%s", op->comp->eks_addon_name, op->cl.version);
    uc_status st = res_keyed_read_get(op->ctx->provider->eks_catalogue, key, describe_versions,
                                      op, &op->o, &resp, &err);
    if (st == UC_NOTFOUND)
        st = describe_versions(op, &resp, &err);
    if (st != UC_OK) {
        res_addon_diag(op, "version", &err);
        return false;
    }
    json_t *list = json_array();
    size_t i, j, k;
    json_t *addon, *ver, *compat;
    json_array_foreach(json_object_get(resp, "addons"), i, addon)
    {
        const char *name = json_string_value(json_object_get(addon, "addonName"));
        if (name == NULL || strcmp(name, op->comp->eks_addon_name) != 0)
            continue;
        json_array_foreach(json_object_get(addon, "addonVersions"), j, ver)
        {
            const char *v = json_string_value(json_object_get(ver, "addonVersion"));
            if (v == NULL)
                continue;
            json_array_foreach(json_object_get(ver, "compatibilities"), k, compat)
            {
                const char *cv = json_string_value(json_object_get(compat, "clusterVersion"));
                if (cv == NULL || strcmp(cv, op->cl.version) != 0)
                    continue;
                json_array_append_new(list, json_string(v));
                if (json_is_true(json_object_get(compat, "defaultVersion")) && *dflt == NULL)
                    *dflt = uc_arena_strdup(op->ctx->arena, v);
                break;
            }
        }
    }
    json_decref(resp);
    if (*dflt == NULL && json_array_size(list) > 0)
        *dflt = uc_arena_strdup(op->ctx->arena, json_string_value(json_array_get(list, 0)));
    *compatible = list;
    return true;
}

static bool version_listed(const json_t *list, const char *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) if (strcmp(json_string_value(e), v) == 0) return true;
    return false;
}

static const char *version_names(struct uc_arena *a, const json_t *list)
{
    struct uc_buf b;
    uc_buf_init(&b);
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        if (i == 12) {
            uc_buf_printf(&b, ", ... (%zu in all)", json_array_size(list));
            break;
        }
        uc_buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(e));
    }
    const char *s = uc_arena_strdup(a, b.len ? uc_buf_str(&b) : "none");
    uc_buf_release(&b);
    return s;
}

/* The version to install: want's (checked against the cluster) or the default. NULL after a
 * diagnostic. */
static const char *resolve_version(struct res_addon_op *op, const char *want, const char **dflt)
{
    json_t *list = NULL;
    const char *v = NULL;
    if (!addon_versions(op, &list, dflt))
        return NULL;
    struct tf_path p = tf_path_attr(NULL, "version");
    if (json_array_size(list) == 0)
        tf_diag_error(op->ctx->diags, &p, "Add-on not available for this Kubernetes version",
                      "%s: EKS offers no version of add-on %s for Kubernetes %s "
                      "(DescribeAddonVersions).",
                      op->where, op->comp->eks_addon_name, op->cl.version);
    else if (want != NULL && !version_listed(list, want))
        tf_diag_error(op->ctx->diags, &p, "Add-on version not compatible",
                      "%s: version %s of %s is not compatible with the cluster's Kubernetes "
                      "%s. Compatible versions: %s (default %s). Remove `version` to follow "
                      "the default.",
                      op->where, want, op->comp->eks_addon_name, op->cl.version,
                      version_names(op->ctx->arena, list), *dflt ? *dflt : "none");
    else
        v = want != NULL ? want : *dflt;
    json_decref(list);
    return v;
}

/* --- describe ----------------------------------------------------------------------------- */

/* DescribeAddon into *addon (NULL when it does not exist). */
static uc_status describe(struct res_addon_op *op, json_t **addon, struct aws_error *err)
{
    json_t *resp = NULL;
    const char *labels[] = {op->cl.name, op->comp->eks_addon_name};
    *addon = NULL;
    uc_status st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_ADDON, labels, 2,
                                 NULL, NULL, &op->o, &resp, err);
    if (st != UC_OK && aws_error_is_not_found(err))
        return UC_OK;
    if (st != UC_OK)
        return st;
    *addon = json_incref(json_object_get(resp, "addon"));
    json_decref(resp);
    return *addon != NULL ? UC_OK
                          : aws_error_set(err, UC_DECODE, "eks", "DescribeAddon",
                                          "the answer has no addon object");
}

static const char *jstr(struct uc_arena *a, const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL && s[0] ? uc_arena_strdup(a, s) : NULL;
}

static void observe(struct res_addon_op *op, const json_t *addon, struct res_addon_obs *obs)
{
    struct uc_arena *a = op->ctx->arena;
    obs->exists = addon != NULL;
    if (addon == NULL)
        return;
    obs->version = jstr(a, addon, "addonVersion");
    obs->status = jstr(a, addon, "status");
    obs->arn = jstr(a, addon, "addonArn");
    obs->configuration = jstr(a, addon, "configurationValues");
    obs->role_arn = jstr(a, addon, "serviceAccountRoleArn");
}

/* --- waits -------------------------------------------------------------------------------- */

struct addon_wait {
    struct res_addon_op *op;
    bool gone_ok;       /* delete wait: not found = success */
    bool degraded_idle; /* out: DEGRADED on a cluster with no ACTIVE node group */
    const char *issues; /* out: health issues of the last answer */
};

static uc_status poll_addon(void *ud, const struct aws_call_opts *o, char *status, size_t n,
                            enum aws_wait_result *result, struct aws_error *err)
{
    struct addon_wait *w = ud;
    (void)o;
    json_t *addon = NULL;
    uc_status st = describe(w->op, &addon, err);
    if (st != UC_OK)
        return st;
    if (addon == NULL) {
        snprintf(status, n, "gone");
        *result = w->gone_ok ? AWS_WAIT_SUCCESS : AWS_WAIT_FAILURE;
        return UC_OK;
    }
    bool degraded = strcmp(res_addon_jstr(addon, "status"), "DEGRADED") == 0;
    snprintf(status, n, "%s", res_addon_jstr(addon, "status"));
    w->issues = res_addon_issues_text(w->op->ctx->arena, addon);
    json_decref(addon);
    if (!w->gone_ok && degraded) {
        bool active = false;
        if ((st = res_eks_has_active_nodegroup(&w->op->cl, &w->op->o, &active, err)) != UC_OK)
            return st;
        if (!active) {
            w->degraded_idle = true;
            *result = AWS_WAIT_SUCCESS;
        }
    }
    return UC_OK;
}

/* Waits for ACTIVE (or gone). False after a diagnostic. */
static bool wait_addon(struct res_addon_op *op, bool gone, const char *attr)
{
    static const char *const ok[] = {"ACTIVE", NULL};
    static const char *const bad[] = {"CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED", NULL};
    struct addon_wait w = {.op = op, .gone_ok = gone};
    char last[64] = "";
    struct aws_error err;
    const char *what = uc_arena_printf(op->ctx->arena, "EKS add-on %s on cluster %s to %s",
                                       op->comp->eks_addon_name, op->cl.name,
                                       gone ? "be deleted" : "become ACTIVE");
    struct aws_waiter waiter = {.description = what,
                                .poll = poll_addon,
                                .ctx = &w,
                                .success = gone ? NULL : ok,
                                .failure = bad,
                                .min_delay_ms = 1000,
                                .max_delay_ms = 15000};
    uc_status st = aws_wait(op->ctx->provider->client, &waiter, &op->o, last, sizeof last, &err);
    struct tf_path p = tf_path_attr(NULL, attr != NULL ? attr : "name");
    if (st == UC_OK && w.degraded_idle) {
        tf_diag_warning(op->ctx->diags, &p, "Add-on DEGRADED until nodes exist",
                        "%s: EKS reports the add-on DEGRADED (%s) and the cluster has no ACTIVE "
                        "node group yet. It needs nodes to run; it becomes ACTIVE once a node "
                        "group is ACTIVE, which the next refresh shows. Not waiting for that.",
                        op->where, w.issues ? w.issues : "");
        return true;
    }
    if (st == UC_OK)
        return true;
    if (err.status == UC_REMOTE && aws_error_is(&err, "WaiterFailure")) {
        tf_diag_error(op->ctx->diags, &p, "EKS add-on failed",
                      "%s: EKS add-on %s reached %s. Health issues: %s", op->where,
                      op->comp->eks_addon_name, last, w.issues ? w.issues : "none given");
        return false;
    }
    res_addon_diag(op, attr, &err);
    return false;
}

/* Waits for the UpdateAddon update id to finish. */
struct update_wait {
    struct res_addon_op *op;
    const char *id;
    const char *errors;
};

static uc_status poll_update(void *ud, const struct aws_call_opts *o, char *status, size_t n,
                             enum aws_wait_result *result, struct aws_error *err)
{
    struct update_wait *w = ud;
    json_t *resp = NULL;
    json_t *q = json_pack("{s:s}", "addonName", w->op->comp->eks_addon_name);
    const char *labels[] = {w->op->cl.name, w->id};
    uc_status st = aws_rest_call(w->op->cl.session, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_UPDATE, labels,
                                 2, q, NULL, o, &resp, err);
    json_decref(q);
    if (st != UC_OK)
        return st;
    const json_t *u = json_object_get(resp, "update");
    const char *s = json_string_value(json_object_get(u, "status"));
    snprintf(status, n, "%s", s != NULL ? s : "");
    struct uc_buf b;
    uc_buf_init(&b);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(u, "errors"), i, e)
        uc_buf_printf(&b, "%s%s: %s", i ? "; " : "", res_addon_jstr(e, "errorCode"),
                      res_addon_jstr(e, "errorMessage"));
    if (b.len)
        w->errors = uc_arena_strdup(w->op->ctx->arena, uc_buf_str(&b));
    uc_buf_release(&b);
    json_decref(resp);
    (void)result;
    return UC_OK;
}

static bool wait_update(struct res_addon_op *op, const char *id)
{
    static const char *const ok[] = {"Successful", NULL};
    static const char *const bad[] = {"Failed", "Cancelled", NULL};
    struct update_wait w = {.op = op, .id = id};
    char last[64] = "";
    struct aws_error err;
    const char *what =
        uc_arena_printf(op->ctx->arena, "EKS add-on update %s of %s", id, op->comp->eks_addon_name);
    struct aws_waiter waiter = {.description = what,
                                .poll = poll_update,
                                .ctx = &w,
                                .success = ok,
                                .failure = bad,
                                .min_delay_ms = 1000,
                                .max_delay_ms = 15000};
    uc_status st = aws_wait(op->ctx->provider->client, &waiter, &op->o, last, sizeof last, &err);
    if (st == UC_OK)
        return true;
    if (aws_error_is(&err, "WaiterFailure")) {
        struct tf_path p = tf_path_attr(NULL, "version");
        tf_diag_error(op->ctx->diags, &p, "EKS add-on update failed",
                      "%s: UpdateAddon update %s ended %s: %s", op->where, id, last,
                      w.errors ? w.errors : "no errors given");
        return false;
    }
    res_addon_diag(op, "version", &err);
    return false;
}

/* --- create / update / delete ------------------------------------------------------------- */

/* CreateAddon; *adopted is set when the add-on exists already (ResourceInUseException). */
static uc_status create_addon(struct res_addon_op *op, const struct res_addon_spec *want,
                              const char *version, bool *adopted, struct aws_error *err)
{
    *adopted = false;
    json_t *body =
        json_pack("{s:s, s:s}", "addonName", op->comp->eks_addon_name, "addonVersion", version);
    if (body == NULL)
        return aws_error_set(err, UC_NOMEM, "eks", "CreateAddon", "no memory");
    if (want->resolve_conflicts)
        json_object_set_new(body, "resolveConflicts", json_string(want->resolve_conflicts));
    if (want->role_arn)
        json_object_set_new(body, "serviceAccountRoleArn", json_string(want->role_arn));
    if (want->configuration)
        json_object_set_new(body, "configurationValues", json_string(want->configuration));
    json_object_set_new(body, "tags", json_pack("{s:s}", "unicron:component", op->comp->name));
    const char *labels[] = {op->cl.name};
    uc_status st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_CREATE_ADDON, labels, 1,
                                 NULL, body, &op->o, NULL, err);
    json_decref(body);
    /* An earlier attempt whose answer was lost made it: adopt it (the update below). */
    if (st != UC_OK && aws_error_is(err, "ResourceInUseException")) {
        *adopted = true;
        return UC_OK;
    }
    return st;
}

/* UpdateAddon for what differs between want and the live add-on; *update_id gets the update
 * ("" when nothing differs). */
static uc_status update_addon(struct res_addon_op *op, const struct res_addon_spec *want,
                              const char *version, const json_t *live, char *update_id, size_t n,
                              struct aws_error *err)
{
    json_t *body = json_object();
    const char *lv = json_string_value(json_object_get(live, "addonVersion"));
    const char *lc = json_string_value(json_object_get(live, "configurationValues"));
    const char *lr = json_string_value(json_object_get(live, "serviceAccountRoleArn"));
    update_id[0] = '\0';
    if (body == NULL)
        return aws_error_set(err, UC_NOMEM, "eks", "UpdateAddon", "no memory");
    if (lv == NULL || strcmp(lv, version) != 0)
        json_object_set_new(body, "addonVersion", json_string(version));
    if (!res_addon_json_same(lc, want->configuration))
        json_object_set_new(body, "configurationValues",
                            json_string(want->configuration ? want->configuration : ""));
    if (strcmp(lr ? lr : "", want->role_arn ? want->role_arn : "") != 0)
        json_object_set_new(body, "serviceAccountRoleArn",
                            json_string(want->role_arn ? want->role_arn : ""));
    if (json_object_size(body) == 0) {
        json_decref(body);
        return UC_OK;
    }
    if (want->resolve_conflicts)
        json_object_set_new(body, "resolveConflicts", json_string(want->resolve_conflicts));
    json_t *resp = NULL;
    const char *labels[] = {op->cl.name, op->comp->eks_addon_name};
    uc_status st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_UPDATE_ADDON, labels, 2,
                                 NULL, body, &op->o, &resp, err);
    json_decref(body);
    if (st == UC_OK)
        snprintf(update_id, n, "%s", res_addon_jstr(json_object_get(resp, "update"), "id"));
    json_decref(resp);
    return st;
}

bool res_addon_eks_apply(struct res_addon_op *op, const struct res_addon_spec *want,
                         const struct res_addon_spec *prior, struct res_addon_obs *obs)
{
    struct aws_error err;
    const char *dflt = NULL;
    json_t *live = NULL;
    bool ok = false;
    (void)prior;
    const char *version = resolve_version(op, want->version, &dflt);
    if (version == NULL)
        return false;
    if (describe(op, &live, &err) != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    const char *ls = json_string_value(json_object_get(live, "status"));
    if (live != NULL && ls != NULL && strcmp(ls, "DELETING") == 0) {
        /* a delete still running (an earlier destroy): let it finish, then create anew */
        json_decref(live);
        live = NULL;
        if (!wait_addon(op, true, NULL))
            return false;
    }
    bool made = false;
    if (live == NULL) {
        bool adopted;
        if (create_addon(op, want, version, &adopted, &err) != UC_OK) {
            res_addon_diag(op, NULL, &err);
            return false;
        }
        made = !adopted;
        if (describe(op, &live, &err) != UC_OK) {
            res_addon_diag(op, NULL, &err);
            return false;
        }
        ls = json_string_value(json_object_get(live, "status"));
    }
    if (!made && live != NULL && res_addon_settling(ls)) {
        /* Adopted while someone else's create or update runs (an out-of-band CreateAddon, or an
         * interrupted apply's): EKS refuses UpdateAddon until it settles, and what it settles to
         * is not what the plan says, so wait for it, then bring it to the plan below. */
        json_decref(live);
        live = NULL;
        if (!wait_addon(op, false, NULL))
            return false;
        if (describe(op, &live, &err) != UC_OK) {
            res_addon_diag(op, NULL, &err);
            return false;
        }
        ls = json_string_value(json_object_get(live, "status"));
    }
    if (!made && live != NULL && ls != NULL && !res_addon_settling(ls)) {
        /* adopted, or an update: bring version / configuration / role to the plan */
        char id[64];
        if (update_addon(op, want, version, live, id, sizeof id, &err) != UC_OK) {
            res_addon_diag(op, NULL, &err);
            goto out;
        }
        if (id[0] && want->wait && !wait_update(op, id))
            goto out;
    }
    ok = !want->wait || wait_addon(op, false, NULL);
out:
    json_decref(live);
    live = NULL;
    if (describe(op, &live, &err) != UC_OK) {
        if (ok)
            res_addon_diag(op, NULL, &err);
        ok = false;
    }
    observe(op, live, obs);
    obs->default_version = dflt;
    json_decref(live);
    return ok;
}

bool res_addon_eks_read(struct res_addon_op *op, struct res_addon_obs *obs)
{
    struct aws_error err;
    json_t *live = NULL;
    if (describe(op, &live, &err) != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    observe(op, live, obs);
    json_decref(live);
    if (!obs->exists)
        return true;
    json_t *list = NULL;
    const char *dflt = NULL;
    if (!addon_versions(op, &list, &dflt))
        return false;
    json_decref(list);
    obs->default_version = dflt;
    return true;
}

bool res_addon_eks_delete(struct res_addon_op *op, bool preserve)
{
    struct aws_error err;
    json_t *q = json_pack("{s:b}", "preserve", preserve);
    const char *labels[] = {op->cl.name, op->comp->eks_addon_name};
    uc_status st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_DELETE_ADDON, labels, 2, q,
                                 NULL, &op->o, NULL, &err);
    json_decref(q);
    if (st != UC_OK && aws_error_is_not_found(&err))
        return true;
    if (st != UC_OK && aws_error_is(&err, "ResourceInUseException")) {
        /* an update is running: let it finish, then delete */
        if (!wait_addon(op, false, NULL))
            return false;
        q = json_pack("{s:b}", "preserve", preserve);
        st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_DELETE_ADDON, labels, 2, q, NULL,
                           &op->o, NULL, &err);
        json_decref(q);
        if (st != UC_OK && aws_error_is_not_found(&err))
            return true;
    }
    if (st != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    return wait_addon(op, true, NULL);
}
