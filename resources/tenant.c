/* tenant.c - unicron_tenant: one AWS account per environment (dev / staging / prod), OU
 * placement, cost tags and IAM access roles inside each account. Reads top to bottom: schema,
 * plan-time validation, plan hooks, conversions, create / read / update / delete / import.
 * The AWS work is in tenant_env.c (one thread per environment) and org_account.c, import and
 * its unicron:import tags in tenant_import.c. No AWS call may happen at validate or plan;
 * apply never leaves an account it made untracked. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "res_aws_diag.h"
#include "res_iam_role.h"
#include "res_org_account.h"
#include "res_provider.h"
#include "res_registry.h"
#include "res_schema.h"
#include "res_tenant_env.h"
#include "res_tenant_import.h"
#include "res_timeouts.h"
#include "res_validate.h"
#include "uc_buf.h"

/* --- schema ------------------------------------------------------------------------------- */

static const char *const environment_names[] = {"dev", "staging", "prod", NULL};
static const char *const tiers[] = {"critical", "standard", "economy", NULL};

static const struct tf_attr environment_attrs[] = {
    {.name = "name",
     .type = &tf_type_string,
     .flags = TF_REQUIRED,
     .description = "Environment: dev, staging or prod.",
     .validate = res_validate_enum,
     .validate_arg = environment_names},
    {.name = "email",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Root e-mail of the account (default: email_template). Cannot change "
                    "once the account exists.",
     .validate = res_validate_email},
    {.name = "parent_id",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "OU or root for this account (default: the tenant's parent_id); moved in "
                    "place.",
     .validate = res_validate_parent_id},
    {.name = "tier",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Service tier: critical, standard (default) or economy.",
     .validate = res_validate_enum,
     .validate_arg = tiers,
     .default_json = "\"standard\""},
    {.name = "account_id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "Id of the environment's AWS account."},
    {.name = "account_arn",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "ARN of the environment's AWS account."},
    {.name = "state",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "Account state (ACTIVE, PENDING_CLOSURE, SUSPENDED, ...)."},
    {.name = "access_role_arn",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "ARN of the role the provider assumes inside the account."},
};
static const struct tf_block environment_block = {
    .attrs = environment_attrs,
    .nattrs = sizeof environment_attrs / sizeof environment_attrs[0],
    .description = "One AWS account of the tenant.",
};

static const struct tf_attr access_attrs[] = {
    {.name = "role",
     .type = &tf_type_string,
     .flags = TF_REQUIRED,
     .description = "Access role: admin, developer or readonly.",
     .validate = res_validate_enum,
     .validate_arg = res_tenant_role_kinds},
    {.name = "principals",
     .type = &tf_type_set_string,
     .flags = TF_REQUIRED,
     .description = "IAM principal ARNs (root, role or user) allowed to assume the role.",
     .validate = res_validate_iam_principal_arn},
    {.name = "environments",
     .type = &tf_type_set_string,
     .flags = TF_OPTIONAL,
     .description = "Environments the role exists in (default: all of the tenant's).",
     .validate = res_validate_enum,
     .validate_arg = environment_names},
};
static const struct tf_block access_block = {
    .attrs = access_attrs,
    .nattrs = sizeof access_attrs / sizeof access_attrs[0],
    .description = "An IAM role inside the tenant's accounts and who may assume it.",
};

static const struct tf_attr tenant_attrs[] = {
    {.name = "id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The tenant name."},
    {.name = "name",
     .type = &tf_type_string,
     .flags = TF_REQUIRED | TF_FORCE_NEW,
     .description = "Tenant slug: 2-32 lowercase letters, digits and hyphens, starting with a "
                    "letter.",
     .validate = res_validate_slug},
    {.name = "email_template",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Account e-mail with {tenant} and {environment} placeholders, e.g. "
                    "aws+{tenant}-{environment}@example.com.",
     .validate = res_validate_email_template},
    {.name = "parent_id",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Organizational unit (ou-...) or root (r-...) of the accounts; moved in place.",
     .validate = res_validate_parent_id},
    {.name = "retired_parent_id",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "OU that accounts move to on destroy when close_on_deletion is false.",
     .validate = res_validate_parent_id},
    {.name = "cost_center",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Cost center, tagged on every account (unicron:cost-center).",
     .validate = res_validate_tag_value},
    {.name = "owner",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Owning team or person (unicron:owner tag).",
     .validate = res_validate_tag_value},
    {.name = "close_on_deletion",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Close the accounts on destroy (default false: retire them and keep "
                    "them in the organization).",
     .default_json = "false"},
    {.name = "tags",
     .type = &tf_type_map_string,
     .flags = TF_OPTIONAL,
     .description = "Tags of the accounts.",
     .validate = res_validate_tags},
    {.name = "tags_all",
     .type = &tf_type_map_string,
     .flags = TF_COMPUTED,
     .description = "Provider default_tags, tags, and the unicron:* tags."},
    {.name = "account_ids",
     .type = &tf_type_map_string,
     .flags = TF_COMPUTED,
     .description = "Account id of each environment."},
};

static const struct tf_block_type tenant_blocks[] = {
    {.name = "environment",
     .nesting = TF_NEST_LIST,
     .block = &environment_block,
     .min_items = 1,
     .max_items = RES_TENANT_MAX_ENVS,
     .description = "One to three environments, each its own AWS account."},
    {.name = "access",
     .nesting = TF_NEST_LIST,
     .block = &access_block,
     .description = "IAM access roles created in the tenant's accounts."},
    {.name = "timeouts",
     .nesting = TF_NEST_SINGLE,
     .block = &res_timeouts_block},
};

static const struct tf_block tenant_block = {
    .attrs = tenant_attrs,
    .nattrs = sizeof tenant_attrs / sizeof tenant_attrs[0],
    .blocks = tenant_blocks,
    .nblocks = sizeof tenant_blocks / sizeof tenant_blocks[0],
    .description = "A data team: up to three AWS accounts (dev, staging, prod) with OU "
                   "placement, cost tags and IAM access roles.",
};

static const struct tf_schema tenant_schema = {
    .block = &tenant_block,
};

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
    const char *emails[RES_TENANT_MAX_ENVS] = {NULL};
    /* More than three blocks: Terraform (and tf_block_validate, max_items) already says "Too
     * many environment blocks"; pairing e-mails beyond that would only add noise. */
    if (envs->count > RES_TENANT_MAX_ENVS)
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
    /* Tag texts unknown at validate (another resource's output) are known now: the same checks
     * (length in characters, no NUL), so a bad tag fails the plan instead of reaching AWS. */
    static const char *const tag_attrs[] = {"tags", "cost_center", "owner"};
    for (size_t i = 0; i < sizeof tag_attrs / sizeof tag_attrs[0]; i++) {
        struct tf_path tp = tf_path_attr(NULL, tag_attrs[i]);
        (i == 0 ? res_validate_tags : res_validate_tag_value)(tf_value_attr(config, tag_attrs[i]),
                                                              &tp, NULL, d);
    }

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
    if (tags_all != NULL)
        tags_all = res_provider_plan_tags(a, ctx ? ctx->provider : NULL, tags_all, d);
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
 * "unicron-<role>" with the AWS managed policy of res_tenant_role_policies[] (res_tenant_env.h).
 *
 * What AWS cannot give back is written where import can find it, without touching the
 * account's own tags (those are exactly tags_all plus unicron:environment and unicron:tier):
 * the unicron:import tags of the roles inside each account (res_tenant_import.h, written and
 * read in tenant_import.c).
 */

static int role_kind(const char *role)
{
    for (int k = 0; role != NULL && k < RES_TENANT_N_ROLES; k++)
        if (strcmp(res_tenant_role_kinds[k], role) == 0)
            return k;
    return -1;
}

static bool is_meta_tag(const char *key, const char *value, const char *env)
{
    return strcmp(key, RES_TAG_TIER) == 0 || strcmp(key, RES_TAG_IMPORT) == 0 ||
           (strcmp(key, RES_TAG_ENV) == 0 && env != NULL && value != NULL &&
            strcmp(value, env) == 0);
}

/* The environment's parent: its own parent_id, else the tenant's; NULL = leave it where it is. */
static const char *effective_parent(const struct tf_value *tenant, const struct tf_value *env,
                                    bool *from_env)
{
    const char *p = tf_value_str(tf_value_attr(env, "parent_id"));
    *from_env = p != NULL;
    return p != NULL ? p : tf_value_str(tf_value_attr(tenant, "parent_id"));
}

/* Tags an environment's account must carry: tags_all plus the per-account unicron:* tags. A new
 * JSON object the caller owns; NULL when out of memory. */
static json_t *account_tags(const struct tf_value *tenant, const struct tf_value *env)
{
    json_t *o = json_object();
    const struct tf_value *all = tf_value_attr(tenant, "tags_all");
    if (o == NULL)
        return NULL;
    for (size_t i = 0; res_is_set(all) && i < all->count; i++)
        if (tf_value_str(all->elems[i]) != NULL)
            json_object_set_new(o, all->keys[i], json_string(tf_value_str(all->elems[i])));
    json_object_set_new(o, RES_TAG_TENANT,
                        json_string(tf_value_str(tf_value_attr(tenant, "name"))));
    json_object_set_new(o, RES_TAG_ENV, json_string(tf_value_str(tf_value_attr(env, "name"))));
    const char *tier = tf_value_str(tf_value_attr(env, "tier"));
    json_object_set_new(o, RES_TAG_TIER, json_string(tier ? tier : "standard"));
    return o;
}

/* The access roles of environment env (name) under access list acc. */
static bool role_wants(struct uc_arena *a, const struct tf_value *tenant, const char *env,
                       struct res_tenant_role out[RES_TENANT_N_ROLES])
{
    const struct tf_value *acc = tf_value_attr(tenant, "access");
    memset(out, 0, RES_TENANT_N_ROLES * sizeof *out);
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
        const char *meta = res_tenant_role_meta(a, i, tf_value_attr(b, "environments"));
        out[k].tags = json_pack("{s:s,s:s,s:s}", RES_TAG_TENANT,
                                tf_value_str(tf_value_attr(tenant, "name")), RES_TAG_ENV, env,
                                RES_TAG_IMPORT, meta ? meta : "");
        if (out[k].trust == NULL || out[k].tags == NULL)
            return false;
        out[k].wanted = true;
    }
    return true;
}

/* Kinds whose role the access list covers in environment env. */
static void roles_covered(const struct tf_value *tenant, const char *env,
                          bool out[RES_TENANT_N_ROLES])
{
    const struct tf_value *acc = tf_value_attr(tenant, "access");
    memset(out, 0, RES_TENANT_N_ROLES * sizeof *out);
    for (size_t i = 0; res_is_set(acc) && i < acc->count; i++) {
        int k = role_kind(tf_value_str(tf_value_attr(acc->elems[i], "role")));
        if (k >= 0 && access_covers(acc->elems[i], env))
            out[k] = true;
    }
}

static bool op_init(struct res_tenant_op *op, struct res_ctx *ctx, const struct tf_value *obj,
                    const char *timeout, int64_t dflt_ns)
{
    memset(op, 0, sizeof *op);
    op->client = ctx->provider->client;
    op->org = aws_client_session(op->client);
    op->opts = res_call_opts(ctx, obj, timeout, dflt_ns, true);
    op->tenant = tf_value_str(tf_value_attr(obj, "name"));
    op->access_role = ctx->provider->account_access_role_name;
    op->provider = ctx->provider;
    op->accounts = ctx->provider->accounts;
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
static bool check_parents(struct res_ctx *ctx, const struct res_tenant_op *op,
                          const struct tf_value *planned)
{
    const struct tf_value *envs = tf_value_attr(planned, "environment");
    const char *seen[RES_TENANT_MAX_ENVS + 2] = {NULL};
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
            p = res_tenant_env_path(i - 1, "parent_id");
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
static bool ensure_work(struct res_tenant_env *w, struct uc_arena *a,
                        const struct tf_value *planned, const struct tf_value *env, size_t i,
                        const struct tf_value *prior)
{
    w->step = RES_TENANT_ENSURE;
    w->index = i;
    w->name = tf_value_str(tf_value_attr(env, "name"));
    w->email = tf_value_str(tf_value_attr(env, "email"));
    w->parent = effective_parent(planned, env, &w->parent_from_env);
    w->tags = account_tags(planned, env);
    w->meta = res_tenant_account_meta(a, planned, env, i);
    if (w->name == NULL || w->email == NULL || w->tags == NULL)
        return false;
    const struct tf_value *old = res_find_by_name(tf_value_attr(prior, "environment"), w->name);
    w->account_id = tf_value_str(tf_value_attr(old, "account_id"));
    if (!role_wants(a, planned, w->name, w->roles))
        return false;
    if (old != NULL && w->account_id != NULL) {
        bool had[RES_TENANT_N_ROLES];
        roles_covered(prior, w->name, had);
        for (int k = 0; k < RES_TENANT_N_ROLES; k++)
            w->drop_role[k] = had[k] && !w->roles[k].wanted;
    }
    return true;
}

static void retire_work(struct res_tenant_env *w, const struct tf_value *tenant,
                        const struct tf_value *env, size_t i, bool close)
{
    w->step = close ? RES_TENANT_CLOSE : RES_TENANT_RETIRE;
    w->index = i;
    w->name = tf_value_str(tf_value_attr(env, "name"));
    w->account_id = tf_value_str(tf_value_attr(env, "account_id"));
    roles_covered(tenant, w->name ? w->name : "", w->drop_role);
}

/* The planned environment with what apply learned filled in (nulls where it failed). */
static struct tf_value *env_result(struct uc_arena *a, const struct res_tenant_env *w,
                                   struct tf_value *env, const char *access_role)
{
    bool have = w->account[0] != '\0';
    char role_arn[320] = "";
    if (have) {
        char part[32];
        snprintf(role_arn, sizeof role_arn, "arn:%s:iam::%s:role/%s",
                 res_arn_partition(w->arn, part, sizeof part), w->account, access_role);
    }
    struct tf_value *vals[4] = {
        res_str_or_null(a, have ? w->account : NULL), res_str_or_null(a, have ? w->arn : NULL),
        res_str_or_null(a, have ? w->state : NULL), res_str_or_null(a, have ? role_arn : NULL)};
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

/* A list of environments longer than a tenant has (a hand-edited state, or one written by a
 * later version) is refused with a diagnostic naming every account it holds beyond the limit,
 * never truncated: an account dropped from the state is no longer managed, yet stays open (and
 * billed) in the organization. `what` is the operation ("read", "delete", ...). */
static bool envs_fit(struct res_ctx *ctx, const struct tf_value *envs, const char *what)
{
    size_t n = res_is_set(envs) ? envs->count : 0;
    if (n <= RES_TENANT_MAX_ENVS)
        return true;
    struct uc_buf names;
    uc_buf_init(&names);
    for (size_t i = RES_TENANT_MAX_ENVS; i < n; i++) {
        const char *name = tf_value_str(tf_value_attr(envs->elems[i], "name"));
        const char *id = tf_value_str(tf_value_attr(envs->elems[i], "account_id"));
        uc_buf_printf(&names, "%s%s (account %s)", i > RES_TENANT_MAX_ENVS ? ", " : "",
                      name ? name : "?", id ? id : "none yet");
    }
    struct tf_path p = res_tenant_env_path(RES_TENANT_MAX_ENVS, NULL);
    tf_diag_error(ctx->diags, &p, "More environments than a tenant has",
                  "This unicron_tenant holds %zu environments; a tenant has at most %d (dev, "
                  "staging, prod), so this provider cannot %s it without losing track of "
                  "accounts. Beyond the limit: %s. Nothing was changed. If the state comes from "
                  "a later provider version, use that version; if it was edited by hand, decide "
                  "what happens to those accounts and remove them from the state with "
                  "`terraform state pull` / `terraform state push`.",
                  n, RES_TENANT_MAX_ENVS, what,
                  names.err == UC_OK ? uc_buf_str(&names) : "(out of memory)");
    uc_buf_release(&names);
    return false;
}

static struct tf_value *tenant_create(struct res_ctx *ctx, const struct tf_value *planned,
                                      const struct tf_value *config)
{
    struct uc_arena *a = ctx->arena;
    struct res_tenant_op op;
    struct res_tenant_env ws[RES_TENANT_MAX_ENVS];
    const struct tf_value *envs = tf_value_attr(planned, "environment");
    size_t n = res_is_set(envs) ? envs->count : 0;
    struct tf_value *result = NULL;
    (void)config;
    if (!envs_fit(ctx, envs, "create") ||
        !op_init(&op, ctx, planned, "create", RES_DEFAULT_TIMEOUT_NS))
        return NULL;
    if (!res_tenant_envs_init(ws, n, &op))
        goto oom;
    if (!check_parents(ctx, &op, planned))
        goto out; /* nothing created */
    for (size_t i = 0; i < n; i++)
        if (!ensure_work(&ws[i], a, planned, envs->elems[i], i, NULL))
            goto oom;
    res_tenant_envs_run(ws, n, ctx->diags);

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
    res_tenant_envs_release(ws, n);
    return result;
}

/* --- read: what AWS holds now --------------------------------------------------------------- */

/* The access role principals of kind k in a read environment; NULL = role missing (or without
 * its managed policy). */
static json_t *read_principals(const struct res_tenant_env *w, int k)
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
        if (slash != NULL && strcmp(slash + 1, res_tenant_role_policies[k]) == 0 &&
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
    const char *envs[RES_TENANT_MAX_ENVS];
    size_t n;
};

/* The access list as AWS holds it, starting from the state's: a block whose role matches in
 * every environment it covers stays as it is; otherwise it is split by what each environment
 * holds (its environments then listed), and environments where the role is missing (or lacks
 * its managed policy) drop out of it. live[e] is the read of environment e's account, NULL when
 * it has no live account: those environments keep the state's view. */
static struct tf_value *read_access(struct uc_arena *a, const struct tf_value *cur,
                                    const struct tf_value *envs,
                                    const struct res_tenant_env *const *live)
{
    const struct tf_value *acc = tf_value_attr(cur, "access");
    size_t n = res_is_set(acc) ? acc->count : 0;
    struct tf_value **out = uc_arena_calloc(a, n * RES_TENANT_MAX_ENVS + 1, sizeof *out);
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
        struct role_group groups[RES_TENANT_MAX_ENVS];
        size_t ng = 0, covered = 0;
        bool all_match = true;
        memset(groups, 0, sizeof groups);
        for (size_t e = 0; k >= 0 && e < envs->count && e < RES_TENANT_MAX_ENVS; e++) {
            const char *name = tf_value_str(tf_value_attr(envs->elems[e], "name"));
            if (name == NULL || !access_covers(blk, name))
                continue;
            covered++;
            json_t *t = NULL;
            bool same;
            if (live[e]) {
                t = read_principals(live[e], k);
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
            struct tf_value *p = groups[g].principals != NULL
                                     ? res_string_set_json(a, groups[g].principals)
                                     : (struct tf_value *)pr;
            struct tf_value *ev;
            if (ng == 1 && groups[g].n == covered) {
                ev = tf_value_attr(blk, "environments");
            } else {
                struct tf_value *el[RES_TENANT_MAX_ENVS];
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
    struct res_tenant_op op;
    /* one read per environment that has an account, in list order; of[i] is environment i's */
    struct res_tenant_env ws[RES_TENANT_MAX_ENVS];
    struct res_tenant_env *of[RES_TENANT_MAX_ENVS] = {NULL};
    const struct res_tenant_env *live[RES_TENANT_MAX_ENVS] = {NULL};
    const struct tf_value *envs = tf_value_attr(cur, "environment");
    size_t n = res_is_set(envs) ? envs->count : 0;
    struct tf_value *result = NULL;
    size_t nlive = 0, nw = 0;
    if (!envs_fit(ctx, envs, "read"))
        return NULL; /* with an error: Terraform keeps the state it has */
    for (size_t i = 0; i < n; i++)
        nw += tf_value_str(tf_value_attr(envs->elems[i], "account_id")) != NULL;
    if (!op_init(&op, ctx, cur, "read", RES_READ_TIMEOUT_NS))
        return NULL;
    if (!res_tenant_envs_init(ws, nw, &op))
        goto oom;
    for (size_t i = 0, j = 0; i < n; i++) {
        const char *id = tf_value_str(tf_value_attr(envs->elems[i], "account_id"));
        const char *name = tf_value_str(tf_value_attr(envs->elems[i], "name"));
        if (id == NULL)
            continue;
        struct res_tenant_env *w = of[i] = &ws[j++];
        w->step = RES_TENANT_READ;
        w->index = i;
        w->name = name ? name : "?";
        w->account_id = id;
        roles_covered(cur, w->name, w->read_role);
    }
    res_tenant_envs_run(ws, nw, ctx->diags);
    for (size_t j = 0; j < nw; j++)
        if (!ws[j].ok)
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
        struct res_tenant_env *w = of[i];
        if (w == NULL) { /* no account: nothing to read */
            elems[i] = e;
            continue;
        }
        if (w->gone) {
            struct tf_path p = res_tenant_env_path(i, NULL);
            tf_diag_warning(ctx->diags, &p, "Account closed or removed outside Terraform",
                            "The %s account %s is %s. Its values are dropped from the state, "
                            "so the plan shows a new account for \"%s\". AWS keeps the e-mail "
                            "of a closed account for 90 days: give this environment a new "
                            "email (or remove the environment block) before applying.",
                            w->name, w->account_id, w->state[0] ? w->state : "gone", w->name);
            struct res_tenant_env none;
            memset(&none, 0, sizeof none);
            elems[i] = env_result(a, &none, e, op.access_role);
            if (elems[i] == NULL)
                goto oom;
            continue;
        }
        live[i] = w;
        nlive++;
        const char *email = tf_value_str(tf_value_attr(e, "email"));
        if (email == NULL || strcasecmp(email, w->email_out) != 0)
            e = tf_value_with_attr(a, e, "email", res_str_or_null(a, w->email_out));
        const char *tier = json_string_value(json_object_get(w->tags_out, RES_TAG_TIER));
        const char *old_tier = tf_value_str(tf_value_attr(e, "tier"));
        if (e && (tier == NULL || old_tier == NULL || strcmp(tier, old_tier) != 0))
            e = tf_value_with_attr(a, e, "tier", res_str_or_null(a, tier));
        const char *own = tf_value_str(tf_value_attr(e, "parent_id"));
        if (e && own != NULL && strcmp(own, w->parent_out) != 0)
            e = tf_value_with_attr(a, e, "parent_id", res_str_or_null(a, w->parent_out));
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
    struct tf_value *acc = list ? read_access(a, cur, list, live) : NULL;
    v = v && acc ? tf_value_with_attr(a, v, "access", acc) : NULL;
    v = v ? tf_value_with_attr(a, v, "tags_all", tags_all) : NULL;
    if (v && new_tparent != tparent)
        v = tf_value_with_attr(a, v, "parent_id", res_str_or_null(a, new_tparent));
    result = v ? finish_state(a, v) : NULL;
    if (result == NULL)
        goto oom;
    goto out;
oom:
    tf_diag_error(ctx->diags, NULL, "Out of memory", "Reading unicron_tenant ran out of memory.");
    result = NULL;
out:
    res_tenant_envs_release(ws, nw);
    return result;
}

/* --- update --------------------------------------------------------------------------------- */

static struct tf_value *tenant_update(struct res_ctx *ctx, const struct tf_value *prior,
                                      const struct tf_value *planned,
                                      const struct tf_value *config)
{
    struct uc_arena *a = ctx->arena;
    struct res_tenant_op op;
    struct res_tenant_env ws[RES_TENANT_MAX_ENVS * 2];
    const struct tf_value *envs = tf_value_attr(planned, "environment");
    const struct tf_value *old = tf_value_attr(prior, "environment");
    size_t n = res_is_set(envs) ? envs->count : 0;
    size_t nold = res_is_set(old) ? old->count : 0;
    size_t nw = 0;
    struct tf_value *result = NULL;
    (void)config;
    if (!envs_fit(ctx, old, "update") || !envs_fit(ctx, envs, "update") ||
        !op_init(&op, ctx, planned, "update", RES_DEFAULT_TIMEOUT_NS))
        return NULL;
    if (!res_tenant_envs_init(ws, n + nold, &op))
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
    res_tenant_envs_run(ws, nw, ctx->diags);

    struct tf_value **elems = uc_arena_calloc(a, n + nold + 1, sizeof *elems);
    size_t m = 0;
    if (elems == NULL)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        struct tf_value *e = envs->elems[i];
        if (ws[i].account[0] == '\0' && ws[i].account_id != NULL) {
            /* the account is known but the work failed early: keep what the state had */
            const struct tf_value *o = res_find_by_name(old, ws[i].name);
            const char *arn = tf_value_str(tf_value_attr(o, "account_arn"));
            const char *state = tf_value_str(tf_value_attr(o, "state"));
            if (arn == NULL)
                arn = "";
            if (state == NULL)
                state = "ACTIVE";
            snprintf(ws[i].account, sizeof ws[i].account, "%s", ws[i].account_id);
            snprintf(ws[i].arn, sizeof ws[i].arn, "%s", arn);
            snprintf(ws[i].state, sizeof ws[i].state, "%s", state);
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
    res_tenant_envs_release(ws, n + nold);
    return result;
}

/* --- delete --------------------------------------------------------------------------------- */

static bool tenant_delete(struct res_ctx *ctx, const struct tf_value *prior)
{
    struct res_tenant_op op;
    struct res_tenant_env ws[RES_TENANT_MAX_ENVS];
    const struct tf_value *envs = tf_value_attr(prior, "environment");
    size_t n = res_is_set(envs) ? envs->count : 0, nw = 0;
    bool ok = true;
    if (!envs_fit(ctx, envs, "delete"))
        return false;
    if (!op_init(&op, ctx, prior, "delete", RES_DEFAULT_TIMEOUT_NS))
        return false;
    if (!res_tenant_envs_init(ws, n, &op)) {
        tf_diag_error(ctx->diags, NULL, "Out of memory", "Deleting unicron_tenant ran out of "
                                                         "memory.");
        res_tenant_envs_release(ws, n);
        return false;
    }
    bool close = tf_value_get_bool(tf_value_attr(prior, "close_on_deletion"), false);
    for (size_t i = 0; i < n; i++)
        if (tf_value_str(tf_value_attr(envs->elems[i], "account_id")) != NULL)
            retire_work(&ws[nw++], prior, envs->elems[i], i, close);
    res_tenant_envs_run(ws, nw, ctx->diags);
    for (size_t i = 0; i < nw; i++)
        ok &= ws[i].ok;
    res_tenant_envs_release(ws, n);
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
                    RES_TAG_RETIRED, rp ? " and moves them to " : "", rp ? rp : "",
                    b.err == UC_OK && b.len ? uc_buf_str(&b) : "none");
    uc_buf_release(&b);
}

/* --- import: tenant_import.c ---------------------------------------------------------------- */

static struct tf_value *tenant_import(struct res_ctx *ctx, const char *id)
{
    struct tf_value *v = res_tenant_import(ctx, id);
    if (v == NULL)
        return NULL; /* not found, or diagnosed */
    struct tf_value *result = finish_state(ctx->arena, v);
    if (result == NULL)
        tf_diag_error(ctx->diags, NULL, "Out of memory",
                      "Importing unicron_tenant ran out of memory.");
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
