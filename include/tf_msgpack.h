/* tf_msgpack.h - the DynamicValue msgpack encoding of cty values, on msgpack-c.
 *
 * Encoding and decoding are driven by the declared type (the schema's implied type): objects are
 * maps with every attribute, unknown is ext 0 (`d4 00 00`), refined unknown ext 12, dynamic slots
 * are [type JSON (bin), value]. Known numbers are written as decimal strings (infinities as
 * float64), which Terraform parses as it parses the state file's JSON numbers (see
 * docs/internals/engine.md); any msgpack number form is read. Decoding is bounded and never
 * trusts lengths from the wire.
 */
#ifndef TF_MSGPACK_H
#define TF_MSGPACK_H

#include <stddef.h>

#include "tf_type.h"
#include "tf_value.h"
#include "uc_arena.h"
#include "uc_buf.h"
#include "uc_status.h"

/* Decodes data as a value of type t into the arena. Empty input (len 0) decodes as null, as
 * Terraform treats an unset DynamicValue. On failure *out is NULL, the status is UC_DECODE (or
 * UC_NOMEM) and *err (if err != NULL) is an arena string naming the offending path. */
uc_status tf_msgpack_decode(struct uc_arena *a, const void *data, size_t len,
                            const struct tf_type *t, struct tf_value **out, const char **err);

/* Appends the msgpack encoding of v, declared as type t, to out. Refined unknowns are written
 * with their refinements. UC_INVALID when v does not conform to t. */
uc_status tf_msgpack_encode(const struct tf_value *v, const struct tf_type *t, struct uc_buf *out);

#endif
