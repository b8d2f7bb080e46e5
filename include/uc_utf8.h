/* uc_utf8.h - UTF-8 checks for bytes that cross the process boundary: strings from Terraform's
 * requests (which protobuf-c hands over as C strings, so an embedded NUL would silently cut them)
 * and text going back to Terraform, whose Go decoder rejects a message with invalid UTF-8.
 *
 * Pure functions, no global state; thread-safe.
 */
#ifndef UC_UTF8_H
#define UC_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "uc_arena.h"

/* Length of the valid UTF-8 prefix of s[0..n) (n when all of it is valid). Valid means the
 * shortest encoding of a scalar value (no overlong forms, no surrogates, nothing above
 * U+10FFFF); NUL is a valid character here. */
size_t uc_utf8_valid_prefix(const char *s, size_t n);

/* s[0..n) is valid UTF-8 and contains no NUL: text a C string can carry whole. */
bool uc_utf8_is_text(const char *s, size_t n);

/* s (NUL-terminated, may be NULL) itself when it is valid UTF-8; else a copy in a (owned by the
 * arena) with every byte that does not start a valid sequence replaced by U+FFFD. NULL for NULL
 * s or when a copy is needed and the arena is out of memory. */
const char *uc_utf8_sanitize(struct uc_arena *a, const char *s);

#endif
