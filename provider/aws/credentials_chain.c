/* credentials_chain.c - the default credential chain (DESIGN §3, aws-apis.md §10.1): a table of
 * named sources tried in order on the first call that needs credentials; the first source that
 * is configured and yields credentials is kept for the life of the client.
 *
 * A source that is configured but broken (half a key pair, a named profile that does not exist)
 * stops the chain with its error instead of silently falling through to the next source.
 */
#include <stdlib.h>
#include <strings.h>

#include "aws_internal.h"
#include "uc_log.h"

static uc_status nomem(struct aws_error *err)
{
    return aws_error_set(err, UC_NOMEM, "credentials", "resolve", "out of memory");
}

/* ---- the sources, in chain order ------------------------------------------------------------
 * Each builds its provider into *out, or returns UC_NOTFOUND when it is not configured. */

/* access_key / secret_key / token in the provider block. */
static uc_status from_arguments(struct aws_client *c, struct aws_provider **out,
                                struct aws_error *err)
{
    if (!c->access_key && !c->secret_key)
        return UC_NOTFOUND;
    if (!c->access_key || !c->secret_key)
        return aws_error_set(err, UC_INVALID, "credentials", "static",
                             "access_key and secret_key must both be set");
    *out = aws_provider_static_new(c->access_key, c->secret_key, c->token, "static");
    return *out ? UC_OK : nomem(err);
}

/* The provider block's assume_role_with_web_identity. */
static uc_status from_web_identity_block(struct aws_client *c, struct aws_provider **out,
                                         struct aws_error *err)
{
    if (!c->wi_role_arn)
        return UC_NOTFOUND;
    const char *file =
        c->wi_token_file ? c->wi_token_file : aws_env("AWS_WEB_IDENTITY_TOKEN_FILE");
    if (!file)
        return aws_error_set(err, UC_INVALID, "credentials", "web-identity",
                             "assume_role_with_web_identity needs web_identity_token_file");
    *out = aws_provider_web_identity_new(c->wi_role_arn, file, c->wi_session_name);
    return *out ? UC_OK : nomem(err);
}

/* AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, unless a profile is named explicitly (the SDKs let
 * an explicit profile win over the environment's keys). */
static uc_status from_environment(struct aws_client *c, struct aws_provider **out,
                                  struct aws_error *err)
{
    if (c->profile_explicit)
        return UC_NOTFOUND;
    return aws_provider_from_env(out, err);
}

/* The shared config / credentials files; a named profile that is missing is an error. */
static uc_status from_shared_files(struct aws_client *c, struct aws_provider **out,
                                   struct aws_error *err)
{
    uc_status st = aws_provider_from_profile(c, c->profile, out, err);
    if (st == UC_NOTFOUND && c->profile_explicit)
        return aws_error_set(err, UC_INVALID, "credentials", "profile",
                             "profile \"%s\" not found in the shared config/credentials files "
                             "or has no credentials",
                             c->profile);
    return st;
}

/* AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (EKS IRSA, GitHub Actions OIDC). */
static uc_status from_web_identity_env(struct aws_client *c, struct aws_provider **out,
                                       struct aws_error *err)
{
    (void)c;
    const char *file = aws_env("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *role = aws_env("AWS_ROLE_ARN");
    if (!file || !role)
        return UC_NOTFOUND;
    *out = aws_provider_web_identity_new(role, file, aws_env("AWS_ROLE_SESSION_NAME"));
    return *out ? UC_OK : nomem(err);
}

/* ECS task role or EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_*). */
static uc_status from_container(struct aws_client *c, struct aws_provider **out,
                                struct aws_error *err)
{
    (void)c;
    if (!aws_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") &&
        !aws_env("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
        return UC_NOTFOUND;
    *out = aws_provider_container_new();
    return *out ? UC_OK : nomem(err);
}

/* EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true. */
static uc_status from_instance_metadata(struct aws_client *c, struct aws_provider **out,
                                        struct aws_error *err)
{
    (void)c;
    const char *off = aws_env("AWS_EC2_METADATA_DISABLED");
    if (off && strcasecmp(off, "true") == 0)
        return UC_NOTFOUND;
    *out = aws_provider_imds_new();
    return *out ? UC_OK : nomem(err);
}

static const struct chain_source {
    const char *name;
    uc_status (*make)(struct aws_client *c, struct aws_provider **out, struct aws_error *err);
} chain_sources[] = {
    {.name = "provider arguments", .make = from_arguments},
    {.name = "assume_role_with_web_identity block", .make = from_web_identity_block},
    {.name = "environment", .make = from_environment},
    {.name = "shared files", .make = from_shared_files},
    {.name = "web identity environment", .make = from_web_identity_env},
    {.name = "container", .make = from_container},
    {.name = "instance metadata", .make = from_instance_metadata},
};

/* ---- the chain provider ---------------------------------------------------------------------- */

struct chain_provider {
    struct aws_provider base;
    struct aws_provider *chosen; /* fetch runs under the cache's mutex: no lock of its own */
};

static uc_status chain_fetch(struct aws_provider *p, struct aws_client *c,
                             const struct aws_call_opts *o, struct aws_credentials **out,
                             struct aws_error *err)
{
    struct chain_provider *ch = (struct chain_provider *)p;
    uc_status st = aws_client_resolve_locked_once(c, err);
    if (st != UC_OK)
        return st;
    if (ch->chosen)
        return ch->chosen->fetch(ch->chosen, c, o, out, err);
    for (size_t i = 0; i < sizeof chain_sources / sizeof chain_sources[0]; i++) {
        struct aws_provider *cand = NULL;
        st = chain_sources[i].make(c, &cand, err);
        if (st == UC_NOTFOUND)
            continue;
        if (st != UC_OK)
            return st;
        st = cand->fetch(cand, c, o, out, err);
        if (st == UC_NOTFOUND) {
            aws_provider_free(cand);
            continue;
        }
        if (st != UC_OK) {
            aws_provider_free(cand);
            return st;
        }
        ch->chosen = cand;
        uc_log(UC_LOG_DEBUG, LOG_MODULE, "credential source chosen", "chain_source",
               chain_sources[i].name, "source", cand->name, NULL);
        return UC_OK;
    }
    aws_error_clear(err);
    return aws_error_set(err, UC_NOTFOUND, "credentials", "resolve",
                         "no valid credential sources found: set access_key/secret_key, "
                         "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile in the shared "
                         "files, web identity, or run on ECS/EKS/EC2");
}

static void chain_destroy(struct aws_provider *p)
{
    struct chain_provider *ch = (struct chain_provider *)p;
    aws_provider_free(ch->chosen);
    free(ch);
}

struct aws_provider *aws_provider_chain_new(void)
{
    struct chain_provider *ch = calloc(1, sizeof(*ch));
    if (!ch)
        return NULL;
    ch->base.name = "chain";
    ch->base.fetch = chain_fetch;
    ch->base.destroy = chain_destroy;
    return &ch->base;
}
