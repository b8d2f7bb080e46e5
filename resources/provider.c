/* provider.c - the `provider "unicron"` block: schema table, cross-attribute validation, and the
 * configured provider built from it at ConfigureProvider.
 *
 * Configure only parses and copies: it must not touch the network, read credential files or the
 * environment (credentials resolve lazily on the first AWS call, in the AWS client). Never log
 * or echo secret_key / token.
 */
#include <pthread.h>
#include <string.h>

#include "res_provider.h"
#include "res_account_cache.h"
#include "res_keyed_read.h"
#include "res_schema.h"
#include "res_timeouts.h"
#include "res_validate.h"

/* --- schema ------------------------------------------------------------------------------- */

static const char *const retry_modes[] = {"standard", "adaptive", NULL};
/* A role chain longer than this is a configuration mistake, not a need. */
#define MAX_ASSUME_ROLES 10
/* STS AssumeRole limits: PolicyArns at most 10, Tags at most 50 (the tag validator's limit). */
#define MAX_POLICY_ARNS 10
static const struct res_int_range max_retries_range = {0, 100};
/* STS AssumeRole DurationSeconds: 900 s to 43200 s (12 h, the role's maximum). */
static const struct res_duration_range assume_duration_range = {
    15LL * 60 * 1000000000LL, 12LL * 3600 * 1000000000LL};

static const struct tf_attr assume_role_attrs[] = {
    {.name = "role_arn",
     .type = &tf_type_string,
     .flags = TF_REQUIRED,
     .description = "ARN of the IAM role to assume before any other call.",
     .validate = res_validate_iam_role_arn},
    {.name = "session_name",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Session name of the assumed role (2-64 characters).",
     .validate = res_validate_session_name},
    {.name = "external_id",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "External id the role's trust policy requires.",
     .validate = res_validate_external_id},
    {.name = "duration",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Session duration as a Go duration string between 15m and 12h (default 1h).",
     .validate = res_validate_duration,
     .validate_arg = &assume_duration_range},
    {.name = "policy",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Session policy (JSON): the session may do only what both it and the role "
                    "allow.",
     .validate = res_validate_json_object},
    {.name = "policy_arns",
     .type = &tf_type_set_string,
     .flags = TF_OPTIONAL,
     .description = "ARNs of managed policies used as session policies (at most 10).",
     .validate = res_validate_iam_policy_arn},
    {.name = "tags",
     .type = &tf_type_map_string,
     .flags = TF_OPTIONAL,
     .description = "Session tags (at most 50), e.g. for attribute-based access control.",
     .validate = res_validate_tags},
    {.name = "transitive_tag_keys",
     .type = &tf_type_set_string,
     .flags = TF_OPTIONAL,
     .description = "Session tag keys that pass on to the sessions chained after this one."},
    {.name = "source_identity",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Source identity recorded in CloudTrail for this and every chained "
                    "session (2-64 characters).",
     .validate = res_validate_session_name},
};
static const struct tf_block assume_role_block = {
    .attrs = assume_role_attrs,
    .nattrs = sizeof assume_role_attrs / sizeof assume_role_attrs[0],
    .description = "Assume an IAM role; several blocks form a chain, each assumed with the "
                   "session of the one before.",
};

static const struct tf_attr web_identity_attrs[] = {
    {.name = "role_arn",
     .type = &tf_type_string,
     .flags = TF_REQUIRED,
     .description = "ARN of the IAM role to assume.",
     .validate = res_validate_iam_role_arn},
    {.name = "web_identity_token_file",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "File holding the OIDC token (else AWS_WEB_IDENTITY_TOKEN_FILE)."},
    {.name = "session_name",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Session name (2-64 characters).",
     .validate = res_validate_session_name},
};
static const struct tf_block web_identity_block = {
    .attrs = web_identity_attrs,
    .nattrs = sizeof web_identity_attrs / sizeof web_identity_attrs[0],
    .description = "Assume an IAM role with an OIDC web identity token.",
};

static const struct tf_attr endpoints_attrs[] = {
    {.name = "organizations",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Base URL of the Organizations API.",
     .validate = res_validate_url},
    {.name = "sts",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Base URL of the STS API.",
     .validate = res_validate_url},
    {.name = "iam",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Base URL of the IAM API.",
     .validate = res_validate_url},
    {.name = "eks",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Base URL of the EKS API.",
     .validate = res_validate_url},
};
static const struct tf_block endpoints_block = {
    .attrs = endpoints_attrs,
    .nattrs = sizeof endpoints_attrs / sizeof endpoints_attrs[0],
    .description = "Per-service endpoint URLs (also `AWS_ENDPOINT_URL` and "
                   "`AWS_ENDPOINT_URL_<SERVICE>`).",
};

static const struct tf_attr provider_attrs[] = {
    {.name = "region",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "AWS region (else AWS_REGION, AWS_DEFAULT_REGION or the profile's region).",
     .validate = res_validate_region},
    {.name = "profile",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Named profile of the shared configuration files (else AWS_PROFILE)."},
    {.name = "access_key",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Static access key id."},
    {.name = "secret_key",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE,
     .description = "Static secret access key."},
    {.name = "token",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE,
     .description = "Session token of temporary static credentials."},
    {.name = "shared_config_files",
     .type = &tf_type_list_string,
     .flags = TF_OPTIONAL,
     .description = "Shared config files (else AWS_CONFIG_FILE, else ~/.aws/config)."},
    {.name = "shared_credentials_files",
     .type = &tf_type_list_string,
     .flags = TF_OPTIONAL,
     .description = "Shared credentials files (else AWS_SHARED_CREDENTIALS_FILE, else "
                    "~/.aws/credentials)."},
    {.name = "account_access_role_name",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Role assumed inside every tenant account (default "
                    "OrganizationAccountAccessRole).",
     .validate = res_validate_iam_role_name},
    {.name = "max_retries",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL,
     .description = "Maximum retries of a throttled or failed AWS call, 0-100 (default 25).",
     .validate = res_validate_int_range,
     .validate_arg = &max_retries_range},
    {.name = "retry_mode",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Retry mode: standard (default) or adaptive (client-side rate limiting).",
     .validate = res_validate_enum,
     .validate_arg = retry_modes},
    {.name = "default_tags",
     .type = &tf_type_map_string,
     .flags = TF_OPTIONAL,
     .description = "Tags added to every taggable object; a resource's own tags win on conflict.",
     .validate = res_validate_tags},
    {.name = "allowed_account_ids",
     .type = &tf_type_set_string,
     .flags = TF_OPTIONAL,
     .description = "Account ids the credentials may belong to: any other account is refused "
                    "before the first call, so a configuration pointed at the wrong management "
                    "account changes nothing. Conflicts with `forbidden_account_ids`.",
     .validate = res_validate_account_id},
    {.name = "forbidden_account_ids",
     .type = &tf_type_set_string,
     .flags = TF_OPTIONAL,
     .description = "Account ids the credentials must not belong to (refused before the first "
                    "call). Conflicts with `allowed_account_ids`.",
     .validate = res_validate_account_id},
};

static const struct tf_attr ignore_tags_attrs[] = {
    {.name = "keys",
     .type = &tf_type_set_string,
     .flags = TF_OPTIONAL,
     .description = "Tag keys that are neither drift nor removed (e.g. tags Control Tower, "
                    "cost tools or security scanners add)."},
    {.name = "key_prefixes",
     .type = &tf_type_set_string,
     .flags = TF_OPTIONAL,
     .description = "Tag key prefixes that are neither drift nor removed."},
};
static const struct tf_block ignore_tags_block = {
    .attrs = ignore_tags_attrs,
    .nattrs = sizeof ignore_tags_attrs / sizeof ignore_tags_attrs[0],
    .description = "Tags that others manage on unicron's objects: read leaves them out of `tags` "
                   "and `tags_all`, and updates never remove them.",
};

static const struct tf_block_type provider_blocks[] = {
    {.name = "assume_role",
     .nesting = TF_NEST_LIST,
     .block = &assume_role_block,
     .max_items = MAX_ASSUME_ROLES,
     .description = "Assume IAM roles in order (a chain): the first with the base credentials, "
                    "each next one with the session of the one before."},
    {.name = "assume_role_with_web_identity",
     .nesting = TF_NEST_SINGLE,
     .block = &web_identity_block,
     .description = "Assume an IAM role with an OIDC web identity token."},
    {.name = "endpoints",
     .nesting = TF_NEST_SINGLE,
     .block = &endpoints_block,
     .description = "Per-service endpoint URLs, e.g. tools/localaws."},
    {.name = "ignore_tags",
     .nesting = TF_NEST_SINGLE,
     .block = &ignore_tags_block,
     .description = "Tags that others manage on unicron's objects: read leaves them out of "
                    "`tags` and `tags_all`, and updates never remove them."},
};

static const struct tf_block provider_block = {
    .attrs = provider_attrs,
    .nattrs = sizeof provider_attrs / sizeof provider_attrs[0],
    .blocks = provider_blocks,
    .nblocks = sizeof provider_blocks / sizeof provider_blocks[0],
    .description = "unicron: tenants (AWS accounts), EKS clusters and platform add-ons.",
};

const struct tf_schema res_provider_schema = {
    .block = &provider_block,
};

/* --- validation --------------------------------------------------------------------------- */

/* True when attribute name of obj is set: known non-null, or unknown (may become set). */
static bool maybe_set(const struct tf_value *obj, const char *name)
{
    const struct tf_value *v = tf_value_attr(obj, name);
    return v != NULL && !tf_value_is_null(v);
}

static bool surely_null(const struct tf_value *obj, const char *name)
{
    const struct tf_value *v = tf_value_attr(obj, name);
    return v == NULL || (tf_value_is_known(v) && tf_value_is_null(v));
}

void res_provider_validate(struct res_ctx *ctx, const struct tf_value *config)
{
    if (config == NULL || !tf_value_is_known(config) || tf_value_is_null(config))
        return;
    if (maybe_set(config, "access_key") && surely_null(config, "secret_key")) {
        struct tf_path p = tf_path_attr(NULL, "secret_key");
        tf_diag_error(ctx->diags, &p, "Missing secret_key",
                      "access_key is set but secret_key is not: static credentials need both.");
    }
    if (maybe_set(config, "secret_key") && surely_null(config, "access_key")) {
        struct tf_path p = tf_path_attr(NULL, "access_key");
        tf_diag_error(ctx->diags, &p, "Missing access_key",
                      "secret_key is set but access_key is not: static credentials need both.");
    }
    if (maybe_set(config, "allowed_account_ids") && maybe_set(config, "forbidden_account_ids")) {
        struct tf_path p = tf_path_attr(NULL, "forbidden_account_ids");
        tf_diag_error(ctx->diags, &p, "Conflicting account lists",
                      "Set allowed_account_ids or forbidden_account_ids, not both.");
    }
    if (maybe_set(config, "token") && surely_null(config, "access_key")) {
        struct tf_path p = tf_path_attr(NULL, "token");
        tf_diag_error(ctx->diags, &p, "Session token without access key",
                      "token belongs to temporary static credentials: set access_key and "
                      "secret_key too.");
    }
}

/* --- configure ---------------------------------------------------------------------------- */

const struct tf_value *res_provider_default_tags(const struct res_provider *p)
{
    return p != NULL ? p->default_tags : NULL;
}

/* Copies a known string attribute into the provider's arena. Unset -> NULL. Unknown -> error. */
static const char *take_str(struct res_provider *p, const struct tf_value *obj,
                            const struct tf_path *base, const char *name, struct tf_diags *d,
                            bool *ok)
{
    const struct tf_value *v = tf_value_attr(obj, name);
    if (v == NULL || (tf_value_is_known(v) && tf_value_is_null(v)))
        return NULL;
    if (!tf_value_is_known(v)) {
        struct tf_path path = tf_path_attr(base, name);
        tf_diag_error(d, &path, "Provider configuration not known",
                      "The value of %s is not known until apply; the provider block must be "
                      "fully known at plan time.",
                      name);
        *ok = false;
        return NULL;
    }
    char *s = uc_arena_strdup(p->arena, tf_value_str(v));
    if (s == NULL)
        *ok = false;
    return s;
}

/* Go duration text -> whole seconds (validated already; 0 when unset). */
static int duration_seconds(const char *s)
{
    int64_t ns = 0;
    if (s == NULL || res_parse_duration(s, &ns, NULL) != UC_OK || ns <= 0)
        return 0;
    return (int)(ns / 1000000000LL);
}

/* Copies a known set or list of strings at obj.name into the arena; NULL and *n = 0 when unset.
 * A null element is an error on its path. */
static const char *const *take_strings(struct res_provider *p, const struct tf_value *obj,
                                       const struct tf_path *base, const char *name, size_t *n,
                                       struct tf_diags *d, bool *ok)
{
    const struct tf_value *v = tf_value_attr(obj, name);
    struct tf_path path = tf_path_attr(base, name);
    *n = 0;
    if (v == NULL || (tf_value_is_known(v) && tf_value_is_null(v)))
        return NULL;
    if (!tf_value_is_wholly_known(v)) {
        tf_diag_error(d, &path, "Provider configuration not known",
                      "The value of %s is not known until apply.", name);
        *ok = false;
        return NULL;
    }
    const char **out = uc_arena_calloc(p->arena, v->count + 1, sizeof *out);
    for (size_t i = 0; out != NULL && i < v->count; i++) {
        const char *s = tf_value_str(v->elems[i]);
        if (s == NULL) {
            struct tf_path ep = tf_path_index(&path, (int64_t)i);
            tf_diag_error(d, &ep, "Invalid value", "Elements of %s may not be null.", name);
            *ok = false;
            return NULL;
        }
        out[i] = uc_arena_strdup(p->arena, s);
        if (out[i] == NULL)
            out = NULL;
    }
    if (out == NULL) {
        *ok = false;
        return NULL;
    }
    *n = v->count;
    return out;
}

/* The assume_role blocks, in order, as the AWS client's role chain. */
static void take_assume_roles(struct res_provider *p, const struct tf_value *list,
                              struct tf_diags *d, bool *ok)
{
    if (list == NULL || !tf_value_is_known(list) || tf_value_is_null(list) || list->count == 0)
        return;
    struct aws_assume_role_params *ars =
        uc_arena_calloc(p->arena, list->count, sizeof *ars);
    if (ars == NULL) {
        *ok = false;
        return;
    }
    struct tf_path top = tf_path_attr(NULL, "assume_role");
    for (size_t i = 0; i < list->count; i++) {
        const struct tf_value *ar = list->elems[i];
        struct tf_path b = tf_path_index(&top, (int64_t)i);
        ars[i].role_arn = take_str(p, ar, &b, "role_arn", d, ok);
        ars[i].session_name = take_str(p, ar, &b, "session_name", d, ok);
        ars[i].external_id = take_str(p, ar, &b, "external_id", d, ok);
        ars[i].duration_seconds = duration_seconds(take_str(p, ar, &b, "duration", d, ok));
        ars[i].policy = take_str(p, ar, &b, "policy", d, ok);
        ars[i].source_identity = take_str(p, ar, &b, "source_identity", d, ok);
        ars[i].policy_arns =
            take_strings(p, ar, &b, "policy_arns", &ars[i].n_policy_arns, d, ok);
        if (ars[i].n_policy_arns > MAX_POLICY_ARNS) {
            struct tf_path pp = tf_path_attr(&b, "policy_arns");
            tf_diag_error(d, &pp, "Too many session policies",
                          "STS accepts at most %d policy_arns; %zu are set.", MAX_POLICY_ARNS,
                          ars[i].n_policy_arns);
            *ok = false;
        }
        ars[i].transitive_tag_keys = take_strings(p, ar, &b, "transitive_tag_keys",
                                                  &ars[i].n_transitive_tag_keys, d, ok);
        const struct tf_value *tags = tf_value_attr(ar, "tags");
        if (tags != NULL && tf_value_is_known(tags) && !tf_value_is_null(tags) && tags->count) {
            const char **keys = uc_arena_calloc(p->arena, tags->count, sizeof *keys);
            const char **vals = uc_arena_calloc(p->arena, tags->count, sizeof *vals);
            for (size_t k = 0; keys != NULL && vals != NULL && k < tags->count; k++) {
                const char *v = tf_value_str(tags->elems[k]);
                keys[k] = uc_arena_strdup(p->arena, tags->keys[k]);
                vals[k] = uc_arena_strdup(p->arena, v != NULL ? v : "");
                if (keys[k] == NULL || vals[k] == NULL)
                    keys = NULL;
            }
            if (keys == NULL || vals == NULL) {
                *ok = false;
                return;
            }
            ars[i].tag_keys = keys;
            ars[i].tag_values = vals;
            ars[i].n_tags = tags->count;
        }
    }
    p->aws.assume_roles = ars;
    p->aws.n_assume_roles = list->count;
}

/* Copies a known map(string) value into the arena (deep copy of keys and values). */
static const struct tf_value *copy_tags(struct uc_arena *a, const struct tf_value *v)
{
    size_t n = v != NULL && tf_value_is_known(v) && !tf_value_is_null(v) ? v->count : 0;
    const char **keys = n ? uc_arena_calloc(a, n, sizeof *keys) : NULL;
    struct tf_value **vals = n ? uc_arena_calloc(a, n, sizeof *vals) : NULL;
    if (n && (keys == NULL || vals == NULL))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        keys[i] = uc_arena_strdup(a, v->keys[i]);
        vals[i] = tf_value_string(a, tf_value_str(v->elems[i]) ? tf_value_str(v->elems[i]) : "");
        if (keys[i] == NULL || vals[i] == NULL)
            return NULL;
    }
    return tf_value_map(a, &tf_type_map_string, keys, vals, n);
}

struct res_provider *res_provider_new(const struct tf_value *config, const char *terraform_version,
                                      struct tf_diags *d)
{
    struct res_provider *p = NULL;
    struct uc_arena *a = uc_arena_new();
    bool ok = true;
    if (a == NULL)
        goto oom;
    p = uc_arena_alloc(a, sizeof *p);
    if (p == NULL)
        goto oom;
    p->arena = a;
    aws_config_init(&p->aws);
    p->terraform_version = terraform_version ? uc_arena_strdup(a, terraform_version) : NULL;

    /* No provider block: every attribute null (protocol §9.10) - a null object works the same. */
    const struct tf_value *c =
        (config != NULL && tf_value_is_known(config) && !tf_value_is_null(config)) ? config
                                                                                   : NULL;
    if (config != NULL && !tf_value_is_known(config)) {
        tf_diag_error(d, NULL, "Provider configuration not known",
                      "The provider block depends on values not known until apply.");
        goto fail;
    }

    p->aws.region = take_str(p, c, NULL, "region", d, &ok);
    p->aws.profile = take_str(p, c, NULL, "profile", d, &ok);
    p->aws.access_key = take_str(p, c, NULL, "access_key", d, &ok);
    p->aws.secret_key = take_str(p, c, NULL, "secret_key", d, &ok);
    p->aws.token = take_str(p, c, NULL, "token", d, &ok);
    p->aws.shared_config_files =
        take_strings(p, c, NULL, "shared_config_files", &p->aws.n_shared_config_files, d, &ok);
    p->aws.shared_credentials_files =
        take_strings(p, c, NULL, "shared_credentials_files", &p->aws.n_shared_credentials_files,
                     d, &ok);

    take_assume_roles(p, tf_value_attr(c, "assume_role"), d, &ok);
    const struct tf_value *wi = tf_value_attr(c, "assume_role_with_web_identity");
    if (wi != NULL && tf_value_is_known(wi) && !tf_value_is_null(wi)) {
        struct tf_path b = tf_path_attr(NULL, "assume_role_with_web_identity");
        p->aws.assume_role_with_web_identity.role_arn = take_str(p, wi, &b, "role_arn", d, &ok);
        p->aws.assume_role_with_web_identity.web_identity_token_file =
            take_str(p, wi, &b, "web_identity_token_file", d, &ok);
        p->aws.assume_role_with_web_identity.session_name =
            take_str(p, wi, &b, "session_name", d, &ok);
    }
    const struct tf_value *ep = tf_value_attr(c, "endpoints");
    if (ep != NULL && tf_value_is_known(ep) && !tf_value_is_null(ep)) {
        struct tf_path b = tf_path_attr(NULL, "endpoints");
        p->aws.endpoints[AWS_SVC_ORGANIZATIONS] = take_str(p, ep, &b, "organizations", d, &ok);
        p->aws.endpoints[AWS_SVC_STS] = take_str(p, ep, &b, "sts", d, &ok);
        p->aws.endpoints[AWS_SVC_IAM] = take_str(p, ep, &b, "iam", d, &ok);
        p->aws.endpoints[AWS_SVC_EKS] = take_str(p, ep, &b, "eks", d, &ok);
    }

    p->allowed_account_ids =
        take_strings(p, c, NULL, "allowed_account_ids", &p->n_allowed_account_ids, d, &ok);
    p->forbidden_account_ids =
        take_strings(p, c, NULL, "forbidden_account_ids", &p->n_forbidden_account_ids, d, &ok);
    const struct tf_value *it = tf_value_attr(c, "ignore_tags");
    if (it != NULL && tf_value_is_known(it) && !tf_value_is_null(it)) {
        struct tf_path b = tf_path_attr(NULL, "ignore_tags");
        p->ignore_tag_keys = take_strings(p, it, &b, "keys", &p->n_ignore_tag_keys, d, &ok);
        p->ignore_tag_prefixes =
            take_strings(p, it, &b, "key_prefixes", &p->n_ignore_tag_prefixes, d, &ok);
    }
    p->guard = uc_arena_calloc(a, 1, sizeof *p->guard);
    if (p->guard == NULL)
        goto oom;
    pthread_mutex_init(&p->guard->mu, NULL);

    const char *role = take_str(p, c, NULL, "account_access_role_name", d, &ok);
    p->account_access_role_name = role != NULL ? role : AWS_DEFAULT_ACCOUNT_ROLE;
    p->aws.account_access_role_name = p->account_access_role_name;

    const struct tf_value *mr = tf_value_attr(c, "max_retries");
    if (mr != NULL && !tf_value_is_null(mr)) {
        int64_t n = 0;
        struct tf_path path = tf_path_attr(NULL, "max_retries");
        if (!tf_value_is_known(mr)) {
            tf_diag_error(d, &path, "Provider configuration not known",
                          "The value of max_retries is not known until apply.");
            ok = false;
        } else if (tf_value_get_int64(mr, &n) != UC_OK || n < max_retries_range.min ||
                   n > max_retries_range.max) {
            tf_diag_error(d, &path, "Invalid max_retries",
                          "max_retries must be a whole number from 0 to 100.");
            ok = false;
        } else {
            p->aws.max_retries = (int)n;
        }
    }
    p->aws.retry_mode = take_str(p, c, NULL, "retry_mode", d, &ok);

    const struct tf_value *dt = tf_value_attr(c, "default_tags");
    if (dt != NULL && !tf_value_is_wholly_known(dt)) {
        struct tf_path path = tf_path_attr(NULL, "default_tags");
        tf_diag_error(d, &path, "Provider configuration not known",
                      "default_tags must be known at plan time.");
        ok = false;
    }
    p->default_tags = copy_tags(a, dt);
    if (p->default_tags == NULL)
        goto oom;
    if (!ok && !tf_diags_has_error(d))
        goto oom;
    if (!ok)
        goto fail;

    /* The client copies the config and does no I/O here: credentials resolve on first use. */
    struct aws_error aerr;
    aws_error_clear(&aerr);
    p->client = aws_client_new(&p->aws, &aerr);
    if (p->client == NULL) {
        tf_diag_error(d, NULL, "Invalid AWS configuration", "%s",
                      aerr.message[0] ? aerr.message : "The AWS client could not be created.");
        goto fail;
    }
    p->accounts = res_account_cache_new();
    p->eks_clusters = res_keyed_read_new(RES_ACCOUNT_CACHE_MAX_AGE_MS);
    p->eks_catalogue = res_keyed_read_new(RES_ACCOUNT_CACHE_MAX_AGE_MS);
    if (p->accounts == NULL || p->eks_clusters == NULL || p->eks_catalogue == NULL) {
        res_keyed_read_free(p->eks_catalogue);
        res_keyed_read_free(p->eks_clusters);
        res_account_cache_free(p->accounts);
        aws_client_free(p->client);
        goto oom;
    }
    return p;

oom:
    tf_diag_error(d, NULL, "Out of memory", "The provider could not allocate its configuration.");
fail:
    uc_arena_free(a);
    return NULL;
}

void res_provider_free(struct res_provider *p)
{
    if (p == NULL)
        return;
    if (p->guard != NULL)
        pthread_mutex_destroy(&p->guard->mu);
    res_keyed_read_free(p->eks_catalogue);
    res_keyed_read_free(p->eks_clusters);
    res_account_cache_free(p->accounts);
    aws_client_free(p->client);
    /* The struct itself lives in its own arena. */
    uc_arena_free(p->arena);
}

/* --- what the provider block asks of every resource ----------------------------------------- */

bool res_provider_tag_ignored(const struct res_provider *p, const char *key)
{
    if (p == NULL || key == NULL)
        return false;
    for (size_t i = 0; i < p->n_ignore_tag_keys; i++)
        if (strcmp(key, p->ignore_tag_keys[i]) == 0)
            return true;
    for (size_t i = 0; i < p->n_ignore_tag_prefixes; i++) {
        size_t n = strlen(p->ignore_tag_prefixes[i]);
        if (n > 0 && strncmp(key, p->ignore_tag_prefixes[i], n) == 0)
            return true;
    }
    return false;
}

void res_provider_drop_ignored_tags(const struct res_provider *p, json_t *tags)
{
    const char *k;
    json_t *v;
    void *tmp;
    if (p == NULL || tags == NULL)
        return;
    json_object_foreach_safe(tags, tmp, k, v) {
        if (res_provider_tag_ignored(p, k))
            json_object_del(tags, k);
    }
}

struct tf_value *res_provider_plan_tags(struct uc_arena *a, const struct res_provider *p,
                                        struct tf_value *tags_all, struct tf_diags *d)
{
    size_t n = 0, dropped = 0;
    if (p == NULL || (p->n_ignore_tag_keys == 0 && p->n_ignore_tag_prefixes == 0) ||
        !res_is_set(tags_all) || !tf_value_is_wholly_known(tags_all))
        return tags_all;
    const char **keys = uc_arena_calloc(a, tags_all->count + 1, sizeof *keys);
    struct tf_value **vals = uc_arena_calloc(a, tags_all->count + 1, sizeof *vals);
    if (keys == NULL || vals == NULL)
        return NULL;
    for (size_t i = 0; i < tags_all->count; i++) {
        if (!res_provider_tag_ignored(p, tags_all->keys[i])) {
            keys[n] = tags_all->keys[i];
            vals[n++] = tags_all->elems[i];
            continue;
        }
        struct tf_path path = tf_path_attr(NULL, "tags");
        tf_diag_warning(d, &path, "Tag named by ignore_tags",
                        "Tag \"%s\" (from tags or the provider's default_tags) matches the "
                        "provider's ignore_tags: it belongs to someone else, so it is neither "
                        "written nor read, and it is left out of tags_all. Remove it from the "
                        "configuration, or from ignore_tags.",
                        tags_all->keys[i]);
        dropped++;
    }
    if (dropped == 0)
        return tags_all;
    return tf_value_map(a, tags_all->type, keys, vals, n);
}

static bool in_list(const char *const *list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], id) == 0)
            return true;
    return false;
}

bool res_provider_check_account(const struct res_ctx *ctx)
{
    const struct res_provider *p = ctx->provider;
    if (p == NULL || (p->n_allowed_account_ids == 0 && p->n_forbidden_account_ids == 0))
        return true;
    struct res_account_guard *g = p->guard;
    pthread_mutex_lock(&g->mu);
    /* One GetCallerIdentity per configured provider; concurrent calls wait for it. A failed
     * lookup (network, credentials) is not cached: the next call tries again. */
    if (!g->checked) {
        struct aws_call_opts o = res_call_opts(ctx, NULL, "read", RES_READ_TIMEOUT_NS, false);
        struct aws_caller_identity who;
        struct aws_error err;
        aws_error_clear(&err);
        if (aws_sts_get_caller_identity(aws_client_session(p->client), &o, &who, &err) != UC_OK) {
            pthread_mutex_unlock(&g->mu);
            tf_diag_error(ctx->diags, NULL, "Cannot check the AWS account",
                          "allowed_account_ids / forbidden_account_ids need the credentials' "
                          "account, but STS GetCallerIdentity failed: %s%s%s",
                          err.code[0] ? err.code : "", err.code[0] ? ": " : "", err.message);
            return false;
        }
        snprintf(g->account, sizeof g->account, "%s", who.account);
        g->checked = true;
    }
    const char *acct = g->account;
    pthread_mutex_unlock(&g->mu);
    if (p->n_allowed_account_ids > 0 &&
        !in_list(p->allowed_account_ids, p->n_allowed_account_ids, acct)) {
        struct tf_path path = tf_path_attr(NULL, "allowed_account_ids");
        tf_diag_error(ctx->diags, &path, "AWS account not allowed",
                      "The credentials belong to account %s, which is not in "
                      "allowed_account_ids. Nothing was changed.",
                      acct);
        return false;
    }
    if (in_list(p->forbidden_account_ids, p->n_forbidden_account_ids, acct)) {
        struct tf_path path = tf_path_attr(NULL, "forbidden_account_ids");
        tf_diag_error(ctx->diags, &path, "AWS account forbidden",
                      "The credentials belong to account %s, which is in "
                      "forbidden_account_ids. Nothing was changed.",
                      acct);
        return false;
    }
    return true;
}
