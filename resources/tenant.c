/* tenant.c - unicron_tenant: one AWS account per environment (dev / staging / prod), OU
 * placement, cost tags and IAM access roles inside each account.
 *
 * Reads top to bottom: schema table, plan-time validation, plan hooks, then the resource table.
 * Apply (create / read / update / delete / import) comes with the tenant issue; until then the
 * core answers "not available yet". No AWS call may happen at validate or plan.
 */
#include <string.h>

#include "res_provider.h"
#include "res_registry.h"
#include "res_schema.h"
#include "res_validate.h"

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

/* --- resource ------------------------------------------------------------------------------- */

const struct res_resource res_tenant = {
    .type_name = "unicron_tenant",
    .schema = &tenant_schema,
    .plan_hooks = &tenant_hooks,
    .validate = tenant_validate,
    /* create / update / delete / read / import / plan_destroy: the tenant apply issue. */
};
