/* res_iam_role.h - IAM roles the resources own inside an account: ensure (create or adopt) with a
 * trust policy, tags and AWS managed policies; read back; delete (detaching policies first);
 * and semantic comparison of IAM policy documents.
 *
 * Used by unicron_tenant (access roles) and meant for unicron_cluster (cluster / node roles).
 * Every function takes a borrowed struct aws_session (the account's credentials) and call
 * options, fills err on failure and is thread-safe (no state of its own). JSON values returned
 * are new references the caller owns.
 */
#ifndef RES_IAM_ROLE_H
#define RES_IAM_ROLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws_client.h"
#include "uc_arena.h"

/* What a role must look like. */
struct res_iam_role_spec {
    const char *name;         /* required: "unicron-admin" */
    const char *trust_policy; /* required: JSON text of the assume-role policy */
    const char *policy_arn;   /* a managed policy that must be attached; NULL = none */
    const char *const *more_policy_arns; /* more managed policies to attach (NULL-terminated);
                                            NULL = none */
    const json_t *tags;       /* object of string values set on the role (other keys are left
                                 alone); NULL = none */
    const char *description;  /* used on create only; NULL = none */
};

/* What a role looks like now. */
struct res_iam_role_state {
    bool exists;
    char arn[512];
    json_t *trust;          /* parsed assume-role document (owned; NULL when unparsable) */
    json_t *tags;           /* object of the role's tags (owned; never NULL when exists) */
    json_t *attached;       /* array of attached policy ARNs (owned; never NULL when exists) */
};

/* Empties st / releases what it holds (st itself is the caller's). Both accept NULL. */
void res_iam_role_state_init(struct res_iam_role_state *st);
void res_iam_role_state_release(struct res_iam_role_state *st);

/* GetRole + ListAttachedRolePolicies (all pages). A missing role is UC_OK with exists false. */
uc_status res_iam_role_read(struct aws_session *s, const char *name, const struct aws_call_opts *o,
                            struct res_iam_role_state *out, struct aws_error *err);

/* GetRole only (exists, arn, trust, tags; attached stays NULL): for a caller that needs no
 * policy list. A missing role is UC_OK with exists false. */
uc_status res_iam_role_get(struct aws_session *s, const char *name, const struct aws_call_opts *o,
                           struct res_iam_role_state *out, struct aws_error *err);

/* Makes the role match spec: CreateRole when missing (EntityAlreadyExists = adopt), otherwise
 * UpdateAssumeRolePolicy when the trust policy differs semantically, TagRole for tags that are
 * missing or different, AttachRolePolicy for each policy (policy_arn, more_policy_arns) not
 * attached. Other attached policies are left alone. arn (may be NULL) receives the role ARN.
 * *created (may be NULL) says whether this call created it. */
uc_status res_iam_role_ensure(struct aws_session *s, const struct res_iam_role_spec *spec,
                              const struct aws_call_opts *o, char *arn, size_t arn_len,
                              bool *created, struct aws_error *err);

/* Sets tags (an object of string values) on an existing role: TagRole for keys that are missing
 * or different, then UntagRole for the keys of drop (array of strings; NULL = none) the role
 * holds and tags does not name. Nothing when all match. Other keys are left alone: the caller
 * keeps keys others own (ignore_tags) out of drop. */
uc_status res_iam_role_tag(struct aws_session *s, const char *name, const json_t *tags,
                           const json_t *drop, const struct aws_call_opts *o,
                           struct aws_error *err);

/* Detaches every attached managed policy, then DeleteRole. A missing role is UC_OK. */
uc_status res_iam_role_delete(struct aws_session *s, const char *name,
                              const struct aws_call_opts *o, struct aws_error *err);

/* ---- policy documents ---------------------------------------------------------------------- */

/* A normalised copy of a policy document for comparison (new reference; NULL when not an
 * object): every array is a sorted set, a single string where IAM accepts a list is a one-element
 * list, Statement is always a list, Principal "*" is {"AWS": ["*"]}, an AWS principal that is an
 * account id becomes arn:aws:iam::<id>:root, Action names compare case-insensitively, empty Sid
 * is dropped. */
json_t *res_policy_normalize(const json_t *doc);

/* Semantic equality of two policy documents (IAM's own rules as above). Unparsable text is
 * never equal to anything. */
bool res_policy_equal_json(const json_t *a, const json_t *b);
bool res_policy_equal(const char *a, const char *b);

/* The trust policy letting the n principal ARNs assume the role (sts:AssumeRole), principals
 * sorted, as compact JSON text in arena memory. NULL when out of memory. */
char *res_trust_policy(struct uc_arena *a, const char *const *principals, size_t n);

/* The AWS principals that an Allow sts:AssumeRole statement of doc names (strings, normalised
 * as in res_policy_normalize, sorted, unique), as a new JSON array; NULL when doc is not a policy.
 * *extra (may be NULL) is set when doc holds anything else (conditions, other statements,
 * Deny, other principal kinds): the document is then not one res_trust_policy would write. */
json_t *res_trust_principals(const json_t *doc, bool *extra);

#endif
