/* org_account.c - AWS Organizations member accounts for the resources: list / describe, find by
 * e-mail or create-and-wait (resuming an interrupted request), parents, tags, close-and-wait,
 * and the session inside a member account that tells a propagating role from a deleted one.
 *
 * AWS calls only: it must not build Terraform values or diagnostics, know any resource's
 * attribute names, or keep state between calls (everything comes in through the arguments).
 */
#include "res_org_account.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aws_answer.h"
#include "aws_waiter.h"
#include "res_paging.h"
#include "uc_log.h"

#define LOG_MODULE "org"

/* One Organizations call; takes ownership of in (NULL = out of memory). */
static uc_status org_call(struct aws_session *s, const char *operation, json_t *in,
                          const struct aws_call_opts *o, json_t **out, struct aws_error *err)
{
    uc_status st = in != NULL
                       ? aws_json_call(s, AWS_SVC_ORGANIZATIONS, operation, in, o, out, err)
                       : aws_error_set(err, UC_NOMEM, "organizations", operation, "no memory");
    json_decref(in);
    return st;
}

/* The most pages one list may take (Organizations pages hold up to 20 items). */
#define ORG_LIST_MAX_PAGES 1000

/* Every page of a paginated Organizations list (member `key`) into one new array. base is the
 * request without NextToken, taken over like org_call's input (NULL = out of memory). The token
 * is opaque and passed back as given, whatever its length; a token equal to the one just sent,
 * or more pages than ORG_LIST_MAX_PAGES, is an error (never a short or repeated list). */
static uc_status org_list_upto(struct aws_session *s, const char *operation, json_t *base,
                               const char *key, int max_pages, const struct aws_call_opts *o,
                               json_t **items, int *pages, struct aws_error *err)
{
    json_t *all = base != NULL ? json_array() : NULL;
    struct res_pager pg;
    uc_status st = UC_OK;
    bool more = all != NULL;
    *items = NULL;
    res_pager_init(&pg, "organizations", operation, "NextToken", max_pages);
    while (more) {
        json_t *in = json_deep_copy(base);
        json_t *out = NULL;
        if (in != NULL && (st = res_pager_begin(&pg, in, err)) != UC_OK) {
            json_decref(in);
            break;
        }
        if ((st = org_call(s, operation, in, o, &out, err)) != UC_OK)
            break;
        const json_t *page = aws_answer_require(out, JSON_ARRAY, "organizations", operation, key,
                                                err);
        if (page == NULL) {
            json_decref(out);
            st = err->status;
            break;
        }
        json_array_extend(all, (json_t *)page);
        st = res_pager_end(&pg, json_object_get(out, "NextToken"), &more, err);
        json_decref(out);
        if (st != UC_OK)
            break;
    }
    if (pages != NULL)
        *pages = pg.page;
    res_pager_release(&pg);
    json_decref(base);
    if (all == NULL && st == UC_OK)
        st = aws_error_set(err, UC_NOMEM, "organizations", operation, "no memory");
    if (st == UC_OK)
        *items = all;
    else
        json_decref(all);
    return st;
}

static uc_status org_list(struct aws_session *s, const char *operation, json_t *base,
                          const char *key, const struct aws_call_opts *o, json_t **items,
                          struct aws_error *err)
{
    return org_list_upto(s, operation, base, key, ORG_LIST_MAX_PAGES, o, items, NULL, err);
}

/* --- reading -------------------------------------------------------------------------------- */

uc_status res_org_list_accounts(struct aws_session *s, const struct aws_call_opts *o,
                                json_t **accounts, struct aws_error *err)
{
    return org_list(s, "ListAccounts", json_object(), "Accounts", o, accounts, err);
}

uc_status res_org_list_upto(struct aws_session *s, const char *operation, json_t *request,
                            const char *key, int max_pages, const struct aws_call_opts *o,
                            json_t **items, int *pages, struct aws_error *err)
{
    if (pages != NULL)
        *pages = 0;
    if (max_pages <= 0 || max_pages > ORG_LIST_MAX_PAGES)
        max_pages = ORG_LIST_MAX_PAGES;
    return org_list_upto(s, operation, request, key, max_pages, o, items, pages, err);
}

uc_status res_org_describe_account(struct aws_session *s, const char *id,
                                   const struct aws_call_opts *o, json_t **acct,
                                   struct aws_error *err)
{
    json_t *out = NULL;
    uc_status st =
        org_call(s, "DescribeAccount", json_pack("{s:s}", "AccountId", id), o, &out, err);
    *acct = NULL;
    if (st == UC_OK) {
        /* the state is read from State, or the older Status */
        const char *state_path = aws_answer_find(out, "Account.State") == NULL &&
                                         aws_answer_find(out, "Account.Status") != NULL
                                     ? "Account.Status"
                                     : "Account.State";
        if (aws_answer_string(out, "organizations", "DescribeAccount", "Account.Id", err) &&
            aws_answer_string(out, "organizations", "DescribeAccount", "Account.Arn", err) &&
            aws_answer_string(out, "organizations", "DescribeAccount", state_path, err))
            *acct = json_incref(json_object_get(out, "Account"));
        else
            st = err->status;
        json_decref(out);
    }
    return st;
}

const char *res_org_account_state(const json_t *acct)
{
    const char *v = json_string_value(json_object_get(acct, "State"));
    if (v == NULL)
        v = json_string_value(json_object_get(acct, "Status"));
    return v ? v : "";
}

double res_org_account_joined(const json_t *acct)
{
    const json_t *t = json_object_get(acct, "JoinedTimestamp");
    return json_is_number(t) ? json_number_value(t) : 0;
}

uc_status res_org_account_parent(struct aws_session *s, const char *id,
                                 const struct aws_call_opts *o, char *out, size_t n,
                                 struct aws_error *err)
{
    json_t *parents = NULL;
    uc_status st =
        org_list(s, "ListParents", json_pack("{s:s}", "ChildId", id), "Parents", o, &parents, err);
    if (st != UC_OK)
        return st;
    /* every account has exactly one parent */
    const char *p = aws_answer_string(parents, "organizations", "ListParents", "[0].Id", err);
    snprintf(out, n, "%s", p ? p : "");
    json_decref(parents);
    return p != NULL ? UC_OK : err->status;
}

uc_status res_org_parent_exists(struct aws_session *s, const char *id,
                                const struct aws_call_opts *o, bool *exists, struct aws_error *err)
{
    *exists = false;
    if (strncmp(id, "r-", 2) == 0) {
        json_t *roots = NULL;
        uc_status st = org_list(s, "ListRoots", json_object(), "Roots", o, &roots, err);
        size_t i;
        json_t *r;
        json_array_foreach(roots, i, r) {
            const char *rid = json_string_value(json_object_get(r, "Id"));
            *exists |= rid != NULL && strcmp(rid, id) == 0;
        }
        json_decref(roots);
        if (st == UC_OK && !*exists) {
            aws_error_set(err, UC_NOTFOUND, "organizations", "ListRoots",
                          "The organization has no root with id %s.", id);
            snprintf(err->code, sizeof err->code, "ParentNotFoundException");
        }
        return st;
    }
    json_t *out = NULL;
    uc_status st = org_call(s, "DescribeOrganizationalUnit",
                            json_pack("{s:s}", "OrganizationalUnitId", id), o, &out, err);
    json_decref(out);
    if (st == UC_OK) {
        *exists = true;
        return UC_OK;
    }
    if (aws_error_is_not_found(err) || aws_error_is(err, "InvalidInputException"))
        return UC_OK; /* err keeps the answer for the diagnostic */
    return st;
}

uc_status res_org_account_tags(struct aws_session *s, const char *id, const struct aws_call_opts *o,
                               json_t **tags, struct aws_error *err)
{
    json_t *list = NULL;
    uc_status st = org_list(s, "ListTagsForResource", json_pack("{s:s}", "ResourceId", id), "Tags",
                            o, &list, err);
    *tags = NULL;
    if (st != UC_OK)
        return st;
    json_t *obj = json_object();
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) {
        const char *k = json_string_value(json_object_get(t, "Key"));
        const char *v = json_string_value(json_object_get(t, "Value"));
        if (obj != NULL && k != NULL)
            json_object_set_new(obj, k, json_string(v ? v : ""));
    }
    json_decref(list);
    if (obj == NULL)
        return aws_error_set(err, UC_NOMEM, "organizations", "ListTagsForResource", "no memory");
    *tags = obj;
    return UC_OK;
}

/* --- changing ------------------------------------------------------------------------------- */

uc_status res_org_tag_account(struct aws_session *s, const char *id, const json_t *want, bool exact,
                              const struct res_provider *ignore, const struct aws_call_opts *o,
                              struct aws_error *err)
{
    json_t *cur = NULL, *add = json_array(), *del = json_array();
    uc_status st = res_org_account_tags(s, id, o, &cur, err);
    const char *k;
    json_t *v;
    if (st != UC_OK || add == NULL || del == NULL)
        goto out;
    json_object_foreach((json_t *)want, k, v) {
        const char *have = json_string_value(json_object_get(cur, k));
        if (have == NULL || strcmp(have, json_string_value(v)) != 0)
            json_array_append_new(add, json_pack("{s:s,s:O}", "Key", k, "Value", v));
    }
    json_object_foreach(cur, k, v) {
        if (exact && json_object_get(want, k) == NULL && !res_provider_tag_ignored(ignore, k))
            json_array_append_new(del, json_string(k));
    }
    if (json_array_size(del) > 0 &&
        (st = org_call(s, "UntagResource", json_pack("{s:s,s:O}", "ResourceId", id, "TagKeys", del),
                       o, NULL, err)) != UC_OK)
        goto out;
    if (json_array_size(add) > 0)
        st = org_call(s, "TagResource", json_pack("{s:s,s:O}", "ResourceId", id, "Tags", add), o,
                      NULL, err);
out:
    if (st == UC_OK && (add == NULL || del == NULL))
        st = aws_error_set(err, UC_NOMEM, "organizations", "TagResource", "no memory");
    json_decref(cur);
    json_decref(add);
    json_decref(del);
    return st;
}

uc_status res_org_move_account(struct aws_session *s, const char *id, const char *to,
                               const struct aws_call_opts *o, struct aws_error *err)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        char cur[80];
        uc_status st = res_org_account_parent(s, id, o, cur, sizeof cur, err);
        if (st != UC_OK)
            return st;
        if (strcmp(cur, to) == 0)
            return UC_OK;
        st = org_call(s, "MoveAccount",
                      json_pack("{s:s,s:s,s:s}", "AccountId", id, "SourceParentId", cur,
                                "DestinationParentId", to),
                      o, NULL, err);
        if (st == UC_OK || aws_error_is(err, "DuplicateAccountException"))
            return UC_OK;
        if (!aws_error_is(err, "SourceParentNotFoundException") &&
            !aws_error_is(err, "ConcurrentModificationException"))
            return st;
    }
    return UC_REMOTE;
}

struct close_wait {
    struct aws_session *s;
    const char *id;
};

static uc_status poll_closing(void *ctx, const struct aws_call_opts *o, char *status, size_t n,
                              enum aws_wait_result *result, struct aws_error *err)
{
    struct close_wait *w = ctx;
    json_t *acct = NULL;
    uc_status st = res_org_describe_account(w->s, w->id, o, &acct, err);
    if (st != UC_OK) {
        if (aws_error_is_not_found(err)) {
            aws_error_clear(err);
            snprintf(status, n, "gone");
            *result = AWS_WAIT_SUCCESS;
            return UC_OK;
        }
        return st;
    }
    snprintf(status, n, "%s", res_org_account_state(acct));
    json_decref(acct);
    return UC_OK;
}

uc_status res_org_close_account(struct aws_session *s, const char *id,
                                const struct aws_call_opts *o, struct aws_error *err)
{
    uc_status st = org_call(s, "CloseAccount", json_pack("{s:s}", "AccountId", id), o, NULL, err);
    if (st != UC_OK && !aws_error_is(err, "AccountAlreadyClosedException"))
        return st;
    aws_error_clear(err);
    /* the state flaps between these and AWS finishes on its own */
    static const char *const done[] = {"PENDING_CLOSURE", "SUSPENDED", "CLOSED", "gone", NULL};
    struct close_wait ctx = {s, id};
    char desc[96];
    snprintf(desc, sizeof desc, "account %s to close", id);
    struct aws_waiter w = {desc, poll_closing, &ctx, done, NULL, 1000, 10000};
    return aws_wait(aws_session_client(s), &w, o, NULL, 0, err);
}

/* --- find or create ------------------------------------------------------------------------- */

struct create_wait {
    struct aws_session *s;
    const char *request;
    char account[16];
    char reason[96];
};

static uc_status poll_create(void *ctx, const struct aws_call_opts *o, char *status, size_t n,
                             enum aws_wait_result *result, struct aws_error *err)
{
    struct create_wait *w = ctx;
    json_t *out = NULL;
    (void)result;
    uc_status st = org_call(w->s, "DescribeCreateAccountStatus",
                            json_pack("{s:s}", "CreateAccountRequestId", w->request), o, &out, err);
    if (st != UC_OK)
        return st;
    static const char *const op = "DescribeCreateAccountStatus";
    json_t *cs = json_object_get(out, "CreateAccountStatus");
    const char *state =
        aws_answer_string(out, "organizations", op, "CreateAccountStatus.State", err);
    /* a request that SUCCEEDED names its account */
    const char *id = state != NULL && strcmp(state, "SUCCEEDED") == 0
                         ? aws_answer_string(out, "organizations", op,
                                             "CreateAccountStatus.AccountId", err)
                         : json_string_value(json_object_get(cs, "AccountId"));
    const char *why = json_string_value(json_object_get(cs, "FailureReason"));
    if (state == NULL || (strcmp(state, "SUCCEEDED") == 0 && id == NULL)) {
        json_decref(out);
        return err->status;
    }
    snprintf(status, n, "%s", state);
    if (id != NULL)
        snprintf(w->account, sizeof w->account, "%s", id);
    if (why != NULL)
        snprintf(w->reason, sizeof w->reason, "%s", why);
    json_decref(out);
    return UC_OK;
}

/* The id of a CreateAccount request for account_name that is still IN_PROGRESS (an apply killed
 * while it waited), into out ("" = none). */
static uc_status find_pending_request(struct aws_session *s, const char *account_name,
                                      const struct aws_call_opts *o, char *out, size_t n,
                                      struct aws_error *err)
{
    json_t *reqs = NULL;
    uc_status st =
        org_list(s, "ListCreateAccountStatus", json_pack("{s:[s]}", "States", "IN_PROGRESS"),
                 "CreateAccountStatuses", o, &reqs, err);
    out[0] = '\0';
    size_t i;
    json_t *r;
    json_array_foreach(reqs, i, r) {
        const char *name = json_string_value(json_object_get(r, "AccountName"));
        if (name == NULL || strcmp(name, account_name) != 0)
            continue;
        const char *id = aws_answer_string(r, "organizations", "ListCreateAccountStatus",
                                           "Id", err);
        if (id == NULL) {
            st = err->status;
            break;
        }
        snprintf(out, n, "%s", id);
    }
    json_decref(reqs);
    return st;
}

/* The account with this e-mail in the organization, into out (id, or closed_id / closed_state
 * when it is not ACTIVE); *found says whether there is one. */
static uc_status find_by_email(struct aws_session *s, const char *email,
                               const struct aws_call_opts *o, struct res_org_account_result *out,
                               bool *found, struct aws_error *err)
{
    json_t *accounts = NULL, *acct, *hit = NULL;
    size_t i;
    *found = false;
    if (res_org_list_accounts(s, o, &accounts, err) != UC_OK)
        return err->status;
    json_array_foreach(accounts, i, acct) {
        const char *e = json_string_value(json_object_get(acct, "Email"));
        if (e != NULL && strcasecmp(e, email) == 0)
            hit = acct;
    }
    uc_status st = UC_OK;
    if (hit != NULL) {
        const char *id = aws_answer_string(hit, "organizations", "ListAccounts", "Id", err);
        const char *state = json_string_value(json_object_get(hit, "State"));
        if (id == NULL) {
            st = err->status;
        } else if (state != NULL && strcmp(state, "ACTIVE") != 0) {
            *found = true;
            snprintf(out->closed_id, sizeof out->closed_id, "%s", id);
            snprintf(out->closed_state, sizeof out->closed_state, "%s", state);
        } else {
            *found = true;
            snprintf(out->id, sizeof out->id, "%s", id);
        }
    }
    json_decref(accounts);
    return st;
}

/* CreateAccount once (no idempotency token: after an unknown outcome the caller looks again),
 * its request id into out->request. */
static uc_status start_create(struct aws_session *s, const struct res_org_account_spec *spec,
                              const struct aws_call_opts *o, struct res_org_account_result *out,
                              struct aws_error *err)
{
    json_t *tags = json_array();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)spec->tags, k, v) {
        json_array_append_new(tags, json_pack("{s:s,s:O}", "Key", k, "Value", v));
    }
    json_t *in = json_pack("{s:s,s:s,s:s,s:o}", "Email", spec->email, "AccountName", spec->name,
                           "RoleName", spec->role_name, "Tags", tags);
    json_t *res = NULL;
    struct aws_call_opts once = o != NULL ? *o : (struct aws_call_opts){0};
    once.retry_non_idempotent = false;
    uc_status st = org_call(s, "CreateAccount", in, &once, &res, err);
    if (st != UC_OK)
        return st;
    /* without the request id there is nothing to wait on: say so now, not at the timeout */
    const char *id =
        aws_answer_string(res, "organizations", "CreateAccount", "CreateAccountStatus.Id", err);
    if (id == NULL) {
        json_decref(res);
        return err->status;
    }
    snprintf(out->request, sizeof out->request, "%s", id);
    json_decref(res);
    uc_logf(UC_LOG_INFO, LOG_MODULE, "account %s: CreateAccount request %s", spec->name,
            out->request);
    return UC_OK;
}

/* An answer that may or may not have created the account (5xx, connection lost). */
static bool outcome_unknown(const struct aws_error *err)
{
    return err->status == UC_TRANSPORT || err->http_status >= 500;
}

#define CREATE_ATTEMPTS 6

/* The pause before looking again after an unknown outcome: ms, woken by o's cancel token and
 * cut at o's deadline (o may be NULL). UC_CANCELED or UC_TIMEOUT (deadline reached) fill err. */
static uc_status pause_before_looking_again(const struct aws_call_opts *o, uint64_t ms,
                                            const char *code, struct aws_error *err)
{
    const struct uc_cancel *cancel = o != NULL ? o->cancel : NULL;
    uint64_t deadline = o != NULL ? o->deadline_ms : 0;
    uint64_t now = uc_clock_monotonic_ms();
    bool cut = false;
    if (deadline != 0 && (now >= deadline || deadline - now <= ms)) {
        ms = now >= deadline ? 0 : deadline - now;
        cut = true;
    }
    if (uc_cancel_sleep_ms(cancel, ms) != UC_OK)
        return aws_error_set(err, UC_CANCELED, "organizations", "CreateAccount", "canceled");
    if (cut)
        return aws_error_set(err, UC_TIMEOUT, "organizations", "CreateAccount",
                             "deadline reached after an answer of unknown outcome (%s)",
                             code[0] ? code : "no answer");
    return UC_OK;
}

uc_status res_org_ensure_account(struct aws_session *s, const struct res_org_account_spec *spec,
                                 const struct aws_call_opts *o, struct res_org_account_result *out,
                                 struct aws_error *err)
{
    memset(out, 0, sizeof *out);
    for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
        bool found = false;
        if (find_by_email(s, spec->email, o, out, &found, err) != UC_OK)
            return err->status;
        if (found && out->closed_id[0])
            return aws_error_set(err, UC_REMOTE, "organizations", "ListAccounts", "closed account");
        if (found) {
            out->adopted = true;
            uc_logf(UC_LOG_INFO, LOG_MODULE, "account %s: adopting %s (e-mail %s)", spec->name,
                    out->id, spec->email);
            return UC_OK;
        }
        if (find_pending_request(s, spec->name, o, out->request, sizeof out->request, err) != UC_OK)
            return err->status;
        if (out->request[0] != '\0') {
            uc_logf(UC_LOG_INFO, LOG_MODULE,
                    "account %s: resuming CreateAccount request %s (interrupted apply)", spec->name,
                    out->request);
        } else {
            uc_status st = start_create(s, spec, o, out, err);
            if (st != UC_OK && outcome_unknown(err) && attempt + 1 < CREATE_ATTEMPTS) {
                uc_logf(UC_LOG_WARN, LOG_MODULE,
                        "account %s: CreateAccount outcome unknown (%s); looking again", spec->name,
                        err->code);
                char code[sizeof err->code];
                snprintf(code, sizeof code, "%s", err->code);
                if ((st = pause_before_looking_again(o, 500u << attempt, code, err)) != UC_OK)
                    return st;
                continue;
            }
            if (st != UC_OK)
                return st;
        }
        struct create_wait cw;
        memset(&cw, 0, sizeof cw);
        cw.s = s;
        cw.request = out->request;
        static const char *const ok[] = {"SUCCEEDED", NULL};
        static const char *const bad[] = {"FAILED", NULL};
        char desc[256];
        snprintf(desc, sizeof desc, "account %s (%s) to be created", spec->name, out->request);
        struct aws_waiter waiter = {desc, poll_create, &cw, ok, bad, 1000, 10000};
        uc_status st = aws_wait(aws_session_client(s), &waiter, o, NULL, 0, err);
        if (st == UC_OK && cw.account[0]) {
            snprintf(out->id, sizeof out->id, "%s", cw.account);
            return UC_OK;
        }
        if (st == UC_OK) /* SUCCEEDED without an account id */
            return aws_error_set(err, UC_DECODE, "organizations", "DescribeCreateAccountStatus",
                                 "request %s succeeded without an AccountId", out->request);
        if (st == UC_REMOTE && strcmp(cw.reason, "EMAIL_ALREADY_EXISTS") == 0 &&
            attempt < CREATE_ATTEMPTS - 1) {
            /* perhaps our own earlier request won: the account list has it now */
            aws_error_clear(err);
            attempt = attempt < CREATE_ATTEMPTS - 2 ? CREATE_ATTEMPTS - 2 : attempt;
            continue;
        }
        if (st == UC_REMOTE && cw.reason[0])
            snprintf(out->failure, sizeof out->failure, "%s", cw.reason);
        return st;
    }
    return aws_error_set(err, UC_REMOTE, "organizations", "CreateAccount",
                         "gave up after repeated answers of unknown outcome");
}

/* --- inside a member account ---------------------------------------------------------------- */

bool res_org_role_settled(double joined, double now)
{
    return joined > 0 && now >= joined && now - joined >= RES_ORG_ROLE_SETTLED_S;
}

struct aws_session *res_org_member_session(struct aws_client *c, const char *id, bool settled,
                                           const struct aws_call_opts *o, struct aws_error *err)
{
    struct aws_session *s = aws_client_account_session(c, id, err);
    if (s == NULL || !settled)
        return s;
    /* Assume the role now, with a short AccessDenied wait but the caller's deadline (throttling
     * keeps its retries): the credentials are cached, so the calls that follow use them with
     * the caller's own options. */
    struct aws_call_opts quick = o != NULL ? *o : (struct aws_call_opts){0};
    quick.access_denied_wait_ms = RES_ORG_SETTLED_ROLE_WAIT_MS;
    struct aws_credentials *creds = NULL;
    if (aws_session_credentials(s, &quick, &creds, err) != UC_OK)
        return NULL;
    aws_credentials_unref(creds);
    return s;
}
