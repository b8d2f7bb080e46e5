/* res_org_account.h - AWS Organizations member accounts as the resources work on them: list,
 * describe, find by e-mail or create-and-wait (resuming a CreateAccount request an interrupted
 * apply left IN_PROGRESS), parent (OU) check and move, tag diff, close-and-wait, and the session
 * inside a member account that knows how long its access role may take to appear.
 *
 * Used by unicron_tenant; meant for every resource that works on accounts. Every function takes
 * the management account's borrowed struct aws_session (aws_client_session) and borrowed call
 * options (cancel, deadline), fills err on failure and is thread-safe (no state of its own).
 * Nothing here writes diagnostics: callers turn err and the result structs into what users see.
 * JSON values returned through out-parameters are new references the caller owns.
 */
#ifndef RES_ORG_ACCOUNT_H
#define RES_ORG_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws_client.h"
#include "res_provider.h"

/* ---- reading ------------------------------------------------------------------------------- */

/* ListAccounts, every page, into *accounts (a new array of Account objects). */
uc_status res_org_list_accounts(struct aws_session *s, const struct aws_call_opts *o,
                                json_t **accounts, struct aws_error *err);

/* Every page of the paginated Organizations list `operation` (ListAccounts,
 * ListAccountsForParent, ListOrganizationalUnitsForParent, ListRoots, ...) for request (an
 * object without NextToken; taken over, NULL = out of memory), its member `key` joined into
 * *items (a new array). At most max_pages pages (0 or past the general cap = the general cap): a
 * longer list is UC_RANGE in err and *items stays NULL. *pages (may be NULL) gets the pages asked
 * for, failed or not. */
uc_status res_org_list_upto(struct aws_session *s, const char *operation, json_t *request,
                            const char *key, int max_pages, const struct aws_call_opts *o,
                            json_t **items, int *pages, struct aws_error *err);

/* DescribeAccount: *acct gets the Account object (new reference). A missing account is an error
 * for which aws_error_is_not_found(err) holds; *acct is NULL on every failure. */
uc_status res_org_describe_account(struct aws_session *s, const char *id,
                                   const struct aws_call_opts *o, json_t **acct,
                                   struct aws_error *err);

/* The account's State ("ACTIVE", "PENDING_CLOSURE", ...; older answers' Status) from a
 * DescribeAccount / ListAccounts object; "" when absent. Borrowed from acct. */
const char *res_org_account_state(const json_t *acct);

/* The account's JoinedTimestamp in epoch seconds; 0 when absent or not a number. */
double res_org_account_joined(const json_t *acct);

/* The id of the account's parent (OU or root) into out ("" when AWS names none). */
uc_status res_org_account_parent(struct aws_session *s, const char *id,
                                 const struct aws_call_opts *o, char *out, size_t n,
                                 struct aws_error *err);

/* Whether parent id (r-... root or ou-... OU) exists. UC_OK with *exists false when it does not;
 * err then holds AWS's answer (for the diagnostic). Other failures are errors. */
uc_status res_org_parent_exists(struct aws_session *s, const char *id,
                                const struct aws_call_opts *o, bool *exists, struct aws_error *err);

/* The account's tags as a new object of string values. */
uc_status res_org_account_tags(struct aws_session *s, const char *id, const struct aws_call_opts *o,
                               json_t **tags, struct aws_error *err);

/* ---- changing ------------------------------------------------------------------------------ */

/* Sets the tags in want (an object of string values; borrowed): TagResource for missing or
 * different values; exact also removes every other key (UntagResource) except the keys the
 * provider's ignore_tags names (ignore may be NULL: none). Nothing when all match. */
uc_status res_org_tag_account(struct aws_session *s, const char *id, const json_t *want, bool exact,
                              const struct res_provider *ignore, const struct aws_call_opts *o,
                              struct aws_error *err);

/* MoveAccount to parent `to` from wherever it is now; nothing when it is there already. A repeat
 * after an answer of unknown outcome finds it moved. */
uc_status res_org_move_account(struct aws_session *s, const char *id, const char *to,
                               const struct aws_call_opts *o, struct aws_error *err);

/* CloseAccount, then waits until AWS reports it closing or closed (PENDING_CLOSURE, SUSPENDED,
 * CLOSED or gone all count as done). An account already closed is UC_OK. The close quota shows
 * as ConstraintViolationException with "quota" in err->message. */
uc_status res_org_close_account(struct aws_session *s, const char *id,
                                const struct aws_call_opts *o, struct aws_error *err);

/* What res_org_ensure_account works from. All borrowed. */
struct res_org_account_spec {
    const char *email;     /* required: the natural key */
    const char *name;      /* required: AccountName; also finds a pending request */
    const char *role_name; /* required: the access role CreateAccount makes */
    const json_t *tags;    /* object of string values set by CreateAccount; NULL = none */
};

/* What res_org_ensure_account found or did. */
struct res_org_account_result {
    char id[16];           /* the account (UC_OK only; "" otherwise) */
    bool adopted;          /* an account with the e-mail existed already */
    char request[96];      /* the CreateAccount request waited for ("" when adopted) */
    char failure[96];      /* UC_REMOTE: the request's FailureReason (EMAIL_ALREADY_EXISTS...) */
    char closed_id[16];    /* UC_REMOTE: the e-mail belongs to this account, which is not */
    char closed_state[32]; /* ACTIVE (its State here) */
};

/* Adopt-or-create by natural key: the account with spec->email, else the CreateAccount request
 * for spec->name still IN_PROGRESS, else CreateAccount; then waits for the request. Never makes a
 * second account for an e-mail: after an answer of unknown outcome it looks again before trying
 * again. Failure leaves *out with id "" and says why: failure (request FAILED), closed_id /
 * closed_state (the e-mail's account is closed or closing), or only err. o's
 * retry_non_idempotent is ignored for CreateAccount itself. o may be NULL (no cancel, no
 * deadline); the pause before looking again wakes on o->cancel (UC_CANCELED) and ends at
 * o->deadline_ms (UC_TIMEOUT). */
uc_status res_org_ensure_account(struct aws_session *s, const struct res_org_account_spec *spec,
                                 const struct aws_call_opts *o, struct res_org_account_result *out,
                                 struct aws_error *err);

/* ---- inside a member account --------------------------------------------------------------- */

/* How old an account must be (seconds since it joined) before its access role counts as settled:
 * AWS makes a new account's role assumable within minutes, so after this an AccessDenied from
 * AssumeRole means the role is gone or changed, not still propagating. */
#define RES_ORG_ROLE_SETTLED_S (60 * 60)
/* How long a settled account's AccessDenied is retried (IAM's eventual consistency only). */
#define RES_ORG_SETTLED_ROLE_WAIT_MS (10 * 1000)

/* Whether the access role of an account that joined at `joined` (epoch seconds; 0 = unknown)
 * counts as settled at `now` (epoch seconds). Unknown or future times are not settled. Pure. */
bool res_org_role_settled(double joined, double now);

/* The session inside member account id (aws_client_account_session), borrowed from client c.
 * When settled is true its credentials are assumed now with AccessDenied retried for at most
 * RES_ORG_SETTLED_ROLE_WAIT_MS (o->access_denied_wait_ms for that one fetch) instead of the
 * client's account_role_wait_ms (minutes, for new accounts): a deleted access role fails fast,
 * while throttling and 5xx answers are retried as usual within o's deadline and cancel. When
 * false nothing is fetched yet and the first call waits as long as the client allows. o may be
 * NULL (no deadline, no cancel). NULL with err filled on failure (an AccessDenied err then names
 * the role). */
struct aws_session *res_org_member_session(struct aws_client *c, const char *id, bool settled,
                                           const struct aws_call_opts *o, struct aws_error *err);

#endif
