/* fuzz_tf.h - what the engine's decoder fuzz targets share: the declared type of one run,
 * chosen by the first input byte from the target's table of type JSON. Header-only (each target
 * is its own executable); a table entry that does not parse aborts, since that is a bug in the
 * target, not a finding.
 */
#ifndef FUZZ_TF_H
#define FUZZ_TF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tf_type.h"

/* types[pick % n], parsed into a (which may be NULL: then it aborts like a failed parse). */
static inline const struct tf_type *fuzz_tf_type(struct uc_arena *a, const char *const *types,
                                                 size_t n, uint8_t pick)
{
    const struct tf_type *t = NULL;
    const char *tj = types[pick % n];
    if (!a || tf_type_from_json(a, tj, strlen(tj), &t, NULL) != UC_OK)
        abort();
    return t;
}

#endif
