/* tenant_import.c - unicron_tenant's import and the unicron:import bookkeeping tags behind it:
 * apply writes what AWS cannot give back (positions, parent settings, close_on_deletion,
 * timeouts, the e-mail template, access blocks' environments) into tags of the roles in each
 * account; import turns those and the accounts' own tags back into configuration. Import only
 * reads: it must never change anything in AWS.
 */
#include "res_tenant_import.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_answer.h"
#include "res_aws_diag.h"
#include "res_iam_role.h"
#include "res_org_account.h"
#include "res_provider.h"
#include "res_schema.h"
#include "res_tenant_env.h"
#include "res_timeouts.h"
#include "res_validate.h"
#include "uc_buf.h"

/* --- the tags --------------------------------------------------------------------------------
 *
 * The account-access role inside each account carries unicron:import with the environment's
 * position, the tenant / environment parent_id settings, close_on_deletion, retired_parent_id,
 * timeouts and the e-mail template; every access role carries unicron:import with its access
 * block's position and environments. The value is space-separated key=value fields
 * ("index=0 tp=ou-x close=1"); the account's own tags are never used for this, since they must
 * be exactly tags_all plus unicron:environment and unicron:tier.
 */

#define META_MAX 256 /* Organizations / IAM tag value limit */

/* Tag values allow letters, digits, spaces and _ . : / = + - @ only: the template's {tenant} and
 * {environment} become ":t" and ":e", any other character outside that set ":" + two upper-case
 * hex digits (':' itself never appears in an e-mail address). */
static char *encode_template(struct uc_arena *a, const char *tmpl)
{
    struct uc_buf b;
    char *out = NULL;
    uc_buf_init_max(&b, META_MAX);
    for (const char *c = tmpl; *c != '\0';) {
        if (strncmp(c, "{tenant}", 8) == 0) {
            uc_buf_puts(&b, ":t");
            c += 8;
        } else if (strncmp(c, "{environment}", 13) == 0) {
            uc_buf_puts(&b, ":e");
            c += 13;
        } else if (isalnum((unsigned char)*c) || strchr("_./=+-@", *c) != NULL) {
            uc_buf_putc(&b, *c++);
        } else {
            uc_buf_printf(&b, ":%02X", (unsigned char)*c++);
        }
    }
    if (b.err == UC_OK)
        out = uc_arena_strdup(a, uc_buf_str(&b));
    uc_buf_release(&b);
    return out;
}

static char *decode_template(struct uc_arena *a, const char *enc)
{
    struct uc_buf b;
    char *out = NULL;
    uc_buf_init_max(&b, 1024);
    for (const char *c = enc; *c != '\0';) {
        if (c[0] != ':') {
            uc_buf_putc(&b, *c++);
        } else if (c[1] == 't') {
            uc_buf_puts(&b, "{tenant}");
            c += 2;
        } else if (c[1] == 'e') {
            uc_buf_puts(&b, "{environment}");
            c += 2;
        } else if (isxdigit((unsigned char)c[1]) && isxdigit((unsigned char)c[2])) {
            char hex[3] = {c[1], c[2], 0};
            uc_buf_putc(&b, (char)strtol(hex, NULL, 16));
            c += 3;
        } else {
            goto out; /* not ours */
        }
    }
    if (b.err == UC_OK)
        out = uc_arena_strdup(a, uc_buf_str(&b));
out:
    uc_buf_release(&b);
    return out;
}

/* Value of field key in a meta tag ("index=0 tp=ou-x close=1"); arena copy or NULL. */
static char *meta_field(struct uc_arena *a, const char *meta, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = meta; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=')
            return uc_arena_strndup(a, p + kl + 1, n - kl - 1);
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

const char *res_tenant_account_meta(struct uc_arena *a, const struct tf_value *tenant,
                                    const struct tf_value *env, size_t index)
{
    struct uc_buf b;
    const char *out = NULL;
    const struct tf_value *to = tf_value_attr(tenant, "timeouts");
    const char *tp = tf_value_str(tf_value_attr(tenant, "parent_id"));
    const char *rp = tf_value_str(tf_value_attr(tenant, "retired_parent_id"));
    const char *tmpl = tf_value_str(tf_value_attr(tenant, "email_template"));
    static const char *const ops[] = {"create", "update", "delete"};
    uc_buf_init(&b);
    uc_buf_printf(&b, "index=%zu", index);
    if (tp)
        uc_buf_printf(&b, " tp=%s", tp);
    if (tf_value_str(tf_value_attr(env, "parent_id")))
        uc_buf_puts(&b, " ep=1");
    if (tf_value_get_bool(tf_value_attr(tenant, "close_on_deletion"), false))
        uc_buf_puts(&b, " close=1");
    if (rp)
        uc_buf_printf(&b, " rp=%s", rp);
    for (size_t i = 0; i < 3; i++) {
        const char *d = tf_value_str(tf_value_attr(to, ops[i]));
        if (d)
            uc_buf_printf(&b, " t%c=%s", ops[i][0], d);
    }
    if (tmpl) {
        const char *enc = encode_template(a, tmpl);
        if (enc && b.len + 5 + strlen(enc) <= META_MAX)
            uc_buf_printf(&b, " tpl=%s", enc);
    }
    if (b.err == UC_OK && b.len <= META_MAX)
        out = uc_arena_strdup(a, uc_buf_str(&b));
    uc_buf_release(&b);
    return out;
}

const char *res_tenant_role_meta(struct uc_arena *a, size_t index, const struct tf_value *envs)
{
    struct uc_buf m;
    const char *out = NULL;
    uc_buf_init_max(&m, META_MAX);
    uc_buf_printf(&m, "index=%zu envs=", index);
    if (!res_is_set(envs))
        uc_buf_putc(&m, '*');
    for (size_t j = 0; res_is_set(envs) && j < envs->count; j++)
        uc_buf_printf(&m, "%s%s", j ? ":" : "", tf_value_str(envs->elems[j]));
    if (m.err == UC_OK)
        out = uc_arena_strdup(a, uc_buf_str(&m));
    uc_buf_release(&m);
    return out;
}

/* --- import ---------------------------------------------------------------------------------- */

/* An object of type t with every attribute null. */
static struct tf_value *null_object(struct uc_arena *a, const struct tf_type *t)
{
    struct tf_value **vals = uc_arena_calloc(a, t->count + 1, sizeof *vals);
    if (vals == NULL)
        return NULL;
    for (size_t i = 0; i < t->count; i++) {
        const struct tf_type *m = t->members[i];
        if (m->kind == TF_LIST || m->kind == TF_SET) /* nested blocks: empty, never null */
            vals[i] = m->elem->kind == TF_OBJECT
                          ? (m->kind == TF_LIST ? tf_value_list(a, m, NULL, 0)
                                                : tf_value_set(a, m, NULL, 0))
                          : tf_value_null(a, m);
        else
            vals[i] = tf_value_null(a, m);
        if (vals[i] == NULL)
            return NULL;
    }
    return tf_value_object(a, t, vals);
}

static const struct tf_type *attr_type(const struct tf_type *t, const char *name)
{
    int i = tf_type_attr_index(t, name);
    return i < 0 ? NULL : t->members[i];
}

struct found_env {
    const char *account;
    json_t *tags;    /* borrowed from the found list */
    const char *meta;
    size_t index;
};

static int cmp_found(const void *x, const void *y)
{
    const struct found_env *a = x, *b = y;
    return a->index < b->index ? -1 : a->index > b->index;
}

struct tf_value *res_tenant_import(struct res_ctx *ctx, const char *id)
{
    struct uc_arena *a = ctx->arena;
    struct res_tenant_op op;
    struct aws_error err;
    json_t *accounts = NULL, *all_tags = json_array();
    struct tf_value *result = NULL;
    struct found_env found[RES_TENANT_MAX_ENVS];
    size_t nf = 0;
    const struct tf_type *t = ctx->type;
    aws_error_clear(&err);
    if (!res_is_slug(id)) {
        tf_diag_error(ctx->diags, NULL, "Invalid import ID",
                      "Import a tenant by its name (2-32 lowercase letters, digits and "
                      "hyphens), e.g. terraform import unicron_tenant.x data-science; got "
                      "\"%.80s\".",
                      id);
        goto out;
    }
    memset(&op, 0, sizeof op);
    op.client = ctx->provider->client;
    op.org = aws_client_session(op.client);
    op.opts = res_call_opts(ctx, NULL, "read", RES_READ_TIMEOUT_NS, true);
    op.tenant = id;
    op.access_role = ctx->provider->account_access_role_name;
    op.provider = ctx->provider;
    if (all_tags == NULL || res_org_list_accounts(op.org, &op.opts, &accounts, &err) != UC_OK)
        goto aws_fail;
    size_t i;
    json_t *acct;
    json_array_foreach(accounts, i, acct) {
        const char *state = json_string_value(json_object_get(acct, "State"));
        const char *aid = aws_answer_string(acct, "organizations", "ListAccounts", "Id", &err);
        json_t *tags = NULL;
        if (aid == NULL)
            goto aws_fail;
        if (state != NULL && strcmp(state, "ACTIVE") != 0)
            continue;
        if (res_org_account_tags(op.org, aid, &op.opts, &tags, &err) != UC_OK)
            goto aws_fail;
        json_array_append_new(all_tags, tags);
        const char *ten = json_string_value(json_object_get(tags, RES_TAG_TENANT));
        const char *env = json_string_value(json_object_get(tags, RES_TAG_ENV));
        if (ten == NULL || strcmp(ten, id) != 0 || json_object_get(tags, RES_TAG_RETIRED) != NULL)
            continue;
        if (env == NULL ||
            (strcmp(env, "dev") != 0 && strcmp(env, "staging") != 0 && strcmp(env, "prod") != 0))
            continue;
        for (size_t j = 0; j < nf; j++) {
            if (strcmp(json_string_value(json_object_get(found[j].tags, RES_TAG_ENV)), env) == 0) {
                tf_diag_error(ctx->diags, NULL, "Ambiguous tenant",
                              "Accounts %s and %s are both tagged %s = \"%s\", %s = \"%s\". "
                              "Tag one of them %s = \"true\" (or fix its tags) and import "
                              "again.",
                              found[j].account, aid, RES_TAG_TENANT, id, RES_TAG_ENV, env,
                              RES_TAG_RETIRED);
                goto out;
            }
        }
        if (nf == RES_TENANT_MAX_ENVS)
            continue;
        found[nf].account = uc_arena_strdup(a, aid);
        found[nf].tags = tags;
        {
            bool settled = res_org_role_settled(res_org_account_joined(acct), (double)time(NULL));
            struct aws_session *s =
                res_org_member_session(op.client, aid, settled, &op.opts, &err);
            struct res_iam_role_state r;
            if (s == NULL || res_iam_role_read(s, op.access_role, &op.opts, &r, &err) != UC_OK)
                goto aws_fail;
            found[nf].meta = r.exists ? uc_arena_strdup(a, json_string_value(json_object_get(
                                                               r.tags, RES_TAG_IMPORT)))
                                      : NULL;
            res_iam_role_state_release(&r);
        }
        char *idx = found[nf].meta ? meta_field(a, found[nf].meta, "index") : NULL;
        /* without the tag: dev, staging, prod */
        found[nf].index = idx ? (size_t)strtoul(idx, NULL, 10)
                              : 10 + (size_t)(env[0] == 'd' ? 0 : env[0] == 's' ? 1 : 2);
        nf++;
    }
    if (nf == 0) {
        result = NULL; /* core: "Cannot import non-existent remote object" */
        goto out;
    }
    qsort(found, nf, sizeof found[0], cmp_found);

    /* The tenant object: settings from the first account's unicron:import tag. */
    struct tf_value *v = null_object(a, t);
    const char *meta = found[0].meta ? found[0].meta : "";
    const struct tf_type *env_list_t = attr_type(t, "environment");
    const struct tf_type *acc_list_t = attr_type(t, "access");
    const struct tf_type *to_t = attr_type(t, "timeouts");
    if (v == NULL || env_list_t == NULL || acc_list_t == NULL || to_t == NULL)
        goto oom;
    const char *tpl = meta_field(a, meta, "tpl");
    const char *tp = meta_field(a, meta, "tp");
    const char *rp = meta_field(a, meta, "rp");
    const char *close = meta_field(a, meta, "close");
    const char *cc = json_string_value(json_object_get(found[0].tags, "unicron:cost-center"));
    const char *owner = json_string_value(json_object_get(found[0].tags, "unicron:owner"));
    v = tf_value_with_attr(a, v, "name", tf_value_string(a, id));
    v = v ? tf_value_with_attr(a, v, "id", tf_value_string(a, id)) : NULL;
    v = v ? tf_value_with_attr(a, v, "email_template",
                               res_str_or_null(a, tpl ? decode_template(a, tpl) : NULL))
          : NULL;
    v = v ? tf_value_with_attr(a, v, "parent_id", res_str_or_null(a, tp)) : NULL;
    v = v ? tf_value_with_attr(a, v, "retired_parent_id", res_str_or_null(a, rp)) : NULL;
    v = v ? tf_value_with_attr(a, v, "close_on_deletion",
                               tf_value_bool(a, close != NULL && strcmp(close, "1") == 0))
          : NULL;
    v = v ? tf_value_with_attr(a, v, "cost_center", res_str_or_null(a, cc)) : NULL;
    v = v ? tf_value_with_attr(a, v, "owner", res_str_or_null(a, owner)) : NULL;
    if (v == NULL)
        goto oom;
    /* tags: the account's, minus unicron:* and what the provider's default_tags give */
    {
        const struct tf_value *dt = res_provider_default_tags(ctx->provider);
        const char **keys = uc_arena_calloc(a, json_object_size(found[0].tags) + 1,
                                            sizeof *keys);
        struct tf_value **vals = uc_arena_calloc(a, json_object_size(found[0].tags) + 1,
                                                 sizeof *vals);
        size_t m = 0;
        const char *k;
        json_t *tv;
        if (keys == NULL || vals == NULL)
            goto oom;
        json_object_foreach(found[0].tags, k, tv) {
            const char *s = json_string_value(tv);
            const char *d = tf_value_str(tf_value_map_get(dt, k));
            if (strncmp(k, "unicron:", 8) == 0 || s == NULL || (d != NULL && strcmp(d, s) == 0))
                continue;
            keys[m] = uc_arena_strdup(a, k);
            vals[m++] = tf_value_string(a, s);
        }
        struct tf_value *tags = m ? tf_value_map(a, &tf_type_map_string, keys, vals, m)
                                  : tf_value_null(a, &tf_type_map_string);
        if (tags == NULL || (v = tf_value_with_attr(a, v, "tags", tags)) == NULL)
            goto oom;
    }
    /* timeouts */
    {
        const char *tc = meta_field(a, meta, "tc"), *tu = meta_field(a, meta, "tu"),
                   *td = meta_field(a, meta, "td");
        if (tc || tu || td) {
            struct tf_value *to = null_object(a, to_t->kind == TF_OBJECT ? to_t : to_t->elem);
            to = to ? tf_value_with_attr(a, to, "create", res_str_or_null(a, tc)) : NULL;
            to = to ? tf_value_with_attr(a, to, "update", res_str_or_null(a, tu)) : NULL;
            to = to ? tf_value_with_attr(a, to, "delete", res_str_or_null(a, td)) : NULL;
            if (to == NULL || (v = tf_value_with_attr(a, v, "timeouts", to)) == NULL)
                goto oom;
        }
    }
    /* environments */
    struct tf_value *envs[RES_TENANT_MAX_ENVS];
    for (size_t j = 0; j < nf; j++) {
        const char *env = json_string_value(json_object_get(found[j].tags, RES_TAG_ENV));
        const char *tier = json_string_value(json_object_get(found[j].tags, RES_TAG_TIER));
        const char *fm = found[j].meta ? found[j].meta : "";
        json_t *d = NULL;
        char parent[80] = "";
        if (res_org_describe_account(op.org, found[j].account, &op.opts, &d, &err) != UC_OK)
            goto aws_fail;
        const char *email = json_string_value(json_object_get(d, "Email"));
        struct tf_value *e = null_object(a, env_list_t->elem);
        e = e ? tf_value_with_attr(a, e, "name", tf_value_string(a, env)) : NULL;
        e = e ? tf_value_with_attr(a, e, "email", res_str_or_null(a, email)) : NULL;
        e = e ? tf_value_with_attr(a, e, "tier", res_str_or_null(a, tier)) : NULL;
        e = e ? tf_value_with_attr(a, e, "account_id", tf_value_string(a, found[j].account))
              : NULL;
        json_decref(d);
        if (e != NULL && meta_field(a, fm, "ep") != NULL) {
            if (res_org_account_parent(op.org, found[j].account, &op.opts, parent,
                                       sizeof parent, &err) != UC_OK)
                goto aws_fail;
            e = tf_value_with_attr(a, e, "parent_id", res_str_or_null(a, parent));
        }
        if ((envs[j] = e) == NULL)
            goto oom;
    }
    struct tf_value *elist = tf_value_list(a, env_list_t, envs, nf);
    if (elist == NULL || (v = tf_value_with_attr(a, v, "environment", elist)) == NULL)
        goto oom;
    /* access blocks from the roles' unicron:import tags (read then fills the principals) */
    {
        struct tf_value *blocks[RES_TENANT_N_ROLES * RES_TENANT_MAX_ENVS];
        size_t bidx[RES_TENANT_N_ROLES * RES_TENANT_MAX_ENVS];
        size_t nb = 0;
        for (size_t j = 0; j < nf; j++) {
            struct aws_session *s = aws_client_account_session(op.client, found[j].account,
                                                               &err);
            if (s == NULL)
                goto aws_fail;
            for (int k = 0; k < RES_TENANT_N_ROLES; k++) {
                struct res_iam_role_state r;
                if (res_iam_role_read(s, res_tenant_role_names[k], &op.opts, &r, &err) != UC_OK)
                    goto aws_fail;
                const char *rm = r.exists ? json_string_value(json_object_get(r.tags,
                                                                              RES_TAG_IMPORT))
                                          : NULL;
                char *bi = rm ? meta_field(a, rm, "index") : NULL;
                char *benvs = rm ? meta_field(a, rm, "envs") : NULL;
                size_t index = bi ? (size_t)strtoul(bi, NULL, 10) : 100 + (size_t)k;
                bool dup = false;
                for (size_t q = 0; q < nb; q++)
                    dup |= bidx[q] == index;
                json_t *pr = r.exists && r.trust ? res_trust_principals(r.trust, NULL) : NULL;
                if (r.exists && !dup && pr != NULL &&
                    nb < RES_TENANT_N_ROLES * RES_TENANT_MAX_ENVS) {
                    struct tf_value *blk = null_object(a, acc_list_t->elem);
                    struct tf_value *ev = tf_value_null(a, &tf_type_set_string);
                    if (benvs != NULL && strcmp(benvs, "*") != 0) {
                        struct tf_value *el[RES_TENANT_MAX_ENVS];
                        size_t ne = 0;
                        for (char *save = NULL, *tok = strtok_r(benvs, ":", &save);
                             tok != NULL && ne < RES_TENANT_MAX_ENVS;
                             tok = strtok_r(NULL, ":", &save))
                            el[ne++] = tf_value_string(a, tok);
                        ev = tf_value_set(a, &tf_type_set_string, el, ne);
                    } else if (benvs == NULL && nf > 1) {
                        struct tf_value *el[1] = {tf_value_string(a, found[j].tags
                                                                      ? json_string_value(
                                                                            json_object_get(
                                                                                found[j].tags,
                                                                                RES_TAG_ENV))
                                                                      : "dev")};
                        ev = tf_value_set(a, &tf_type_set_string, el, 1);
                    }
                    blk = blk ? tf_value_with_attr(a, blk, "role",
                                                   tf_value_string(a, res_tenant_role_kinds[k]))
                              : NULL;
                    blk = blk ? tf_value_with_attr(a, blk, "principals", res_string_set_json(a, pr))
                              : NULL;
                    blk = blk && ev ? tf_value_with_attr(a, blk, "environments", ev) : NULL;
                    if (blk == NULL) {
                        json_decref(pr);
                        res_iam_role_state_release(&r);
                        goto oom;
                    }
                    /* insertion sort by block index */
                    size_t at = nb;
                    while (at > 0 && bidx[at - 1] > index) {
                        blocks[at] = blocks[at - 1];
                        bidx[at] = bidx[at - 1];
                        at--;
                    }
                    blocks[at] = blk;
                    bidx[at] = index;
                    nb++;
                }
                json_decref(pr);
                res_iam_role_state_release(&r);
            }
        }
        struct tf_value *alist = tf_value_list(a, acc_list_t, blocks, nb);
        if (alist == NULL || (v = tf_value_with_attr(a, v, "access", alist)) == NULL)
            goto oom;
    }
    /* tags_all and account values: read completes them (core calls ReadResource next) */
    {
        struct tf_value *empty = tf_value_map(a, &tf_type_map_string, NULL, NULL, 0);
        if (empty == NULL || (v = tf_value_with_attr(a, v, "tags_all", empty)) == NULL)
            goto oom;
    }
    result = v; /* account_ids: tenant.c fills it */
    goto out;
aws_fail:
    res_aws_diag(ctx->diags, NULL, uc_arena_printf(a, "Importing tenant \"%s\"", id), &err);
    result = NULL;
    goto out;
oom:
    tf_diag_error(ctx->diags, NULL, "Out of memory", "Importing unicron_tenant ran out of memory.");
    result = NULL;
out:
    json_decref(accounts);
    json_decref(all_tags);
    return result;
}
