/* error.c - the struct aws_error value: set, test and format for diagnostics.
 *
 * Fixed-size fields, no allocation. It must never copy a secret into a message: callers pass
 * service texts and their own explanations only.
 */
#include "aws_error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void aws_error_clear(struct aws_error *e)
{
    if (e)
        memset(e, 0, sizeof(*e));
}

uc_status aws_error_set(struct aws_error *e, uc_status st, const char *service,
                        const char *operation, const char *fmt, ...)
{
    if (!e)
        return st;
    e->status = st;
    if (service)
        snprintf(e->service, sizeof(e->service), "%s", service);
    if (operation)
        snprintf(e->operation, sizeof(e->operation), "%s", operation);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
    }
    return st;
}

#define REDACTED "[REDACTED]"
#define REDACT_MIN 8

/* Length of the longest prefix of secret (sl characters) that m starts with. */
static size_t secret_prefix_at(const char *m, const char *secret, size_t sl)
{
    size_t n = 0;
    while (n < sl && m[n] && m[n] == secret[n])
        n++;
    return n;
}

/* Redacts secret (sl >= REDACT_MIN characters) in the NUL-terminated field f of cap bytes. */
static void redact_field(char *f, size_t cap, const char *secret, size_t sl)
{
    char out[sizeof(((struct aws_error *)0)->message)];
    if (cap > sizeof(out))
        cap = sizeof(out);
    size_t o = 0;
    bool changed = false;
    const char *m = f;
    while (*m) {
        size_t n = secret_prefix_at(m, secret, sl);
        /* the whole secret, or a piece of it that runs to the end of the field */
        if (n == sl || (n >= REDACT_MIN && m[n] == '\0')) {
            int w = snprintf(out + o, cap - o, "%s", REDACTED);
            o += w > 0 ? (size_t)w : 0;
            if (o >= cap)
                o = cap - 1;
            m += n;
            changed = true;
            continue;
        }
        if (o + 1 < cap)
            out[o++] = *m;
        m++;
    }
    out[o] = '\0';
    if (changed)
        memcpy(f, out, o + 1);
    memset(out, 0, sizeof(out));
}

void aws_error_redact(struct aws_error *e, const char *secret)
{
    if (!e || !secret)
        return;
    size_t sl = strlen(secret);
    if (sl < REDACT_MIN)
        return;
    redact_field(e->message, sizeof(e->message), secret, sl);
    redact_field(e->code, sizeof(e->code), secret, sl);
    redact_field(e->request_id, sizeof(e->request_id), secret, sl);
}

bool aws_error_is(const struct aws_error *e, const char *code)
{
    return e && code && strcmp(e->code, code) == 0;
}

bool aws_error_is_not_found(const struct aws_error *e)
{
    static const char *const codes[] = {
        "NoSuchEntity",          "ResourceNotFoundException",
        "AccountNotFoundException", "NotFoundException",
        "NotFound",              "CreateAccountStatusNotFoundException",
        "TargetNotFoundException", "ChildNotFoundException",
        "ParentNotFoundException", "OrganizationalUnitNotFoundException",
        NULL,
    };
    if (!e)
        return false;
    if (e->http_status == 404)
        return true;
    for (size_t i = 0; codes[i]; i++)
        if (strcmp(e->code, codes[i]) == 0)
            return true;
    return false;
}

char *aws_error_format(const struct aws_error *e, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    buf[0] = '\0';
    if (!e)
        return buf;
    size_t used = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        if (used < n) {                                                                            \
            int w_ = snprintf(buf + used, n - used, __VA_ARGS__);                                  \
            if (w_ > 0)                                                                            \
                used += (size_t)w_;                                                                \
        }                                                                                          \
    } while (0)
    PUT("%s %s:", e->service[0] ? e->service : "aws", e->operation[0] ? e->operation : "call");
    if (e->http_status)
        PUT(" HTTP %d", e->http_status);
    if (e->code[0])
        PUT(" %s:", e->code);
    PUT(" %s", e->message[0] ? e->message : uc_status_text(e->status));
    if (e->request_id[0])
        PUT(" (request id %s)", e->request_id);
#undef PUT
    return buf;
}
