/* number.c - cty numbers as canonical decimal text (the form is defined in tf_value.h):
 * parsing any decimal text, rendering the unique canonical text, exact conversions from and to
 * int64 and double, and comparison by value. Text only: no big-number library, no rounding
 * except where a caller asks for a double and the number is not exactly one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf_value.h"

#define NUM_MAX_TEXT    4096
#define NUM_MAX_EXP     1000000000 /* |decimal exponent of the leading digit| */
#define NUM_PLAIN_MIN_X (-20)
#define NUM_PLAIN_MAX_X 40
/* Every finite double is a decimal of at most 767 significant digits; "%.780e" prints it
 * exactly with glibc. */
#define DOUBLE_PREC 780
#define DOUBLE_TEXT (DOUBLE_PREC + 32)

struct num {
    bool neg;
    bool inf;
    const char *dig; /* first significant digit; the digits may contain one '.' */
    size_t ndig;     /* significant digits; 0 means the number is zero */
    int64_t x;       /* decimal exponent of the leading digit */
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool num_parse(const char *s, size_t len, struct num *n)
{
    memset(n, 0, sizeof(*n));
    if (!s || len == 0 || len > NUM_MAX_TEXT)
        return false;
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-') {
        n->neg = s[0] == '-';
        i++;
    }
    if ((len - i == 8 && memcmp(s + i, "Infinity", 8) == 0) ||
        (len - i == 3 && memcmp(s + i, "Inf", 3) == 0)) {
        n->inf = true;
        return true;
    }
    size_t nint = 0, di = 0;
    int64_t first = -1, last = -1;
    bool dot = false;
    for (; i < len; i++) {
        char c = s[i];
        if (is_digit(c)) {
            if (c != '0') {
                if (first < 0) {
                    first = (int64_t)di;
                    n->dig = s + i;
                }
                last = (int64_t)di;
            }
            if (!dot)
                nint++;
            di++;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (di == 0)
        return false;
    int64_t exp = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        bool eneg = false;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        size_t start = i;
        for (; i < len && is_digit(s[i]); i++) {
            exp = exp * 10 + (s[i] - '0');
            if (exp > NUM_MAX_EXP)
                return false;
        }
        if (i == start)
            return false;
        if (eneg)
            exp = -exp;
    }
    if (i != len)
        return false;
    if (first < 0) { /* zero, whatever its sign or exponent */
        n->neg = false;
        n->dig = NULL;
        return true;
    }
    n->ndig = (size_t)(last - first + 1);
    n->x = (int64_t)nint - 1 - first + exp;
    /* The bound is on the normalised exponent, the one num_render writes: "199e999999999" is
     * 1.99e+1000000001, whose canonical text would not parse again. The written exponent's own
     * check above only keeps the arithmetic from overflowing. */
    if (n->x > NUM_MAX_EXP || n->x < -NUM_MAX_EXP)
        return false;
    return true;
}

/* Next significant digit, skipping the decimal point. */
static char next_digit(const char **p)
{
    if (**p == '.')
        (*p)++;
    return *(*p)++;
}

/* Writes the canonical text of n into out (cap bytes, NUL-terminated); returns its length or 0
 * when it does not fit. */
static size_t num_render(const struct num *n, char *out, size_t cap)
{
    int w;
    if (n->inf) {
        w = snprintf(out, cap, "%s", n->neg ? "-Infinity" : "Infinity");
        return w > 0 && (size_t)w < cap ? (size_t)w : 0;
    }
    if (n->ndig == 0) {
        if (cap < 2)
            return 0;
        memcpy(out, "0", 2);
        return 1;
    }
    if (cap < n->ndig + 80)
        return 0;
    size_t o = 0;
    const char *p = n->dig;
    if (n->neg)
        out[o++] = '-';
    if (n->x >= NUM_PLAIN_MIN_X && n->x < NUM_PLAIN_MAX_X) {
        if (n->x < 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int64_t z = 0; z < -n->x - 1; z++)
                out[o++] = '0';
            for (size_t k = 0; k < n->ndig; k++)
                out[o++] = next_digit(&p);
        } else {
            size_t nint = (size_t)n->x + 1;
            for (size_t k = 0; k < n->ndig || k < nint; k++) {
                if (k == nint)
                    out[o++] = '.';
                out[o++] = k < n->ndig ? next_digit(&p) : '0';
            }
        }
        out[o] = '\0';
        return o;
    }
    out[o++] = next_digit(&p);
    if (n->ndig > 1) {
        out[o++] = '.';
        for (size_t k = 1; k < n->ndig; k++)
            out[o++] = next_digit(&p);
    }
    w = snprintf(out + o, cap - o, "e%c%lld", n->x < 0 ? '-' : '+',
                 (long long)(n->x < 0 ? -n->x : n->x));
    if (w <= 0 || (size_t)w >= cap - o)
        return 0;
    return o + (size_t)w;
}

const char *tf_number_canonical(struct uc_arena *a, const char *text, size_t len)
{
    struct num n;
    if (!num_parse(text, len, &n))
        return NULL;
    size_t cap = n.ndig + 96;
    char *out = uc_arena_alloc(a, cap);
    if (!out || num_render(&n, out, cap) == 0)
        return NULL;
    return out;
}

const char *tf_number_from_double(struct uc_arena *a, double d)
{
    char buf[DOUBLE_TEXT];
    if (isnan(d))
        return NULL;
    if (isinf(d))
        return d < 0 ? "-Infinity" : "Infinity";
    int w = snprintf(buf, sizeof(buf), "%.*e", DOUBLE_PREC, d);
    if (w <= 0 || (size_t)w >= sizeof(buf))
        return NULL;
    return tf_number_canonical(a, buf, (size_t)w);
}

static int mag_compare(const struct num *a, const struct num *b)
{
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    const char *p = a->dig, *q = b->dig;
    size_t n = a->ndig < b->ndig ? a->ndig : b->ndig;
    for (size_t k = 0; k < n; k++) {
        char c = next_digit(&p), d = next_digit(&q);
        if (c != d)
            return c < d ? -1 : 1;
    }
    return a->ndig == b->ndig ? 0 : a->ndig < b->ndig ? -1 : 1;
}

int tf_number_compare(const char *a, const char *b)
{
    struct num x, y;
    bool okx = a && num_parse(a, strlen(a), &x);
    bool oky = b && num_parse(b, strlen(b), &y);
    if (!okx || !oky) /* not numbers: order them deterministically, invalid first */
        return okx == oky ? strcmp(a ? a : "", b ? b : "") : okx ? 1 : -1;
    int sx = x.inf ? (x.neg ? -2 : 2) : x.ndig == 0 ? 0 : x.neg ? -1 : 1;
    int sy = y.inf ? (y.neg ? -2 : 2) : y.ndig == 0 ? 0 : y.neg ? -1 : 1;
    if (sx != sy)
        return sx < sy ? -1 : 1;
    if (sx == 0 || sx == 2 || sx == -2)
        return 0;
    int m = mag_compare(&x, &y);
    return sx < 0 ? -m : m;
}

bool tf_number_to_int64(const char *canon, int64_t *out)
{
    struct num n;
    if (!canon || !num_parse(canon, strlen(canon), &n) || n.inf)
        return false;
    if (n.ndig == 0) {
        *out = 0;
        return true;
    }
    if (n.x < (int64_t)n.ndig - 1 || n.x > 18)
        return false;
    uint64_t v = 0;
    const char *p = n.dig;
    for (int64_t k = 0; k <= n.x; k++)
        v = v * 10 + (uint64_t)((size_t)k < n.ndig ? next_digit(&p) - '0' : 0);
    if (n.neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

bool tf_number_to_double(const char *canon, double *out)
{
    struct num n, m;
    char buf[DOUBLE_TEXT];
    if (!canon || !num_parse(canon, strlen(canon), &n))
        return false;
    if (n.inf) {
        *out = n.neg ? -INFINITY : INFINITY;
        return true;
    }
    if (n.ndig == 0) {
        *out = 0.0;
        return true;
    }
    if (n.ndig > 767 || n.x > 308 || n.x < -324)
        return false;
    double d = strtod(canon, NULL);
    if (!isfinite(d) || d == 0.0)
        return false;
    int w = snprintf(buf, sizeof(buf), "%.*e", DOUBLE_PREC, d);
    if (w <= 0 || (size_t)w >= sizeof(buf) || !num_parse(buf, (size_t)w, &m))
        return false;
    if (m.neg != n.neg || m.ndig != n.ndig || mag_compare(&m, &n) != 0)
        return false;
    *out = d;
    return true;
}
