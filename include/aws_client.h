/* aws_client.h - the AWS client: one per provider, thread-safe, with per-account sessions and a
 * generic call API for the three AWS wire protocols.
 *
 * Flow of one call (docs/internals/aws-client.md): credentials (cached, refreshed before expiry)
 * -> endpoint -> SigV4 -> transport -> parse (JSON / XML) -> retry (standard or adaptive mode,
 * retry quota, cancellation and deadline). Every call fills a struct aws_error on failure.
 *
 * Threads: aws_client_new/free from one thread; everything else from any number of threads at
 * once. Sessions returned by the client are borrowed and live until aws_client_free.
 */
#ifndef AWS_CLIENT_H
#define AWS_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "aws_config.h"
#include "aws_creds.h"
#include "aws_error.h"
#include "uc_cancel.h"

struct aws_client;
struct aws_session; /* credentials for one principal (the provider's, or one account's) */

/* Per-call options; a NULL pointer means "no cancel, no deadline, idempotency by operation". */
struct aws_call_opts {
    const struct uc_cancel *cancel; /* borrowed; fires on StopProvider: every sleep wakes at once */
    uint64_t deadline_ms;           /* monotonic ms (uc_clock_monotonic_ms domain); 0 = none */
    bool retry_non_idempotent;      /* allow retrying a non-idempotent call after an error whose
                                       outcome is unknown (5xx, timeout, reset) */
    /* How long this call retries AccessDenied from the AssumeRole of a cross-account session
     * (aws_client_account_session), counted from the first AccessDenied answer; 0 = the
     * client's account_role_wait_ms. It replaces that value for this call only: the
     * credentials, once assumed, are cached per account and shared as usual. Throttling, 5xx
     * and network retries keep their normal budget; cancel and deadline_ms still apply. Has no
     * effect on sessions whose credentials are already cached, nor on the provider's own
     * credentials. A call that finds another thread assuming the same account's role waits
     * for that thread's result, which may follow a longer wait. */
    uint64_t access_denied_wait_ms;
};

/* ---- lifecycle --------------------------------------------------------------------------- */

/* A new client. Copies cfg; does no network or file I/O (the environment and shared files are
 * read, and credentials resolved, on the first call). Returns NULL and fills err (service
 * "config") when cfg is invalid (bad retry_mode, endpoint URL or account role name) or out of
 * memory. err may be NULL. */
struct aws_client *aws_client_new(const struct aws_config *cfg, struct aws_error *err);

/* Frees the client, its sessions and cached credentials. Accepts NULL. No call may be running. */
void aws_client_free(struct aws_client *c);

/* The session of the provider's own credentials (the chain, then the optional assume_role).
 * Borrowed; never NULL for a valid client. */
struct aws_session *aws_client_session(struct aws_client *c);

/* The session for account_id (12 digits): credentials from assuming
 * arn:<partition>:iam::<account_id>:role/<account_access_role_name> with the provider's
 * credentials. Sessions are cached per account; credentials are assumed on first use and
 * refreshed before expiry. AccessDenied from AssumeRole is retried for account_role_wait_ms
 * (a new account's role becomes assumable only after a delay), or for the call's
 * access_denied_wait_ms when set (struct aws_call_opts). Does no I/O itself. Returns a
 * borrowed pointer, or NULL with err filled (UC_INVALID for a bad id, UC_NOMEM). */
struct aws_session *aws_client_account_session(struct aws_client *c, const char *account_id,
                                               struct aws_error *err);

/* The client a session belongs to. */
struct aws_client *aws_session_client(const struct aws_session *s);

/* The resolved region (after the first call or aws_client_resolve); "" before. Borrowed. */
const char *aws_client_region(struct aws_client *c);

/* Reads the environment and shared files and resolves region and endpoints now, instead of on
 * the first call. Idempotent; thread-safe. UC_INVALID with err filled when no region is set. */
uc_status aws_client_resolve(struct aws_client *c, struct aws_error *err);

/* The session's current credentials (resolving or refreshing them when needed). *out gets a new
 * reference: aws_credentials_unref it. */
uc_status aws_session_credentials(struct aws_session *s, const struct aws_call_opts *o,
                                  struct aws_credentials **out, struct aws_error *err);

/* ---- generic calls ------------------------------------------------------------------------ */
/* In all of them: input is borrowed (NULL = no members); on UC_OK *out receives a new JSON
 * value that the caller owns (json_decref); on failure *out is NULL and err is filled. out may
 * be NULL when the caller does not need the result. */

/* awsJson1_1 (Organizations): POST / with X-Amz-Target <prefix>.<operation>. The result is the
 * response body as is ({} for an empty body); timestamps stay epoch-second numbers. */
uc_status aws_json_call(struct aws_session *s, enum aws_service svc, const char *operation,
                        const json_t *input, const struct aws_call_opts *o, json_t **out,
                        struct aws_error *err);

/* awsQuery (STS, IAM). input is a JSON object flattened by the Query rules: nested objects
 * become Parent.Child, arrays Name.member.N (1-based; an empty array sends "Name="), numbers
 * and booleans their text; null members are skipped. The XML answer is converted to JSON: the
 * <OperationResult> element becomes an object; an element holding only <member> children
 * becomes an array; <entry><key/><value/></entry> lists become objects; every leaf is a string
 * ("true", "3600", "2026-01-02T03:04:05Z" stay text); an empty element is "". Policy documents
 * (AssumeRolePolicyDocument, PolicyDocument, Document) are percent-decoded. Operations with no
 * result give {}. AssumeRoleWithWebIdentity is sent unsigned, everything else signed. */
uc_status aws_query_call(struct aws_session *s, enum aws_service svc, const char *operation,
                         const json_t *input, const struct aws_call_opts *o, json_t **out,
                         struct aws_error *err);

/* One restJson1 operation: method + path template with {label}s (e.g. "/clusters/{name}"),
 * and whether the input has a clientRequestToken idempotency member. The EKS table is in
 * aws_eks.h. */
struct aws_rest_op {
    const char *name;   /* "DescribeCluster" */
    const char *method; /* "GET" */
    const char *path;   /* "/clusters/{name}/node-groups/{nodegroupName}" */
    bool client_token;  /* fills clientRequestToken with a UUID when the body lacks one */
};

/* restJson1 (EKS). labels: the path labels in template order (each percent-encoded on the
 * wire, so an ARN goes as arn%3Aaws%3A...), exactly as many as the template has. query: a JSON
 * object of string / number / boolean members, arrays repeat the key (?tagKeys=a&tagKeys=b);
 * NULL = none. body: the JSON body (NULL = none; POST sends {} then). Reads (GET), DELETEs,
 * tag calls and operations with a client token are retried after unknown-outcome errors. */
uc_status aws_rest_call(struct aws_session *s, enum aws_service svc,
                        const struct aws_rest_op *op, const char *const *labels, size_t nlabels,
                        const json_t *query, const json_t *body, const struct aws_call_opts *o,
                        json_t **out, struct aws_error *err);

/* ---- typed STS helpers -------------------------------------------------------------------- */


/* STS AssumeRole with the session's credentials. *out: new credentials (caller unrefs). */
uc_status aws_sts_assume_role(struct aws_session *s, const struct aws_assume_role_params *p,
                              const struct aws_call_opts *o, struct aws_credentials **out,
                              struct aws_error *err);

/* STS GetCallerIdentity: fills account (13 bytes), arn and user_id (any may be NULL). */
struct aws_caller_identity {
    char account[16];
    char arn[512];
    char user_id[256];
};
uc_status aws_sts_get_caller_identity(struct aws_session *s, const struct aws_call_opts *o,
                                      struct aws_caller_identity *out, struct aws_error *err);

#endif
