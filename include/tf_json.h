/* tf_json.h - the JSON form of cty values, as Terraform stores state (RawState.json).
 *
 * Decoding is schema-driven and tolerant the way UpgradeResourceState must be: attributes the
 * schema no longer has are ignored, attributes it gained are null. JSON cannot hold unknowns.
 * Uses jansson; bounded depth.
 */
#ifndef TF_JSON_H
#define TF_JSON_H

#include <stddef.h>

#include "tf_type.h"
#include "tf_value.h"
#include "uc_arena.h"
#include "uc_buf.h"
#include "uc_status.h"

/* Decodes state JSON as type t. On failure *out is NULL and *err says where and why. */
uc_status tf_json_decode(struct uc_arena *a, const char *json, size_t len,
                         const struct tf_type *t, struct tf_value **out, const char **err);

/* Appends the JSON form of a wholly known value (dynamic as {"type":..,"value":..}).
 * UC_INVALID if v contains an unknown. */
uc_status tf_json_encode(const struct tf_value *v, const struct tf_type *t, struct uc_buf *out);

/* Appends s (n bytes, may contain NUL) as a JSON string literal with quotes, escaping '"', '\\'
 * and control characters. Bytes >= 0x80 are copied as is (the caller supplies UTF-8). */
void tf_json_put_string(struct uc_buf *out, const char *s, size_t n);

#endif
