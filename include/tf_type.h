/* tf_type.h - the cty type system as Terraform sends it: primitives, collections, structurals.
 *
 * Types are immutable once built. The primitive types and a few common collection types are
 * static objects; other types are built in an arena (the RPC's, or a long-lived one for schemas)
 * and live as long as it. Every function here is pure and thread-safe on immutable types.
 */
#ifndef TF_TYPE_H
#define TF_TYPE_H

#include <stdbool.h>
#include <stddef.h>

#include "uc_arena.h"
#include "uc_buf.h"
#include "uc_status.h"

enum tf_type_kind {
    TF_DYNAMIC, /* "dynamic": any type; values carry their concrete type */
    TF_STRING,
    TF_NUMBER,
    TF_BOOL,
    TF_LIST,
    TF_SET,
    TF_MAP,
    TF_OBJECT,
    TF_TUPLE,
};

struct tf_type {
    enum tf_type_kind kind;
    const struct tf_type *elem; /* TF_LIST, TF_SET, TF_MAP: element type; else NULL */
    size_t count;               /* TF_OBJECT: attributes; TF_TUPLE: elements; else 0 */
    const char *const *names;   /* TF_OBJECT: attribute names, sorted by strcmp */
    const struct tf_type *const *members; /* TF_OBJECT: types parallel to names; TF_TUPLE: elems */
};

/* Static types, usable in static const schema tables. */
extern const struct tf_type tf_type_string;
extern const struct tf_type tf_type_number;
extern const struct tf_type tf_type_bool;
extern const struct tf_type tf_type_dynamic;
extern const struct tf_type tf_type_list_string;
extern const struct tf_type tf_type_set_string;
extern const struct tf_type tf_type_map_string;

/* Initialisers for more static types in schema tables, e.g.
 *     static const struct tf_type list_of_numbers = TF_TYPE_INIT_LIST(&tf_type_number);
 * TF_TYPE_INIT_OBJECT requires names sorted by strcmp (tf_block_check verifies it). */
#define TF_TYPE_INIT_LIST(e) {.kind = TF_LIST, .elem = (e)}
#define TF_TYPE_INIT_SET(e) {.kind = TF_SET, .elem = (e)}
#define TF_TYPE_INIT_MAP(e) {.kind = TF_MAP, .elem = (e)}
#define TF_TYPE_INIT_OBJECT(n, nm, mb)                                                     \
    {.kind = TF_OBJECT, .count = (n), .names = (nm), .members = (mb)}
#define TF_TYPE_INIT_TUPLE(n, mb) {.kind = TF_TUPLE, .count = (n), .members = (mb)}

/* Collection types in arena memory; NULL when out of memory. elem is borrowed and must outlive
 * the result. */
const struct tf_type *tf_type_list(struct uc_arena *a, const struct tf_type *elem);
const struct tf_type *tf_type_set(struct uc_arena *a, const struct tf_type *elem);
const struct tf_type *tf_type_map(struct uc_arena *a, const struct tf_type *elem);

/* An object type from n (name, type) pairs in any order; names and types are copied (the member
 * types themselves are borrowed) and sorted. NULL when out of memory or a name repeats. */
const struct tf_type *tf_type_object(struct uc_arena *a, size_t n, const char *const *names,
                                     const struct tf_type *const *types);

/* A tuple type of n element types (borrowed). NULL when out of memory. */
const struct tf_type *tf_type_tuple(struct uc_arena *a, size_t n,
                                    const struct tf_type *const *types);

/* Structural equality. */
bool tf_type_equal(const struct tf_type *a, const struct tf_type *b);

/* True for string, number, bool. */
bool tf_type_is_primitive(const struct tf_type *t);

/* Index of attribute name in an object type, or -1 (also for non-objects). */
int tf_type_attr_index(const struct tf_type *t, const char *name);

/* Appends the compact cty type JSON (e.g. ["list","string"]) to out. */
uc_status tf_type_to_json(const struct tf_type *t, struct uc_buf *out);

/* Parses cty type JSON (as in schema attribute types and dynamic-value wrappers) into arena
 * memory. Bounded: nesting deeper than 64 levels is UC_DECODE. On failure *out is NULL and,
 * when err is not NULL, *err is an arena string saying what is wrong. */
uc_status tf_type_from_json(struct uc_arena *a, const char *json, size_t len,
                            const struct tf_type **out, const char **err);

/* True when t is dynamic or contains dynamic anywhere (cty's HasDynamicTypes). */
bool tf_type_has_dynamic(const struct tf_type *t);

/* Checks that a type is well formed (non-NULL members, object names sorted and unique, no
 * nesting deeper than 64). Used by tf_block_check for static tables. */
bool tf_type_valid(const struct tf_type *t);

/* Human-readable name, e.g. "list of string", for diagnostics. Arena string. */
const char *tf_type_friendly(struct uc_arena *a, const struct tf_type *t);

#endif
