/* diag.c - the list of user-facing diagnostics of one call (severity, summary, detail, path).
 * Every text and path is copied into the list's arena. It never prints, logs or aborts: a
 * failed append only sets the list's oom flag, which counts as an error.
 */
#include "tf_diag.h"

#include <string.h>

void tf_diags_init(struct tf_diags *d, struct uc_arena *a)
{
    memset(d, 0, sizeof(*d));
    d->arena = a;
}

static struct tf_diag *diag_slot(struct tf_diags *d)
{
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct tf_diag *items = uc_arena_calloc(d->arena, cap, sizeof(*items));
        if (!items)
            return NULL;
        if (d->count)
            memcpy(items, d->items, d->count * sizeof(*items));
        d->items = items;
        d->cap = cap;
    }
    return &d->items[d->count];
}

static void diag_push(struct tf_diags *d, enum tf_severity sev, const struct tf_path *path,
                      const char *summary, const char *detail)
{
    struct tf_diag *g = diag_slot(d);
    if (!g || !detail) {
        d->oom = true;
        return;
    }
    g->severity = sev;
    g->summary = uc_arena_strdup(d->arena, summary ? summary : "");
    g->detail = detail;
    g->has_path = path != NULL;
    if (path) {
        g->path = tf_path_dup(d->arena, path);
        for (size_t i = 0; i < g->path.len; i++) {
            if (g->path.steps[i].kind != TF_STEP_INDEX && !g->path.steps[i].name) {
                d->oom = true;
                return;
            }
        }
    }
    if (!g->summary) {
        d->oom = true;
        return;
    }
    d->count++;
}

void tf_diag_vadd(struct tf_diags *d, enum tf_severity sev, const struct tf_path *path,
                  const char *summary, const char *detail_fmt, va_list ap)
{
    const char *detail = detail_fmt ? uc_arena_vprintf(d->arena, detail_fmt, ap) : "";
    diag_push(d, sev, path, summary, detail);
}

void tf_diag_add(struct tf_diags *d, enum tf_severity sev, const struct tf_path *path,
                 const char *summary, const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    tf_diag_vadd(d, sev, path, summary, detail_fmt, ap);
    va_end(ap);
}

void tf_diag_error(struct tf_diags *d, const struct tf_path *path, const char *summary,
                   const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    tf_diag_vadd(d, TF_SEV_ERROR, path, summary, detail_fmt, ap);
    va_end(ap);
}

void tf_diag_warning(struct tf_diags *d, const struct tf_path *path, const char *summary,
                     const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    tf_diag_vadd(d, TF_SEV_WARNING, path, summary, detail_fmt, ap);
    va_end(ap);
}

void tf_diags_append(struct tf_diags *dst, const struct tf_diags *src)
{
    if (!src)
        return;
    for (size_t i = 0; i < src->count; i++) {
        const struct tf_diag *g = &src->items[i];
        diag_push(dst, g->severity, g->has_path ? &g->path : NULL, g->summary,
                  uc_arena_strdup(dst->arena, g->detail ? g->detail : ""));
    }
    if (src->oom)
        dst->oom = true;
}

bool tf_diags_has_error(const struct tf_diags *d)
{
    if (!d)
        return false;
    if (d->oom)
        return true;
    for (size_t i = 0; i < d->count; i++) {
        if (d->items[i].severity == TF_SEV_ERROR)
            return true;
    }
    return false;
}
