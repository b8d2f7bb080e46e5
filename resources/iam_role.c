/* iam_role.c - IAM roles owned by a resource inside one account: ensure (create or adopt, trust
 * policy, tags, one managed policy), read, delete (detach first), and semantic comparison of
 * policy documents (key order, string-or-list, set order, account id vs root ARN).
 *
 * Talks IAM through aws_query_call only; knows nothing about Terraform values. It must never
 * delete or detach anything it was not asked to, and keeps no state between calls.
 */
#include "res_iam_role.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "aws_answer.h"
#include "res_fanout.h"
#include "res_paging.h"
#include "uc_cancel.h"

#define NOSUCHENTITY_WAIT_MS 120000 /* IAM propagation window (terraform-provider-aws: 2m) */

/* ---- policy documents ---------------------------------------------------------------------- */

static bool key_is_list(const char *k)
{
    static const char *const keys[] = {"Action",  "NotAction", "Resource",  "NotResource",
                                       "AWS",     "Service",   "Federated", "CanonicalUser",
                                       NULL};
    for (size_t i = 0; keys[i]; i++)
        if (strcmp(k, keys[i]) == 0)
            return true;
    return false;
}

static bool is_account_id(const char *s)
{
    if (strlen(s) != 12)
        return false;
    for (size_t i = 0; i < 12; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

struct sort_item {
    char *text;
    json_t *v;
};

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const struct sort_item *)a)->text, ((const struct sort_item *)b)->text);
}

/* Sorts a normalised array's elements by their canonical text and drops duplicates. Steals arr;
 * returns a new array (NULL on OOM). */
static json_t *sorted_set(json_t *arr)
{
    size_t n = json_array_size(arr);
    struct sort_item *items = calloc(n ? n : 1, sizeof *items);
    json_t *out = json_array();
    bool ok = items != NULL && out != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        items[i].v = json_array_get(arr, i);
        items[i].text = json_dumps(items[i].v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        ok = items[i].text != NULL;
    }
    if (ok) {
        qsort(items, n, sizeof *items, cmp_item);
        for (size_t i = 0; ok && i < n; i++)
            if (i == 0 || strcmp(items[i].text, items[i - 1].text) != 0)
                ok = json_array_append(out, items[i].v) == 0;
    }
    for (size_t i = 0; items != NULL && i < n; i++)
        free(items[i].text);
    free(items);
    json_decref(arr);
    if (!ok) {
        json_decref(out);
        return NULL;
    }
    return out;
}

enum norm_ctx { IN_DOC, IN_PRINCIPAL, IN_CONDITION, IN_CONDITION_OP };

static json_t *norm(const json_t *v, const char *key, enum norm_ctx ctx);

static json_t *norm_string(const json_t *v, const char *key, enum norm_ctx ctx)
{
    const char *s = json_string_value(v);
    json_t *out;
    if (ctx == IN_PRINCIPAL && strcmp(key, "AWS") == 0 && is_account_id(s)) {
        char buf[64];
        snprintf(buf, sizeof buf, "arn:aws:iam::%s:root", s);
        out = json_string(buf);
    } else if (strcmp(key, "Action") == 0 || strcmp(key, "NotAction") == 0) {
        size_t n = strlen(s);
        char *low = malloc(n + 1);
        if (low == NULL)
            return NULL;
        for (size_t i = 0; i <= n; i++)
            low[i] = (char)tolower((unsigned char)s[i]);
        out = json_string(low);
        free(low);
    } else {
        out = json_string(s);
    }
    if (out == NULL)
        return NULL;
    if (key_is_list(key) || ctx == IN_CONDITION_OP) {
        json_t *arr = json_array();
        if (arr == NULL || json_array_append_new(arr, out) != 0) {
            json_decref(arr);
            return NULL;
        }
        return arr;
    }
    return out;
}

static json_t *norm(const json_t *v, const char *key, enum norm_ctx ctx)
{
    if (json_is_string(v)) {
        if (strcmp(key, "Principal") == 0 && strcmp(json_string_value(v), "*") == 0)
            return json_pack("{s:[s]}", "AWS", "*");
        return norm_string(v, key, ctx);
    }
    if (json_is_array(v)) {
        json_t *arr = json_array();
        size_t i;
        json_t *e;
        if (arr == NULL)
            return NULL;
        json_array_foreach(v, i, e) {
            json_t *ne = norm(e, key, ctx);
            if (ne == NULL) {
                json_decref(arr);
                return NULL;
            }
            /* a one-element list inside a list key was wrapped again: unwrap */
            if (json_is_array(ne) && !json_is_array(e) && json_array_size(ne) == 1) {
                json_t *inner = json_incref(json_array_get(ne, 0));
                json_decref(ne);
                ne = inner;
            }
            if (json_array_append_new(arr, ne) != 0) {
                json_decref(arr);
                return NULL;
            }
        }
        return sorted_set(arr);
    }
    if (json_is_object(v)) {
        json_t *obj = json_object();
        const char *k;
        json_t *e;
        if (obj == NULL)
            return NULL;
        json_object_foreach((json_t *)v, k, e) {
            if (strcmp(k, "Sid") == 0 && json_is_string(e) && json_string_length(e) == 0)
                continue;
            enum norm_ctx sub = IN_DOC;
            if (strcmp(k, "Principal") == 0 || strcmp(k, "NotPrincipal") == 0)
                sub = IN_PRINCIPAL;
            else if (strcmp(k, "Condition") == 0)
                sub = IN_CONDITION;
            else if (ctx == IN_CONDITION || ctx == IN_CONDITION_OP)
                sub = IN_CONDITION_OP; /* operator -> key -> values (string = one-element list) */
            else if (ctx == IN_PRINCIPAL)
                sub = IN_PRINCIPAL;
            json_t *ne = norm(e, k, sub);
            if (ne == NULL && e != NULL) {
                json_decref(obj);
                return NULL;
            }
            if (strcmp(k, "Statement") == 0 && json_is_object(ne)) {
                json_t *arr = json_array();
                if (arr == NULL || json_array_append_new(arr, ne) != 0) {
                    json_decref(arr);
                    json_decref(obj);
                    return NULL;
                }
                ne = arr;
            }
            if (json_object_set_new(obj, k, ne) != 0) {
                json_decref(obj);
                return NULL;
            }
        }
        return obj;
    }
    return json_deep_copy(v);
}

json_t *res_policy_normalize(const json_t *doc)
{
    if (!json_is_object(doc))
        return NULL;
    return norm(doc, "", IN_DOC);
}

bool res_policy_equal_json(const json_t *a, const json_t *b)
{
    json_t *na = res_policy_normalize(a);
    json_t *nb = res_policy_normalize(b);
    bool eq = na != NULL && nb != NULL && json_equal(na, nb);
    json_decref(na);
    json_decref(nb);
    return eq;
}

bool res_policy_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    json_t *ja = json_loads(a, JSON_REJECT_DUPLICATES, NULL);
    json_t *jb = json_loads(b, JSON_REJECT_DUPLICATES, NULL);
    bool eq = res_policy_equal_json(ja, jb);
    json_decref(ja);
    json_decref(jb);
    return eq;
}

char *res_trust_policy(struct uc_arena *a, const char *const *principals, size_t n)
{
    json_t *list = json_array();
    json_t *doc = NULL;
    char *text = NULL, *out = NULL;
    for (size_t i = 0; list != NULL && i < n; i++)
        if (json_array_append_new(list, json_string(principals[i])) != 0)
            goto out;
    list = sorted_set(list); /* stolen */
    if (list == NULL)
        goto out;
    doc = json_pack("{s:s,s:[{s:s,s:{s:O},s:s}]}", "Version", "2012-10-17", "Statement",
                    "Effect", "Allow", "Principal", "AWS", list, "Action", "sts:AssumeRole");
    if (doc == NULL)
        goto out;
    text = json_dumps(doc, JSON_COMPACT);
    if (text != NULL)
        out = uc_arena_strdup(a, text);
out:
    free(text);
    json_decref(doc);
    json_decref(list);
    return out;
}

json_t *res_trust_principals(const json_t *doc, bool *extra)
{
    json_t *n = res_policy_normalize(doc);
    json_t *out = json_array();
    bool other = false;
    if (extra)
        *extra = false;
    json_t *stmts = json_object_get(n, "Statement");
    if (n == NULL || out == NULL || !json_is_array(stmts)) {
        json_decref(n);
        json_decref(out);
        return NULL;
    }
    size_t i;
    json_t *st;
    json_array_foreach(stmts, i, st) {
        const char *k;
        json_t *v;
        bool plain = json_is_object(st);
        json_object_foreach(st, k, v) {
            if (strcmp(k, "Sid") != 0 && strcmp(k, "Effect") != 0 && strcmp(k, "Action") != 0 &&
                strcmp(k, "Principal") != 0)
                plain = false;
        }
        json_t *act = json_object_get(st, "Action");
        json_t *pr = json_object_get(st, "Principal");
        json_t *aws = json_object_get(pr, "AWS");
        if (!plain || json_array_size(act) != 1 ||
            strcmp(json_string_value(json_array_get(act, 0)) ? json_string_value(
                                                                   json_array_get(act, 0))
                                                             : "",
                   "sts:assumerole") != 0 ||
            strcmp(json_string_value(json_object_get(st, "Effect")) ? json_string_value(
                                                                          json_object_get(
                                                                              st, "Effect"))
                                                                    : "",
                   "Allow") != 0 ||
            json_object_size(pr) != 1 || !json_is_array(aws)) {
            other = true;
            continue;
        }
        size_t j;
        json_t *p;
        json_array_foreach(aws, j, p) {
            if (json_is_string(p))
                json_array_append(out, p);
        }
    }
    json_decref(n);
    out = sorted_set(out);
    if (extra)
        *extra = other;
    return out;
}

/* ---- role calls ---------------------------------------------------------------------------- */

void res_iam_role_state_init(struct res_iam_role_state *st)
{
    if (st != NULL)
        memset(st, 0, sizeof *st);
}

void res_iam_role_state_release(struct res_iam_role_state *st)
{
    if (st == NULL)
        return;
    json_decref(st->trust);
    json_decref(st->tags);
    json_decref(st->attached);
    memset(st, 0, sizeof *st);
}

/* A Query list member as an array (an empty element converts to ""). Borrowed or NULL. */
static json_t *as_list(json_t *v)
{
    return json_is_array(v) ? v : NULL;
}

/* The most pages of attached policies one read may take (100 per page by default). */
#define IAM_LIST_MAX_PAGES 1000

/* Appends the ARN of every policy attached to role name, all pages, to arns. The Marker is
 * passed back whole; a repeated Marker, IsTruncated without one, or more pages than
 * IAM_LIST_MAX_PAGES is an error (never a short list). */
static uc_status list_attached(struct aws_session *s, const char *name,
                               const struct aws_call_opts *o, json_t *arns, struct aws_error *err)
{
    static const char op[] = "ListAttachedRolePolicies";
    struct res_pager pg;
    uc_status st = UC_OK;
    bool more = true;
    res_pager_init(&pg, "iam", op, "Marker", IAM_LIST_MAX_PAGES);
    while (more) {
        json_t *in = json_pack("{s:s}", "RoleName", name);
        json_t *out = NULL;
        if (in == NULL) {
            st = aws_error_set(err, UC_NOMEM, "iam", op, "no memory");
            break;
        }
        if ((st = res_pager_begin(&pg, in, err)) == UC_OK)
            st = aws_query_call(s, AWS_SVC_IAM, op, in, o, &out, err);
        json_decref(in);
        if (st != UC_OK)
            break;
        size_t i;
        json_t *p;
        json_array_foreach(as_list(json_object_get(out, "AttachedPolicies")), i, p) {
            const char *arn = json_string_value(json_object_get(p, "PolicyArn"));
            if (arn != NULL && json_array_append_new(arns, json_string(arn)) != 0)
                st = aws_error_set(err, UC_NOMEM, "iam", op, "no memory");
        }
        const char *trunc = json_string_value(json_object_get(out, "IsTruncated"));
        json_t *marker = json_object_get(out, "Marker");
        if (st == UC_OK && trunc != NULL && strcmp(trunc, "true") == 0) {
            if (json_string_length(marker) == 0)
                st = aws_error_set(err, UC_DECODE, "iam", op,
                                   "the answer says IsTruncated but has no Marker to go on");
            else
                st = res_pager_end(&pg, marker, &more, err);
        } else {
            more = false;
        }
        json_decref(out);
        if (st != UC_OK)
            break;
    }
    res_pager_release(&pg);
    return st;
}

/* ListAttachedRolePolicies on a thread of its own, next to GetRole (res_fanout). */
struct attached_read {
    struct aws_session *s;
    const char *name;
    const struct aws_call_opts *o;
    json_t *arns; /* the caller's array */
    uc_status st;
    struct aws_error err;
};

static void attached_main(void *arg)
{
    struct attached_read *r = arg;
    aws_error_clear(&r->err);
    r->st = list_attached(r->s, r->name, r->o, r->arns, &r->err);
}

/* GetRole into outst (exists, arn, trust, tags). A missing role is UC_OK with exists false. */
static uc_status get_role(struct aws_session *s, const char *name, const struct aws_call_opts *o,
                         struct res_iam_role_state *outst, struct aws_error *err)
{
    json_t *in = json_pack("{s:s}", "RoleName", name);
    json_t *out = NULL;
    uc_status st;
    if (in == NULL)
        return aws_error_set(err, UC_NOMEM, "iam", "GetRole", "no memory");
    st = aws_query_call(s, AWS_SVC_IAM, "GetRole", in, o, &out, err);
    json_decref(in);
    if (st != UC_OK) {
        if (aws_error_is_not_found(err)) {
            aws_error_clear(err);
            return UC_OK;
        }
        return st;
    }
    json_t *role = json_object_get(out, "Role");
    const char *arn = aws_answer_string(out, "iam", "GetRole", "Role.Arn", err);
    const char *doc =
        arn != NULL ? aws_answer_string(out, "iam", "GetRole", "Role.AssumeRolePolicyDocument", err)
                    : NULL;
    if (doc == NULL) {
        json_decref(out);
        return err->status;
    }
    outst->exists = true;
    snprintf(outst->arn, sizeof outst->arn, "%s", arn);
    outst->trust = json_loads(doc, 0, NULL);
    outst->tags = json_object();
    size_t i;
    json_t *t;
    json_array_foreach(as_list(json_object_get(role, "Tags")), i, t) {
        const char *k = json_string_value(json_object_get(t, "Key"));
        const char *v = json_string_value(json_object_get(t, "Value"));
        if (k != NULL && outst->tags != NULL)
            json_object_set_new(outst->tags, k, json_string(v ? v : ""));
    }
    json_decref(out);
    if (outst->tags == NULL)
        return aws_error_set(err, UC_NOMEM, "iam", "GetRole", "no memory");
    return UC_OK;
}

/* GetRole as a res_fanout task (on the calling thread). */
struct get_read {
    struct aws_session *s;
    const char *name;
    const struct aws_call_opts *o;
    struct res_iam_role_state *outst;
    uc_status st;
    struct aws_error *err;
};

static void get_main(void *arg)
{
    struct get_read *g = arg;
    g->st = get_role(g->s, g->name, g->o, g->outst, g->err);
}

/* GetRole + ListAttachedRolePolicies. together: both at once (a read of a role that is expected
 * to exist costs the latency of one call); otherwise the list only after GetRole found the role
 * (the lookup before a create costs one call when the role is missing). */
static uc_status role_read(struct aws_session *s, const char *name, const struct aws_call_opts *o,
                           bool together, struct res_iam_role_state *outst, struct aws_error *err)
{
    struct attached_read ar = {.s = s, .name = name, .o = o, .st = UC_OK};
    struct get_read g = {.s = s, .name = name, .o = o, .outst = outst, .st = UC_OK, .err = err};
    res_iam_role_state_init(outst);
    aws_error_clear(&ar.err);
    outst->attached = json_array();
    if (outst->attached == NULL)
        return aws_error_set(err, UC_NOMEM, "iam", "GetRole", "no memory");
    ar.arns = outst->attached;
    if (together) {
        const struct res_fanout_task tasks[2] = {{get_main, &g}, {attached_main, &ar}};
        res_fanout_run(tasks, 2);
    } else {
        get_main(&g);
        if (g.st == UC_OK && outst->exists)
            attached_main(&ar);
    }
    if (g.st != UC_OK || !outst->exists) {
        res_iam_role_state_release(outst); /* missing (UC_OK) or failed */
        return g.st;
    }
    if (ar.st != UC_OK && aws_error_is_not_found(&ar.err)) { /* deleted between the calls */
        res_iam_role_state_release(outst);
        return UC_OK;
    }
    if (ar.st != UC_OK) {
        *err = ar.err;
        res_iam_role_state_release(outst);
        return ar.st;
    }
    return UC_OK;
}

uc_status res_iam_role_read(struct aws_session *s, const char *name, const struct aws_call_opts *o,
                            struct res_iam_role_state *outst, struct aws_error *err)
{
    return role_read(s, name, o, true, outst, err);
}

uc_status res_iam_role_get(struct aws_session *s, const char *name, const struct aws_call_opts *o,
                           struct res_iam_role_state *outst, struct aws_error *err)
{
    res_iam_role_state_init(outst);
    uc_status st = get_role(s, name, o, outst, err);
    if (st != UC_OK || !outst->exists)
        res_iam_role_state_release(outst);
    return st;
}

/* Calls op, retrying NoSuchEntity while a just-created role propagates. Reads and sleeps on the
 * client's clock, the domain of o->deadline_ms. */
static uc_status iam_call_propagating(struct aws_session *s, const char *op, const json_t *in,
                                      const struct aws_call_opts *o, bool wait_for_entity,
                                      struct aws_error *err)
{
    const struct aws_client *c = aws_session_client(s);
    uint64_t until = aws_client_mono_ms(c) + NOSUCHENTITY_WAIT_MS;
    uint64_t delay = 500;
    for (;;) {
        uc_status st = aws_query_call(s, AWS_SVC_IAM, op, in, o, NULL, err);
        if (st == UC_OK || !wait_for_entity || !aws_error_is(err, "NoSuchEntity"))
            return st;
        uint64_t now = aws_client_mono_ms(c);
        if (now >= until || (o != NULL && o->deadline_ms && now + delay >= o->deadline_ms))
            return st;
        if (aws_client_sleep_ms(c, o ? o->cancel : NULL, delay) != UC_OK)
            return aws_error_set(err, UC_CANCELED, "iam", op, "canceled while waiting for the "
                                                             "new role to propagate");
        if (delay < 4000)
            delay *= 2;
    }
}

static json_t *tag_list(const json_t *tags, const json_t *current)
{
    json_t *list = json_array();
    const char *k;
    json_t *v;
    if (list == NULL)
        return NULL;
    json_object_foreach((json_t *)tags, k, v) {
        const char *want = json_string_value(v);
        const char *have = json_string_value(json_object_get(current, k));
        if (want == NULL || (have != NULL && strcmp(have, want) == 0))
            continue;
        json_array_append_new(list, json_pack("{s:s,s:s}", "Key", k, "Value", want));
    }
    return list;
}

uc_status res_iam_role_ensure(struct aws_session *s, const struct res_iam_role_spec *spec,
                              const struct aws_call_opts *o, char *arn, size_t arn_len,
                              bool *created, struct aws_error *err)
{
    struct res_iam_role_state cur;
    struct aws_call_opts co = o ? *o : (struct aws_call_opts){0};
    json_t *in = NULL, *out = NULL, *want = NULL, *tags = NULL;
    bool fresh = false;
    uc_status st;
    co.retry_non_idempotent = true; /* every step below is safe to repeat */
    res_iam_role_state_init(&cur);
    if (created)
        *created = false;
    want = json_loads(spec->trust_policy, 0, NULL);
    if (want == NULL) {
        st = aws_error_set(err, UC_INVALID, "iam", "CreateRole", "the trust policy is not JSON");
        goto out;
    }
    st = role_read(s, spec->name, &co, false, &cur, err);
    if (st != UC_OK)
        goto out;
    if (!cur.exists) {
        tags = tag_list(spec->tags, NULL); /* NULL tags: an empty list */
        in = json_pack("{s:s,s:s}", "RoleName", spec->name, "AssumeRolePolicyDocument",
                       spec->trust_policy);
        if (in == NULL || tags == NULL) {
            st = aws_error_set(err, UC_NOMEM, "iam", "CreateRole", "no memory");
            goto out;
        }
        if (spec->description)
            json_object_set_new(in, "Description", json_string(spec->description));
        if (json_array_size(tags) > 0)
            json_object_set(in, "Tags", tags);
        st = aws_query_call(s, AWS_SVC_IAM, "CreateRole", in, &co, &out, err);
        if (st == UC_OK) {
            fresh = true;
            if (created)
                *created = true;
            const char *a = aws_answer_string(out, "iam", "CreateRole", "Role.Arn", err);
            if (a == NULL) {
                st = err->status;
                goto out;
            }
            snprintf(cur.arn, sizeof cur.arn, "%s", a);
        } else if (aws_error_is(err, "EntityAlreadyExists")) {
            aws_error_clear(err); /* created meanwhile (or by our own retried call): adopt */
            st = role_read(s, spec->name, &co, false, &cur, err);
            if (st != UC_OK)
                goto out;
        } else {
            goto out;
        }
    }
    if (!fresh && cur.exists) {
        if (cur.trust == NULL || !res_policy_equal_json(cur.trust, want)) {
            json_decref(in);
            in = json_pack("{s:s,s:s}", "RoleName", spec->name, "PolicyDocument",
                           spec->trust_policy);
            if (in == NULL) {
                st = aws_error_set(err, UC_NOMEM, "iam", "UpdateAssumeRolePolicy", "no memory");
                goto out;
            }
            st = aws_query_call(s, AWS_SVC_IAM, "UpdateAssumeRolePolicy", in, &co, NULL, err);
            if (st != UC_OK)
                goto out;
        }
        if (spec->tags != NULL) {
            json_decref(tags);
            tags = tag_list(spec->tags, cur.tags);
            if (tags != NULL && json_array_size(tags) > 0) {
                json_decref(in);
                in = json_pack("{s:s,s:O}", "RoleName", spec->name, "Tags", tags);
                st = in ? aws_query_call(s, AWS_SVC_IAM, "TagRole", in, &co, NULL, err)
                        : aws_error_set(err, UC_NOMEM, "iam", "TagRole", "no memory");
                if (st != UC_OK)
                    goto out;
            }
        }
    }
    for (size_t k = 0;; k++) {
        const char *want_arn = k == 0 ? spec->policy_arn
                               : spec->more_policy_arns ? spec->more_policy_arns[k - 1]
                                                        : NULL;
        if (k > 0 && want_arn == NULL)
            break;
        if (want_arn == NULL)
            continue;
        bool attached = false;
        size_t i;
        json_t *p;
        json_array_foreach(cur.attached, i, p) {
            if (json_is_string(p) && strcmp(json_string_value(p), want_arn) == 0)
                attached = true;
        }
        if (!attached) {
            json_decref(in);
            in = json_pack("{s:s,s:s}", "RoleName", spec->name, "PolicyArn", want_arn);
            st = in ? iam_call_propagating(s, "AttachRolePolicy", in, &co, fresh, err)
                    : aws_error_set(err, UC_NOMEM, "iam", "AttachRolePolicy", "no memory");
            if (st != UC_OK)
                goto out;
        }
    }
    if (arn != NULL && arn_len > 0)
        snprintf(arn, arn_len, "%s", cur.arn);
    st = UC_OK;
out:
    res_iam_role_state_release(&cur);
    json_decref(in);
    json_decref(out);
    json_decref(want);
    json_decref(tags);
    return st;
}

uc_status res_iam_role_tag(struct aws_session *s, const char *name, const json_t *tags,
                           const json_t *drop, const struct aws_call_opts *o,
                           struct aws_error *err)
{
    struct res_iam_role_state cur;
    struct aws_call_opts co = o ? *o : (struct aws_call_opts){0};
    json_t *in = NULL, *list = NULL, *keys = json_array();
    co.retry_non_idempotent = true;
    res_iam_role_state_init(&cur);
    uc_status st = get_role(s, name, &co, &cur, err); /* tags only: no policy list */
    if (st != UC_OK) {
        res_iam_role_state_release(&cur);
        return st;
    }
    if (!cur.exists) {
        st = aws_error_set(err, UC_NOTFOUND, "iam", "TagRole", "role %s does not exist", name);
        snprintf(err->code, sizeof err->code, "NoSuchEntity");
        goto out;
    }
    list = tag_list(tags, cur.tags);
    if (list == NULL || keys == NULL) {
        st = aws_error_set(err, UC_NOMEM, "iam", "TagRole", "no memory");
        goto out;
    }
    if (json_array_size(list) > 0) {
        in = json_pack("{s:s,s:O}", "RoleName", name, "Tags", list);
        st = in ? aws_query_call(s, AWS_SVC_IAM, "TagRole", in, &co, NULL, err)
                : aws_error_set(err, UC_NOMEM, "iam", "TagRole", "no memory");
        if (st != UC_OK)
            goto out;
    }
    size_t i;
    json_t *k;
    json_array_foreach(drop, i, k) {
        const char *key = json_string_value(k);
        if (key != NULL && json_object_get(cur.tags, key) != NULL &&
            json_object_get(tags, key) == NULL)
            json_array_append(keys, k);
    }
    if (json_array_size(keys) > 0) {
        json_decref(in);
        in = json_pack("{s:s,s:O}", "RoleName", name, "TagKeys", keys);
        st = in ? aws_query_call(s, AWS_SVC_IAM, "UntagRole", in, &co, NULL, err)
                : aws_error_set(err, UC_NOMEM, "iam", "UntagRole", "no memory");
    }
out:
    json_decref(in);
    json_decref(list);
    json_decref(keys);
    res_iam_role_state_release(&cur);
    return st;
}

uc_status res_iam_role_delete(struct aws_session *s, const char *name,
                              const struct aws_call_opts *o, struct aws_error *err)
{
    struct aws_call_opts co = o ? *o : (struct aws_call_opts){0};
    uc_status st = UC_OK;
    co.retry_non_idempotent = true; /* NoSuchEntity on a repeat means done */
    for (int round = 0; round < 3; round++) {
        json_t *arns = json_array();
        if (arns == NULL)
            return aws_error_set(err, UC_NOMEM, "iam", "DeleteRole", "no memory");
        st = list_attached(s, name, &co, arns, err);
        if (st != UC_OK) {
            json_decref(arns);
            if (aws_error_is_not_found(err)) {
                aws_error_clear(err);
                return UC_OK;
            }
            return st;
        }
        size_t i;
        json_t *p;
        json_array_foreach(arns, i, p) {
            json_t *in = json_pack("{s:s,s:s}", "RoleName", name, "PolicyArn",
                                   json_string_value(p));
            st = in ? aws_query_call(s, AWS_SVC_IAM, "DetachRolePolicy", in, &co, NULL, err)
                    : aws_error_set(err, UC_NOMEM, "iam", "DetachRolePolicy", "no memory");
            json_decref(in);
            if (st != UC_OK && aws_error_is_not_found(err)) {
                aws_error_clear(err);
                st = UC_OK;
            }
            if (st != UC_OK)
                break;
        }
        json_decref(arns);
        if (st != UC_OK)
            return st;
        json_t *in = json_pack("{s:s}", "RoleName", name);
        st = in ? aws_query_call(s, AWS_SVC_IAM, "DeleteRole", in, &co, NULL, err)
                : aws_error_set(err, UC_NOMEM, "iam", "DeleteRole", "no memory");
        json_decref(in);
        if (st == UC_OK)
            return UC_OK;
        if (aws_error_is_not_found(err)) {
            aws_error_clear(err);
            return UC_OK;
        }
        if (!aws_error_is(err, "DeleteConflict"))
            return st; /* a policy attached meanwhile: detach again */
    }
    return st;
}
