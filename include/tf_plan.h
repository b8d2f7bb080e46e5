/* tf_plan.h - the generic planner: PlanResourceChange for any schema, with per-resource hooks.
 *
 * Rules (reference/terraform-plugin-protocol.md §9): planned equals config for non-computed
 * attributes; optional+computed attributes that are null in config keep the prior value (or
 * take their default on create, else unknown); computed-only attributes are unknown on create
 * and keep their prior value on update unless a hook says otherwise; a changed TF_FORCE_NEW
 * attribute adds a requires_replace path and makes every computed attribute unknown; destroy
 * plans null. Nested blocks are planned element by element; list/set elements are matched to
 * prior elements by the hook's key (e.g. environment name) or else by position (list) /
 * equality of non-computed attributes (set).
 */
#ifndef TF_PLAN_H
#define TF_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "tf_diag.h"
#include "tf_path.h"
#include "tf_schema.h"
#include "tf_value.h"
#include "uc_arena.h"
#include "uc_status.h"

struct tf_plan_hooks {
    /* Identity key of an element of nested block `block_name` (e.g. the "name" attribute of
     * an environment block), used to pair config elements with prior elements. Return NULL
     * for "no key" (positional / equality matching). May be NULL. */
    const char *(*element_key)(const char *block_name, const struct tf_value *elem);

    /* Called after the generic plan of a create or update with the planned object; it may
     * replace attributes (e.g. mark computed values unknown because their inputs changed,
     * compute tags_all) and add diagnostics (e.g. forbidden changes). requires_replace is
     * already decided and passed in. May be NULL. */
    void (*modify)(struct uc_arena *a, const struct tf_value *prior, const struct tf_value *config,
                   struct tf_value **planned, bool replacing, void *ud, struct tf_diags *d);
    void *ud;
};

struct tf_plan_request {
    const struct tf_block *block;
    const struct tf_type *type;     /* tf_block_type_of(block) */
    const struct tf_value *prior;    /* null value (or NULL) on create */
    const struct tf_value *proposed; /* null value (or NULL) on destroy */
    const struct tf_value *config;   /* null value (or NULL) on destroy */
};

struct tf_plan_result {
    struct tf_value *planned;        /* null value for destroy */
    struct tf_path *requires_replace;/* arena array */
    size_t n_requires_replace;
};

/* Plans one change. All memory in the arena. Diagnostics for user errors; the status is for
 * out-of-memory or misuse only. */
uc_status tf_plan(struct uc_arena *a, const struct tf_plan_request *req,
                  const struct tf_plan_hooks *hooks, struct tf_plan_result *res,
                  struct tf_diags *d);

#endif
