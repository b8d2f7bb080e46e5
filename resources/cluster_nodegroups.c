/* cluster_nodegroups.c - the managed node groups of unicron_cluster: create (adopting one of
 * that name), delete, read, config and version updates, and create-before-destroy replacement,
 * each waited, one thread per node group.
 *
 * It must not build Terraform values or read the configuration: cluster.c fills each struct
 * res_ng_work and turns the Nodegroup objects into state. Items share nothing writable.
 */
#include <stdio.h>
#include <string.h>

#include "aws_eks.h"
#include "aws_waiter.h"
#include "res_aws_diag.h"
#include "res_cluster.h"
#include "res_paging.h"
#include "res_fanout.h"

static struct tf_path ng_path(size_t index)
{
    struct tf_path p = tf_path_attr(NULL, "node_group");
    return tf_path_index(&p, (int64_t)index);
}

static void fail(struct res_ng_work *w, const char *eks_name, const struct aws_error *err)
{
    struct tf_path p = ng_path(w->index);
    const char *where = uc_arena_printf(w->arena, "Node group \"%s\" (EKS node group %s of "
                                                  "cluster %s, account %s)",
                                        w->name, eks_name, w->op->name, w->op->account_id);
    res_aws_diag(&w->diags, &p, where, err);
}

/* DescribeNodegroup: *ng the Nodegroup object or NULL (UC_OK) when there is none. */
static uc_status describe(const struct res_cluster_op *op, const char *eks_name, json_t **ng,
                          struct aws_error *err)
{
    const char *labels[] = {op->name, eks_name};
    json_t *out = NULL;
    *ng = NULL;
    uc_status st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_NODEGROUP, labels, 2, NULL,
                                 NULL, &op->opts, &out, err);
    if (st != UC_OK) {
        if (aws_error_is(err, "ResourceNotFoundException")) {
            aws_error_clear(err);
            return UC_OK;
        }
        return st;
    }
    *ng = json_incref(json_object_get(out, "nodegroup"));
    json_decref(out);
    if (*ng == NULL)
        return aws_error_set(err, UC_DECODE, "eks", "DescribeNodegroup",
                             "the answer has no nodegroup object");
    return UC_OK;
}

struct ng_poll {
    const struct res_cluster_op *op;
    const char *eks_name;
    bool want_gone;
    json_t *last; /* owned */
};

static uc_status poll_ng(void *ctx, const struct aws_call_opts *o, char *status, size_t n,
                         enum aws_wait_result *result, struct aws_error *err)
{
    struct ng_poll *p = ctx;
    json_t *ng = NULL;
    (void)o;
    uc_status st = describe(p->op, p->eks_name, &ng, err);
    if (st != UC_OK)
        return st;
    json_decref(p->last);
    p->last = ng;
    if (ng == NULL) {
        snprintf(status, n, "gone");
        *result = p->want_gone ? AWS_WAIT_SUCCESS : AWS_WAIT_FAILURE;
        return UC_OK;
    }
    const char *s = json_string_value(json_object_get(ng, "status"));
    snprintf(status, n, "%s", s ? s : "");
    return UC_OK;
}

static uc_status wait_ng(struct res_ng_work *w, const char *eks_name, bool gone,
                         struct aws_error *err)
{
    static const char *const active_ok[] = {"ACTIVE", NULL};
    static const char *const active_bad[] = {"CREATE_FAILED", "DELETING", "DELETE_FAILED",
                                             "DEGRADED", NULL};
    static const char *const gone_bad[] = {"DELETE_FAILED", NULL};
    char what[256];
    struct ng_poll p = {.op = w->op, .eks_name = eks_name, .want_gone = gone};
    snprintf(what, sizeof what, "EKS node group %s of cluster %s to %s", eks_name, w->op->name,
             gone ? "be deleted" : "become ACTIVE");
    struct aws_waiter wt = {.description = what, .poll = poll_ng, .ctx = &p,
                            .success = gone ? NULL : active_ok,
                            .failure = gone ? gone_bad : active_bad, .min_delay_ms = 1000,
                            .max_delay_ms = 30000};
    uc_status st = aws_wait(w->op->client, &wt, &w->op->opts, NULL, 0, err);
    if (st != UC_OK && (err->operation[0] == '\0' || strcmp(err->operation, "wait") == 0))
        snprintf(err->operation, sizeof err->operation, "%s",
                 gone ? "DeleteNodegroup" : "CreateNodegroup");
    if (!gone && st == UC_OK) {
        json_decref(w->ng);
        w->ng = json_incref(p.last);
    }
    json_decref(p.last);
    return st;
}

/* Adopt-or-create new_eks_name, then wait ACTIVE. */
static bool create_group(struct res_ng_work *w, const char *eks_name)
{
    struct aws_error err;
    json_t *ng = NULL, *out = NULL;
    aws_error_clear(&err);
    uc_status st = describe(w->op, eks_name, &ng, &err);
    const char *status = json_string_value(json_object_get(ng, "status"));
    if (st == UC_OK && ng != NULL && status != NULL && strcmp(status, "DELETING") == 0) {
        json_decref(ng);
        ng = NULL;
        st = wait_ng(w, eks_name, true, &err);
    }
    if (st == UC_OK && ng == NULL) {
        struct aws_call_opts o = w->op->opts;
        o.retry_non_idempotent = true; /* ResourceInUse on a repeat is adopted below */
        json_object_set_new(w->body, "nodegroupName", json_string(eks_name));
        st = aws_rest_call(w->op->s, AWS_SVC_EKS, &AWS_EKS_CREATE_NODEGROUP, &w->op->name, 1,
                           NULL, w->body, &o, &out, &err);
        if (st != UC_OK && aws_error_is(&err, "ResourceInUseException")) {
            aws_error_clear(&err);
            st = UC_OK;
        }
    }
    json_decref(ng);
    json_decref(out);
    if (st == UC_OK)
        st = wait_ng(w, eks_name, false, &err);
    if (st != UC_OK) {
        fail(w, eks_name, &err);
        return false;
    }
    return true;
}

static bool delete_group(struct res_ng_work *w, const char *eks_name)
{
    struct aws_error err;
    const char *labels[] = {w->op->name, eks_name};
    aws_error_clear(&err);
    uc_status st = aws_rest_call(w->op->s, AWS_SVC_EKS, &AWS_EKS_DELETE_NODEGROUP, labels, 2,
                                 NULL, NULL, &w->op->opts, NULL, &err);
    if (st != UC_OK && aws_error_is(&err, "ResourceInUseException")) {
        /* being created or updated: wait until it settles, then delete it */
        aws_error_clear(&err);
        st = wait_ng(w, eks_name, false, &err);
        json_decref(w->ng);
        w->ng = NULL;
        if (st == UC_OK)
            st = aws_rest_call(w->op->s, AWS_SVC_EKS, &AWS_EKS_DELETE_NODEGROUP, labels, 2, NULL,
                               NULL, &w->op->opts, NULL, &err);
    }
    if (st != UC_OK && aws_error_is(&err, "ResourceNotFoundException")) {
        aws_error_clear(&err);
        return true;
    }
    if (st == UC_OK)
        st = wait_ng(w, eks_name, true, &err);
    if (st != UC_OK) {
        fail(w, eks_name, &err);
        return false;
    }
    return true;
}

/* One update (config or version), waited, then the group read back. */
static bool update_group(struct res_ng_work *w, const struct aws_rest_op *rop, json_t *body)
{
    struct aws_error err;
    const char *labels[] = {w->op->name, w->eks_name};
    json_t *out = NULL;
    aws_error_clear(&err);
    uc_status st = aws_rest_call(w->op->s, AWS_SVC_EKS, rop, labels, 2, NULL, body, &w->op->opts,
                                 &out, &err);
    if (st == UC_OK)
        st = res_cluster_wait_update(w->op, w->eks_name, out, &err);
    json_decref(out);
    if (st == UC_OK) {
        json_decref(w->ng);
        st = describe(w->op, w->eks_name, &w->ng, &err);
    }
    if (st != UC_OK) {
        fail(w, w->eks_name, &err);
        return false;
    }
    return true;
}

/* A scaling change keeps the autoscaler's desired size, moved into [min, max] only when the new
 * range excludes it (EKS needs min <= desired <= max). */
static bool clamp_desired(struct res_ng_work *w)
{
    json_t *sc = json_object_get(w->body, "scalingConfig");
    if (sc == NULL || json_object_get(sc, "desiredSize") != NULL)
        return true;
    struct aws_error err;
    json_t *ng = NULL;
    aws_error_clear(&err);
    if (describe(w->op, w->eks_name, &ng, &err) != UC_OK) {
        fail(w, w->eks_name, &err);
        return false;
    }
    json_int_t min = json_integer_value(json_object_get(sc, "minSize"));
    json_int_t max = json_integer_value(json_object_get(sc, "maxSize"));
    json_t *cur = json_object_get(json_object_get(ng, "scalingConfig"), "desiredSize");
    if (json_is_integer(cur)) {
        json_int_t d = json_integer_value(cur);
        if (d < min || d > max)
            json_object_set_new(sc, "desiredSize", json_integer(d < min ? min : max));
    }
    json_decref(ng);
    return true;
}

static void *work_main(void *arg)
{
    struct res_ng_work *w = arg;
    struct aws_error err;
    aws_error_clear(&err);
    switch (w->step) {
    case RES_NG_CREATE:
        w->ok = create_group(w, w->new_eks_name);
        break;
    case RES_NG_DELETE:
        w->ok = delete_group(w, w->eks_name);
        break;
    case RES_NG_READ:
        if (describe(w->op, w->eks_name, &w->ng, &err) != UC_OK)
            fail(w, w->eks_name, &err);
        else
            w->ok = true;
        w->gone = w->ok && w->ng == NULL;
        break;
    case RES_NG_CONFIG:
        w->ok = clamp_desired(w) && update_group(w, &AWS_EKS_UPDATE_NODEGROUP_CONFIG, w->body);
        break;
    case RES_NG_VERSION: {
        json_t *b = json_pack("{s:s}", "version", w->version ? w->version : "");
        w->ok = b != NULL && update_group(w, &AWS_EKS_UPDATE_NODEGROUP_VERSION, b);
        json_decref(b);
        break;
    }
    case RES_NG_REPLACE:
        /* create-before-destroy: the new group ACTIVE before the old one's deletion starts */
        w->created = create_group(w, w->new_eks_name);
        if (w->created) {
            json_t *keep = w->ng;
            w->ng = NULL;
            w->ok = delete_group(w, w->eks_name);
            json_decref(w->ng);
            w->ng = keep;
        }
        break;
    }
    return NULL;
}

static void work_run(void *item)
{
    (void)work_main(item);
}

bool res_ng_works_init(struct res_ng_work *ws, size_t n, const struct res_cluster_op *op)
{
    if (n > 0)
        memset(ws, 0, n * sizeof *ws);
    for (size_t i = 0; i < n; i++) {
        ws[i].op = op;
        ws[i].arena = uc_arena_new();
        if (ws[i].arena == NULL)
            return false;
        tf_diags_init(&ws[i].diags, ws[i].arena);
    }
    return true;
}

void res_ng_works_run(struct res_ng_work *ws, size_t n, struct tf_diags *d)
{
    res_fanout_each(ws, n, sizeof *ws, work_run, RES_NG_MAX_THREADS);
    for (size_t i = 0; i < n; i++)
        tf_diags_append(d, &ws[i].diags);
}

void res_ng_works_release(struct res_ng_work *ws, size_t n)
{
    for (size_t i = 0; ws != NULL && i < n; i++) {
        json_decref(ws[i].body);
        json_decref(ws[i].ng);
        uc_arena_free(ws[i].arena);
    }
}

uc_status res_ng_list(const struct res_cluster_op *op, json_t **names, struct aws_error *err)
{
    struct res_pager pg;
    json_t *all = json_array();
    uc_status st = UC_OK;
    bool more = true;
    *names = NULL;
    if (all == NULL)
        return aws_error_set(err, UC_NOMEM, "eks", "ListNodegroups", "no memory");
    res_pager_init(&pg, "eks", "ListNodegroups", "nextToken", 1000);
    while (more) {
        json_t *q = json_object(), *out = NULL;
        if (q == NULL || (st = res_pager_begin(&pg, q, err)) != UC_OK) {
            json_decref(q);
            st = st != UC_OK ? st : aws_error_set(err, UC_NOMEM, "eks", "ListNodegroups", "nomem");
            break;
        }
        st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_LIST_NODEGROUPS, &op->name, 1, q, NULL,
                           &op->opts, &out, err);
        json_decref(q);
        if (st == UC_OK) {
            json_array_extend(all, json_object_get(out, "nodegroups"));
            st = res_pager_end(&pg, json_object_get(out, "nextToken"), &more, err);
        }
        json_decref(out);
        if (st != UC_OK)
            break;
    }
    res_pager_release(&pg);
    if (st != UC_OK) {
        json_decref(all);
        return st;
    }
    *names = all;
    return UC_OK;
}
