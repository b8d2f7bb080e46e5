/* tf_diag.h - Terraform diagnostics: what the user sees (the second error channel).
 *
 * Handlers append diagnostics and return; they never print or abort. A diagnostics list lives in
 * an arena (usually the RPC's): texts and paths are copied into it, so callers may pass
 * temporaries. Not thread-safe: one list per call.
 */
#ifndef TF_DIAG_H
#define TF_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "tf_path.h"
#include "uc_arena.h"

enum tf_severity {
    TF_SEV_ERROR = 1,   /* protocol Diagnostic.ERROR */
    TF_SEV_WARNING = 2, /* protocol Diagnostic.WARNING */
};

struct tf_diag {
    enum tf_severity severity;
    const char *summary;
    const char *detail; /* may be "" */
    bool has_path;
    struct tf_path path; /* strings owned by the list's arena */
};

struct tf_diags {
    struct uc_arena *arena; /* borrowed; receives every copy */
    struct tf_diag *items;
    size_t count;
    size_t cap;
    bool oom; /* an append failed for lack of memory; has_error() is then true */
};

void tf_diags_init(struct tf_diags *d, struct uc_arena *a);

/* Appends a diagnostic. path may be NULL (attaches to the whole block). detail is a printf
 * format. */
void tf_diag_add(struct tf_diags *d, enum tf_severity sev, const struct tf_path *path,
                 const char *summary, const char *detail_fmt, ...)
    __attribute__((format(printf, 5, 6)));
void tf_diag_vadd(struct tf_diags *d, enum tf_severity sev, const struct tf_path *path,
                  const char *summary, const char *detail_fmt, va_list ap);

/* Shorthands. */
void tf_diag_error(struct tf_diags *d, const struct tf_path *path, const char *summary,
                   const char *detail_fmt, ...) __attribute__((format(printf, 4, 5)));
void tf_diag_warning(struct tf_diags *d, const struct tf_path *path, const char *summary,
                     const char *detail_fmt, ...) __attribute__((format(printf, 4, 5)));

/* Appends every diagnostic of src to dst (copies into dst's arena). */
void tf_diags_append(struct tf_diags *dst, const struct tf_diags *src);

bool tf_diags_has_error(const struct tf_diags *d);

#endif
