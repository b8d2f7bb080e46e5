/* res_account_cache.h - the organization's member accounts and their parents as one provider
 * process reads them: once the process has asked enough (RES_ACCOUNT_CACHE_MIN_DEMAND reads),
 * one walk of the organization's tree (ListRoots, then per root and OU ListAccountsForParent and
 * ListOrganizationalUnitsForParent, 20 items a page) answers Id, Arn, Email, Name, State,
 * JoinedTimestamp and the parent of every account, instead of a DescribeAccount and a
 * ListParents each. A tree of more than RES_ACCOUNT_CACHE_MAX_PAGES calls is not walked: one
 * paged ListAccounts then answers the accounts (parents are read one by one); an organization
 * whose list is longer than that is read account by account. An account the walk lacks (created
 * since, or met twice because it moved meanwhile) is read on its own.
 *
 * Reads stay exact for this process: a write to an account (create, move, tag, close, retire)
 * must call res_account_cache_invalidate before and after it; the walk is made again after
 * RES_ACCOUNT_CACHE_MAX_AGE_MS. Owned by the configured provider (struct res_provider), one per
 * process; never shared across processes. Thread-safe. Built on res_shared_read.h.
 */
#ifndef RES_ACCOUNT_CACHE_H
#define RES_ACCOUNT_CACHE_H

#include <jansson.h>
#include <stddef.h>

#include "aws_client.h"

/* Reads (accounts and parents) a process makes before it walks the organization. */
#define RES_ACCOUNT_CACHE_MIN_DEMAND 20
/* The most calls one walk (or, failing that, one ListAccounts) may take. */
#define RES_ACCOUNT_CACHE_MAX_PAGES 50
/* How long one walk answers reads. */
#define RES_ACCOUNT_CACHE_MAX_AGE_MS (120 * 1000)

struct res_account_cache;

/* A new empty cache; NULL when out of memory. Free with res_account_cache_free. */
struct res_account_cache *res_account_cache_new(void);
/* Accepts NULL. No call may be using c. */
void res_account_cache_free(struct res_account_cache *c);

/* The account object of id, as res_org_describe_account gives it (*acct a new reference the
 * caller owns; NULL on failure): from the shared walk when there is one and it holds id, else
 * DescribeAccount through s (the management account's session, borrowed). A missing account is
 * always DescribeAccount's answer (aws_error_is_not_found(err)). c may be NULL (always
 * DescribeAccount). o (may be NULL) bounds the calls and the wait for another thread's list. */
uc_status res_account_cache_describe(struct res_account_cache *c, struct aws_session *s,
                                     const char *id, const struct aws_call_opts *o,
                                     json_t **acct, struct aws_error *err);

/* The id of the parent (root or OU) of account id into out, as res_org_account_parent gives it:
 * from the shared walk when it holds id, else ListParents through s. Arguments as above. */
uc_status res_account_cache_parent(struct res_account_cache *c, struct aws_session *s,
                                   const char *id, const struct aws_call_opts *o, char *out,
                                   size_t n, struct aws_error *err);

/* Forgets the walk (a write to an account is about to happen or just happened). Accepts NULL. */
void res_account_cache_invalidate(struct res_account_cache *c);

#endif
