/* tf_schema.h - schemas as static data: attribute tables, nested block types, validators.
 *
 * Resources describe themselves with `static const` tables of struct tf_attr and
 * struct tf_block_type (like nginx's command table). The engine derives the implied object type
 * of a block, validates configurations against the table, and the plugin host translates the
 * table into the protocol's Schema message. Schemas are immutable and shared by all threads.
 */
#ifndef TF_SCHEMA_H
#define TF_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tf_diag.h"
#include "tf_path.h"
#include "tf_type.h"
#include "tf_value.h"

enum tf_attr_flag {
    TF_REQUIRED = 1u << 0,
    TF_OPTIONAL = 1u << 1,
    TF_COMPUTED = 1u << 2,
    TF_SENSITIVE = 1u << 3,
    TF_FORCE_NEW = 1u << 4,  /* a change plans a replacement (requires_replace) */
    TF_WRITE_ONLY = 1u << 5, /* never stored in state (protocol write_only) */
    TF_DEPRECATED = 1u << 6,
};

/* Checks a known, non-null value of the attribute (the engine never calls a validator with a
 * null or unknown value; nested unknowns inside collections can still occur and must be
 * skipped). Appends diagnostics at path; arg is the attribute's validator_arg. */
typedef void (*tf_validate_fn)(const struct tf_value *v, const struct tf_path *path,
                               const void *arg, struct tf_diags *d);

struct tf_attr {
    const char *name;
    const struct tf_type *type; /* static type (tf_type_string, tf_type_map_string, ...) */
    unsigned flags;             /* enum tf_attr_flag bits */
    const char *description;    /* one sentence, shown by `terraform providers schema` */
    tf_validate_fn validate;    /* NULL = none */
    const void *validate_arg;
    /* Default for an optional+computed attribute that is null in config, as cty JSON
     * (e.g. "false", "\"OrganizationAccountAccessRole\"", "25"); NULL = unknown until apply. */
    const char *default_json;
};

enum tf_nesting {
    TF_NEST_SINGLE = 1,
    TF_NEST_LIST = 2,
    TF_NEST_SET = 3,
    TF_NEST_MAP = 4,
    TF_NEST_GROUP = 5,
};

struct tf_block;

struct tf_block_type {
    const char *name;
    enum tf_nesting nesting;
    const struct tf_block *block;
    int64_t min_items; /* 0 = no minimum */
    int64_t max_items; /* 0 = no maximum */
    const char *description;
};

struct tf_block {
    const struct tf_attr *attrs;
    size_t nattrs;
    const struct tf_block_type *blocks;
    size_t nblocks;
    const char *description;
    bool deprecated;
};

struct tf_schema {
    int64_t version;
    const struct tf_block *block;
};

/* The object type a block's values have on the wire (all attributes, then each nested block as
 * object / list / set / map of objects). Built in the arena; NULL when out of memory. */
const struct tf_type *tf_block_type_of(struct uc_arena *a, const struct tf_block *b);

/* Attribute or nested block description by name; NULL when absent. */
const struct tf_attr *tf_block_find_attr(const struct tf_block *b, const char *name);
const struct tf_block_type *tf_block_find_block(const struct tf_block *b, const char *name);

/* Validates a configuration value (may contain unknowns) against the block: required
 * attributes present, min/max items of nested blocks (when the count is known), and every
 * attribute's validator on known non-null values, recursively. Diagnostics carry the attribute
 * path below base (NULL = root). */
void tf_block_validate(const struct tf_block *b, const struct tf_value *config,
                       const struct tf_path *base, struct tf_diags *d);

/* Checks the table itself against Terraform's load-time schema rules (names [a-z0-9_], exactly
 * one of required/optional/computed-only combos, ...). Returns false with *err for a bug in a
 * schema; used by unit tests over every registered resource. */
bool tf_block_check(const struct tf_block *b, const char **err, struct uc_arena *a);

#endif
