/* uc_buf.h - growable byte buffer with a sticky error (like curl's dynbuf).
 *
 * Caller-owned struct: uc_buf_init() before use, uc_buf_release() after. The data is always
 * NUL-terminated (the NUL is not counted in len). After the first failed append (out of memory or
 * the max size exceeded) the buffer keeps its error and every later append does nothing, so a
 * sequence of appends is checked once at the end.
 */
#ifndef UC_BUF_H
#define UC_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "uc_status.h"

struct uc_buf {
    char *data;    /* owned; NULL until the first append */
    size_t len;    /* bytes used, without the trailing NUL */
    size_t cap;    /* bytes allocated */
    size_t max;    /* 0 = unlimited; else appends beyond max fail with UC_RANGE */
    uc_status err; /* first error, UC_OK while none */
};

void uc_buf_init(struct uc_buf *b);
/* As uc_buf_init, with a size limit (bounded reads of outside input). */
void uc_buf_init_max(struct uc_buf *b, size_t max);
/* Frees the data and re-initialises (keeps max). Accepts NULL. */
void uc_buf_release(struct uc_buf *b);
/* Empties the buffer but keeps its memory and clears the error. */
void uc_buf_reset(struct uc_buf *b);

uc_status uc_buf_append(struct uc_buf *b, const void *p, size_t n);
uc_status uc_buf_puts(struct uc_buf *b, const char *s);
uc_status uc_buf_putc(struct uc_buf *b, char c);
uc_status uc_buf_printf(struct uc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
uc_status uc_buf_vprintf(struct uc_buf *b, const char *fmt, va_list ap);

/* The contents as a C string ("" when empty). Borrowed: valid until the next append or release. */
const char *uc_buf_str(const struct uc_buf *b);

/* Hands the malloc'd data to the caller (free() it) and re-initialises the buffer. Returns NULL
 * if the buffer is in error; an empty buffer gives a malloc'd "". *len may be NULL. */
char *uc_buf_take(struct uc_buf *b, size_t *len);

#endif
