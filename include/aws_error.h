/* aws_error.h - the one error value every failed AWS / Kubernetes call fills.
 *
 * Caller-owned, fixed-size (no allocation, so it can be filled on out-of-memory paths and copied
 * freely). Resources turn it into a Terraform diagnostic with aws_error_format(). It never holds
 * secrets: messages come from the service or from this library, never from credentials, and
 * service texts that echo what was signed (SignatureDoesNotMatch quotes the canonical request,
 * x-amz-security-token included) go through aws_error_redact() first.
 */
#ifndef AWS_ERROR_H
#define AWS_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "uc_status.h"

struct aws_error {
    uc_status status;     /* same as the call's return value */
    char service[32];     /* "organizations", "sts", "iam", "eks", "kubernetes", "credentials",
                             "transport" (libcurl could not be loaded) */
    char operation[64];   /* "CreateAccount", "GET /api/v1/...", "AssumeRole", ... */
    int http_status;      /* 0 when no HTTP response */
    char code[128];       /* AWS error code ("AccountNotFoundException") or Kubernetes reason */
    char message[1024];   /* service message, or this library's explanation */
    char request_id[128]; /* x-amzn-RequestId / RequestId, "" when unknown */
    int attempts;         /* HTTP attempts made */
};

/* Empties e (status UC_OK). Accepts NULL. */
void aws_error_clear(struct aws_error *e);

/* Sets status, service, operation and a printf message; keeps the other fields. Returns st.
 * e may be NULL (then only st is returned). */
uc_status aws_error_set(struct aws_error *e, uc_status st, const char *service,
                        const char *operation, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Replaces every occurrence of secret in e->message, e->code and e->request_id (every text an
 * answer can fill) by "[REDACTED]", including a piece of it cut off at the end of a field (at
 * least 8 characters). Secrets shorter than 8 characters are not searched for (they would match
 * ordinary words). Accepts NULL for either. */
void aws_error_redact(struct aws_error *e, const char *secret);

/* True when e->code equals code (case-sensitive). */
bool aws_error_is(const struct aws_error *e, const char *code);

/* True for "the object does not exist" answers: HTTP 404, or codes NoSuchEntity,
 * ResourceNotFoundException, AccountNotFoundException, NotFound, ... */
bool aws_error_is_not_found(const struct aws_error *e);

/* One line for a diagnostic, e.g. "organizations CreateAccount: HTTP 400
 * ConstraintViolationException: You have exceeded ... (request id 1234)". Always NUL-terminated
 * (truncated to n). Returns buf. */
char *aws_error_format(const struct aws_error *e, char *buf, size_t n);

#endif
