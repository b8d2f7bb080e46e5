/* tf_path.h - attribute paths (attribute, map key, list index steps) used by diagnostics and
 * requires_replace, mirroring the protocol's AttributePath.
 *
 * A path is a small value type: copy it freely. Step names and keys are borrowed pointers; whoever
 * stores a path beyond the life of those strings (diagnostics do) copies them with tf_path_dup.
 */
#ifndef TF_PATH_H
#define TF_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "uc_arena.h"
#include "uc_buf.h"

#define TF_PATH_MAX 16

enum tf_step_kind {
    TF_STEP_ATTR,  /* .name */
    TF_STEP_KEY,   /* ["key"] (map element, or a set element identified by a string) */
    TF_STEP_INDEX, /* [index] (list / tuple element) */
};

struct tf_path_step {
    enum tf_step_kind kind;
    const char *name; /* TF_STEP_ATTR: attribute name; TF_STEP_KEY: key */
    int64_t index;    /* TF_STEP_INDEX */
};

struct tf_path {
    size_t len;
    struct tf_path_step steps[TF_PATH_MAX];
};

/* The empty path (the whole object). */
struct tf_path tf_path_root(void);

/* base + one step. base may be NULL (= root). Beyond TF_PATH_MAX steps the extra step is dropped
 * (the path stays valid and points at the deepest representable ancestor). */
struct tf_path tf_path_attr(const struct tf_path *base, const char *name);
struct tf_path tf_path_key(const struct tf_path *base, const char *key);
struct tf_path tf_path_index(const struct tf_path *base, int64_t index);

/* Deep copy of the strings into the arena; returns the copy by value (names NULL on OOM). */
struct tf_path tf_path_dup(struct uc_arena *a, const struct tf_path *p);

/* Renders like Terraform: environment[0].name, tags["k"]. Appends to out. */
void tf_path_format(const struct tf_path *p, struct uc_buf *out);

#endif
