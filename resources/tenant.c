/* tenant.c - unicron_tenant: one AWS account per environment (dev / staging / prod), OU
 * placement, cost tags and IAM access roles inside each account.
 *
 * Reads top to bottom: schema table, plan-time validation, plan hooks, conversions between
 * Terraform values and AWS objects, create / read / update / delete / import, then the find /
 * status / wait helpers. No AWS call may happen at validate or plan; apply works on the
 * environments in parallel (one thread each) and never leaves an account it made untracked.
 */
#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws_waiter.h"
#include "res_aws_diag.h"
#include "res_iam_role.h"
#include "res_org_account.h"
#include "res_provider.h"
#include "res_registry.h"
#include "res_schema.h"
#include "res_timeouts.h"
#include "res_validate.h"
#include "uc_buf.h"
#include "uc_log.h"

/* --- schema ------------------------------------------------------------------------------- */

static const char *const environment_names[] = {"dev", "staging", "prod", NULL};
static const char *const tiers[] = {"critical", "standard", "economy", NULL};
static const char *const access_roles[] = {"admin", "developer", "readonly", NULL};

#define MAX_ENVIRONMENTS 3

static const struct tf_attr environment_attrs[] = {
    {"name", &tf_type_string, TF_REQUIRED, "Environment: dev, staging or prod.",
     res_validate_enum, environment_names, NULL},
    {"email", &tf_type_string, TF_OPTIONAL | TF_COMPUTED,
     "Root e-mail of the account (default: email_template). Cannot change once the account "
     "exists.",
     res_validate_email, NULL, NULL},
    {"parent_id", &tf_type_string, TF_OPTIONAL,
     "OU or root for this account (default: the tenant's parent_id); moved in place.",
     res_validate_parent_id, NULL, NULL},
    {"tier", &tf_type_string, TF_OPTIONAL | TF_COMPUTED,
     "Service tier: critical, standard (default) or economy.", res_validate_enum, tiers,
     "\"standard\""},
    {"account_id", &tf_type_string, TF_COMPUTED, "Id of the environment's AWS account.", NULL,
     NULL, NULL},
    {"account_arn", &tf_type_string, TF_COMPUTED, "ARN of the environment's AWS account.", NULL,
     NULL, NULL},
    {"state", &tf_type_string, TF_COMPUTED,
     "Account state (ACTIVE, PENDING_CLOSURE, SUSPENDED, ...).", NULL, NULL, NULL},
    {"access_role_arn", &tf_type_string, TF_COMPUTED,
     "ARN of the role the provider assumes inside the account.", NULL, NULL, NULL},
};
static const struct tf_block environment_block = {
    environment_attrs, sizeof environment_attrs / sizeof environment_attrs[0], NULL, 0,
    "One AWS account of the tenant.", false};

static const struct tf_attr access_attrs[] = {
    {"role", &tf_type_string, TF_REQUIRED, "Access role: admin, developer or readonly.",
     res_validate_enum, access_roles, NULL},
    {"principals", &tf_type_set_string, TF_REQUIRED,
     "IAM principal ARNs (root, role or user) allowed to assume the role.",
     res_validate_iam_principal_arn, NULL, NULL},
    {"environments", &tf_type_set_string, TF_OPTIONAL,
     "Environments the role exists in (default: all of the tenant's).", res_validate_enum,
     environment_names, NULL},
};
static const struct tf_block access_block = {
    access_attrs, sizeof access_attrs / sizeof access_attrs[0], NULL, 0,
    "An IAM role inside the tenant's accounts and who may assume it.", false};

static const struct tf_attr tenant_attrs[] = {
    {"id", &tf_type_string, TF_COMPUTED, "The tenant name.", NULL, NULL, NULL},
    {"name", &tf_type_string, TF_REQUIRED | TF_FORCE_NEW,
     "Tenant slug: 2-32 lowercase letters, digits and hyphens, starting with a letter.",
     res_validate_slug, NULL, NULL},
    {"email_template", &tf_type_string, TF_OPTIONAL,
     "Account e-mail with {tenant} and {environment} placeholders, e.g. "
     "aws+{tenant}-{environment}@example.com.",
     res_validate_email_template, NULL, NULL},
    {"parent_id", &tf_type_string, TF_OPTIONAL,
     "Organizational unit (ou-...) or root (r-...) of the accounts; moved in place.",
     res_validate_parent_id, NULL, NULL},
    {"retired_parent_id", &tf_type_string, TF_OPTIONAL,
     "OU that accounts move to on destroy when close_on_deletion is false.",
     res_validate_parent_id, NULL, NULL},
    {"cost_center", &tf_type_string, TF_OPTIONAL,
     "Cost center, tagged on every account (unicron:cost-center).", res_validate_tag_value, NULL,
     NULL},
    {"owner", &tf_type_string, TF_OPTIONAL, "Owning team or person (unicron:owner tag).",
     res_validate_tag_value, NULL, NULL},
    {"close_on_deletion", &tf_type_bool, TF_OPTIONAL | TF_COMPUTED,
     "Close the accounts on destroy (default false: retire them and keep them in the "
     "organization).",
     NULL, NULL, "false"},
    {"tags", &tf_type_map_string, TF_OPTIONAL, "Tags of the accounts.", res_validate_tags, NULL,
     NULL},
    {"tags_all", &tf_type_map_string, TF_COMPUTED,
     "Provider default_tags, tags, and the unicron:* tags.", NULL, NULL, NULL},
    {"account_ids", &tf_type_map_string, TF_COMPUTED, "Account id of each environment.", NULL,
     NULL, NULL},
};

static const struct tf_block_type tenant_blocks[] = {
    {"environment", TF_NEST_LIST, &environment_block, 1, MAX_ENVIRONMENTS,
     "One to three environments, each its own AWS account."},
    {"access", TF_NEST_LIST, &access_block, 0, 0,
     "IAM access roles created in the tenant's accounts."},
    {"timeouts", TF_NEST_SINGLE, &res_timeouts_block, 0, 0, NULL},
};

static const struct tf_block tenant_block = {
    tenant_attrs,
    sizeof tenant_attrs / sizeof tenant_attrs[0],
    tenant_blocks,
    sizeof tenant_blocks / sizeof tenant_blocks[0],
    "A data team: up to three AWS accounts (dev, staging, prod) with OU placement, cost tags "
    "and IAM access roles.",
    false,
};

static const struct tf_schema tenant_schema = {0, &tenant_block};

/* --- validation --------------------------------------------------------------------------- */

/* The e-mail an environment element gets: its own, else the template expanded; NULL when not
 * known at this point (unknowns) or not available (*missing set). */
static const char *environment_email(struct uc_arena *a, const struct tf_value *config,
                                     const struct tf_value *env, bool *from_template,
                                     bool *missing)
{
    const struct tf_value *email = tf_value_attr(env, "email");
    *from_template = false;
    *missing = false;
    if (!tf_value_is_known(email))
        return NULL;
    if (!tf_value_is_null(email))
        return tf_value_str(email);
    const struct tf_value *tmpl = tf_value_attr(config, "email_template");
    if (!tf_value_is_known(tmpl))
        return NULL;
    if (tf_value_is_null(tmpl)) {
        *missing = true;
        return NULL;
    }
    const char *tenant = tf_value_str(tf_value_attr(config, "name"));
    const char *env_name = tf_value_str(tf_value_attr(env, "name"));
    if (tenant == NULL || env_name == NULL)
        return NULL;
    *from_template = true;
    return res_expand_email_template(a, tf_value_str(tmpl), tenant, env_name);
}

static void validate_environments(struct res_ctx *ctx, const struct tf_value *config,
                                  const struct tf_value *envs)
{
    struct tf_path base = tf_path_attr(NULL, "environment");
    const char *emails[MAX_ENVIRONMENTS] = {NULL};
    /* More than three blocks: Terraform (and tf_block_validate, max_items) already says "Too
     * many environment blocks"; pairing e-mails beyond that would only add noise. */
    if (envs->count > MAX_ENVIRONMENTS)
        return;
    for (size_t i = 0; i < envs->count; i++) {
        const struct tf_value *env = envs->elems[i];
        struct tf_path ep = tf_path_index(&base, (int64_t)i);
        const char *name = tf_value_str(tf_value_attr(env, "name"));
        bool duplicate = false;
        for (size_t j = 0; name != NULL && j < i && !duplicate; j++) {
            const char *other = tf_value_str(tf_value_attr(envs->elems[j], "name"));
            if (other != NULL && strcmp(other, name) == 0) {
                struct tf_path np = tf_path_attr(&ep, "name");
                tf_diag_error(ctx->diags, &np, "Duplicate environment",
                              "Environment \"%s\" is declared more than once (blocks %zu and "
                              "%zu); each environment is one AWS account.",
                              name, j + 1, i + 1);
                duplicate = true;
            }
        }
        if (duplicate)
            continue; /* its e-mail would only repeat the same problem */
        bool from_template = false, missing = false;
        const char *email = environment_email(ctx->arena, config, env, &from_template, &missing);
        struct tf_path email_path = tf_path_attr(&ep, "email");
        struct tf_path tmpl_path = tf_path_attr(NULL, "email_template");
        if (missing) {
            tf_diag_error(ctx->diags, &ep, "Missing account e-mail",
                          "Environment \"%s\" has no email and the tenant has no email_template: "
                          "set one of them.",
                          name ? name : "?");
            continue;
        }
        if (email == NULL)
            continue;
        if (from_template && !res_is_email(email)) {
            tf_diag_error(ctx->diags, &tmpl_path, "Invalid e-mail template",
                          "For environment \"%s\" the template gives \"%s\", which is not an "
                          "e-mail address AWS accepts (6 to 64 characters, name@example.com).",
                          name ? name : "?", email);
            continue;
        }
        emails[i] = email;
        for (size_t j = 0; j < i; j++) {
            if (emails[j] == NULL || strcasecmp(emails[j], email) != 0)
                continue;
            if (from_template)
                tf_diag_error(ctx->diags, &tmpl_path, "Duplicate account e-mail",
                              "Environments %zu and %zu would both use \"%s\": every AWS "
                              "account needs its own e-mail. Add {environment} to the "
                              "template.",
                              j + 1, i + 1, email);
            else
                tf_diag_error(ctx->diags, &email_path, "Duplicate account e-mail",
                              "\"%s\" is already the e-mail of environment block %zu: every AWS "
                              "account needs its own e-mail.",
                              email, j + 1);
            break;
        }
    }
}

/* Whether access block acc covers environment env: its environments set lists it, or the set is
 * null (= every environment). Unknown sets count as "no" (checked again at plan). */
static bool access_covers(const struct tf_value *acc, const char *env)
{
    const struct tf_value *envs = tf_value_attr(acc, "environments");
    if (!tf_value_is_known(envs))
        return false;
    if (tf_value_is_null(envs))
        return true;
    for (size_t i = 0; i < envs->count; i++) {
        const char *e = tf_value_str(envs->elems[i]);
        if (e != NULL && strcmp(e, env) == 0)
            return true;
    }
    return false;
}

static void validate_access(struct res_ctx *ctx, const struct tf_value *envs,
                            const struct tf_value *access)
{
    struct tf_path base = tf_path_attr(NULL, "access");
    bool envs_known = res_is_set(envs) && tf_value_is_wholly_known(envs);
    for (size_t i = 0; i < access->count; i++) {
        const struct tf_value *acc = access->elems[i];
        struct tf_path ap = tf_path_index(&base, (int64_t)i);
        const struct tf_value *list = tf_value_attr(acc, "environments");
        if (envs_known && res_is_set(list)) {
            for (size_t k = 0; k < list->count; k++) {
                const char *e = tf_value_str(list->elems[k]);
                if (e == NULL || res_find_by_name(envs, e) != NULL)
                    continue;
                struct tf_path lp = tf_path_attr(&ap, "environments");
                tf_diag_error(ctx->diags, &lp, "Undeclared environment",
                              "Access role grants \"%s\", but the tenant has no environment "
                              "block with that name.",
                              e);
            }
        }
        const char *role = tf_value_str(tf_value_attr(acc, "role"));
        if (role == NULL || !envs_known)
            continue;
        for (size_t j = 0; j < i; j++) {
            const char *other = tf_value_str(tf_value_attr(access->elems[j], "role"));
            if (other == NULL || strcmp(other, role) != 0)
                continue;
            for (size_t e = 0; e < envs->count; e++) {
                const char *env = tf_value_str(tf_value_attr(envs->elems[e], "name"));
                if (env == NULL || !access_covers(acc, env) ||
                    !access_covers(access->elems[j], env))
                    continue;
                struct tf_path rp = tf_path_attr(&ap, "role");
                tf_diag_error(ctx->diags, &rp, "Duplicate access role",
                              "Role \"%s\" in environment \"%s\" is already defined by access "
                              "block %zu: list all principals of one role and environment in "
                              "one block.",
                              role, env, j + 1);
                goto next_access;
            }
        }
    next_access:;
    }
}

static void tenant_validate(struct res_ctx *ctx, const struct tf_value *config)
{
    if (!res_is_set(config))
        return;
    const struct tf_value *envs = tf_value_attr(config, "environment");
    if (res_is_set(envs))
        validate_environments(ctx, config, envs);
    const struct tf_value *access = tf_value_attr(config, "access");
    if (res_is_set(access))
        validate_access(ctx, envs, access);
}

/* --- plan hooks ---------------------------------------------------------------------------- */

static const char *tenant_element_key(const char *block_name, const struct tf_value *elem)
{
    if (strcmp(block_name, "environment") == 0)
        return tf_value_str(tf_value_attr(elem, "name"));
    return NULL;
}

/* Planned environment i: e-mail from the template when not configured, default tier, and the
 * error for an e-mail change of an existing account. */
static struct tf_value *plan_environment(struct uc_arena *a, const struct tf_value *prior_envs,
                                         const struct tf_value *config,
                                         const struct tf_value *cfg_env, struct tf_value *env,
                                         size_t i, bool replacing, struct tf_diags *d)
{
    if (!tf_value_is_known(tf_value_attr(cfg_env, "email")) ||
        tf_value_is_null(tf_value_attr(cfg_env, "email"))) {
        bool from_template = false, missing = false;
        const char *email = environment_email(a, config, cfg_env, &from_template, &missing);
        struct tf_value *v = email != NULL ? tf_value_string(a, email)
                                           : tf_value_unknown(a, &tf_type_string);
        if (missing)
            v = tf_value_null(a, &tf_type_string);
        if (v == NULL || (env = tf_value_with_attr(a, env, "email", v)) == NULL)
            return NULL;
    }
    if (tf_value_is_null(tf_value_attr(cfg_env, "tier"))) {
        struct tf_value *v = tf_value_string(a, "standard");
        if (v == NULL || (env = tf_value_with_attr(a, env, "tier", v)) == NULL)
            return NULL;
    }
    /* No account yet (a new environment, or one whose account was closed or removed outside
     * Terraform and dropped by Read): apply creates or adopts it, so its computed values are
     * not known until then. */
    if (tf_value_is_null(tf_value_attr(env, "account_id"))) {
        static const char *const computed[] = {"account_id", "account_arn", "state",
                                               "access_role_arn"};
        for (size_t k = 0; k < sizeof computed / sizeof computed[0]; k++) {
            struct tf_value *u = tf_value_unknown(a, &tf_type_string);
            if (u == NULL || (env = tf_value_with_attr(a, env, computed[k], u)) == NULL)
                return NULL;
        }
    }
    const char *name = tf_value_str(tf_value_attr(env, "name"));
    const struct tf_value *old = replacing ? NULL : res_find_by_name(prior_envs, name);
    const char *old_email = tf_value_str(tf_value_attr(old, "email"));
    const char *new_email = tf_value_str(tf_value_attr(env, "email"));
    const char *account = tf_value_str(tf_value_attr(old, "account_id"));
    if (old_email != NULL && new_email != NULL && account != NULL &&
        strcasecmp(old_email, new_email) != 0) {
        struct tf_path p = tf_path_attr(NULL, "environment");
        p = tf_path_index(&p, (int64_t)i);
        p = tf_path_attr(&p, "email");
        tf_diag_error(d, &p, "Account e-mail cannot be changed",
                      "The %s account (%s) was created with e-mail \"%s\"; this plan would "
                      "change it to \"%s\". unicron never replaces an account to change its "
                      "e-mail. Keep \"%s\" (set email in this environment block, or restore the "
                      "email_template), or change the address in the AWS account settings first.",
                      name, account, old_email, new_email, old_email);
    }
    return env;
}

/* account_ids from the planned environments: known only when every account id is known. */
static struct tf_value *plan_account_ids(struct uc_arena *a, const struct tf_value *envs)
{
    if (!res_is_set(envs))
        return tf_value_unknown(a, &tf_type_map_string);
    const char **keys = uc_arena_calloc(a, envs->count + 1, sizeof *keys);
    struct tf_value **vals = uc_arena_calloc(a, envs->count + 1, sizeof *vals);
    if (keys == NULL || vals == NULL)
        return NULL;
    for (size_t i = 0; i < envs->count; i++) {
        keys[i] = tf_value_str(tf_value_attr(envs->elems[i], "name"));
        vals[i] = tf_value_attr(envs->elems[i], "account_id");
        if (keys[i] == NULL || tf_value_str(vals[i]) == NULL)
            return tf_value_unknown(a, &tf_type_map_string);
        for (size_t j = 0; j < i; j++)
            if (strcmp(keys[j], keys[i]) == 0)
                return tf_value_unknown(a, &tf_type_map_string);
    }
    return tf_value_map(a, &tf_type_map_string, keys, vals, envs->count);
}

static void tenant_modify(struct uc_arena *a, const struct tf_value *prior,
                          const struct tf_value *config, struct tf_value **planned,
                          bool replacing, void *ud, struct tf_diags *d)
{
    const struct res_ctx *ctx = ud;
    struct tf_value *p = *planned;
    if (!res_is_set(p) || !res_is_set(config))
        return;
    const struct tf_value *prior_envs = res_is_set(prior) ? tf_value_attr(prior, "environment")
                                                          : NULL;

    struct tf_value *envs = tf_value_attr(p, "environment");
    const struct tf_value *cfg_envs = tf_value_attr(config, "environment");
    if (res_is_set(envs) && res_is_set(cfg_envs) && envs->count == cfg_envs->count) {
        struct tf_value **elems = uc_arena_calloc(a, envs->count + 1, sizeof *elems);
        if (elems == NULL)
            goto oom;
        for (size_t i = 0; i < envs->count; i++) {
            elems[i] = plan_environment(a, prior_envs, config, cfg_envs->elems[i],
                                        envs->elems[i], i, replacing, d);
            if (elems[i] == NULL)
                goto oom;
        }
        envs = tf_value_list(a, envs->type, elems, envs->count);
        if (envs == NULL || (p = tf_value_with_attr(a, p, "environment", envs)) == NULL)
            goto oom;
    }

    struct tf_value *ids = plan_account_ids(a, envs);
    if (ids == NULL || (p = tf_value_with_attr(a, p, "account_ids", ids)) == NULL)
        goto oom;

    static const char *const own_keys[] = {"unicron:tenant", "unicron:cost-center",
                                           "unicron:owner"};
    const struct tf_value *own_vals[] = {tf_value_attr(config, "name"),
                                         tf_value_attr(config, "cost_center"),
                                         tf_value_attr(config, "owner")};
    struct tf_value *tags_all =
        res_tags_all(a, res_provider_default_tags(ctx ? ctx->provider : NULL),
                     tf_value_attr(config, "tags"), own_keys, own_vals, 3);
    if (tags_all == NULL || (p = tf_value_with_attr(a, p, "tags_all", tags_all)) == NULL)
        goto oom;
    *planned = p;
    return;
oom:
    tf_diag_error(d, NULL, "Out of memory", "Planning unicron_tenant ran out of memory.");
}

static const struct tf_plan_hooks tenant_hooks = {tenant_element_key, tenant_modify, NULL};


/* --- conversions between Terraform values and AWS objects ----------------------------------- *
 *
 * Names. Each environment is one account named "<tenant>-<environment>" (the name also finds a
 * CreateAccount request still IN_PROGRESS after an interrupted apply). Access roles are
 * "unicron-<role>" with the AWS managed policy of role_policies[].
 *
 * What AWS cannot give back is written where import can find it, without touching the
 * account's own tags (those are exactly tags_all plus unicron:environment and unicron:tier):
 * the account-access role inside each account carries the tag unicron:import (the
 * environment's position, the tenant / environment parent_id settings, close_on_deletion,
 * retired_parent_id, timeouts and the e-mail template, encoded for the tag character set), and
 * every access role carries unicron:import with its access block's position and environments.
 * Import turns them back into configuration.
 */

#define N_ROLES 3
#define TAG_TENANT "unicron:tenant"
#define TAG_ENV "unicron:environment"
#define TAG_TIER "unicron:tier"
#define TAG_IMPORT "unicron:import"
#define TAG_RETIRED "unicron:retired"
#define META_MAX 256 /* Organizations / IAM tag value limit */

static const char *const role_names[N_ROLES] = {"unicron-admin", "unicron-developer",
                                                "unicron-readonly"};
static const char *const role_policies[N_ROLES] = {"AdministratorAccess", "PowerUserAccess",
                                                   "ReadOnlyAccess"};

static int role_kind(const char *role)
{
    for (int k = 0; role != NULL && k < N_ROLES; k++)
        if (strcmp(access_roles[k], role) == 0)
            return k;
    return -1;
}

static bool is_meta_tag(const char *key, const char *value, const char *env)
{
    return strcmp(key, TAG_TIER) == 0 || strcmp(key, TAG_IMPORT) == 0 ||
           (strcmp(key, TAG_ENV) == 0 && env != NULL && value != NULL &&
            strcmp(value, env) == 0);
}

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

/* The environment's parent: its own parent_id, else the tenant's; NULL = leave it where it is. */
static const char *effective_parent(const struct tf_value *tenant, const struct tf_value *env,
                                    bool *from_env)
{
    const char *p = tf_value_str(tf_value_attr(env, "parent_id"));
    *from_env = p != NULL;
    return p != NULL ? p : tf_value_str(tf_value_attr(tenant, "parent_id"));
}

/* unicron:import of an account: what import cannot read from AWS. */
static const char *account_meta(struct uc_arena *a, const struct tf_value *tenant,
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

/* Tags an environment's account must carry: tags_all plus the per-account unicron:* tags. A new
 * JSON object the caller owns; NULL when out of memory. */
static json_t *account_tags(struct uc_arena *a, const struct tf_value *tenant,
                            const struct tf_value *env, size_t index)
{
    json_t *o = json_object();
    const struct tf_value *all = tf_value_attr(tenant, "tags_all");
    (void)index;
    if (o == NULL)
        return NULL;
    for (size_t i = 0; res_is_set(all) && i < all->count; i++)
        if (tf_value_str(all->elems[i]) != NULL)
            json_object_set_new(o, all->keys[i], json_string(tf_value_str(all->elems[i])));
    json_object_set_new(o, TAG_TENANT, json_string(tf_value_str(tf_value_attr(tenant, "name"))));
    json_object_set_new(o, TAG_ENV, json_string(tf_value_str(tf_value_attr(env, "name"))));
    const char *tier = tf_value_str(tf_value_attr(env, "tier"));
    json_object_set_new(o, TAG_TIER, json_string(tier ? tier : "standard"));
    return o;
}

/* What one access role must be in one environment. */
struct role_want {
    bool wanted;
    const char *trust;   /* trust policy JSON (arena) */
    json_t *tags;        /* role tags (owned by the work item) */
};

/* The access roles of environment env (name) under access list acc. */
static bool role_wants(struct uc_arena *a, const struct tf_value *tenant, const char *env,
                       struct role_want out[N_ROLES])
{
    const struct tf_value *acc = tf_value_attr(tenant, "access");
    memset(out, 0, N_ROLES * sizeof *out);
    for (size_t i = 0; res_is_set(acc) && i < acc->count; i++) {
        const struct tf_value *b = acc->elems[i];
        int k = role_kind(tf_value_str(tf_value_attr(b, "role")));
        if (k < 0 || out[k].wanted || !access_covers(b, env))
            continue;
        const struct tf_value *pr = tf_value_attr(b, "principals");
        size_t n = res_is_set(pr) ? pr->count : 0;
        const char **ps = uc_arena_calloc(a, n + 1, sizeof *ps);
        if (ps == NULL)
            return false;
        for (size_t j = 0; j < n; j++)
            ps[j] = tf_value_str(pr->elems[j]) ? tf_value_str(pr->elems[j]) : "";
        out[k].trust = res_trust_policy(a, ps, n);
        struct uc_buf m;
        uc_buf_init_max(&m, META_MAX);
        uc_buf_printf(&m, "index=%zu envs=", i);
        const struct tf_value *envs = tf_value_attr(b, "environments");
        if (!res_is_set(envs))
            uc_buf_putc(&m, '*');
        for (size_t j = 0; res_is_set(envs) && j < envs->count; j++)
            uc_buf_printf(&m, "%s%s", j ? ":" : "", tf_value_str(envs->elems[j]));
        out[k].tags = json_pack("{s:s,s:s,s:s}", TAG_TENANT,
                                tf_value_str(tf_value_attr(tenant, "name")), TAG_ENV, env,
                                TAG_IMPORT, m.err == UC_OK ? uc_buf_str(&m) : "");
        uc_buf_release(&m);
        if (out[k].trust == NULL || out[k].tags == NULL)
            return false;
        out[k].wanted = true;
    }
    return true;
}

/* Kinds whose role the access list covers in environment env. */
static void roles_covered(const struct tf_value *tenant, const char *env, bool out[N_ROLES])
{
    const struct tf_value *acc = tf_value_attr(tenant, "access");
    memset(out, 0, N_ROLES * sizeof *out);
    for (size_t i = 0; res_is_set(acc) && i < acc->count; i++) {
        int k = role_kind(tf_value_str(tf_value_attr(acc->elems[i], "role")));
        if (k >= 0 && access_covers(acc->elems[i], env))
            out[k] = true;
    }
}

/* A known set(string) from a JSON array of strings. */
static struct tf_value *string_set(struct uc_arena *a, const json_t *arr)
{
    size_t n = json_array_size(arr);
    struct tf_value **el = uc_arena_calloc(a, n + 1, sizeof *el);
    if (el == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if ((el[i] = tf_value_string(a, s ? s : "")) == NULL)
            return NULL;
    }
    return tf_value_set(a, &tf_type_set_string, el, n);
}

static struct tf_value *str_or_null(struct uc_arena *a, const char *s)
{
    return s != NULL && s[0] ? tf_value_string(a, s) : tf_value_null(a, &tf_type_string);
}

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

/* --- the work on one environment (runs on its own thread) ----------------------------------- */

enum work_kind { WORK_ENSURE, WORK_RETIRE, WORK_CLOSE, WORK_READ };

struct tenant_op {
    struct aws_client *client;
    struct aws_session *org;        /* the management account (the provider's credentials) */
    struct aws_call_opts opts;
    const char *tenant;
    const char *access_role;        /* account_access_role_name */
    const char *retired_parent;     /* WORK_RETIRE: move here when set */
};

struct env_work {
    /* in: borrowed, read-only while the thread runs */
    const struct tenant_op *op;
    enum work_kind kind;
    size_t index;               /* position in the environment list of the value worked on */
    const char *name;
    const char *email;
    const char *parent;         /* effective parent; NULL = leave it where it is */
    bool parent_from_env;
    const char *account_id;     /* known account; NULL = find or create (WORK_ENSURE) */
    json_t *tags;               /* WORK_ENSURE: the account's tags (owned) */
    const char *meta;           /* WORK_ENSURE: unicron:import of the account-access role */
    struct role_want roles[N_ROLES];
    bool drop_role[N_ROLES];    /* delete when present */
    bool read_role[N_ROLES];    /* WORK_READ */
    /* out: written by the thread only */
    struct uc_arena *arena;     /* the thread's scratch and diagnostics */
    struct tf_diags diags;
    bool ok;
    bool gone;                  /* account missing, closed or closing */
    bool made_here;             /* this call created or adopted the account */
    double joined;              /* the account's JoinedTimestamp (epoch s; 0 = unknown) */
    char account[16], arn[256], state[32], email_out[128], parent_out[80];
    json_t *tags_out;           /* WORK_READ: the account's tags */
    struct res_iam_role_state role_out[N_ROLES];
};

/* The partition of an ARN ("aws", "aws-cn", "aws-us-gov") into buf; "aws" when unparsable. */
static const char *arn_partition(const char *arn, char *buf, size_t n)
{
    const char *p = strncmp(arn, "arn:", 4) == 0 ? arn + 4 : NULL;
    const char *e = p ? strchr(p, ':') : NULL;
    if (e != NULL && e > p && (size_t)(e - p) < n)
        snprintf(buf, n, "%.*s", (int)(e - p), p);
    else
        snprintf(buf, n, "aws");
    return buf;
}

static struct tf_path env_path(size_t index, const char *attr)
{
    struct tf_path p = tf_path_attr(NULL, "environment");
    p = tf_path_index(&p, (int64_t)index);
    return attr ? tf_path_attr(&p, attr) : p;
}

static const char *work_where(struct env_work *w)
{
    const char *acct = w->account[0] ? w->account : w->account_id;
    return acct ? uc_arena_printf(w->arena, "Environment \"%s\" (account %s)", w->name, acct)
                : uc_arena_printf(w->arena, "Environment \"%s\"", w->name);
}

static void work_fail(struct env_work *w, const char *attr, const struct aws_error *err)
{
    struct tf_path p = env_path(w->index, attr);
    res_aws_diag(&w->diags, &p, work_where(w), err);
}

static void account_fields(struct env_work *w, const json_t *acct)
{
    const char *v;
    if ((v = json_string_value(json_object_get(acct, "Arn"))) != NULL)
        snprintf(w->arn, sizeof w->arn, "%s", v);
    if ((v = json_string_value(json_object_get(acct, "State"))) == NULL)
        v = json_string_value(json_object_get(acct, "Status"));
    snprintf(w->state, sizeof w->state, "%s", v ? v : "");
    if ((v = json_string_value(json_object_get(acct, "Email"))) != NULL)
        snprintf(w->email_out, sizeof w->email_out, "%s", v);
    w->joined = res_org_account_joined(acct);
}

/* The session inside the environment's account. A new account's access role takes minutes to
 * become assumable and the AWS client waits that long; an account that has been around for a
 * while (and was not made by this call) fails fast instead, so that a refresh of an account
 * whose role was deleted outside Terraform does not hang. */
static struct aws_session *work_session(struct env_work *w, struct aws_error *err)
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

static bool drop_roles(struct env_work *w)
{
    bool any = false;
    for (int k = 0; k < N_ROLES; k++)
        any |= w->drop_role[k];
    if (!any)
        return true;
    struct aws_error err;
    aws_error_clear(&err);
    struct aws_session *s = work_session(w, &err);
    for (int k = 0; s != NULL && k < N_ROLES; k++) {
        if (!w->drop_role[k])
            continue;
        if (res_iam_role_delete(s, role_names[k], &w->op->opts, &err) != UC_OK) {
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
static bool create_or_adopt(struct env_work *w)
{
    const struct tenant_op *op = w->op;
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
    struct tf_path email_path = env_path(w->index, "email");
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

static void ensure_environment(struct env_work *w)
{
    const struct tenant_op *op = w->op;
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
        struct tf_path p = env_path(w->index, NULL);
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
    const char *owner = json_string_value(json_object_get(tags, TAG_TENANT));
    if (owner != NULL && strcmp(owner, op->tenant) != 0) {
        struct tf_path p = env_path(w->index, "email");
        tf_diag_error(&w->diags, &p, "Account belongs to another tenant",
                      "%s with e-mail %s is tagged %s = \"%s\"; unicron does not take over "
                      "another tenant's account. Use another e-mail.",
                      work_where(w), w->email, TAG_TENANT, owner);
        goto out;
    }
    if (w->parent != NULL) {
        if (res_org_move_account(op->org, w->account, w->parent, &op->opts, &err) != UC_OK) {
            if (aws_error_is(&err, "DestinationParentNotFoundException")) {
                struct tf_path p = w->parent_from_env ? env_path(w->index, "parent_id")
                                                      : tf_path_attr(NULL, "parent_id");
                res_aws_diag(&w->diags, &p, work_where(w), &err);
            } else {
                work_fail(w, NULL, &err);
            }
            goto out;
        }
        snprintf(w->parent_out, sizeof w->parent_out, "%s", w->parent);
    }
    if (res_org_tag_account(op->org, w->account, w->tags, true, &op->opts, &err) != UC_OK) {
        work_fail(w, "tier", &err);
        goto out;
    }
    {
        struct aws_session *s = work_session(w, &err);
        json_t *meta = json_pack("{s:s}", TAG_IMPORT, w->meta ? w->meta : "");
        uc_status st = s != NULL && meta != NULL
                           ? res_iam_role_tag(s, op->access_role, meta, &op->opts, &err)
                           : UC_NOMEM;
        json_decref(meta);
        if (s == NULL || st != UC_OK) {
            work_fail(w, NULL, &err);
            goto out;
        }
        char part[32];
        for (int k = 0; k < N_ROLES; k++) {
            if (w->roles[k].wanted) {
                char policy[128];
                snprintf(policy, sizeof policy, "arn:%s:iam::aws:policy/%s",
                         arn_partition(w->arn, part, sizeof part), role_policies[k]);
                struct res_iam_role_spec spec = {
                    .name = role_names[k],
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
                       res_iam_role_delete(s, role_names[k], &op->opts, &err) != UC_OK) {
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
static void retire_environment(struct env_work *w, bool close)
{
    const struct tenant_op *op = w->op;
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
    json_t *tag = json_pack("{s:s}", TAG_RETIRED, "true");
    uc_status st = tag ? res_org_tag_account(op->org, w->account, tag, false, &op->opts, &err) : UC_NOMEM;
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

static void read_environment(struct env_work *w)
{
    const struct tenant_op *op = w->op;
    struct aws_error err;
    json_t *acct = NULL;
    aws_error_clear(&err);
    snprintf(w->account, sizeof w->account, "%s", w->account_id);
    if (res_org_describe_account(op->org, w->account, &op->opts, &acct, &err) != UC_OK) {
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
    if (res_org_account_parent(op->org, w->account, &op->opts, w->parent_out,
                               sizeof w->parent_out, &err) != UC_OK ||
        res_org_account_tags(op->org, w->account, &op->opts, &w->tags_out, &err) != UC_OK) {
        work_fail(w, NULL, &err);
        goto out;
    }
    bool any = false;
    for (int k = 0; k < N_ROLES; k++)
        any |= w->read_role[k];
    if (any) {
        struct aws_session *s = work_session(w, &err);
        if (s == NULL) {
            work_fail(w, NULL, &err);
            goto out;
        }
        for (int k = 0; k < N_ROLES; k++) {
            if (w->read_role[k] &&
                res_iam_role_read(s, role_names[k], &op->opts, &w->role_out[k], &err) !=
                    UC_OK) {
                work_fail(w, NULL, &err);
                goto out;
            }
        }
    }
    w->ok = true;
out:
    json_decref(acct);
}

static void *work_main(void *arg)
{
    struct env_work *w = arg;
    switch (w->kind) {
    case WORK_ENSURE:
        ensure_environment(w);
        break;
    case WORK_RETIRE:
        retire_environment(w, false);
        break;
    case WORK_CLOSE:
        retire_environment(w, true);
        break;
    case WORK_READ:
        read_environment(w);
        break;
    }
    return NULL;
}

/* Sets up n work items (zeroed, each with its own arena). False when out of memory. */
static bool works_init(struct env_work *ws, size_t n, const struct tenant_op *op)
{
    for (size_t i = 0; i < n; i++) {
        memset(&ws[i], 0, sizeof ws[i]);
        ws[i].op = op;
        ws[i].arena = uc_arena_new();
        if (ws[i].arena == NULL)
            return false;
        tf_diags_init(&ws[i].diags, ws[i].arena);
    }
    return true;
}

/* Runs every work item on its own thread (inline when a thread cannot start), waits for all,
 * and copies their diagnostics into d in order. */
static void works_run(struct env_work *ws, size_t n, struct tf_diags *d)
{
    pthread_t th[MAX_ENVIRONMENTS * 2];
    bool started[MAX_ENVIRONMENTS * 2] = {false};
    for (size_t i = 0; i < n; i++) {
        if (n > 1 && i < sizeof th / sizeof th[0])
            started[i] = pthread_create(&th[i], NULL, work_main, &ws[i]) == 0;
        if (!started[i])
            work_main(&ws[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (started[i])
            pthread_join(th[i], NULL);
    for (size_t i = 0; i < n; i++)
        tf_diags_append(d, &ws[i].diags);
}

static void works_release(struct env_work *ws, size_t n)
{
    for (size_t i = 0; ws != NULL && i < n; i++) {
        json_decref(ws[i].tags);
        json_decref(ws[i].tags_out);
        for (int k = 0; k < N_ROLES; k++) {
            json_decref(ws[i].roles[k].tags);
            res_iam_role_state_release(&ws[i].role_out[k]);
        }
        uc_arena_free(ws[i].arena);
    }
}

static bool op_init(struct tenant_op *op, struct res_ctx *ctx, const struct tf_value *obj,
                    const char *timeout, int64_t dflt_ns)
{
    memset(op, 0, sizeof *op);
    op->client = ctx->provider->client;
    op->org = aws_client_session(op->client);
    op->opts = res_call_opts(ctx, obj, timeout, dflt_ns, true);
    op->tenant = tf_value_str(tf_value_attr(obj, "name"));
    op->access_role = ctx->provider->account_access_role_name;
    op->retired_parent = tf_value_str(tf_value_attr(obj, "retired_parent_id"));
    if (op->client == NULL || op->org == NULL || op->tenant == NULL) {
        tf_diag_error(ctx->diags, NULL, "Provider not ready",
                      "The AWS client of the unicron provider is not available.");
        return false;
    }
    return true;
}

/* Checks every distinct parent the planned tenant names before anything is created, so that a
 * wrong OU id is an error on its attribute and no account is made. */
static bool check_parents(struct res_ctx *ctx, const struct tenant_op *op,
                          const struct tf_value *planned)
{
    const struct tf_value *envs = tf_value_attr(planned, "environment");
    const char *seen[MAX_ENVIRONMENTS + 2] = {NULL};
    size_t nseen = 0;
    bool ok = true;
    for (size_t i = 0; i <= (res_is_set(envs) ? envs->count : 0); i++) {
        const char *id;
        struct tf_path p;
        if (i == 0) {
            id = tf_value_str(tf_value_attr(planned, "parent_id"));
            p = tf_path_attr(NULL, "parent_id");
        } else {
            id = tf_value_str(tf_value_attr(envs->elems[i - 1], "parent_id"));
            p = env_path(i - 1, "parent_id");
        }
        bool dup = false;
        for (size_t j = 0; id != NULL && j < nseen; j++)
            dup |= strcmp(seen[j], id) == 0;
        if (id == NULL || dup || nseen >= sizeof seen / sizeof seen[0])
            continue;
        seen[nseen++] = id;
        struct aws_error err;
        bool exists = false;
        aws_error_clear(&err);
        /* where: the parent and the environments placed there */
        struct uc_buf wb;
        uc_buf_init(&wb);
        uc_buf_printf(&wb, "parent_id \"%s\" of environment%s ", id,
                      i == 0 && envs->count > 1 ? "s" : "");
        for (size_t e = 0, k = 0; res_is_set(envs) && e < envs->count; e++) {
            const char *own = tf_value_str(tf_value_attr(envs->elems[e], "parent_id"));
            if ((i == 0 && own == NULL) || (i > 0 && e == i - 1))
                uc_buf_printf(&wb, "%s\"%s\"", k++ ? ", " : "",
                              tf_value_str(tf_value_attr(envs->elems[e], "name")));
        }
        const char *where = wb.err == UC_OK ? uc_arena_strdup(ctx->arena, uc_buf_str(&wb)) : id;
        uc_buf_release(&wb);
        if (res_org_parent_exists(op->org, id, &op->opts, &exists, &err) != UC_OK) {
            res_aws_diag(ctx->diags, &p, where, &err);
            ok = false;
        } else if (!exists) {
            /* check_parent filled err with the AWS answer (OU or root not found) */
            res_aws_diag(ctx->diags, &p, uc_arena_printf(ctx->arena, "%s. It is neither the "
                                                         "organization's root nor one of its "
                                                         "organizational units; nothing was "
                                                         "created or moved",
                                                         where),
                         &err);
            ok = false;
        }
    }
    return ok;
}

/* Fills the ensure work for planned environment env (index i). */
static bool ensure_work(struct env_work *w, struct uc_arena *a, const struct tf_value *planned,
                        const struct tf_value *env, size_t i, const struct tf_value *prior)
{
    w->kind = WORK_ENSURE;
    w->index = i;
    w->name = tf_value_str(tf_value_attr(env, "name"));
    w->email = tf_value_str(tf_value_attr(env, "email"));
    w->parent = effective_parent(planned, env, &w->parent_from_env);
    w->tags = account_tags(a, planned, env, i);
    w->meta = account_meta(a, planned, env, i);
    if (w->name == NULL || w->email == NULL || w->tags == NULL)
        return false;
    const struct tf_value *old = res_find_by_name(tf_value_attr(prior, "environment"), w->name);
    w->account_id = tf_value_str(tf_value_attr(old, "account_id"));
    if (!role_wants(a, planned, w->name, w->roles))
        return false;
    if (old != NULL && w->account_id != NULL) {
        bool had[N_ROLES];
        roles_covered(prior, w->name, had);
        for (int k = 0; k < N_ROLES; k++)
            w->drop_role[k] = had[k] && !w->roles[k].wanted;
    }
    return true;
}

static void retire_work(struct env_work *w, const struct tf_value *tenant,
                        const struct tf_value *env, size_t i, bool close)
{
    w->kind = close ? WORK_CLOSE : WORK_RETIRE;
    w->index = i;
    w->name = tf_value_str(tf_value_attr(env, "name"));
    w->account_id = tf_value_str(tf_value_attr(env, "account_id"));
    roles_covered(tenant, w->name ? w->name : "", w->drop_role);
}

/* The planned environment with what apply learned filled in (nulls where it failed). */
static struct tf_value *env_result(struct uc_arena *a, const struct env_work *w,
                                   struct tf_value *env, const char *access_role)
{
    bool have = w->account[0] != '\0';
    char role_arn[320] = "";
    if (have) {
        char part[32];
        snprintf(role_arn, sizeof role_arn, "arn:%s:iam::%s:role/%s",
                 arn_partition(w->arn, part, sizeof part), w->account, access_role);
    }
    struct tf_value *vals[4] = {
        str_or_null(a, have ? w->account : NULL), str_or_null(a, have ? w->arn : NULL),
        str_or_null(a, have ? w->state : NULL), str_or_null(a, have ? role_arn : NULL)};
    static const char *const names[4] = {"account_id", "account_arn", "state",
                                         "access_role_arn"};
    for (size_t k = 0; k < 4 && env != NULL; k++)
        env = vals[k] ? tf_value_with_attr(a, env, names[k], vals[k]) : NULL;
    return env;
}

/* id, account_ids and every remaining unknown settled. */
static struct tf_value *finish_state(struct uc_arena *a, struct tf_value *v)
{
    struct tf_value *envs = tf_value_attr(v, "environment");
    size_t n = res_is_set(envs) ? envs->count : 0;
    const char **keys = uc_arena_calloc(a, n + 1, sizeof *keys);
    struct tf_value **vals = uc_arena_calloc(a, n + 1, sizeof *vals);
    size_t m = 0;
    if (keys == NULL || vals == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *name = tf_value_str(tf_value_attr(envs->elems[i], "name"));
        struct tf_value *id = tf_value_attr(envs->elems[i], "account_id");
        bool dup = false;
        for (size_t j = 0; name != NULL && j < m; j++)
            dup |= strcmp(keys[j], name) == 0;
        if (name == NULL || dup || tf_value_str(id) == NULL)
            continue;
        keys[m] = name;
        vals[m++] = id;
    }
    struct tf_value *ids = tf_value_map(a, &tf_type_map_string, keys, vals, m);
    struct tf_value *name = tf_value_attr(v, "name");
    if (ids == NULL || (v = tf_value_with_attr(a, v, "account_ids", ids)) == NULL ||
        (v = tf_value_with_attr(a, v, "id", name)) == NULL)
        return NULL;
    if (!tf_value_is_known(tf_value_attr(v, "tags_all"))) {
        struct tf_value *z = tf_value_null(a, &tf_type_map_string);
        if (z == NULL || (v = tf_value_with_attr(a, v, "tags_all", z)) == NULL)
            return NULL;
    }
    return v;
}

/* --- create / read / update / delete / import ----------------------------------------------- */

static struct tf_value *tenant_create(struct res_ctx *ctx, const struct tf_value *planned,
                                      const struct tf_value *config)
{
    struct uc_arena *a = ctx->arena;
    struct tenant_op op;
    struct env_work ws[MAX_ENVIRONMENTS];
    const struct tf_value *envs = tf_value_attr(planned, "environment");
    size_t n = res_is_set(envs) ? envs->count : 0;
    struct tf_value *result = NULL;
    (void)config;
    if (n > MAX_ENVIRONMENTS || !op_init(&op, ctx, planned, "create", RES_DEFAULT_TIMEOUT_NS))
        return NULL;
    if (!works_init(ws, n, &op))
        goto oom;
    if (!check_parents(ctx, &op, planned))
        goto out; /* nothing created */
    for (size_t i = 0; i < n; i++)
        if (!ensure_work(&ws[i], a, planned, envs->elems[i], i, NULL))
            goto oom;
    works_run(ws, n, ctx->diags);

    struct tf_value **elems = uc_arena_calloc(a, n + 1, sizeof *elems);
    if (elems == NULL)
        goto oom;
    size_t made = 0;
    for (size_t i = 0; i < n; i++) {
        elems[i] = env_result(a, &ws[i], envs->elems[i], op.access_role);
        if (elems[i] == NULL)
            goto oom;
        made += ws[i].account[0] != '\0';
    }
    struct tf_value *list = tf_value_list(a, envs->type, elems, n);
    result = list ? tf_value_with_attr(a, planned, "environment", list) : NULL;
    result = result ? finish_state(a, result) : NULL;
    if (result == NULL)
        goto oom;
    if (made == 0 && tf_diags_has_error(ctx->diags))
        result = NULL; /* nothing exists: no state */
    goto out;
oom:
    tf_diag_error(ctx->diags, NULL, "Out of memory", "Creating unicron_tenant ran out of memory.");
    result = NULL;
out:
    works_release(ws, n);
    return result;
}

/* --- read: what AWS holds now --------------------------------------------------------------- */

/* The access role principals of kind k in a read environment; NULL = role missing (or without
 * its managed policy). */
static json_t *read_principals(const struct env_work *w, int k)
{
    const struct res_iam_role_state *r = &w->role_out[k];
    if (!r->exists || r->trust == NULL)
        return NULL;
    bool attached = false;
    size_t i;
    json_t *p;
    json_array_foreach(r->attached, i, p) {
        const char *arn = json_string_value(p);
        const char *slash = arn ? strrchr(arn, '/') : NULL;
        if (slash != NULL && strcmp(slash + 1, role_policies[k]) == 0 &&
            strstr(arn, ":iam::aws:policy/") != NULL)
            attached = true;
    }
    return attached ? res_trust_principals(r->trust, NULL) : NULL;
}

static bool set_equals_json(const struct tf_value *set, const json_t *arr)
{
    size_t n = res_is_set(set) ? set->count : 0;
    if (arr == NULL || json_array_size(arr) != n)
        return false;
    json_t *mine = json_array();
    for (size_t i = 0; mine != NULL && i < n; i++)
        json_array_append_new(mine, json_string(tf_value_str(set->elems[i]) ? tf_value_str(
                                                                                  set->elems[i])
                                                                            : ""));
    json_t *doc_a = json_pack("{s:{s:o}}", "Principal", "AWS", mine);
    json_t *doc_b = json_pack("{s:{s:O}}", "Principal", "AWS", (json_t *)arr);
    bool eq = res_policy_equal_json(doc_a, doc_b);
    json_decref(doc_a);
    json_decref(doc_b);
    return eq;
}

struct role_group {
    json_t *principals; /* borrowed from a work item */
    const char *envs[MAX_ENVIRONMENTS];
    size_t n;
};

/* The access list as AWS holds it, starting from the state's: a block whose role matches in
 * every environment it covers stays as it is; otherwise it is split by what each environment
 * holds (its environments then listed), and environments where the role is missing (or lacks
 * its managed policy) drop out of it. Environments without a live account keep the state's
 * view. */
static struct tf_value *read_access(struct uc_arena *a, const struct tf_value *cur,
                                    const struct tf_value *envs, const struct env_work *ws,
                                    const bool *live)
{
    const struct tf_value *acc = tf_value_attr(cur, "access");
    size_t n = res_is_set(acc) ? acc->count : 0;
    struct tf_value **out = uc_arena_calloc(a, n * MAX_ENVIRONMENTS + 1, sizeof *out);
    json_t *keep = json_array(); /* owns the principal lists read for the grouping */
    struct tf_value *result = NULL;
    size_t m = 0;
    if (out == NULL || keep == NULL || n == 0) {
        json_decref(keep);
        return n == 0 ? (struct tf_value *)acc : NULL;
    }
    for (size_t b = 0; b < n; b++) {
        const struct tf_value *blk = acc->elems[b];
        const struct tf_value *pr = tf_value_attr(blk, "principals");
        int k = role_kind(tf_value_str(tf_value_attr(blk, "role")));
        struct role_group groups[MAX_ENVIRONMENTS];
        size_t ng = 0, covered = 0;
        bool all_match = true;
        memset(groups, 0, sizeof groups);
        for (size_t e = 0; k >= 0 && e < envs->count && e < MAX_ENVIRONMENTS; e++) {
            const char *name = tf_value_str(tf_value_attr(envs->elems[e], "name"));
            if (name == NULL || !access_covers(blk, name))
                continue;
            covered++;
            json_t *t = NULL;
            bool same;
            if (live[e]) {
                t = read_principals(&ws[e], k);
                same = t != NULL && set_equals_json(pr, t);
                if (t != NULL && json_array_append_new(keep, t) != 0)
                    goto fail;
            } else {
                same = true; /* no account to look at */
            }
            all_match &= same;
            if (live[e] && t == NULL)
                continue; /* missing here */
            size_t g = 0;
            for (; g < ng; g++) {
                bool gsame = groups[g].principals == NULL ? same
                             : t == NULL ? set_equals_json(pr, groups[g].principals)
                                         : json_equal(groups[g].principals, t);
                if (gsame)
                    break;
            }
            if (g == ng) {
                groups[ng].principals = same ? NULL : t;
                ng++;
            }
            groups[g].envs[groups[g].n++] = name;
        }
        if (k < 0 || all_match) {
            out[m++] = (struct tf_value *)blk;
            continue;
        }
        for (size_t g = 0; g < ng; g++) {
            struct tf_value *p = groups[g].principals ? string_set(a, groups[g].principals)
                                                      : (struct tf_value *)pr;
            struct tf_value *ev;
            if (ng == 1 && groups[g].n == covered) {
                ev = tf_value_attr(blk, "environments");
            } else {
                struct tf_value *el[MAX_ENVIRONMENTS];
                for (size_t j = 0; j < groups[g].n; j++)
                    if ((el[j] = tf_value_string(a, groups[g].envs[j])) == NULL)
                        goto fail;
                ev = tf_value_set(a, &tf_type_set_string, el, groups[g].n);
            }
            struct tf_value *nb = p && ev ? tf_value_with_attr(a, blk, "principals", p) : NULL;
            nb = nb ? tf_value_with_attr(a, nb, "environments", ev) : NULL;
            if (nb == NULL)
                goto fail;
            out[m++] = nb;
        }
    }
    result = tf_value_list(a, acc->type, out, m);
fail:
    json_decref(keep);
    return result;
}

/* tags_all as one account holds it (the unicron:* bookkeeping tags removed). */
static struct tf_value *read_tags_all(struct uc_arena *a, const json_t *tags, const char *env)
{
    size_t n = json_object_size(tags);
    const char **keys = uc_arena_calloc(a, n + 1, sizeof *keys);
    struct tf_value **vals = uc_arena_calloc(a, n + 1, sizeof *vals);
    size_t m = 0;
    const char *k;
    json_t *v;
    if (keys == NULL || vals == NULL)
        return NULL;
    json_object_foreach((json_t *)tags, k, v) {
        if (k[0] == '\x01' || !json_is_string(v) || is_meta_tag(k, json_string_value(v), env))
            continue;
        keys[m] = uc_arena_strdup(a, k);
        if ((vals[m] = tf_value_string(a, json_string_value(v))) == NULL || keys[m] == NULL)
            return NULL;
        m++;
    }
    return tf_value_map(a, &tf_type_map_string, keys, vals, m);
}

static struct tf_value *tenant_read(struct res_ctx *ctx, const struct tf_value *cur)
{
    struct uc_arena *a = ctx->arena;
    struct tenant_op op;
    struct env_work ws[MAX_ENVIRONMENTS];
    const struct tf_value *envs = tf_value_attr(cur, "environment");
    size_t n = res_is_set(envs) ? envs->count : 0;
    bool live[MAX_ENVIRONMENTS] = {false};
    struct tf_value *result = NULL;
    size_t nlive = 0, nwork = 0;
    size_t widx[MAX_ENVIRONMENTS];
    if (n > MAX_ENVIRONMENTS)
        n = MAX_ENVIRONMENTS;
    if (!op_init(&op, ctx, cur, "read", RES_READ_TIMEOUT_NS))
        return NULL;
    if (!works_init(ws, n, &op))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const char *id = tf_value_str(tf_value_attr(envs->elems[i], "account_id"));
        const char *name = tf_value_str(tf_value_attr(envs->elems[i], "name"));
        ws[i].kind = WORK_READ;
        ws[i].index = i;
        ws[i].name = name ? name : "?";
        ws[i].account_id = id;
        roles_covered(cur, ws[i].name, ws[i].read_role);
        if (id != NULL)
            widx[nwork++] = i;
    }
    /* run only the environments that have an account; keep the index order */
    {
        struct env_work tmp[MAX_ENVIRONMENTS];
        for (size_t j = 0; j < nwork; j++)
            tmp[j] = ws[widx[j]];
        works_run(tmp, nwork, ctx->diags);
        for (size_t j = 0; j < nwork; j++)
            ws[widx[j]] = tmp[j];
    }
    for (size_t i = 0; i < n; i++)
        if (ws[i].account_id != NULL && !ws[i].ok)
            goto out; /* a read failed: keep the state Terraform has (error diagnosed) */

    struct tf_value **elems = uc_arena_calloc(a, n + 1, sizeof *elems);
    if (elems == NULL)
        goto oom;
    const char *tparent = tf_value_str(tf_value_attr(cur, "parent_id"));
    const char *new_tparent = tparent;
    struct tf_value *tags_all = tf_value_attr(cur, "tags_all");
    bool tags_drift = false;
    for (size_t i = 0; i < n; i++) {
        struct tf_value *e = envs->elems[i];
        struct env_work *w = &ws[i];
        if (w->account_id == NULL) {
            elems[i] = e;
            continue;
        }
        if (w->gone) {
            struct tf_path p = env_path(i, NULL);
            tf_diag_warning(ctx->diags, &p, "Account closed or removed outside Terraform",
                            "The %s account %s is %s. Its values are dropped from the state, "
                            "so the plan shows a new account for \"%s\". AWS keeps the e-mail "
                            "of a closed account for 90 days: give this environment a new "
                            "email (or remove the environment block) before applying.",
                            w->name, w->account_id, w->state[0] ? w->state : "gone", w->name);
            struct env_work none;
            memset(&none, 0, sizeof none);
            elems[i] = env_result(a, &none, e, op.access_role);
            if (elems[i] == NULL)
                goto oom;
            continue;
        }
        live[i] = true;
        nlive++;
        const char *email = tf_value_str(tf_value_attr(e, "email"));
        if (email == NULL || strcasecmp(email, w->email_out) != 0)
            e = tf_value_with_attr(a, e, "email", str_or_null(a, w->email_out));
        const char *tier = json_string_value(json_object_get(w->tags_out, TAG_TIER));
        const char *old_tier = tf_value_str(tf_value_attr(e, "tier"));
        if (e && (tier == NULL || old_tier == NULL || strcmp(tier, old_tier) != 0))
            e = tf_value_with_attr(a, e, "tier", str_or_null(a, tier));
        const char *own = tf_value_str(tf_value_attr(e, "parent_id"));
        if (e && own != NULL && strcmp(own, w->parent_out) != 0)
            e = tf_value_with_attr(a, e, "parent_id", str_or_null(a, w->parent_out));
        if (own == NULL && tparent != NULL && new_tparent == tparent &&
            strcmp(w->parent_out, tparent) != 0)
            new_tparent = uc_arena_strdup(a, w->parent_out);
        elems[i] = e ? env_result(a, w, e, op.access_role) : NULL;
        if (elems[i] == NULL)
            goto oom;
        if (!tags_drift) {
            struct tf_value *t = read_tags_all(a, w->tags_out, w->name);
            if (t == NULL)
                goto oom;
            if (!tf_value_equal(t, tags_all)) {
                tags_all = t;
                tags_drift = true;
            }
        }
    }
    if (nlive == 0) {
        result = NULL; /* no account left: the tenant is gone */
        goto out;
    }
    struct tf_value *list = tf_value_list(a, envs->type, elems, n);
    struct tf_value *v = list ? tf_value_with_attr(a, cur, "environment", list) : NULL;
    struct tf_value *acc = list ? read_access(a, cur, list, ws, live) : NULL;
    v = v && acc ? tf_value_with_attr(a, v, "access", acc) : NULL;
    v = v ? tf_value_with_attr(a, v, "tags_all", tags_all) : NULL;
    if (v && new_tparent != tparent)
        v = tf_value_with_attr(a, v, "parent_id", str_or_null(a, new_tparent));
    result = v ? finish_state(a, v) : NULL;
    if (result == NULL)
        goto oom;
    goto out;
oom:
    tf_diag_error(ctx->diags, NULL, "Out of memory", "Reading unicron_tenant ran out of memory.");
    result = NULL;
out:
    works_release(ws, n);
    return result;
}

/* --- update --------------------------------------------------------------------------------- */

static struct tf_value *tenant_update(struct res_ctx *ctx, const struct tf_value *prior,
                                      const struct tf_value *planned,
                                      const struct tf_value *config)
{
    struct uc_arena *a = ctx->arena;
    struct tenant_op op;
    struct env_work ws[MAX_ENVIRONMENTS * 2];
    const struct tf_value *envs = tf_value_attr(planned, "environment");
    const struct tf_value *old = tf_value_attr(prior, "environment");
    size_t n = res_is_set(envs) ? envs->count : 0;
    size_t nold = res_is_set(old) ? old->count : 0;
    size_t nw = 0;
    struct tf_value *result = NULL;
    (void)config;
    if (n > MAX_ENVIRONMENTS || nold > MAX_ENVIRONMENTS ||
        !op_init(&op, ctx, planned, "update", RES_DEFAULT_TIMEOUT_NS))
        return NULL;
    if (!works_init(ws, n + nold, &op))
        goto oom;
    if (!check_parents(ctx, &op, planned))
        goto out;
    bool close = tf_value_get_bool(tf_value_attr(planned, "close_on_deletion"), false);
    for (size_t i = 0; i < n; i++)
        if (!ensure_work(&ws[nw++], a, planned, envs->elems[i], i, prior))
            goto oom;
    size_t first_removed = nw;
    for (size_t i = 0; i < nold; i++) {
        const char *name = tf_value_str(tf_value_attr(old->elems[i], "name"));
        if (res_find_by_name(envs, name) != NULL ||
            tf_value_str(tf_value_attr(old->elems[i], "account_id")) == NULL)
            continue;
        retire_work(&ws[nw++], prior, old->elems[i], i, close);
    }
    works_run(ws, nw, ctx->diags);

    struct tf_value **elems = uc_arena_calloc(a, n + nold + 1, sizeof *elems);
    size_t m = 0;
    if (elems == NULL)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        struct tf_value *e = envs->elems[i];
        if (ws[i].account[0] == '\0' && ws[i].account_id != NULL) {
            /* the account is known but the work failed early: keep what the state had */
            const struct tf_value *o = res_find_by_name(old, ws[i].name);
            snprintf(ws[i].account, sizeof ws[i].account, "%s", ws[i].account_id);
            snprintf(ws[i].arn, sizeof ws[i].arn, "%s",
                     tf_value_str(tf_value_attr(o, "account_arn"))
                         ? tf_value_str(tf_value_attr(o, "account_arn"))
                         : "");
            snprintf(ws[i].state, sizeof ws[i].state, "%s",
                     tf_value_str(tf_value_attr(o, "state")) ? tf_value_str(
                                                                   tf_value_attr(o, "state"))
                                                             : "ACTIVE");
        }
        if ((elems[m++] = env_result(a, &ws[i], e, op.access_role)) == NULL)
            goto oom;
    }
    for (size_t j = first_removed; j < nw; j++)
        if (!ws[j].ok) /* not retired: keep it in the state so that nothing is orphaned */
            elems[m++] = old->elems[ws[j].index];
    struct tf_value *list = tf_value_list(a, envs->type, elems, m);
    result = list ? tf_value_with_attr(a, planned, "environment", list) : NULL;
    result = result ? finish_state(a, result) : NULL;
    if (result == NULL)
        goto oom;
    goto out;
oom:
    tf_diag_error(ctx->diags, NULL, "Out of memory", "Updating unicron_tenant ran out of memory.");
    result = NULL;
out:
    works_release(ws, n + nold);
    return result;
}

/* --- delete --------------------------------------------------------------------------------- */

static bool tenant_delete(struct res_ctx *ctx, const struct tf_value *prior)
{
    struct tenant_op op;
    struct env_work ws[MAX_ENVIRONMENTS];
    const struct tf_value *envs = tf_value_attr(prior, "environment");
    size_t n = res_is_set(envs) ? envs->count : 0, nw = 0;
    bool ok = true;
    if (n > MAX_ENVIRONMENTS)
        n = MAX_ENVIRONMENTS;
    if (!op_init(&op, ctx, prior, "delete", RES_DEFAULT_TIMEOUT_NS))
        return false;
    if (!works_init(ws, n, &op)) {
        tf_diag_error(ctx->diags, NULL, "Out of memory", "Deleting unicron_tenant ran out of "
                                                         "memory.");
        works_release(ws, n);
        return false;
    }
    bool close = tf_value_get_bool(tf_value_attr(prior, "close_on_deletion"), false);
    for (size_t i = 0; i < n; i++)
        if (tf_value_str(tf_value_attr(envs->elems[i], "account_id")) != NULL)
            retire_work(&ws[nw++], prior, envs->elems[i], i, close);
    works_run(ws, nw, ctx->diags);
    for (size_t i = 0; i < nw; i++)
        ok &= ws[i].ok;
    works_release(ws, n);
    return ok;
}

static void tenant_plan_destroy(struct res_ctx *ctx, const struct tf_value *prior)
{
    if (tf_value_get_bool(tf_value_attr(prior, "close_on_deletion"), false))
        return;
    const struct tf_value *ids = tf_value_attr(prior, "account_ids");
    const char *rp = tf_value_str(tf_value_attr(prior, "retired_parent_id"));
    struct uc_buf b;
    uc_buf_init(&b);
    for (size_t i = 0; res_is_set(ids) && i < ids->count; i++)
        uc_buf_printf(&b, "%s%s (%s)", i ? ", " : "", tf_value_str(ids->elems[i]), ids->keys[i]);
    tf_diag_warning(ctx->diags, NULL, "Accounts will be retired, not closed",
                    "close_on_deletion is false: destroying tenant \"%s\" removes its access "
                    "roles, tags its accounts %s = \"true\"%s%s and leaves them in the "
                    "organization: %s. Set close_on_deletion = true (and apply) to close them "
                    "instead.",
                    tf_value_str(tf_value_attr(prior, "name")) ? tf_value_str(
                                                                     tf_value_attr(prior, "name"))
                                                               : "?",
                    TAG_RETIRED, rp ? " and moves them to " : "", rp ? rp : "",
                    b.err == UC_OK && b.len ? uc_buf_str(&b) : "none");
    uc_buf_release(&b);
}

/* --- import --------------------------------------------------------------------------------- */

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

static struct tf_value *tenant_import(struct res_ctx *ctx, const char *id)
{
    struct uc_arena *a = ctx->arena;
    struct tenant_op op;
    struct aws_error err;
    json_t *accounts = NULL, *all_tags = json_array();
    struct tf_value *result = NULL;
    struct found_env found[MAX_ENVIRONMENTS];
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
    if (all_tags == NULL || res_org_list_accounts(op.org, &op.opts, &accounts, &err) != UC_OK)
        goto aws_fail;
    size_t i;
    json_t *acct;
    json_array_foreach(accounts, i, acct) {
        const char *state = json_string_value(json_object_get(acct, "State"));
        const char *aid = json_string_value(json_object_get(acct, "Id"));
        json_t *tags = NULL;
        if (aid == NULL || (state != NULL && strcmp(state, "ACTIVE") != 0))
            continue;
        if (res_org_account_tags(op.org, aid, &op.opts, &tags, &err) != UC_OK)
            goto aws_fail;
        json_array_append_new(all_tags, tags);
        const char *ten = json_string_value(json_object_get(tags, TAG_TENANT));
        const char *env = json_string_value(json_object_get(tags, TAG_ENV));
        if (ten == NULL || strcmp(ten, id) != 0 || json_object_get(tags, TAG_RETIRED) != NULL)
            continue;
        if (env == NULL || (strcmp(env, "dev") != 0 && strcmp(env, "staging") != 0 && strcmp(env, "prod") != 0))
            continue;
        for (size_t j = 0; j < nf; j++) {
            if (strcmp(json_string_value(json_object_get(found[j].tags, TAG_ENV)), env) == 0) {
                tf_diag_error(ctx->diags, NULL, "Ambiguous tenant",
                              "Accounts %s and %s are both tagged %s = \"%s\", %s = \"%s\". "
                              "Tag one of them %s = \"true\" (or fix its tags) and import "
                              "again.",
                              found[j].account, aid, TAG_TENANT, id, TAG_ENV, env, TAG_RETIRED);
                goto out;
            }
        }
        if (nf == MAX_ENVIRONMENTS)
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
                                                               r.tags, TAG_IMPORT)))
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
                               str_or_null(a, tpl ? decode_template(a, tpl) : NULL))
          : NULL;
    v = v ? tf_value_with_attr(a, v, "parent_id", str_or_null(a, tp)) : NULL;
    v = v ? tf_value_with_attr(a, v, "retired_parent_id", str_or_null(a, rp)) : NULL;
    v = v ? tf_value_with_attr(a, v, "close_on_deletion",
                               tf_value_bool(a, close != NULL && strcmp(close, "1") == 0))
          : NULL;
    v = v ? tf_value_with_attr(a, v, "cost_center", str_or_null(a, cc)) : NULL;
    v = v ? tf_value_with_attr(a, v, "owner", str_or_null(a, owner)) : NULL;
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
            to = to ? tf_value_with_attr(a, to, "create", str_or_null(a, tc)) : NULL;
            to = to ? tf_value_with_attr(a, to, "update", str_or_null(a, tu)) : NULL;
            to = to ? tf_value_with_attr(a, to, "delete", str_or_null(a, td)) : NULL;
            if (to == NULL || (v = tf_value_with_attr(a, v, "timeouts", to)) == NULL)
                goto oom;
        }
    }
    /* environments */
    struct tf_value *envs[MAX_ENVIRONMENTS];
    for (size_t j = 0; j < nf; j++) {
        const char *env = json_string_value(json_object_get(found[j].tags, TAG_ENV));
        const char *tier = json_string_value(json_object_get(found[j].tags, TAG_TIER));
        const char *fm = found[j].meta ? found[j].meta : "";
        json_t *d = NULL;
        char parent[80] = "";
        if (res_org_describe_account(op.org, found[j].account, &op.opts, &d, &err) != UC_OK)
            goto aws_fail;
        const char *email = json_string_value(json_object_get(d, "Email"));
        struct tf_value *e = null_object(a, env_list_t->elem);
        e = e ? tf_value_with_attr(a, e, "name", tf_value_string(a, env)) : NULL;
        e = e ? tf_value_with_attr(a, e, "email", str_or_null(a, email)) : NULL;
        e = e ? tf_value_with_attr(a, e, "tier", str_or_null(a, tier)) : NULL;
        e = e ? tf_value_with_attr(a, e, "account_id", tf_value_string(a, found[j].account))
              : NULL;
        json_decref(d);
        if (e != NULL && meta_field(a, fm, "ep") != NULL) {
            if (res_org_account_parent(op.org, found[j].account, &op.opts, parent,
                                       sizeof parent, &err) != UC_OK)
                goto aws_fail;
            e = tf_value_with_attr(a, e, "parent_id", str_or_null(a, parent));
        }
        if ((envs[j] = e) == NULL)
            goto oom;
    }
    struct tf_value *elist = tf_value_list(a, env_list_t, envs, nf);
    if (elist == NULL || (v = tf_value_with_attr(a, v, "environment", elist)) == NULL)
        goto oom;
    /* access blocks from the roles' unicron:import tags (read then fills the principals) */
    {
        struct tf_value *blocks[N_ROLES * MAX_ENVIRONMENTS];
        size_t bidx[N_ROLES * MAX_ENVIRONMENTS];
        size_t nb = 0;
        for (size_t j = 0; j < nf; j++) {
            struct aws_session *s = aws_client_account_session(op.client, found[j].account,
                                                               &err);
            if (s == NULL)
                goto aws_fail;
            for (int k = 0; k < N_ROLES; k++) {
                struct res_iam_role_state r;
                if (res_iam_role_read(s, role_names[k], &op.opts, &r, &err) != UC_OK)
                    goto aws_fail;
                const char *rm = r.exists ? json_string_value(json_object_get(r.tags,
                                                                              TAG_IMPORT))
                                          : NULL;
                char *bi = rm ? meta_field(a, rm, "index") : NULL;
                char *benvs = rm ? meta_field(a, rm, "envs") : NULL;
                size_t index = bi ? (size_t)strtoul(bi, NULL, 10) : 100 + (size_t)k;
                bool dup = false;
                for (size_t q = 0; q < nb; q++)
                    dup |= bidx[q] == index;
                json_t *pr = r.exists && r.trust ? res_trust_principals(r.trust, NULL) : NULL;
                if (r.exists && !dup && pr != NULL && nb < N_ROLES * MAX_ENVIRONMENTS) {
                    struct tf_value *blk = null_object(a, acc_list_t->elem);
                    struct tf_value *ev = tf_value_null(a, &tf_type_set_string);
                    if (benvs != NULL && strcmp(benvs, "*") != 0) {
                        struct tf_value *el[MAX_ENVIRONMENTS];
                        size_t ne = 0;
                        for (char *save = NULL, *tok = strtok_r(benvs, ":", &save);
                             tok != NULL && ne < MAX_ENVIRONMENTS;
                             tok = strtok_r(NULL, ":", &save))
                            el[ne++] = tf_value_string(a, tok);
                        ev = tf_value_set(a, &tf_type_set_string, el, ne);
                    } else if (benvs == NULL && nf > 1) {
                        struct tf_value *el[1] = {tf_value_string(a, found[j].tags
                                                                      ? json_string_value(
                                                                            json_object_get(
                                                                                found[j].tags,
                                                                                TAG_ENV))
                                                                      : "dev")};
                        ev = tf_value_set(a, &tf_type_set_string, el, 1);
                    }
                    blk = blk ? tf_value_with_attr(a, blk, "role",
                                                   tf_value_string(a, access_roles[k]))
                              : NULL;
                    blk = blk ? tf_value_with_attr(a, blk, "principals", string_set(a, pr))
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
    result = finish_state(a, v);
    if (result == NULL)
        goto oom;
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

/* --- resource ------------------------------------------------------------------------------- */

const struct res_resource res_tenant = {
    .type_name = "unicron_tenant",
    .schema = &tenant_schema,
    .plan_hooks = &tenant_hooks,
    .validate = tenant_validate,
    .create = tenant_create,
    .update = tenant_update,
    .delete = tenant_delete,
    .read = tenant_read,
    .import = tenant_import,
    .plan_destroy = tenant_plan_destroy,
};
