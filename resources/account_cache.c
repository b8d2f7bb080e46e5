/* account_cache.c - res_account_cache: DescribeAccount answered from one shared, paged
 * ListAccounts per provider process (res_shared_read), with DescribeAccount for what the list
 * lacks. It must not hold anything across processes or answer for an account it did not list.
 */
#include "res_account_cache.h"

#include <stdlib.h>

#include "res_org_account.h"
#include "res_shared_read.h"

struct res_account_cache {
    struct res_shared_read *list; /* value: {account id: Account object} */
};

struct load_ctx {
    struct aws_session *s;
    const struct aws_call_opts *o;
};

/* ListAccounts into an object keyed by account id; entries without Id or Arn are left out (a
 * read of them goes to DescribeAccount, which checks its answer). */
static uc_status load_accounts(void *arg, json_t **out, struct aws_error *err)
{
    const struct load_ctx *lc = arg;
    json_t *list = NULL;
    uc_status st =
        res_org_list_accounts_upto(lc->s, RES_ACCOUNT_CACHE_MAX_PAGES, lc->o, &list, err);
    if (st != UC_OK)
        return st;
    json_t *by_id = json_object();
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a) {
        const char *id = json_string_value(json_object_get(a, "Id"));
        const char *arn = json_string_value(json_object_get(a, "Arn"));
        if (by_id != NULL && id != NULL && *id && arn != NULL && *arn)
            json_object_set(by_id, id, a);
    }
    json_decref(list);
    if (by_id == NULL)
        return aws_error_set(err, UC_NOMEM, "organizations", "ListAccounts", "no memory");
    *out = by_id;
    return UC_OK;
}

struct res_account_cache *res_account_cache_new(void)
{
    struct res_account_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->list = res_shared_read_new(RES_ACCOUNT_CACHE_MAX_AGE_MS, RES_ACCOUNT_CACHE_MIN_DEMAND);
    if (c->list == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

void res_account_cache_free(struct res_account_cache *c)
{
    if (c == NULL)
        return;
    res_shared_read_free(c->list);
    free(c);
}

uc_status res_account_cache_describe(struct res_account_cache *c, struct aws_session *s,
                                     const char *id, const struct aws_call_opts *o,
                                     json_t **acct, struct aws_error *err)
{
    *acct = NULL;
    if (c != NULL) {
        struct load_ctx lc = {s, o};
        json_t *all = NULL;
        uc_status st = res_shared_read_get(c->list, load_accounts, &lc, o, &all, err);
        if (st == UC_CANCELED || st == UC_TIMEOUT)
            return st;
        if (st == UC_OK) {
            /* a copy: the shared list is read by other threads and must stay as loaded */
            json_t *hit = json_object_get(all, id);
            *acct = hit != NULL ? json_deep_copy(hit) : NULL;
            json_decref(all);
            if (*acct != NULL)
                return UC_OK;
        }
    }
    return res_org_describe_account(s, id, o, acct, err);
}

void res_account_cache_invalidate(struct res_account_cache *c)
{
    if (c != NULL)
        res_shared_read_invalidate(c->list);
}
