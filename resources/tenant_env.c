/* tenant_env.c - the work on one environment of unicron_tenant (ensure / retire / close /
 * read its account and access roles against Organizations, STS and IAM), run one thread per
 * environment.
 *
 * It must not build Terraform values or read the resource's configuration: tenant.c fills each
 * struct res_tenant_env and turns the results into state. Items share nothing writable.
 */
#include "res_tenant_env.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "res_aws_diag.h"
#include "res_fanout.h"
#include "res_org_account.h"

const char *const res_tenant_role_kinds[RES_TENANT_N_ROLES + 1] = {"admin", "developer",
                                                                  "readonly", NULL};
const char *const res_tenant_role_names[RES_TENANT_N_ROLES] = {"unicron-admin", "unicron-developer",
                                                               "unicron-readonly"};
const char *const res_tenant_role_policies[RES_TENANT_N_ROLES] = {
    "AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess"};

/* The partition of an ARN ("aws", "aws-cn", "aws-us-gov") into buf; "aws" when unparsable. */
const char *res_arn_partition(const char *arn, char *buf, size_t n)
{
    const char *p = strncmp(arn, "arn:", 4) == 0 ? arn + 4 : NULL;
    const char *e = p ? strchr(p, ':') : NULL;
    if (e != NULL && e > p && (size_t)(e - p) < n)
        snprintf(buf, n, "%.*s", (int)(e - p), p);
    else
        snprintf(buf, n, "aws");
    return buf;
}

struct tf_path res_tenant_env_path(size_t index, const char *attr)
{
    struct tf_path p = tf_path_attr(NULL, "environment");
    p = tf_path_index(&p, (int64_t)index);
    return attr ? tf_path_attr(&p, attr) : p;
}

static const char *work_where(struct res_tenant_env *w)
{
    const char *acct = w->account[0] ? w->account : w->account_id;
    return acct ? uc_arena_printf(w->arena, "Environment \"%s\" (account %s)", w->name, acct)
                : uc_arena_printf(w->arena, "Environment \"%s\"", w->name);
}

static void work_fail(struct res_tenant_env *w, const char *attr, const struct aws_error *err)
{
    struct tf_path p = res_tenant_env_path(w->index, attr);
    res_aws_diag(&w->diags, &p, work_where(w), err);
}

static void account_fields(struct res_tenant_env *w, const json_t *acct)
{
    const char *v;
    if ((v = json_string_value(json_object_get(acct, "Arn"))) != NULL)
        snprintf(w->arn, sizeof w->arn, "%s", v);
    snprintf(w->state, sizeof w->state, "%s", res_org_account_state(acct));
    if ((v = json_string_value(json_object_get(acct, "Email"))) != NULL)
        snprintf(w->email_out, sizeof w->email_out, "%s", v);
    w->joined = res_org_account_joined(acct);
}

/* The session inside the environment's account. A new account's access role takes minutes to
 * become assumable and the AWS client waits that long for AccessDenied to clear; an account
 * that joined over an hour ago (and was not created or adopted by this call) waits only
 * RES_ORG_SETTLED_ROLE_WAIT_MS for it, so that a refresh of an account whose role was deleted
 * outside Terraform does not hang. Throttling is retried within the operation's deadline
 * either way. */
static struct aws_session *work_session(struct res_tenant_env *w, struct aws_error *err)
{
    bool settled = !w->made_here && res_org_role_settled(w->joined, (double)time(NULL));
    struct aws_session *s =
        res_org_member_session(w->op->client, w->account, settled, &w->op->opts, err);
    if (s == NULL && settled && aws_error_is(err, "AccessDenied"))
        snprintf(err->message + strlen(err->message), sizeof err->message - strlen(err->message),
                 " (the account's access role %s may have been deleted or its trust policy "
                 "changed outside Terraform)",
                 w->op->access_role);
    return s;
}

static bool drop_roles(struct res_tenant_env *w)
{
    bool any = false;
    for (int k = 0; k < RES_TENANT_N_ROLES; k++)
        any |= w->drop_role[k];
    if (!any)
        return true;
    struct aws_error err;
    aws_error_clear(&err);
    struct aws_session *s = work_session(w, &err);
    for (int k = 0; s != NULL && k < RES_TENANT_N_ROLES; k++) {
        if (!w->drop_role[k])
            continue;
        if (res_iam_role_delete(s, res_tenant_role_names[k], &w->op->opts, &err) != UC_OK) {
            work_fail(w, NULL, &err);
            return false;
        }
    }
    if (s == NULL) {
        work_fail(w, NULL, &err);
        return false;
    }
    return true;
}

/* The environment's account by its e-mail, adopted or created (res_org_ensure_account), into
 * w->account; a failure is diagnosed here. */
static bool create_or_adopt(struct res_tenant_env *w)
{
    const struct res_tenant_op *op = w->op;
    struct res_org_account_result r;
    struct aws_error err;
    char name[96];
    aws_error_clear(&err);
    snprintf(name, sizeof name, "%s-%s", op->tenant, w->name);
    struct res_org_account_spec spec = {w->email, name, op->access_role, w->tags};
    if (res_org_ensure_account(op->org, &spec, &op->opts, &r, &err) == UC_OK) {
        snprintf(w->account, sizeof w->account, "%s", r.id);
        w->made_here = true;
        return true;
    }
    struct tf_path email_path = res_tenant_env_path(w->index, "email");
    if (r.closed_id[0]) {
        tf_diag_error(&w->diags, &email_path, "E-mail belongs to a closed account",
                      "Environment \"%s\": the e-mail %s belongs to account %s, which is %s. "
                      "AWS does not reuse the e-mail of a closed account; give this environment "
                      "another email.",
                      w->name, w->email, r.closed_id, r.closed_state);
    } else if (r.failure[0]) {
        bool taken = strcmp(r.failure, "EMAIL_ALREADY_EXISTS") == 0;
        bool bad_email = taken || strcmp(r.failure, "INVALID_EMAIL") == 0 ||
                         strcmp(r.failure, "INVALID_ADDRESS") == 0;
        tf_diag_error(&w->diags, bad_email ? &email_path : NULL, "Account creation failed",
                      "Environment \"%s\": AWS Organizations could not create account \"%s\" "
                      "(%s, request %s): %s.%s",
                      w->name, name, w->email, r.request, r.failure,
                      taken ? " The e-mail is used by another AWS account (outside this "
                              "organization, or closed); choose another."
                            : "");
    } else {
        work_fail(w, NULL, &err);
    }
    return false;
}

static void ensure_environment(struct res_tenant_env *w)
{
    const struct res_tenant_op *op = w->op;
    struct aws_error err;
    json_t *acct = NULL, *tags = NULL;
    aws_error_clear(&err);
    if (w->account_id != NULL)
        snprintf(w->account, sizeof w->account, "%s", w->account_id);
    else if (!create_or_adopt(w))
        goto out;
    if (res_org_describe_account(op->org, w->account, &op->opts, &acct, &err) != UC_OK) {
        work_fail(w, NULL, &err);
        goto out;
    }
    account_fields(w, acct);
    if (strcmp(w->state, "ACTIVE") != 0) {
        struct tf_path p = res_tenant_env_path(w->index, NULL);
        tf_diag_error(&w->diags, &p, "Account is not active",
                      "%s is %s: it was closed outside Terraform. AWS keeps a closed account "
                      "(and its e-mail) for 90 days; give this environment a new email to "
                      "create a new account.",
                      work_where(w), w->state);
        goto out;
    }
    /* An adopted account must not belong to another tenant. */
    if (res_org_account_tags(op->org, w->account, &op->opts, &tags, &err) != UC_OK) {
        work_fail(w, NULL, &err);
        goto out;
    }
    const char *owner = json_string_value(json_object_get(tags, RES_TAG_TENANT));
    if (owner != NULL && strcmp(owner, op->tenant) != 0) {
        struct tf_path p = res_tenant_env_path(w->index, "email");
        tf_diag_error(&w->diags, &p, "Account belongs to another tenant",
                      "%s with e-mail %s is tagged %s = \"%s\"; unicron does not take over "
                      "another tenant's account. Use another e-mail.",
                      work_where(w), w->email, RES_TAG_TENANT, owner);
        goto out;
    }
    if (w->parent != NULL) {
        if (res_org_move_account(op->org, w->account, w->parent, &op->opts, &err) != UC_OK) {
            if (aws_error_is(&err, "DestinationParentNotFoundException")) {
                struct tf_path p = w->parent_from_env ? res_tenant_env_path(w->index, "parent_id")
                                                      : tf_path_attr(NULL, "parent_id");
                res_aws_diag(&w->diags, &p, work_where(w), &err);
            } else {
                work_fail(w, NULL, &err);
            }
            goto out;
        }
        snprintf(w->parent_out, sizeof w->parent_out, "%s", w->parent);
    }
    if (res_org_tag_account(op->org, w->account, w->tags, true, op->provider, &op->opts, &err) !=
        UC_OK) {
        work_fail(w, "tier", &err);
        goto out;
    }
    {
        struct aws_session *s = work_session(w, &err);
        json_t *meta = json_pack("{s:s}", RES_TAG_IMPORT, w->meta ? w->meta : "");
        uc_status st = s != NULL && meta != NULL
                           ? res_iam_role_tag(s, op->access_role, meta, NULL, &op->opts, &err)
                           : UC_NOMEM;
        json_decref(meta);
        if (s == NULL || st != UC_OK) {
            work_fail(w, NULL, &err);
            goto out;
        }
        char part[32];
        for (int k = 0; k < RES_TENANT_N_ROLES; k++) {
            if (w->roles[k].wanted) {
                char policy[128];
                snprintf(policy, sizeof policy, "arn:%s:iam::aws:policy/%s",
                         res_arn_partition(w->arn, part, sizeof part), res_tenant_role_policies[k]);
                struct res_iam_role_spec spec = {
                    .name = res_tenant_role_names[k],
                    .trust_policy = w->roles[k].trust,
                    .policy_arn = policy,
                    .tags = w->roles[k].tags,
                    .description = "unicron_tenant access role",
                };
                if (res_iam_role_ensure(s, &spec, &op->opts, NULL, 0, NULL, &err) != UC_OK) {
                    struct tf_path p = tf_path_attr(NULL, "access");
                    res_aws_diag(&w->diags, &p, work_where(w), &err);
                    goto out;
                }
            } else if (w->drop_role[k] &&
                       res_iam_role_delete(s, res_tenant_role_names[k], &op->opts, &err) != UC_OK) {
                struct tf_path p = tf_path_attr(NULL, "access");
                res_aws_diag(&w->diags, &p, work_where(w), &err);
                goto out;
            }
        }
    }
    w->ok = true;
out:
    json_decref(acct);
    json_decref(tags);
}

/* Delete of one environment: access roles first, then retire (move + tag) or close. */
static void retire_environment(struct res_tenant_env *w, bool close)
{
    const struct res_tenant_op *op = w->op;
    struct aws_error err;
    json_t *acct = NULL;
    aws_error_clear(&err);
    snprintf(w->account, sizeof w->account, "%s", w->account_id);
    if (res_org_describe_account(op->org, w->account, &op->opts, &acct, &err) != UC_OK) {
        if (aws_error_is_not_found(&err))
            w->ok = true; /* already gone */
        else
            work_fail(w, NULL, &err);
        goto out;
    }
    account_fields(w, acct);
    if (strcmp(w->state, "ACTIVE") != 0) {
        w->ok = true; /* PENDING_CLOSURE, SUSPENDED, CLOSED: nothing left to do */
        goto out;
    }
    if (!drop_roles(w))
        goto out;
    if (close) {
        if (res_org_close_account(op->org, w->account, &op->opts, &err) != UC_OK) {
            if (aws_error_is(&err, "ConstraintViolationException") &&
                strstr(err.message, "quota") != NULL) {
                struct tf_path p = tf_path_attr(NULL, "close_on_deletion");
                tf_diag_error(&w->diags, &p, "Account close quota reached",
                              "%s could not be closed: AWS Organizations allows closing only a "
                              "limited number of accounts per rolling 30 days (10%% of the "
                              "member accounts, at least 10; a few at a time). AWS said: %s. "
                              "The account is still open and still in the state; run destroy "
                              "again when the quota allows, or set close_on_deletion = false "
                              "to retire it instead.",
                              work_where(w), err.message);
            } else {
                work_fail(w, NULL, &err);
            }
            goto out;
        }
        w->ok = true;
        goto out;
    }
    json_t *tag = json_pack("{s:s}", RES_TAG_RETIRED, "true");
    uc_status st =
        tag ? res_org_tag_account(op->org, w->account, tag, false, NULL, &op->opts, &err)
            : UC_NOMEM;
    json_decref(tag);
    if (st != UC_OK) {
        work_fail(w, NULL, &err);
        goto out;
    }
    if (op->retired_parent != NULL) {
        if (res_org_move_account(op->org, w->account, op->retired_parent, &op->opts, &err) !=
            UC_OK) {
            struct tf_path p = tf_path_attr(NULL, "retired_parent_id");
            res_aws_diag(&w->diags, &p, work_where(w), &err);
            goto out;
        }
    }
    w->ok = true;
out:
    json_decref(acct);
}

/* One independent read of an environment on a res_fanout thread: the account's tags and
 * parent, or its access roles (each role again on its own thread). Each writes only its own
 * output member of the item and its own st / err; diagnostics are made after the join. */
struct read_part {
    struct res_tenant_env *w;
    int kind;             /* read_role_main: the role */
    struct aws_session *s; /* read_role_main: the account's session */
    uc_status st;
    struct aws_error err;
};

/* The account's tags, then its parent (from the walk without a call when it holds the account,
 * else ListParents): two Organizations calls at most, as long as the roles' chain (AssumeRole,
 * then GetRole), on one thread. */
static void read_org_main(void *arg)
{
    struct read_part *p = arg;
    struct res_tenant_env *w = p->w;
    p->st = res_org_account_tags(w->op->org, w->account, &w->op->opts, &w->tags_out, &p->err);
    if (p->st == UC_OK)
        p->st = res_account_cache_parent(w->op->accounts, w->op->org, w->account, &w->op->opts,
                                         w->parent_out, sizeof w->parent_out, &p->err);
}

static void read_role_main(void *arg)
{
    struct read_part *p = arg;
    struct res_tenant_env *w = p->w;
    p->st = res_iam_role_read(p->s, res_tenant_role_names[p->kind], &w->op->opts,
                              &w->role_out[p->kind], &p->err);
}

/* The session (AssumeRole once per account and process), then every role read at once. */
static void read_roles_main(void *arg)
{
    struct read_part *p = arg;
    struct res_tenant_env *w = p->w;
    struct read_part parts[RES_TENANT_N_ROLES];
    struct res_fanout_task tasks[RES_TENANT_N_ROLES];
    size_t m = 0;
    struct aws_session *s = work_session(w, &p->err);
    if (s == NULL) {
        p->st = p->err.status != UC_OK ? p->err.status : UC_REMOTE;
        return;
    }
    for (int k = 0; k < RES_TENANT_N_ROLES; k++) {
        if (!w->read_role[k])
            continue;
        parts[m] = (struct read_part){.w = w, .kind = k, .s = s, .st = UC_OK};
        aws_error_clear(&parts[m].err);
        tasks[m] = (struct res_fanout_task){read_role_main, &parts[m]};
        m++;
    }
    res_fanout_run(tasks, m);
    for (size_t i = 0; i < m; i++) {
        if (parts[i].st != UC_OK) {
            p->st = parts[i].st;
            p->err = parts[i].err;
            return;
        }
    }
}

/* The account first (from the process's shared walk of the organization when there is one: its
 * state says whether there is more to read, its age how long the access role may take), then at
 * once its tags and parent (the parent from the walk too) and its access roles. A failure is
 * reported in that order. */
static void read_environment(struct res_tenant_env *w)
{
    const struct res_tenant_op *op = w->op;
    struct aws_error err;
    json_t *acct = NULL;
    struct read_part parts[2];
    struct res_fanout_task tasks[2];
    size_t m = 0;
    aws_error_clear(&err);
    snprintf(w->account, sizeof w->account, "%s", w->account_id);
    if (res_account_cache_describe(op->accounts, op->org, w->account, &op->opts, &acct, &err) !=
        UC_OK) {
        if (aws_error_is_not_found(&err)) {
            w->gone = true;
            w->ok = true;
        } else {
            work_fail(w, NULL, &err);
        }
        goto out;
    }
    account_fields(w, acct);
    if (strcmp(w->state, "ACTIVE") != 0) {
        w->gone = true;
        w->ok = true;
        goto out;
    }
    bool any_role = false;
    for (int k = 0; k < RES_TENANT_N_ROLES; k++)
        any_role |= w->read_role[k];
    /* the roles' chain on this thread, the Organizations reads on another */
    if (any_role) {
        parts[m] = (struct read_part){.w = w, .st = UC_OK};
        aws_error_clear(&parts[m].err);
        tasks[m] = (struct res_fanout_task){read_roles_main, &parts[m]};
        m++;
    }
    parts[m] = (struct read_part){.w = w, .st = UC_OK};
    aws_error_clear(&parts[m].err);
    tasks[m] = (struct res_fanout_task){read_org_main, &parts[m]};
    m++;
    res_fanout_run(tasks, m);
    for (size_t i = m; i-- > 0;) { /* the Organizations reads' failure first, then the roles' */
        if (parts[i].st != UC_OK) {
            work_fail(w, NULL, &parts[i].err);
            goto out;
        }
    }
    res_provider_drop_ignored_tags(op->provider, w->tags_out);
    w->ok = true;
out:
    json_decref(acct);
}

static void *work_main(void *arg)
{
    struct res_tenant_env *w = arg;
    /* A write step drops the process's shared account list before and after it writes, so no
     * read of this process sees an account as it was before the write. */
    bool writes = w->step != RES_TENANT_READ;
    if (writes)
        res_account_cache_invalidate(w->op->accounts);
    switch (w->step) {
    case RES_TENANT_ENSURE:
        ensure_environment(w);
        break;
    case RES_TENANT_RETIRE:
        retire_environment(w, false);
        break;
    case RES_TENANT_CLOSE:
        retire_environment(w, true);
        break;
    case RES_TENANT_READ:
        read_environment(w);
        break;
    }
    if (writes)
        res_account_cache_invalidate(w->op->accounts);
    return NULL;
}

static void work_run(void *item)
{
    (void)work_main(item);
}

/* Sets up n work items (zeroed, each with its own arena). False when out of memory. */
bool res_tenant_envs_init(struct res_tenant_env *ws, size_t n, const struct res_tenant_op *op)
{
    /* all of them first: release runs over all n even when an arena below cannot be made */
    if (n > 0)
        memset(ws, 0, n * sizeof *ws);
    for (size_t i = 0; i < n; i++) {
        ws[i].op = op;
        ws[i].arena = uc_arena_new();
        if (ws[i].arena == NULL)
            return false;
        tf_diags_init(&ws[i].diags, ws[i].arena);
    }
    return true;
}

/* Runs the first RES_TENANT_MAX_THREADS work items on threads of their own and the rest (or an
 * item whose thread cannot start) inline, waits for all, and copies their diagnostics into d in
 * order. Only slots below RES_TENANT_MAX_THREADS are ever read or joined. */
void res_tenant_envs_run(struct res_tenant_env *ws, size_t n, struct tf_diags *d)
{
    res_fanout_each(ws, n, sizeof *ws, work_run, RES_TENANT_MAX_THREADS);
    for (size_t i = 0; i < n; i++)
        tf_diags_append(d, &ws[i].diags);
}

void res_tenant_envs_release(struct res_tenant_env *ws, size_t n)
{
    for (size_t i = 0; ws != NULL && i < n; i++) {
        json_decref(ws[i].tags);
        json_decref(ws[i].tags_out);
        for (int k = 0; k < RES_TENANT_N_ROLES; k++) {
            json_decref(ws[i].roles[k].tags);
            res_iam_role_state_release(&ws[i].role_out[k]);
        }
        uc_arena_free(ws[i].arena);
    }
}
