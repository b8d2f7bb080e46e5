/* protocol.c - wire-format pieces shared by the protocols: Query form encoding, error shapes of
 * awsJson / restJson / awsQuery / Kubernetes mapped into struct aws_error, and which operations
 * are idempotent.
 *
 * Pure functions of their inputs; no I/O and no knowledge of credentials or retries.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aws_internal.h"

/* ---- awsQuery form encoding -------------------------------------------------------------- */

static void put_pair(struct uc_buf *b, const char *key, const char *val, size_t vlen)
{
    uc_buf_putc(b, '&');
    aws_uri_encode(b, key, strlen(key), false);
    uc_buf_putc(b, '=');
    aws_uri_encode(b, val, vlen, false);
}

static uc_status flatten(struct uc_buf *b, const char *prefix, const json_t *v, int depth)
{
    char tmp[64];
    if (depth > 32)
        return UC_RANGE;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        const json_t *m;
        json_object_foreach ((json_t *)v, k, m) {
            char key[512];
            if ((size_t)snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k) >=
                sizeof(key))
                return UC_RANGE;
            uc_status st = flatten(b, key, m, depth + 1);
            if (st != UC_OK)
                return st;
        }
        return b->err;
    }
    case JSON_ARRAY: {
        if (json_array_size(v) == 0) {
            put_pair(b, prefix, "", 0);
            return b->err;
        }
        size_t i;
        const json_t *m;
        json_array_foreach (v, i, m) {
            char key[512];
            if ((size_t)snprintf(key, sizeof(key), "%s.member.%zu", prefix, i + 1) >= sizeof(key))
                return UC_RANGE;
            uc_status st = flatten(b, key, m, depth + 1);
            if (st != UC_OK)
                return st;
        }
        return b->err;
    }
    case JSON_STRING:
        put_pair(b, prefix, json_string_value(v), json_string_length(v));
        return b->err;
    case JSON_INTEGER:
        snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put_pair(b, prefix, tmp, strlen(tmp));
        return b->err;
    case JSON_REAL:
        snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
        put_pair(b, prefix, tmp, strlen(tmp));
        return b->err;
    case JSON_TRUE:
        put_pair(b, prefix, "true", 4);
        return b->err;
    case JSON_FALSE:
        put_pair(b, prefix, "false", 5);
        return b->err;
    case JSON_NULL:
    default:
        return UC_OK;
    }
}

uc_status aws_query_encode(struct uc_buf *b, const char *operation, const char *version,
                           const json_t *input)
{
    uc_buf_puts(b, "Action=");
    aws_uri_encode(b, operation, strlen(operation), false);
    uc_buf_puts(b, "&Version=");
    aws_uri_encode(b, version, strlen(version), false);
    if (input && !json_is_object(input))
        return UC_INVALID;
    if (input) {
        uc_status st = flatten(b, "", input, 0);
        if (st != UC_OK)
            return st;
    }
    return b->err;
}

/* ---- error shapes -------------------------------------------------------------------------- */

/* Error names may carry ":url" (legacy) or "namespace#" (awsJson 1.0): keep the bare name. */
static void clean_code(const char *in, char *out, size_t cap)
{
    const char *s = in;
    const char *hash = strchr(s, '#');
    size_t n = strcspn(s, ":");
    if (hash && (size_t)(hash - s) < n) {
        s = hash + 1;
        n = strcspn(s, ":");
    }
    while (n > 0 && (s[n - 1] == ' '))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* A printable excerpt of a non-JSON/XML body, for messages. */
static void body_excerpt(const struct aws_http_response *r, char *out, size_t cap)
{
    size_t n = r->body.len < cap - 1 ? r->body.len : cap - 1;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)r->body.data[i];
        out[j++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
    }
    out[j] = '\0';
}

static const char *first_string(const json_t *j, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        const char *s = json_string_value(json_object_get(j, keys[i]));
        if (s && *s)
            return s;
    }
    return NULL;
}

void aws_parse_error(enum aws_protocol proto, const struct aws_http_response *resp,
                     struct aws_error *err)
{
    if (!err)
        return;
    err->http_status = (int)resp->status;
    err->code[0] = '\0';
    err->message[0] = '\0';
    static const char *const rid_headers[] = {"x-amzn-RequestId", "x-amz-request-id",
                                              "x-amzn-request-id", "Audit-Id", NULL};
    for (size_t i = 0; rid_headers[i]; i++) {
        const char *v = aws_headers_get(&resp->headers, rid_headers[i]);
        if (v && *v) {
            snprintf(err->request_id, sizeof(err->request_id), "%s", v);
            break;
        }
    }
    const char *body = resp->body.data ? resp->body.data : "";
    if (proto == AWS_PROTO_QUERY) {
        aws_query_xml_error(body, resp->body.len, err);
    } else {
        const char *hdr = aws_headers_get(&resp->headers, "X-Amzn-Errortype");
        json_error_t jerr;
        json_t *j = resp->body.len ? json_loadb(body, resp->body.len, 0, &jerr) : NULL;
        if (proto == AWS_PROTO_PLAIN) {
            /* Kubernetes Status: {kind: Status, reason, message, code} */
            const char *reason = json_string_value(json_object_get(j, "reason"));
            if (reason)
                snprintf(err->code, sizeof(err->code), "%s", reason);
        } else {
            static const char *const code_keys[] = {"__type", "code", "Code", NULL};
            const char *c = hdr && *hdr ? hdr : first_string(j, code_keys);
            if (c)
                clean_code(c, err->code, sizeof(err->code));
        }
        static const char *const msg_keys[] = {"message", "Message", "errorMessage", NULL};
        const char *m = first_string(j, msg_keys);
        if (m)
            snprintf(err->message, sizeof(err->message), "%s", m);
        json_decref(j);
    }
    if (!err->code[0]) {
        const char *generic = resp->status == 429   ? "TooManyRequests"
                              : resp->status == 404 ? "NotFound"
                              : resp->status == 403 ? "Forbidden"
                              : resp->status == 401 ? "Unauthorized"
                              : resp->status >= 500 ? "ServiceUnavailable"
                                                    : "";
        snprintf(err->code, sizeof(err->code), "%s", generic);
    }
    if (!err->message[0]) {
        char ex[200];
        body_excerpt(resp, ex, sizeof(ex));
        snprintf(err->message, sizeof(err->message), "HTTP %ld%s%s", resp->status,
                 ex[0] ? ": " : "", ex);
    }
}

/* ---- idempotency -------------------------------------------------------------------------- */

bool aws_operation_idempotent(const char *op)
{
    static const char *const safe[] = {
        /* reads */
        "GetCallerIdentity", "AssumeRole", "AssumeRoleWithWebIdentity",
        /* setting the same tags / document / attachment twice changes nothing */
        "TagResource", "UntagResource", "TagRole", "UntagRole", "UpdateAssumeRolePolicy",
        "AttachRolePolicy", NULL,
    };
    if (!op)
        return false;
    if (strncmp(op, "Get", 3) == 0 || strncmp(op, "List", 4) == 0 ||
        strncmp(op, "Describe", 8) == 0)
        return true;
    for (size_t i = 0; safe[i]; i++)
        if (strcmp(op, safe[i]) == 0)
            return true;
    return false;
}
