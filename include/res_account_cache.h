/* res_account_cache.h - the organization's member accounts as one provider process reads them:
 * once the process has asked for enough accounts (RES_ACCOUNT_CACHE_MIN_DEMAND), one paged
 * ListAccounts (20 accounts a page) answers Id, Arn, Email, Name, State and JoinedTimestamp for
 * every later read, instead of a DescribeAccount each. An account the list lacks (created since)
 * is described on its own; an organization of more than RES_ACCOUNT_CACHE_MAX_PAGES pages is
 * never listed. Reads stay exact for this process: a write to an account (create, close,
 * retire) must call res_account_cache_invalidate before and after it, and the list is read again
 * after RES_ACCOUNT_CACHE_MAX_AGE_MS.
 *
 * Owned by the configured provider (struct res_provider), one per process; never shared across
 * processes. Thread-safe. Built on res_shared_read.h.
 */
#ifndef RES_ACCOUNT_CACHE_H
#define RES_ACCOUNT_CACHE_H

#include <jansson.h>

#include "aws_client.h"

/* Reads of accounts a process makes before it lists them all (one page's worth). */
#define RES_ACCOUNT_CACHE_MIN_DEMAND 20
/* The largest organization listed, in pages of 20 (1,000 accounts). */
#define RES_ACCOUNT_CACHE_MAX_PAGES 50
/* How long one list answers reads. */
#define RES_ACCOUNT_CACHE_MAX_AGE_MS (120 * 1000)

struct res_account_cache;

/* A new empty cache; NULL when out of memory. Free with res_account_cache_free. */
struct res_account_cache *res_account_cache_new(void);
/* Accepts NULL. No call may be using c. */
void res_account_cache_free(struct res_account_cache *c);

/* The account object of id, as res_org_describe_account gives it (*acct a new reference the
 * caller owns; NULL on failure): from the shared list when there is one and it holds id, else
 * DescribeAccount through s (the management account's session, borrowed). A missing account is
 * always DescribeAccount's answer (aws_error_is_not_found(err)). c may be NULL (always
 * DescribeAccount). o (may be NULL) bounds the calls and the wait for another thread's list. */
uc_status res_account_cache_describe(struct res_account_cache *c, struct aws_session *s,
                                     const char *id, const struct aws_call_opts *o,
                                     json_t **acct, struct aws_error *err);

/* Forgets the list (a write to an account is about to happen or just happened). Accepts NULL. */
void res_account_cache_invalidate(struct res_account_cache *c);

#endif
