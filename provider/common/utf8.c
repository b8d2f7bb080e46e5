/* utf8.c - UTF-8 validation and repair (uc_utf8.h) for text that crosses the process boundary.
 *
 * Byte-level decoding only: no normalisation, no locale, no allocation except the repaired copy
 * in the caller's arena.
 */
#include "uc_utf8.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid sequence at s[0..n), or 0 when s does not start one. */
static size_t seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        k = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        k = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        k = 3, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n - 1 < k)
        return 0;
    for (size_t j = 1; j <= k; j++) {
        if ((s[j] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[j] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k + 1;
}

size_t uc_utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = seq_len(u + i, n - i);
        if (k == 0)
            break;
        i += k;
    }
    return i;
}

bool uc_utf8_is_text(const char *s, size_t n)
{
    return memchr(s, '\0', n) == NULL && uc_utf8_valid_prefix(s, n) == n;
}

const char *uc_utf8_sanitize(struct uc_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    size_t ok = uc_utf8_valid_prefix(s, n);
    if (ok == n)
        return s;
    /* Each bad byte becomes the 3-byte U+FFFD: at most 3n + 1 bytes. */
    char *out = uc_arena_alloc(a, 3 * n + 1);
    if (out == NULL)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < n) {
        size_t k = seq_len(u + i, n - i);
        if (k == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        }
    }
    out[o] = '\0';
    return out;
}
