/* buf.c - growable byte buffer with a sticky error and an optional size limit.
 * Only memory management lives here: no formatting rules, no encodings.
 */
#include "uc_buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void uc_buf_init(struct uc_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void uc_buf_init_max(struct uc_buf *b, size_t max)
{
    uc_buf_init(b);
    b->max = max;
}

void uc_buf_release(struct uc_buf *b)
{
    if (!b)
        return;
    size_t max = b->max;
    free(b->data);
    uc_buf_init_max(b, max);
}

void uc_buf_reset(struct uc_buf *b)
{
    b->len = 0;
    b->err = UC_OK;
    if (b->data)
        b->data[0] = '\0';
}

static uc_status buf_grow(struct uc_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return b->err = UC_RANGE;
    size_t need = b->len + extra + 1;
    if (b->max && need - 1 > b->max)
        return b->err = UC_RANGE;
    if (need <= b->cap)
        return UC_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return b->err = UC_NOMEM;
    b->data = p;
    b->cap = cap;
    return UC_OK;
}

uc_status uc_buf_append(struct uc_buf *b, const void *p, size_t n)
{
    if (b->err)
        return b->err;
    uc_status st = buf_grow(b, n);
    if (st)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return UC_OK;
}

uc_status uc_buf_puts(struct uc_buf *b, const char *s)
{
    return uc_buf_append(b, s, strlen(s));
}

uc_status uc_buf_putc(struct uc_buf *b, char c)
{
    /* The common case inline: room for c and the terminator, under the limit. */
    if (!b->err && b->len + 2 <= b->cap && (!b->max || b->len + 1 <= b->max)) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return UC_OK;
    }
    return uc_buf_append(b, &c, 1);
}

uc_status uc_buf_vprintf(struct uc_buf *b, const char *fmt, va_list ap)
{
    if (b->err)
        return b->err;
    va_list copy;
    va_copy(copy, ap);
    /* Formatted straight into the free room when it fits (one pass); else measured, grown and
     * formatted again. */
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, copy);
    va_end(copy);
    if (n >= 0 && (size_t)n < room && (!b->max || b->len + (size_t)n <= b->max)) {
        b->len += (size_t)n;
        return UC_OK;
    }
    if (room)
        b->data[b->len] = '\0'; /* what the first pass wrote is not kept */
    if (n < 0)
        return b->err = UC_INVALID;
    uc_status st = buf_grow(b, (size_t)n);
    if (st)
        return st;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return UC_OK;
}

uc_status uc_buf_printf(struct uc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    uc_status st = uc_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

const char *uc_buf_str(const struct uc_buf *b)
{
    return b->data ? b->data : "";
}

char *uc_buf_take(struct uc_buf *b, size_t *len)
{
    if (b->err) {
        uc_buf_release(b);
        return NULL;
    }
    char *p = b->data;
    size_t n = b->len;
    if (!p) {
        p = malloc(1);
        if (!p)
            return NULL;
        p[0] = '\0';
    }
    if (len)
        *len = n;
    size_t max = b->max;
    uc_buf_init_max(b, max);
    return p;
}
