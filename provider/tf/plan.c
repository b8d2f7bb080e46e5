/* plan.c - the generic planner behind PlanResourceChange: from prior state and configuration to
 * the planned state and the requires_replace paths, attribute by attribute and nested block
 * element by element (rules in tf_plan.h and reference §9), then the resource's modify hook.
 * It must be deterministic (no clock, no randomness) and knows no particular resource: resource
 * knowledge enters only through the hooks.
 */
#include "tf_plan.h"

#include <string.h>

#include "tf_json.h"

#define PLAN_MAX_DEPTH 32

struct planner {
    struct uc_arena *a;
    const struct tf_plan_hooks *hooks;
    struct tf_diags *d;
    uc_status st;
    struct tf_path *rr;
    size_t nrr, caprr;
};

static struct tf_value *plan_fail(struct planner *p, uc_status st)
{
    if (p->st == UC_OK)
        p->st = st;
    return NULL;
}

static void add_replace(struct planner *p, const struct tf_path *path)
{
    for (size_t i = 0; i < p->nrr; i++) { /* a set's elements share their set's path */
        if (memcmp(&p->rr[i], path, sizeof(*path)) == 0)
            return;
    }
    if (p->nrr == p->caprr) {
        size_t cap = p->caprr ? p->caprr * 2 : 4;
        struct tf_path *rr = uc_arena_calloc(p->a, cap, sizeof(*rr));
        if (!rr) {
            plan_fail(p, UC_NOMEM);
            return;
        }
        if (p->nrr)
            memcpy(rr, p->rr, p->nrr * sizeof(*rr));
        p->rr = rr;
        p->caprr = cap;
    }
    p->rr[p->nrr++] = *path;
}

static bool is_known_object(const struct tf_value *v)
{
    return v && v->state == TF_KNOWN && v->type && v->type->kind == TF_OBJECT;
}

static struct tf_value *attr_default(struct planner *p, const struct tf_attr *at)
{
    struct tf_value *v = NULL;
    if (tf_json_decode(p->a, at->default_json, strlen(at->default_json), at->type, &v, NULL) !=
        UC_OK)
        return plan_fail(p, UC_INVALID);
    return v;
}

/* One attribute. prior_obj is the matched prior object (NULL when creating this object);
 * track says whether a change of a TF_FORCE_NEW attribute replaces the resource. */
static struct tf_value *plan_attr(struct planner *p, const struct tf_attr *at,
                                  const struct tf_value *prior_obj, struct tf_value *cfg,
                                  const struct tf_path *path, bool track)
{
    struct tf_value *prior = prior_obj ? tf_value_attr(prior_obj, at->name) : NULL;
    struct tf_value *planned;
    bool computed = at->flags & TF_COMPUTED;
    bool optional = at->flags & TF_OPTIONAL;
    if (at->flags & TF_WRITE_ONLY) {
        planned = tf_value_null(p->a, at->type);
    } else if (!computed || (optional && !tf_value_is_null(cfg))) {
        planned = cfg; /* the configuration decides (it may be unknown) */
    } else if (prior_obj && !(tf_value_is_null(prior) && at->default_json)) {
        planned = prior ? prior : tf_value_null(p->a, at->type); /* keep what we know */
    } else if (at->default_json) {
        planned = attr_default(p, at);
    } else {
        planned = tf_value_unknown(p->a, at->type);
    }
    if (!planned)
        return plan_fail(p, UC_NOMEM);
    /* A changed (or not yet known) replace-forcing value on an existing object. Unknown counts
     * as a change: planning an update and learning at apply that the value did change would
     * make Terraform fail with "inconsistent final plan". */
    if (track && prior_obj && (at->flags & TF_FORCE_NEW) &&
        (!tf_value_is_wholly_known(planned) || !tf_value_equal(prior, planned)))
        add_replace(p, path);
    return planned;
}

static struct tf_value *plan_object(struct planner *p, const struct tf_block *b,
                                    const struct tf_value *prior, const struct tf_value *cfg,
                                    const struct tf_path *path, bool frozen, bool track,
                                    int depth);

/* Does set element ce plausibly describe prior element pe: equal non-computed attributes. */
static bool same_config(const struct tf_block *b, const struct tf_value *ce,
                        const struct tf_value *pe)
{
    if (!is_known_object(ce) || !is_known_object(pe))
        return false;
    for (size_t i = 0; i < b->nattrs; i++) {
        const struct tf_attr *at = &b->attrs[i];
        if (at->flags & (TF_COMPUTED | TF_WRITE_ONLY))
            continue;
        if (!tf_value_equal(tf_value_attr(ce, at->name), tf_value_attr(pe, at->name)))
            return false;
    }
    return true;
}

static const char *elem_key(struct planner *p, const struct tf_block_type *bt,
                            const struct tf_value *e)
{
    if (!p->hooks || !p->hooks->element_key || !is_known_object(e))
        return NULL;
    return p->hooks->element_key(bt->name, e);
}

/* LIST and SET blocks (and tuples, for lists of blocks with dynamic attributes). */
static struct tf_value *plan_seq(struct planner *p, const struct tf_block_type *bt,
                                 const struct tf_value *prior, struct tf_value *cfg,
                                 const struct tf_path *path, bool frozen, bool track, int depth)
{
    bool set = bt->nesting == TF_NEST_SET;
    size_t n = cfg->count;
    size_t np = (prior && prior->state == TF_KNOWN) ? prior->count : 0;
    struct tf_value **out = uc_arena_calloc(p->a, n ? n : 1, sizeof(*out));
    bool *claimed = uc_arena_calloc(p->a, np ? np : 1, sizeof(*claimed));
    if (!out || !claimed)
        return plan_fail(p, UC_NOMEM);
    for (size_t i = 0; i < n; i++) {
        struct tf_value *ce = cfg->elems[i];
        if (!is_known_object(ce)) {
            out[i] = ce;
            continue;
        }
        const char *key = elem_key(p, bt, ce);
        long match = -1;
        for (size_t j = 0; j < np && match < 0; j++) {
            const struct tf_value *pe = prior->elems[j];
            if (claimed[j] || !is_known_object(pe))
                continue;
            if (key) {
                const char *pk = elem_key(p, bt, pe);
                if (pk && strcmp(pk, key) == 0)
                    match = (long)j;
            } else if (set ? same_config(bt->block, ce, pe) : j == i) {
                match = (long)j;
            }
        }
        if (match >= 0)
            claimed[match] = true;
        struct tf_path ep = (frozen || set) ? *path : tf_path_index(path, (int64_t)i);
        out[i] = plan_object(p, bt->block, match >= 0 ? prior->elems[match] : NULL, ce, &ep,
                             frozen || set, track && match >= 0, depth + 1);
        if (!out[i])
            return NULL;
    }
    struct tf_value *v = cfg->type->kind == TF_SET    ? tf_value_set(p->a, cfg->type, out, n)
                         : cfg->type->kind == TF_LIST ? tf_value_list(p->a, cfg->type, out, n)
                                                      : tf_value_tuple(p->a, cfg->type, out, n);
    return v ? v : plan_fail(p, UC_NOMEM);
}

/* MAP blocks: a map of objects, or an object (dynamic attributes inside) keyed by label. */
static struct tf_value *plan_map(struct planner *p, const struct tf_block_type *bt,
                                 const struct tf_value *prior, struct tf_value *cfg,
                                 const struct tf_path *path, bool frozen, bool track, int depth)
{
    size_t n = cfg->count;
    bool obj = cfg->type->kind == TF_OBJECT;
    struct tf_value **out = uc_arena_calloc(p->a, n ? n : 1, sizeof(*out));
    if (!out)
        return plan_fail(p, UC_NOMEM);
    for (size_t i = 0; i < n; i++) {
        const char *key = obj ? cfg->type->names[i] : cfg->keys[i];
        struct tf_value *ce = cfg->elems[i];
        if (!is_known_object(ce)) {
            out[i] = ce;
            continue;
        }
        const struct tf_value *pe = NULL;
        if (prior && prior->state == TF_KNOWN)
            pe = obj ? tf_value_attr(prior, key) : tf_value_map_get(prior, key);
        if (!is_known_object(pe))
            pe = NULL;
        struct tf_path ep = frozen ? *path : tf_path_key(path, key);
        out[i] = plan_object(p, bt->block, pe, ce, &ep, frozen, track && pe, depth + 1);
        if (!out[i])
            return NULL;
    }
    struct tf_value *v = obj ? tf_value_object(p->a, cfg->type, out)
                             : tf_value_map(p->a, cfg->type, cfg->keys, out, n);
    return v ? v : plan_fail(p, UC_NOMEM);
}

static struct tf_value *plan_nested(struct planner *p, const struct tf_block_type *bt,
                                    const struct tf_value *prior_obj, struct tf_value *cfg,
                                    const struct tf_path *path, bool frozen, bool track,
                                    int depth)
{
    struct tf_value *prior = prior_obj ? tf_value_attr(prior_obj, bt->name) : NULL;
    if (!cfg || cfg->state != TF_KNOWN)
        return cfg; /* absent SINGLE block, or a dynamic block over an unknown collection */
    switch (bt->nesting) {
    case TF_NEST_SINGLE:
    case TF_NEST_GROUP:
        return plan_object(p, bt->block, is_known_object(prior) ? prior : NULL, cfg, path,
                           frozen, track, depth + 1);
    case TF_NEST_LIST:
    case TF_NEST_SET:
        if (cfg->type->kind != TF_LIST && cfg->type->kind != TF_SET &&
            cfg->type->kind != TF_TUPLE)
            return plan_fail(p, UC_INVALID);
        return plan_seq(p, bt, prior, cfg, path, frozen, track, depth);
    case TF_NEST_MAP:
        if (cfg->type->kind != TF_MAP && cfg->type->kind != TF_OBJECT)
            return plan_fail(p, UC_INVALID);
        return plan_map(p, bt, prior, cfg, path, frozen, track, depth);
    }
    return plan_fail(p, UC_INVALID);
}

static struct tf_value *plan_object(struct planner *p, const struct tf_block *b,
                                    const struct tf_value *prior, const struct tf_value *cfg,
                                    const struct tf_path *path, bool frozen, bool track,
                                    int depth)
{
    if (p->st != UC_OK)
        return NULL;
    if (depth > PLAN_MAX_DEPTH || !is_known_object(cfg))
        return plan_fail(p, UC_INVALID);
    const struct tf_type *t = cfg->type;
    struct tf_value **vals = uc_arena_calloc(p->a, t->count ? t->count : 1, sizeof(*vals));
    if (!vals)
        return plan_fail(p, UC_NOMEM);
    for (size_t i = 0; i < b->nattrs; i++) {
        const struct tf_attr *at = &b->attrs[i];
        int idx = tf_type_attr_index(t, at->name);
        if (idx < 0)
            return plan_fail(p, UC_INVALID);
        struct tf_path ap = frozen ? *path : tf_path_attr(path, at->name);
        vals[idx] = plan_attr(p, at, prior, cfg->elems[idx], &ap, track);
        if (!vals[idx])
            return NULL;
    }
    for (size_t i = 0; i < b->nblocks; i++) {
        const struct tf_block_type *bt = &b->blocks[i];
        int idx = tf_type_attr_index(t, bt->name);
        if (idx < 0)
            return plan_fail(p, UC_INVALID);
        struct tf_path bp = frozen ? *path : tf_path_attr(path, bt->name);
        vals[idx] = plan_nested(p, bt, prior, cfg->elems[idx], &bp, frozen, track, depth);
        if (!vals[idx])
            return plan_fail(p, UC_INVALID);
    }
    for (size_t i = 0; i < t->count; i++) {
        if (!vals[i]) /* the value's type has an attribute the schema does not know */
            return plan_fail(p, UC_INVALID);
    }
    struct tf_value *v = tf_value_object(p->a, t, vals);
    return v ? v : plan_fail(p, UC_NOMEM);
}

uc_status tf_plan(struct uc_arena *a, const struct tf_plan_request *req,
                  const struct tf_plan_hooks *hooks, struct tf_plan_result *res,
                  struct tf_diags *d)
{
    struct planner p = {.a = a, .hooks = hooks, .d = d, .st = UC_OK};
    memset(res, 0, sizeof(*res));
    if (!req || !req->block)
        return UC_INVALID;
    const struct tf_type *type = req->type ? req->type : tf_block_type_of(a, req->block);
    if (!type)
        return UC_NOMEM;
    const struct tf_value *prior = tf_value_is_null(req->prior) ? NULL : req->prior;
    bool destroy = tf_value_is_null(req->config) || tf_value_is_null(req->proposed);
    if (destroy) {
        res->planned = tf_value_null(a, type);
        return res->planned ? UC_OK : UC_NOMEM;
    }
    if (!is_known_object(req->config) || (prior && !is_known_object(prior))) {
        tf_diag_error(d, NULL, "Invalid plan request",
                      "The configuration or prior state is not a known object.");
        return UC_INVALID;
    }
    struct tf_path root = tf_path_root();
    struct tf_value *planned = plan_object(&p, req->block, prior, req->config, &root, false,
                                           prior != NULL, 0);
    bool replacing = p.st == UC_OK && p.nrr > 0;
    if (replacing) /* the object will be created anew: plan it as a create */
        planned = plan_object(&p, req->block, NULL, req->config, &root, false, false, 0);
    if (p.st != UC_OK || !planned)
        return p.st != UC_OK ? p.st : UC_NOMEM;
    if (hooks && hooks->modify)
        hooks->modify(a, req->prior, req->config, &planned, replacing, hooks->ud, d);
    const char *why = NULL;
    if (!planned || !tf_value_conforms(a, planned, type, &why)) {
        tf_diag_error(d, NULL, "Provider produced an invalid plan",
                      "The planned object does not match the resource schema (%s). This is a "
                      "bug in the provider.",
                      why ? why : "no object");
        return UC_INVALID;
    }
    res->planned = planned;
    res->requires_replace = p.rr;
    res->n_requires_replace = p.nrr;
    return UC_OK;
}
