/* tf_value.h - cty values: null, unknown (optionally refined) and known values of every type.
 *
 * Values are built in an arena and never freed one by one; treat them as immutable once handed
 * to someone else. A value always carries its type: for a value that sits in a dynamic-typed
 * slot, `type` is its concrete type when known, and tf_type_dynamic when null or unknown.
 * Numbers are kept as canonical decimal text so that 64-bit-and-beyond integers survive exactly.
 */
#ifndef TF_VALUE_H
#define TF_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tf_type.h"
#include "uc_arena.h"
#include "uc_status.h"

enum tf_value_state {
    TF_KNOWN = 0,
    TF_NULL,
    TF_UNKNOWN,
};

/* Refinements of an unknown value (msgpack ext 12). All optional. */
struct tf_refinements {
    bool not_null;          /* key 1 = false: definitely not null */
    const char *prefix;     /* key 2: string prefix, or NULL */
    const char *num_lower;  /* key 3: number lower bound (decimal text) or NULL */
    bool num_lower_incl;
    const char *num_upper;  /* key 4 */
    bool num_upper_incl;
    int64_t len_lower;      /* key 5, -1 when absent */
    int64_t len_upper;      /* key 6, -1 when absent */
};

struct tf_value {
    const struct tf_type *type;
    enum tf_value_state state;
    const struct tf_refinements *refine; /* TF_UNKNOWN only; NULL = unrefined */

    bool b;            /* TF_BOOL */
    const char *str;   /* TF_STRING: UTF-8, NUL-terminated; str_len excludes the NUL */
    size_t str_len;
    const char *num;   /* TF_NUMBER: canonical decimal text ("42", "-1.5", "1e+300") */

    /* TF_LIST, TF_SET, TF_TUPLE: elements in order (sets: canonical order, no duplicates).
     * TF_OBJECT: attribute values parallel to type->names (all present, never NULL).
     * TF_MAP: values parallel to keys (sorted by strcmp). */
    size_t count;
    struct tf_value **elems;
    const char **keys;
};

/* --- constructors (arena memory; NULL only when out of memory or misuse) ----------------- */
struct tf_value *tf_value_null(struct uc_arena *a, const struct tf_type *t);
struct tf_value *tf_value_unknown(struct uc_arena *a, const struct tf_type *t);
struct tf_value *tf_value_string(struct uc_arena *a, const char *s);
struct tf_value *tf_value_stringn(struct uc_arena *a, const char *s, size_t n);
struct tf_value *tf_value_bool(struct uc_arena *a, bool b);
struct tf_value *tf_value_int(struct uc_arena *a, int64_t n);
/* From decimal text; canonicalises it. NULL if text is not a number. */
struct tf_value *tf_value_number_text(struct uc_arena *a, const char *text);
/* Elements are borrowed pointers stored as is; t is the collection type. A set sorts its
 * elements into canonical order and drops duplicates. */
struct tf_value *tf_value_list(struct uc_arena *a, const struct tf_type *t,
                               struct tf_value *const *elems, size_t n);
struct tf_value *tf_value_set(struct uc_arena *a, const struct tf_type *t,
                              struct tf_value *const *elems, size_t n);
struct tf_value *tf_value_tuple(struct uc_arena *a, const struct tf_type *t,
                                struct tf_value *const *elems, size_t n);
/* keys/values in any order; sorted by key; a repeated key is misuse (NULL). */
struct tf_value *tf_value_map(struct uc_arena *a, const struct tf_type *t, const char *const *keys,
                              struct tf_value *const *vals, size_t n);
/* vals parallel to t->names (t must be an object type), all non-NULL. */
struct tf_value *tf_value_object(struct uc_arena *a, const struct tf_type *t,
                                 struct tf_value *const *vals);
/* A shallow copy of an object with attribute name replaced by v (borrowed). NULL if no such
 * attribute. Used by planners and resources to build results from configs. */
struct tf_value *tf_value_with_attr(struct uc_arena *a, const struct tf_value *obj,
                                    const char *name, struct tf_value *v);

/* --- predicates and accessors (all accept NULL and treat it as a null value) ------------ */
bool tf_value_is_null(const struct tf_value *v);
bool tf_value_is_unknown(const struct tf_value *v);
bool tf_value_is_known(const struct tf_value *v);   /* not unknown at top level (null counts) */
bool tf_value_is_wholly_known(const struct tf_value *v); /* no unknown anywhere inside */

/* Borrowed attribute of a known object; NULL when v is not a known object or has no such
 * attribute. */
struct tf_value *tf_value_attr(const struct tf_value *v, const char *name);
/* Borrowed map element; NULL when absent. */
struct tf_value *tf_value_map_get(const struct tf_value *v, const char *key);

/* Known non-null string -> borrowed text; otherwise NULL. */
const char *tf_value_str(const struct tf_value *v);
/* Known non-null bool -> its value; otherwise dflt. */
bool tf_value_get_bool(const struct tf_value *v, bool dflt);
/* Known non-null number that is an integer within int64 -> UC_OK; else UC_RANGE / UC_INVALID. */
uc_status tf_value_get_int64(const struct tf_value *v, int64_t *out);

/* Deep equality of state and content (null == null; unknown equals unknown of the same type;
 * refinements are ignored; numbers compare by value). */
bool tf_value_equal(const struct tf_value *a, const struct tf_value *b);

/* Deterministic total order used for set canonicalisation (strings sorted, as cty does). */
int tf_value_compare(const struct tf_value *a, const struct tf_value *b);

/* Checks that v conforms to type t (dynamic accepts anything); false with *err set otherwise. */
bool tf_value_conforms(struct uc_arena *a, const struct tf_value *v, const struct tf_type *t,
                       const char **err);

/* --- numbers -------------------------------------------------------------------------------
 * A number is kept as canonical decimal text, unique per value, so that equal numbers have equal
 * text (1, 1.0 and 1e0 are all "1"). Canonical form: the value is sign * D * 10^E with D a digit
 * string without leading or trailing zeros ("0" for zero, never "-0"); let X = len(D) - 1 + E be
 * the exponent of the leading digit. When -20 <= X < 40 the text is plain positional notation
 * ("42", "-1.5", "0.001", "12345678901234567890"); otherwise it is scientific notation with one
 * leading digit, an optional fraction, and a signed exponent ("1e+300", "-2.5e-21"). The two
 * infinities are "Infinity" and "-Infinity". NaN is not a number. */

/* Canonical text of a decimal number (the grammar above's input side: optional sign, digits with
 * an optional '.', optional exponent; also Infinity / Inf). At most 4096 bytes of text and an
 * exponent of the leading digit (X above, not the written one) within +-1e9. Arena string; NULL
 * when text is not a number or out of memory. */
const char *tf_number_canonical(struct uc_arena *a, const char *text, size_t len);

/* Canonical text of a double, exact (every finite double is a finite decimal). NULL for NaN. */
const char *tf_number_from_double(struct uc_arena *a, double d);

/* Compares two canonical numbers by value (<0, 0, >0). */
int tf_number_compare(const char *a, const char *b);

/* True when the canonical number is exactly an int64 (stored in *out). */
bool tf_number_to_int64(const char *canon, int64_t *out);

/* True when the canonical number is exactly a double (stored in *out); infinities count. */
bool tf_number_to_double(const char *canon, double *out);

/* Debug rendering (HCL-like); for tests and trace logs. Arena string. */
const char *tf_value_debug(struct uc_arena *a, const struct tf_value *v);

#endif
