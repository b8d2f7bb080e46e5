/* res_schema.h - schema pieces every resource shares: the `timeouts` block, tag merging into
 * tags_all, and small helpers the plan hooks and apply functions of tenant / cluster / addon use.
 *
 * Everything returns arena memory of the caller's call; nothing here keeps state.
 */
#ifndef RES_SCHEMA_H
#define RES_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "tf_schema.h"
#include "tf_value.h"
#include "uc_arena.h"

/* timeouts { create, update, delete } (Go duration strings), nesting SINGLE, no min/max. */
extern const struct tf_block res_timeouts_block;

/* The timeout for op ("create", "update", "delete") from a state or config object's timeouts
 * block, in nanoseconds; dflt_ns when unset or unparsable. */
int64_t res_timeout_ns(const struct tf_value *obj, const char *op, int64_t dflt_ns);

/* tags_all = default_tags, overridden by tags, overridden by the provider's own unicron:* tags
 * (own_keys/own_vals, n_own of them; a NULL value skips that key). default_tags and tags may be
 * NULL or null. Returns an unknown map when tags or an own value is unknown, NULL when out of
 * memory. */
struct tf_value *res_tags_all(struct uc_arena *a, const struct tf_value *default_tags,
                              const struct tf_value *tags, const char *const *own_keys,
                              const struct tf_value *const *own_vals, size_t n_own);

/* Element of a known list/set block value whose string attribute `name` equals key; NULL when
 * absent (or the value is not known). */
const struct tf_value *res_find_by_name(const struct tf_value *list, const char *key);

/* True for a known, non-null value. */
bool res_is_set(const struct tf_value *v);

/* A known string, or a null string when s is NULL or "". NULL when out of memory. */
struct tf_value *res_str_or_null(struct uc_arena *a, const char *s);

/* A known set(string) of the strings of JSON array arr (borrowed; other elements become "", a
 * NULL or non-array arr gives the empty set). NULL when out of memory. */
struct tf_value *res_string_set_json(struct uc_arena *a, const json_t *arr);

#endif
