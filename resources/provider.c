/* provider.c - the `provider "unicron"` block: schema table, cross-attribute validation, and the
 * configured provider built from it at ConfigureProvider.
 *
 * Configure only parses and copies: it must not touch the network, read credential files or the
 * environment (credentials resolve lazily on the first AWS call, in the AWS client). Never log
 * or echo secret_key / token.
 */
#include <string.h>

#include "res_provider.h"
#include "res_validate.h"

/* --- schema ------------------------------------------------------------------------------- */

static const char *const retry_modes[] = {"standard", "adaptive", NULL};
static const struct res_int_range max_retries_range = {0, 100};
/* STS AssumeRole DurationSeconds: 900 s to 43200 s (12 h, the role's maximum). */
static const struct res_duration_range assume_duration_range = {
    15LL * 60 * 1000000000LL, 12LL * 3600 * 1000000000LL};

static const struct tf_attr assume_role_attrs[] = {
    {"role_arn", &tf_type_string, TF_REQUIRED,
     "ARN of the IAM role to assume before any other call.", res_validate_iam_role_arn, NULL,
     NULL},
    {"session_name", &tf_type_string, TF_OPTIONAL,
     "Session name of the assumed role (2-64 characters).", res_validate_session_name, NULL,
     NULL},
    {"external_id", &tf_type_string, TF_OPTIONAL,
     "External id the role's trust policy requires.", res_validate_external_id, NULL, NULL},
    {"duration", &tf_type_string, TF_OPTIONAL,
     "Session duration as a Go duration string between 15m and 12h (default 1h).",
     res_validate_duration, &assume_duration_range, NULL},
};
static const struct tf_block assume_role_block = {
    assume_role_attrs, sizeof assume_role_attrs / sizeof assume_role_attrs[0], NULL, 0,
    "Assume an IAM role with the base credentials first.", false};

static const struct tf_attr web_identity_attrs[] = {
    {"role_arn", &tf_type_string, TF_REQUIRED, "ARN of the IAM role to assume.",
     res_validate_iam_role_arn, NULL, NULL},
    {"web_identity_token_file", &tf_type_string, TF_OPTIONAL,
     "File holding the OIDC token (else AWS_WEB_IDENTITY_TOKEN_FILE).", NULL, NULL, NULL},
    {"session_name", &tf_type_string, TF_OPTIONAL, "Session name (2-64 characters).",
     res_validate_session_name, NULL, NULL},
};
static const struct tf_block web_identity_block = {
    web_identity_attrs, sizeof web_identity_attrs / sizeof web_identity_attrs[0], NULL, 0,
    "Assume an IAM role with an OIDC web identity token.", false};

static const struct tf_attr endpoints_attrs[] = {
    {"organizations", &tf_type_string, TF_OPTIONAL, "Base URL of the Organizations API.",
     res_validate_url, NULL, NULL},
    {"sts", &tf_type_string, TF_OPTIONAL, "Base URL of the STS API.", res_validate_url, NULL,
     NULL},
    {"iam", &tf_type_string, TF_OPTIONAL, "Base URL of the IAM API.", res_validate_url, NULL,
     NULL},
    {"eks", &tf_type_string, TF_OPTIONAL, "Base URL of the EKS API.", res_validate_url, NULL,
     NULL},
};
static const struct tf_block endpoints_block = {
    endpoints_attrs, sizeof endpoints_attrs / sizeof endpoints_attrs[0], NULL, 0,
    "Per-service endpoint URLs (also `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`).", false};

static const struct tf_attr provider_attrs[] = {
    {"region", &tf_type_string, TF_OPTIONAL,
     "AWS region (else AWS_REGION, AWS_DEFAULT_REGION or the profile's region).",
     res_validate_region, NULL, NULL},
    {"profile", &tf_type_string, TF_OPTIONAL,
     "Named profile of the shared configuration files (else AWS_PROFILE).", NULL, NULL, NULL},
    {"access_key", &tf_type_string, TF_OPTIONAL, "Static access key id.", NULL, NULL, NULL},
    {"secret_key", &tf_type_string, TF_OPTIONAL | TF_SENSITIVE, "Static secret access key.",
     NULL, NULL, NULL},
    {"token", &tf_type_string, TF_OPTIONAL | TF_SENSITIVE,
     "Session token of temporary static credentials.", NULL, NULL, NULL},
    {"shared_config_files", &tf_type_list_string, TF_OPTIONAL,
     "Shared config files (else AWS_CONFIG_FILE, else ~/.aws/config).", NULL, NULL, NULL},
    {"shared_credentials_files", &tf_type_list_string, TF_OPTIONAL,
     "Shared credentials files (else AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials).",
     NULL, NULL, NULL},
    {"account_access_role_name", &tf_type_string, TF_OPTIONAL,
     "Role assumed inside every tenant account (default OrganizationAccountAccessRole).",
     res_validate_iam_role_name, NULL, NULL},
    {"max_retries", &tf_type_number, TF_OPTIONAL,
     "Maximum retries of a throttled or failed AWS call, 0-100 (default 25).",
     res_validate_int_range, &max_retries_range, NULL},
    {"retry_mode", &tf_type_string, TF_OPTIONAL,
     "Retry mode: standard (default) or adaptive (client-side rate limiting).", res_validate_enum,
     retry_modes, NULL},
    {"default_tags", &tf_type_map_string, TF_OPTIONAL,
     "Tags added to every taggable object; a resource's own tags win on conflict.",
     res_validate_tags, NULL, NULL},
};

static const struct tf_block_type provider_blocks[] = {
    {"assume_role", TF_NEST_SINGLE, &assume_role_block, 0, 0,
     "Assume an IAM role with the base credentials first."},
    {"assume_role_with_web_identity", TF_NEST_SINGLE, &web_identity_block, 0, 0,
     "Assume an IAM role with an OIDC web identity token."},
    {"endpoints", TF_NEST_SINGLE, &endpoints_block, 0, 0,
     "Per-service endpoint URLs, e.g. tools/localaws."},
};

static const struct tf_block provider_block = {
    provider_attrs,
    sizeof provider_attrs / sizeof provider_attrs[0],
    provider_blocks,
    sizeof provider_blocks / sizeof provider_blocks[0],
    "unicron: tenants (AWS accounts), EKS clusters and platform add-ons.",
    false,
};

const struct tf_schema res_provider_schema = {0, &provider_block};

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

static const char *const *take_list(struct res_provider *p, const struct tf_value *obj,
                                    const char *name, size_t *n, struct tf_diags *d, bool *ok)
{
    const struct tf_value *v = tf_value_attr(obj, name);
    *n = 0;
    if (v == NULL || (tf_value_is_known(v) && tf_value_is_null(v)))
        return NULL;
    struct tf_path path = tf_path_attr(NULL, name);
    if (!tf_value_is_wholly_known(v)) {
        tf_diag_error(d, &path, "Provider configuration not known",
                      "The value of %s is not known until apply.", name);
        *ok = false;
        return NULL;
    }
    const char **out = uc_arena_calloc(p->arena, v->count + 1, sizeof *out);
    if (out == NULL) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < v->count; i++) {
        const char *s = tf_value_str(v->elems[i]);
        if (s == NULL) {
            struct tf_path ep = tf_path_index(&path, (int64_t)i);
            tf_diag_error(d, &ep, "Invalid file name", "File names may not be null.");
            *ok = false;
            return NULL;
        }
        out[*n] = uc_arena_strdup(p->arena, s);
        if (out[*n] == NULL) {
            *ok = false;
            return NULL;
        }
        (*n)++;
    }
    return out;
}

/* Go duration text -> whole seconds (validated already; 0 when unset). */
static int duration_seconds(const char *s)
{
    int64_t ns = 0;
    if (s == NULL || res_parse_duration(s, &ns, NULL) != UC_OK || ns <= 0)
        return 0;
    return (int)(ns / 1000000000LL);
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
        take_list(p, c, "shared_config_files", &p->aws.n_shared_config_files, d, &ok);
    p->aws.shared_credentials_files =
        take_list(p, c, "shared_credentials_files", &p->aws.n_shared_credentials_files, d, &ok);

    const struct tf_value *ar = tf_value_attr(c, "assume_role");
    if (ar != NULL && tf_value_is_known(ar) && !tf_value_is_null(ar)) {
        struct tf_path b = tf_path_attr(NULL, "assume_role");
        p->aws.assume_role.role_arn = take_str(p, ar, &b, "role_arn", d, &ok);
        p->aws.assume_role.session_name = take_str(p, ar, &b, "session_name", d, &ok);
        p->aws.assume_role.external_id = take_str(p, ar, &b, "external_id", d, &ok);
        p->aws.assume_role.duration_seconds =
            duration_seconds(take_str(p, ar, &b, "duration", d, &ok));
    }
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
    aws_client_free(p->client);
    /* The struct itself lives in its own arena. */
    uc_arena_free(p->arena);
}
