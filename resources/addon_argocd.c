/* addon_argocd.c - unicron_addon kind `argocd`: a catalog chart (or Git path) delivered as an Argo
 * CD Application through the cluster's Kubernetes API. Needs the argo-cd capability on the
 * cluster (checked before anything is made), registers the cluster in Argo CD with a cluster
 * Secret whose server is the cluster ARN (the capability rejects kubernetes.default.svc),
 * server-side applies the Application (field manager unicron, force), waits Synced + Healthy
 * (kubernetes-argocd.md §8.2), reads drift from the Application's spec (never its status) and
 * deletes it through the cascading finalizer, waiting until it is gone.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "aws_eks.h"
#include "aws_waiter.h"
#include "res_addon.h"
#include "res_keyed_read.h"
#include "res_paging.h"
#include "res_provider.h"
#include "uc_buf.h"

#define FIELD_MANAGER  "unicron"
#define CLUSTER_SECRET "unicron-in-cluster"
#define APP_FINALIZER  "resources-finalizer.argocd.argoproj.io"

/* --- the argo-cd capability --------------------------------------------------------------- */

/* The Argo CD namespace of the cluster's ACTIVE ARGOCD capability into ns; *found false when
 * there is none. */
static uc_status argocd_namespace(struct res_addon_op *op, char *ns, size_t n, bool *found,
                                  char *status, size_t sn, struct aws_error *err)
{
    struct res_pager pg;
    uc_status st = UC_OK;
    bool more = true;
    char cap_name[128] = "";
    *found = false;
    snprintf(status, sn, "%s", "");
    res_pager_init(&pg, "eks", "ListCapabilities", "nextToken", 100);
    while (more && !cap_name[0]) {
        json_t *q = json_object(), *resp = NULL;
        if ((st = res_pager_begin(&pg, q, err)) == UC_OK) {
            const char *labels[] = {op->cl.name};
            st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_LIST_CAPABILITIES, labels, 1,
                               q, NULL, &op->o, &resp, err);
        }
        json_decref(q);
        if (st != UC_OK)
            break;
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(resp, "capabilities"), i, c)
        {
            if (strcmp(res_addon_jstr(c, "type"), "ARGOCD") != 0)
                continue;
            snprintf(cap_name, sizeof cap_name, "%s", res_addon_jstr(c, "capabilityName"));
            snprintf(status, sn, "%s", res_addon_jstr(c, "status"));
        }
        st = res_pager_end(&pg, json_object_get(resp, "nextToken"), &more, err);
        json_decref(resp);
        if (st != UC_OK)
            break;
    }
    res_pager_release(&pg);
    if (st != UC_OK || !cap_name[0])
        return st;
    json_t *resp = NULL;
    const char *labels[] = {op->cl.name, cap_name};
    st = aws_rest_call(op->cl.session, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_CAPABILITY, labels, 2, NULL,
                       NULL, &op->o, &resp, err);
    if (st != UC_OK && aws_error_is_not_found(err))
        return UC_OK;
    if (st != UC_OK)
        return st;
    const json_t *cap = json_object_get(resp, "capability");
    const char *s = res_addon_jstr(json_object_get(json_object_get(cap, "configuration"), "argoCd"),
                                   "namespace");
    snprintf(ns, n, "%s", s[0] ? s : RES_ADDON_ARGOCD_NS);
    snprintf(status, sn, "%s", res_addon_jstr(cap, "status"));
    *found = strcmp(status, "ACTIVE") == 0 || strcmp(status, "UPDATING") == 0;
    json_decref(resp);
    return UC_OK;
}

/* --- Kubernetes objects ------------------------------------------------------------------- */

static const char *app_path(struct res_addon_op *op, const char *ns)
{
    return uc_arena_printf(op->ctx->arena,
                           "/apis/argoproj.io/v1alpha1/namespaces/%s/"
                           "applications/%s",
                           ns, op->comp->name);
}

static char *b64(struct uc_arena *a, const char *s)
{
    size_t n = strlen(s);
    unsigned char *out = uc_arena_alloc(a, 4 * ((n + 2) / 3) + 1);
    if (out != NULL)
        EVP_EncodeBlock(out, (const unsigned char *)s, (int)n);
    return (char *)out;
}

/* The cluster Secret that registers this cluster in Argo CD (server = cluster ARN), applied
 * when absent. */
static bool register_cluster(struct res_addon_op *op, struct aws_k8s *k, const char *ns)
{
    struct aws_error err;
    const char *path =
        uc_arena_printf(op->ctx->arena, "/api/v1/namespaces/%s/secrets/%s", ns, CLUSTER_SECRET);
    json_t *out = NULL;
    uc_status st = aws_k8s_request(k, "GET", path, NULL, NULL, NULL, &op->o, NULL, &out, &err);
    json_decref(out);
    out = NULL;
    if (st == UC_OK)
        return true;
    if (!aws_error_is_not_found(&err)) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    struct uc_arena *a = op->ctx->arena;
    json_t *body =
        json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:s, s:{s:s, s:s, s:s}}", "apiVersion",
                  "v1", "kind", "Secret", "metadata", "name", CLUSTER_SECRET, "namespace", ns,
                  "labels", "argocd.argoproj.io/secret-type", "cluster",
                  "app.kubernetes.io/managed-by", "unicron", "type", "Opaque", "data", "name",
                  b64(a, "in-cluster"), "server", b64(a, op->cl.arn), "project", b64(a, "default"));
    if (body == NULL) {
        tf_diag_error(op->ctx->diags, NULL, "Out of memory", "%s: out of memory", op->where);
        return false;
    }
    st = aws_k8s_apply(k, path, body, FIELD_MANAGER, &op->o, &out, &err);
    json_decref(body);
    json_decref(out);
    if (st != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    return true;
}

/* The Application body (kubernetes-argocd.md §7.5, destination = the cluster ARN). */
static json_t *app_body(struct res_addon_op *op, const struct res_addon_spec *want, const char *ns,
                        const char *version)
{
    const struct res_component *c = op->comp;
    json_t *values = want->configuration ? json_loads(want->configuration, 0, NULL) : NULL;
    if (!json_is_object(values)) {
        json_decref(values);
        values = json_object();
    }
    json_t *source = json_pack("{s:s, s:s}", "repoURL", c->repo_url, "targetRevision", version);
    if (c->chart != NULL) {
        json_object_set_new(source, "chart", json_string(c->chart));
        json_object_set_new(
            source, "helm",
            json_pack("{s:s, s:o}", "releaseName", c->name, "valuesObject", values));
    } else {
        json_object_set_new(source, "path", json_string(c->path));
        json_decref(values);
    }
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:[s], s:{s:s}}, s:{s:s, s:o, s:{s:s, s:s}, "
                     "s:{s:{s:b, s:b}, s:[s, s]}}}",
                     "apiVersion", "argoproj.io/v1alpha1", "kind", "Application", "metadata",
                     "name", c->name, "namespace", ns, "finalizers", APP_FINALIZER, "labels",
                     "app.kubernetes.io/managed-by", "unicron", "spec", "project", "default",
                     "source", source, "destination", "server", op->cl.arn, "namespace",
                     want->ns ? want->ns : (c->namespace ? c->namespace : c->name), "syncPolicy",
                     "automated", "prune", 1, "selfHeal", 1, "syncOptions", "CreateNamespace=true",
                     "ServerSideApply=true");
}

/* --- readiness ---------------------------------------------------------------------------- */

static const char *conditions_text(struct uc_arena *a, const json_t *app)
{
    const json_t *status = json_object_get(app, "status");
    struct uc_buf b;
    uc_buf_init(&b);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c) uc_buf_printf(
        &b, "%s%s: %s", b.len ? "; " : "", res_addon_jstr(c, "type"), res_addon_jstr(c, "message"));
    const json_t *os = json_object_get(status, "operationState");
    if (os != NULL && res_addon_jstr(os, "message")[0])
        uc_buf_printf(&b, "%soperation %s: %s", b.len ? "; " : "", res_addon_jstr(os, "phase"),
                      res_addon_jstr(os, "message"));
    const char *hm = res_addon_jstr(json_object_get(status, "health"), "message");
    if (hm[0])
        uc_buf_printf(&b, "%shealth: %s", b.len ? "; " : "", hm);
    const char *s = uc_arena_strdup(a, b.len ? uc_buf_str(&b) : "no conditions given");
    uc_buf_release(&b);
    return s;
}

static bool has_error_condition(const json_t *app)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(app, "status"), "conditions"), i, c)
    {
        const char *t = res_addon_jstr(c, "type");
        if (strcmp(t, "ComparisonError") == 0 || strcmp(t, "InvalidSpecError") == 0 ||
            strcmp(t, "SyncError") == 0 || strcmp(t, "UnknownError") == 0)
            return true;
    }
    return false;
}

struct app_wait {
    struct res_addon_op *op;
    struct aws_k8s *k;
    const char *path;
    const json_t *source; /* the applied spec.source; NULL = wait until gone */
    const char *conditions;
};

static uc_status poll_app(void *ud, const struct aws_call_opts *o, char *status, size_t n,
                          enum aws_wait_result *result, struct aws_error *err)
{
    struct app_wait *w = ud;
    json_t *app = NULL;
    uc_status st = aws_k8s_request(w->k, "GET", w->path, NULL, NULL, NULL, o, NULL, &app, err);
    if (st != UC_OK && aws_error_is_not_found(err)) {
        snprintf(status, n, "gone");
        *result = w->source == NULL ? AWS_WAIT_SUCCESS : AWS_WAIT_FAILURE;
        aws_error_clear(err);
        return UC_OK;
    }
    if (st != UC_OK)
        return st;
    const json_t *s = json_object_get(app, "status");
    const char *sync = res_addon_jstr(json_object_get(s, "sync"), "status");
    const char *health = res_addon_jstr(json_object_get(s, "health"), "status");
    const json_t *os = json_object_get(s, "operationState");
    const char *phase = res_addon_jstr(os, "phase");
    if (w->source == NULL) {
        snprintf(status, n, "deleting (finalizers: %s)",
                 json_array_size(json_object_get(json_object_get(app, "metadata"), "finalizers")) >
                         0
                     ? APP_FINALIZER
                     : "none");
        json_decref(app);
        return UC_OK;
    }
    snprintf(status, n, "%s/%s%s%s", sync[0] ? sync : "-", health[0] ? health : "-",
             phase[0] ? " " : "", phase);
    w->conditions = conditions_text(w->op->ctx->arena, app);
    const json_t *cmp = json_object_get(json_object_get(s, "sync"), "comparedTo");
    bool current = json_equal(json_object_get(cmp, "source"), w->source);
    if (current && (strcmp(health, "Degraded") == 0 || has_error_condition(app)) &&
        strcmp(phase, "Running") != 0)
        *result = AWS_WAIT_FAILURE;
    else if (current && strcmp(sync, "Synced") == 0 && strcmp(health, "Healthy") == 0 &&
             (os == NULL || strcmp(phase, "Succeeded") == 0) && !has_error_condition(app))
        *result = AWS_WAIT_SUCCESS;
    json_decref(app);
    return UC_OK;
}

static bool wait_app(struct res_addon_op *op, struct aws_k8s *k, const char *path,
                     const json_t *source)
{
    struct app_wait w = {.op = op, .k = k, .path = path, .source = source};
    char last[128] = "";
    struct aws_error err;
    const char *what =
        uc_arena_printf(op->ctx->arena, "Argo CD Application %s to %s", op->comp->name,
                        source ? "be Synced and Healthy" : "be deleted");
    struct aws_waiter waiter = {.description = what,
                                .poll = poll_app,
                                .ctx = &w,
                                .min_delay_ms = 1000,
                                .max_delay_ms = 10000};
    uc_status st = aws_wait(op->ctx->provider->client, &waiter, &op->o, last, sizeof last, &err);
    if (st == UC_OK)
        return true;
    if (aws_error_is(&err, "WaiterFailure")) {
        struct tf_path p = tf_path_attr(NULL, strcmp(last, "gone") == 0 ? "name" : "version");
        tf_diag_error(op->ctx->diags, &p, "Argo CD Application failed",
                      "%s: the Application is %s. Conditions: %s", op->where,
                      strcmp(last, "gone") == 0 ? "gone (deleted outside Terraform)" : last,
                      w.conditions ? w.conditions : "none");
        return false;
    }
    if (err.status == UC_TIMEOUT && source == NULL) {
        tf_diag_error(op->ctx->diags, NULL, "Argo CD Application not deleted",
                      "%s: the Application is still there (%s) when the delete timeout ran "
                      "out: Argo CD has not removed the finalizer %s (is the argo-cd capability "
                      "still ACTIVE?).",
                      op->where, last, APP_FINALIZER);
        return false;
    }
    res_addon_diag(op, NULL, &err);
    return false;
}

/* --- observe ------------------------------------------------------------------------------ */

static void observe(struct res_addon_op *op, const json_t *app, struct res_addon_obs *obs)
{
    struct uc_arena *a = op->ctx->arena;
    obs->exists = app != NULL;
    if (app == NULL)
        return;
    const json_t *spec = json_object_get(app, "spec");
    const json_t *src = json_object_get(spec, "source");
    obs->version = uc_arena_strdup(a, res_addon_jstr(src, "targetRevision"));
    const json_t *values = json_object_get(json_object_get(src, "helm"), "valuesObject");
    if (json_is_object(values) && json_object_size(values) > 0) {
        char *t = json_dumps(values, JSON_COMPACT | JSON_SORT_KEYS);
        obs->configuration = t ? uc_arena_strdup(a, t) : NULL;
        free(t);
    }
    const char *ns = res_addon_jstr(json_object_get(spec, "destination"), "namespace");
    obs->ns = ns[0] ? uc_arena_strdup(a, ns) : NULL;
    const json_t *s = json_object_get(app, "status");
    const char *sync = res_addon_jstr(json_object_get(s, "sync"), "status");
    const char *health = res_addon_jstr(json_object_get(s, "health"), "status");
    obs->status =
        uc_arena_printf(a, "%s/%s", sync[0] ? sync : "Unknown", health[0] ? health : "Unknown");
    obs->default_version = res_catalog_recommended_version(op->comp, res_eks_minor(op->cl.version));
}

/* --- entry points ------------------------------------------------------------------------- */

static void missing_argocd(struct res_addon_op *op, const char *status)
{
    tf_diag_error(op->ctx->diags, NULL, "Argo CD is not on the cluster",
                  "%s: \"%s\" is delivered as an Argo CD Application and needs the argo-cd "
                  "component on cluster %s/%s first%s%s%s. Add it, and make this component "
                  "depend on it:\n\n  resource \"unicron_addon\" \"argo_cd\" {\n    cluster_id = "
                  "\"%s/%s\"\n    name       = \"argo-cd\"\n    configuration = jsonencode({ "
                  "awsIdc = { idcInstanceArn = \"arn:aws:sso:::instance/ssoins-...\" } })\n  }",
                  op->where, op->comp->name, op->cl.account_id, op->cl.name,
                  status[0] ? " (its capability is " : "", status, status[0] ? ")" : "",
                  op->cl.account_id, op->cl.name);
}

bool res_addon_argocd_apply(struct res_addon_op *op, const struct res_addon_spec *want,
                            struct res_addon_obs *obs)
{
    struct aws_error err;
    char ns[64] = "", status[32];
    bool found = false, ok = false;
    if (argocd_namespace(op, ns, sizeof ns, &found, status, sizeof status, &err) != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    if (!found) {
        missing_argocd(op, status);
        return false;
    }
    const char *version =
        want->version ? want->version
                      : res_catalog_recommended_version(op->comp, res_eks_minor(op->cl.version));
    struct aws_k8s *k = res_eks_k8s(&op->cl, &err);
    if (k == NULL) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    json_t *body = NULL, *out = NULL;
    const char *path = app_path(op, ns);
    if (!register_cluster(op, k, ns))
        goto done;
    if ((body = app_body(op, want, ns, version)) == NULL) {
        tf_diag_error(op->ctx->diags, NULL, "Out of memory", "%s: out of memory", op->where);
        goto done;
    }
    if (aws_k8s_apply(k, path, body, FIELD_MANAGER, &op->o, &out, &err) != UC_OK) {
        res_addon_diag(op, NULL, &err);
        goto done;
    }
    json_decref(out);
    out = NULL;
    ok = !want->wait ||
         wait_app(op, k, path, json_object_get(json_object_get(body, "spec"), "source"));
done:
    if (aws_k8s_request(k, "GET", path, NULL, NULL, NULL, &op->o, NULL, &out, &err) == UC_OK)
        observe(op, out, obs);
    else if (!aws_error_is_not_found(&err) && ok) {
        res_addon_diag(op, NULL, &err);
        ok = false;
    }
    json_decref(out);
    json_decref(body);
    aws_k8s_free(k);
    return ok;
}

/* The key of the cluster's Argo CD capability in the process's shared reads. */
static const char *argocd_key(const struct res_addon_op *op)
{
    return uc_arena_printf(op->ctx->arena, "%s/%s#argocd", op->cl.account_id, op->cl.name);
}

void res_addon_argocd_forget(const struct res_addon_op *op)
{
    res_keyed_read_invalidate(op->ctx->provider->eks_clusters, argocd_key(op));
}

/* argocd_namespace as {"ns", "status", "found"} (res_shared_read_load_fn). */
static uc_status load_argocd(void *ctx, json_t **out, struct aws_error *err)
{
    char ns[64] = "", status[32] = "";
    bool found = false;
    uc_status st = argocd_namespace(ctx, ns, sizeof ns, &found, status, sizeof status, err);
    if (st != UC_OK)
        return st;
    *out = json_pack("{s:s, s:s, s:b}", "ns", ns, "status", status, "found", found);
    return *out != NULL ? UC_OK
                        : aws_error_set(err, UC_NOMEM, "eks", "ListCapabilities", "no memory");
}

/* The Application's namespace for read and delete: the capability's, else the default.
 * *active (may be NULL) says whether an ACTIVE Argo CD capability runs the controller. shared:
 * a refresh, whose components of one cluster share one lookup of the capability (the
 * capability's own writes drop it: res_addon_argocd_forget). */
static void app_namespace(struct res_addon_op *op, char *ns, size_t n, bool *ok, bool *active,
                          bool shared)
{
    struct aws_error err;
    char status[32] = "";
    bool found = false;
    json_t *v = NULL;
    *ok = true;
    uc_status st = shared ? res_keyed_read_get(op->ctx->provider->eks_clusters, argocd_key(op),
                                               load_argocd, op, &op->o, &v, &err)
                          : UC_NOTFOUND;
    if (st == UC_OK) {
        snprintf(ns, n, "%s", res_addon_jstr(v, "ns"));
        found = json_is_true(json_object_get(v, "found"));
        json_decref(v);
    } else if (st == UC_NOTFOUND) {
        st = argocd_namespace(op, ns, n, &found, status, sizeof status, &err);
    }
    if (st != UC_OK) {
        res_addon_diag(op, NULL, &err);
        *ok = false;
    }
    if (!ns[0])
        snprintf(ns, n, "%s", RES_ADDON_ARGOCD_NS);
    if (active != NULL)
        *active = found;
}

bool res_addon_argocd_read(struct res_addon_op *op, struct res_addon_obs *obs)
{
    struct aws_error err;
    char ns[64] = "";
    bool ok;
    app_namespace(op, ns, sizeof ns, &ok, NULL, true);
    if (!ok)
        return false;
    struct aws_k8s *k = res_eks_k8s(&op->cl, &err);
    if (k == NULL) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    json_t *app = NULL;
    uc_status st =
        aws_k8s_request(k, "GET", app_path(op, ns), NULL, NULL, NULL, &op->o, NULL, &app, &err);
    aws_k8s_free(k);
    if (st != UC_OK && aws_error_is_not_found(&err)) {
        obs->exists = false; /* the Application, or Argo CD's CRDs, are gone */
        return true;
    }
    if (st != UC_OK) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    observe(op, app, obs);
    json_decref(app);
    return true;
}

bool res_addon_argocd_delete(struct res_addon_op *op)
{
    struct aws_error err;
    char ns[64] = "";
    bool ok, active = false;
    app_namespace(op, ns, sizeof ns, &ok, &active, false);
    if (!ok)
        return false;
    struct aws_k8s *k = res_eks_k8s(&op->cl, &err);
    if (k == NULL) {
        res_addon_diag(op, NULL, &err);
        return false;
    }
    const char *path = app_path(op, ns);
    if (!active) {
        /* nobody would remove the cascading finalizer: say so now, not after the timeout */
        json_t *app = NULL;
        uc_status gst = aws_k8s_request(k, "GET", path, NULL, NULL, NULL, &op->o, NULL, &app, &err);
        json_decref(app);
        aws_k8s_free(k);
        if (gst != UC_OK && aws_error_is_not_found(&err))
            return true;
        tf_diag_error(op->ctx->diags, NULL, "Argo CD is not on the cluster",
                      "%s: the Application is still there but the argo-cd component is gone, so "
                      "nothing can run its finalizer %s and remove what it deployed. Destroy "
                      "Argo CD components before argo-cd (depends_on), or add argo-cd back and "
                      "destroy again.",
                      op->where, APP_FINALIZER);
        return false;
    }
    json_t *out = NULL;
    uc_status st = aws_k8s_request(k, "DELETE", path, NULL, NULL, NULL, &op->o, NULL, &out, &err);
    json_decref(out);
    if (st != UC_OK && aws_error_is_not_found(&err)) {
        aws_k8s_free(k);
        return true;
    }
    ok = st == UC_OK ? wait_app(op, k, path, NULL) : false;
    if (st != UC_OK)
        res_addon_diag(op, NULL, &err);
    aws_k8s_free(k);
    return ok;
}
