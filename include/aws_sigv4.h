/* aws_sigv4.h - AWS Signature Version 4: header signing and presigned URLs (OpenSSL HMAC/SHA-256).
 *
 * Pure functions: no I/O, no clock (the caller passes the time), no global state; safe from any
 * thread. Checked against AWS's published test suite (tests/data/sigv4*). The canonical
 * path is the request path as it goes on the wire, percent-encoded once more per segment (the
 * non-S3 "double encode" rule), so an EKS label already encoded as %3A signs as %253A.
 */
#ifndef AWS_SIGV4_H
#define AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws_http.h"
#include "uc_buf.h"
#include "uc_status.h"

/* Credentials as the signer sees them; all borrowed. session_token may be NULL. */
struct aws_sigv4_creds {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
};

/* What to sign. Everything is borrowed. */
struct aws_sigv4_params {
    const char *method;  /* "GET", "POST", ... */
    const char *path;    /* wire path, e.g. "/" or "/tags/arn%3Aaws%3A..." (no query) */
    const char *query;   /* wire query without '?', NULL or "" when none */
    const char *body;    /* payload, may be NULL when body_len is 0 */
    size_t body_len;
    const char *region;  /* e.g. "us-east-1" */
    const char *service; /* signing name, e.g. "sts" */
    int64_t time;        /* Unix seconds of the signature */
    struct aws_sigv4_creds creds;
    bool normalize_path;     /* remove "." / ".." segments and empty segments (non-S3: true) */
    bool sign_body;          /* header form: add and sign x-amz-content-sha256 */
    bool omit_session_token; /* add X-Amz-Security-Token after signing, unsigned (both forms) */
    uint32_t expires;        /* presigned form: X-Amz-Expires seconds */
};

/* Result of a signing. Caller-owned: aws_sigv4_result_init / aws_sigv4_result_release. */
struct aws_sigv4_result {
    struct uc_buf canonical_request;
    struct uc_buf string_to_sign;
    char signature[65];          /* lower-case hex */
    struct uc_buf authorization; /* header form: value of the Authorization header */
    struct uc_buf signed_query;  /* presigned form: original query + X-Amz-* + X-Amz-Signature */
};

void aws_sigv4_result_init(struct aws_sigv4_result *r);
void aws_sigv4_result_release(struct aws_sigv4_result *r);

/* Header signing. headers is the request's header list (must contain Host); every header in it
 * is signed except Authorization, User-Agent, Expect and X-Amzn-Trace-Id. On success headers
 * gains X-Amz-Date, X-Amz-Security-Token (when the credentials have one), x-amz-content-sha256
 * (when sign_body) and Authorization; r holds the intermediate texts. On failure headers may
 * have gained some of those and r is incomplete. UC_INVALID for missing inputs. */
uc_status aws_sigv4_sign_headers(const struct aws_sigv4_params *p, struct aws_headers *headers,
                                 struct aws_sigv4_result *r);

/* Presigning (query-string authentication). headers must contain Host; all of its headers are
 * signed (with the same exclusions). headers is not modified. r->signed_query receives the
 * query to put on the URL, in the order AWS's signers emit: the original query, X-Amz-Algorithm,
 * X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Expires, [X-Amz-Security-Token],
 * X-Amz-Signature. */
uc_status aws_sigv4_presign(const struct aws_sigv4_params *p, const struct aws_headers *headers,
                            struct aws_sigv4_result *r);

/* Lower-case hex SHA-256 of data into out[65]. */
uc_status aws_sha256_hex(const void *data, size_t len, char out[65]);

/* "YYYYMMDDTHHMMSSZ" of a Unix time into out[17]. UC_RANGE for times outside years 1970-9999. */
uc_status aws_amz_date(int64_t t, char out[17]);

#endif
