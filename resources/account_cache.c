/* account_cache.c - res_account_cache: DescribeAccount and ListParents answered from one walk
 * of the organization's tree per provider process (res_shared_read), with the per-account call
 * for what the walk lacks. It must not hold anything across processes or answer for an account
 * it did not list.
 */
#include "res_account_cache.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "res_org_account.h"
#include "res_shared_read.h"

struct res_account_cache {
    /* value: {"accounts": {id: Account object}, "parents": {id: parent id}}; "parents" is
     * absent when the organization's tree was too big to walk */
    struct res_shared_read *org;
};

struct load_ctx {
    struct aws_session *s;
    const struct aws_call_opts *o;
};

/* Adds the accounts of list (Account objects) to by_id and, with parent set, their parent to
 * parents. Entries without Id or Arn are left out (a read of them goes to DescribeAccount, which
 * checks its answer). An account met twice (moved during the walk) gets no parent here, so its
 * read asks ListParents. False when out of memory. */
static bool add_accounts(json_t *by_id, json_t *parents, const json_t *list, const char *parent)
{
    size_t i;
    json_t *a;
    bool ok = true;
    json_array_foreach(list, i, a) {
        const char *id = json_string_value(json_object_get(a, "Id"));
        const char *arn = json_string_value(json_object_get(a, "Arn"));
        if (id == NULL || !*id || arn == NULL || !*arn)
            continue;
        bool again = json_object_get(by_id, id) != NULL;
        ok &= json_object_set(by_id, id, a) == 0;
        if (parent != NULL)
            ok &= json_object_set_new(parents, id, again ? json_null() : json_string(parent)) == 0;
    }
    return ok;
}

/* One list of the walk within the remaining budget of calls. */
static uc_status walk_list(const struct load_ctx *lc, const char *op, const char *parent,
                           const char *key, int *used, json_t **items, struct aws_error *err)
{
    int pages = 0;
    *items = NULL;
    if (*used >= RES_ACCOUNT_CACHE_MAX_PAGES)
        return aws_error_set(err, UC_RANGE, "organizations", op, "organization too big to walk");
    json_t *req = parent != NULL ? json_pack("{s:s}", "ParentId", parent) : json_object();
    uc_status st = res_org_list_upto(lc->s, op, req, key, RES_ACCOUNT_CACHE_MAX_PAGES - *used,
                                     lc->o, items, &pages, err);
    *used += pages;
    return st;
}

/* The organization's tree, breadth first from its roots: ListRoots, then per root or OU its
 * accounts (ListAccountsForParent) and child OUs (ListOrganizationalUnitsForParent), at most
 * RES_ACCOUNT_CACHE_MAX_PAGES calls in all (UC_RANGE beyond). */
static uc_status walk(const struct load_ctx *lc, json_t *by_id, json_t *parents,
                      struct aws_error *err)
{
    int used = 0;
    json_t *queue = NULL, *items = NULL;
    uc_status st = walk_list(lc, "ListRoots", NULL, "Roots", &used, &queue, err);
    for (size_t i = 0; st == UC_OK && i < json_array_size(queue); i++) {
        const char *pid = json_string_value(json_object_get(json_array_get(queue, i), "Id"));
        if (pid == NULL || !*pid)
            continue;
        st = walk_list(lc, "ListAccountsForParent", pid, "Accounts", &used, &items, err);
        if (st == UC_OK && !add_accounts(by_id, parents, items, pid))
            st = aws_error_set(err, UC_NOMEM, "organizations", "ListAccountsForParent",
                               "no memory");
        json_decref(items);
        items = NULL;
        if (st == UC_OK)
            st = walk_list(lc, "ListOrganizationalUnitsForParent", pid, "OrganizationalUnits",
                           &used, &items, err);
        if (st == UC_OK && json_array_extend(queue, items) != 0)
            st = aws_error_set(err, UC_NOMEM, "organizations", "ListOrganizationalUnitsForParent",
                               "no memory");
        json_decref(items);
        items = NULL;
    }
    json_decref(queue);
    return st;
}

/* The shared value: the tree walk; when the organization is too big (or the walk is refused),
 * ListAccounts alone (accounts without parents), within the same page cap. */
static uc_status load_org(void *arg, json_t **out, struct aws_error *err)
{
    const struct load_ctx *lc = arg;
    json_t *by_id = json_object(), *parents = json_object(), *list = NULL;
    json_t *v = NULL;
    uc_status st = by_id != NULL && parents != NULL
                       ? walk(lc, by_id, parents, err)
                       : aws_error_set(err, UC_NOMEM, "organizations", "ListRoots", "no memory");
    if (st == UC_OK) {
        v = json_pack("{s:o,s:o}", "accounts", by_id, "parents", parents);
        by_id = parents = NULL;
    } else if (st != UC_NOMEM && st != UC_CANCELED && st != UC_TIMEOUT) {
        json_decref(by_id);
        by_id = json_object();
        aws_error_clear(err);
        st = res_org_list_upto(lc->s, "ListAccounts", json_object(), "Accounts",
                               RES_ACCOUNT_CACHE_MAX_PAGES, lc->o, &list, NULL, err);
        if (st == UC_OK && by_id != NULL && add_accounts(by_id, NULL, list, NULL)) {
            v = json_pack("{s:o}", "accounts", by_id);
            by_id = NULL;
        }
    }
    json_decref(list);
    json_decref(by_id);
    json_decref(parents);
    if (st == UC_OK && v == NULL)
        st = aws_error_set(err, UC_NOMEM, "organizations", "ListAccounts", "no memory");
    *out = v;
    return st;
}

struct res_account_cache *res_account_cache_new(void)
{
    struct res_account_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    /* The walk takes a dozen calls or more, one after another: a read that comes meanwhile
     * makes its own DescribeAccount or ListParents rather than wait for all of them (at 200
     * tenants and -parallelism=10, nine reads stood still for the walk's 0.3 s). */
    c->org = res_shared_read_new(RES_ACCOUNT_CACHE_MAX_AGE_MS, RES_ACCOUNT_CACHE_MIN_DEMAND,
                                 RES_SHARED_READ_BYPASS);
    if (c->org == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

void res_account_cache_free(struct res_account_cache *c)
{
    if (c == NULL)
        return;
    res_shared_read_free(c->org);
    free(c);
}

/* The member `part` of the shared value for id (a new reference), or NULL: none shared, or
 * id not in it. UC_CANCELED / UC_TIMEOUT (err filled) while waiting for another thread's load. */
static uc_status shared(struct res_account_cache *c, struct aws_session *s, const char *id,
                        const struct aws_call_opts *o, const char *part, json_t **hit,
                        struct aws_error *err)
{
    struct load_ctx lc = {s, o};
    json_t *all = NULL;
    *hit = NULL;
    if (c == NULL)
        return UC_OK;
    uc_status st = res_shared_read_get(c->org, load_org, &lc, o, &all, err);
    if (st == UC_CANCELED || st == UC_TIMEOUT)
        return st;
    /* a copy: the shared value is read by other threads and must stay as loaded */
    json_t *v = json_object_get(json_object_get(all, part), id);
    *hit = v != NULL && !json_is_null(v) ? json_deep_copy(v) : NULL;
    json_decref(all);
    return UC_OK;
}

uc_status res_account_cache_describe(struct res_account_cache *c, struct aws_session *s,
                                     const char *id, const struct aws_call_opts *o,
                                     json_t **acct, struct aws_error *err)
{
    uc_status st = shared(c, s, id, o, "accounts", acct, err);
    if (st != UC_OK || *acct != NULL)
        return st;
    return res_org_describe_account(s, id, o, acct, err);
}

uc_status res_account_cache_parent(struct res_account_cache *c, struct aws_session *s,
                                   const char *id, const struct aws_call_opts *o, char *out,
                                   size_t n, struct aws_error *err)
{
    json_t *p = NULL;
    uc_status st = shared(c, s, id, o, "parents", &p, err);
    if (st != UC_OK)
        return st;
    if (json_string_value(p) != NULL) {
        snprintf(out, n, "%s", json_string_value(p));
        json_decref(p);
        return UC_OK;
    }
    json_decref(p);
    return res_org_account_parent(s, id, o, out, n, err);
}

void res_account_cache_invalidate(struct res_account_cache *c)
{
    if (c != NULL)
        res_shared_read_invalidate(c->org);
}
