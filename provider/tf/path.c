/* path.c - attribute paths: building them step by step, copying them into an arena and rendering
 * them the way Terraform prints them (environment[0].name, tags["k"]).
 * Paths are plain values; this file allocates only in tf_path_dup and never validates a path
 * against a schema.
 */
#include "tf_path.h"

#include <inttypes.h>
#include <string.h>

struct tf_path tf_path_root(void)
{
    struct tf_path p;
    memset(&p, 0, sizeof(p));
    return p;
}

static struct tf_path path_push(const struct tf_path *base, struct tf_path_step step)
{
    struct tf_path p = base ? *base : tf_path_root();
    if (p.len < TF_PATH_MAX)
        p.steps[p.len++] = step;
    return p;
}

struct tf_path tf_path_attr(const struct tf_path *base, const char *name)
{
    return path_push(base, (struct tf_path_step){.kind = TF_STEP_ATTR, .name = name});
}

struct tf_path tf_path_key(const struct tf_path *base, const char *key)
{
    return path_push(base, (struct tf_path_step){.kind = TF_STEP_KEY, .name = key});
}

struct tf_path tf_path_index(const struct tf_path *base, int64_t index)
{
    return path_push(base, (struct tf_path_step){.kind = TF_STEP_INDEX, .index = index});
}

struct tf_path tf_path_dup(struct uc_arena *a, const struct tf_path *p)
{
    struct tf_path c = p ? *p : tf_path_root();
    for (size_t i = 0; i < c.len; i++) {
        if (c.steps[i].kind != TF_STEP_INDEX)
            c.steps[i].name = uc_arena_strdup(a, c.steps[i].name);
    }
    return c;
}

void tf_path_format(const struct tf_path *p, struct uc_buf *out)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->len; i++) {
        const struct tf_path_step *s = &p->steps[i];
        switch (s->kind) {
        case TF_STEP_ATTR:
            if (i > 0)
                uc_buf_putc(out, '.');
            uc_buf_puts(out, s->name ? s->name : "?");
            break;
        case TF_STEP_KEY:
            uc_buf_puts(out, "[\"");
            for (const char *c = s->name ? s->name : ""; *c; c++) {
                if (*c == '"' || *c == '\\')
                    uc_buf_putc(out, '\\');
                uc_buf_putc(out, *c);
            }
            uc_buf_puts(out, "\"]");
            break;
        case TF_STEP_INDEX:
            uc_buf_printf(out, "[%" PRId64 "]", s->index);
            break;
        }
    }
}
