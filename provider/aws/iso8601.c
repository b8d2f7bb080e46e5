/* iso8601.c - ISO-8601 timestamps as AWS writes them (credential Expirations; send.c's
 * clock-skew check turns HTTP Date headers into this form) to Unix epoch milliseconds.
 *
 * Pure functions: no locale, no time zone database, no gmtime/timegm (the process may run with
 * any TZ), so the result depends on the text alone.
 */
#include <stdbool.h>
#include <string.h>

#include "aws_internal.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (the days-from-civil algorithm over
 * 400-year eras), exact for any year without a time zone database. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

uc_status aws_parse_iso8601_ms(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se;
    if (!s || strlen(s) < 19 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &se))
        return UC_DECODE;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return UC_DECODE;
    const char *p = s + 19;
    int64_t ms = 0;
    if (*p == '.') {
        p++;
        int64_t scale = 100;
        if (*p < '0' || *p > '9')
            return UC_DECODE;
        while (*p >= '0' && *p <= '9') {
            ms += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
            return UC_DECODE;
        off = (oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
        p += 6;
    } else if (*p) {
        return UC_DECODE;
    }
    if (*p)
        return UC_DECODE;
    int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
                   se - off;
    *out = secs * 1000 + ms;
    return UC_OK;
}
