/* credentials_profile.c - credential providers described by the environment and by the shared
 * config / credentials files (aws-apis.md §10.2): static keys, role_arn with source_profile,
 * credential_source or web_identity_token_file, and credential_process.
 *
 * It only decides which provider a profile describes; fetching, caching and refreshing are
 * credentials.c's. Secrets pass through here: nothing in this file may log a key or token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_internal.h"

static uc_status nomem(struct aws_error *err)
{
    return aws_error_set(err, UC_NOMEM, "credentials", "resolve", "out of memory");
}

/* A cache owning p (the source of an assumed role); frees p and returns NULL when out of
 * memory. */
static struct aws_creds_cache *cache_new(struct aws_provider *p)
{
    if (!p)
        return NULL;
    struct aws_creds_cache *cc = malloc(sizeof(*cc));
    if (!cc) {
        aws_provider_free(p);
        return NULL;
    }
    aws_creds_cache_init(cc, p);
    return cc;
}

uc_status aws_provider_from_env(struct aws_provider **out, struct aws_error *err)
{
    const char *ak = aws_env("AWS_ACCESS_KEY_ID");
    const char *sk = aws_env("AWS_SECRET_ACCESS_KEY");
    const char *tok = aws_env("AWS_SESSION_TOKEN");
    if (!tok)
        tok = aws_env("AWS_SECURITY_TOKEN");
    if (!ak && !sk)
        return UC_NOTFOUND;
    if (!ak || !sk)
        return aws_error_set(err, UC_INVALID, "credentials", "environment",
                             "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set");
    *out = aws_provider_static_new(ak, sk, tok, "environment");
    return *out ? UC_OK : nomem(err);
}

#define MAX_PROFILE_DEPTH 8

/* An IAM Identity Center profile: sso_session naming an [sso-session] section (start URL and
 * region there), or the legacy sso_start_url / sso_region in the profile; sso_account_id and
 * sso_role_name in the profile either way. */
static uc_status sso_provider(struct aws_client *c, const struct aws_profile *p,
                              struct aws_provider **out, struct aws_error *err)
{
    const char *session = aws_profile_get(p, "sso_session");
    const char *url = aws_profile_get(p, "sso_start_url");
    const char *region = aws_profile_get(p, "sso_region");
    const char *account = aws_profile_get(p, "sso_account_id");
    const char *role = aws_profile_get(p, "sso_role_name");
    if (session) {
        const struct aws_profile *sec =
            aws_profiles_find_section(&c->profiles, AWS_INI_SSO_SESSION, session);
        if (!sec)
            return aws_error_set(err, UC_INVALID, "credentials", "profile",
                                 "profile %s: sso_session %s has no [sso-session %s] section",
                                 p->name, session, session);
        url = aws_profile_get(sec, "sso_start_url");
        region = aws_profile_get(sec, "sso_region");
    }
    const char *where = session ? " in its sso-session section" : "";
    const char *missing = !url ? "sso_start_url" : !region ? "sso_region" : NULL;
    if (!missing) {
        where = "";
        missing = !account ? "sso_account_id" : !role ? "sso_role_name" : NULL;
    }
    if (missing)
        return aws_error_set(err, UC_INVALID, "credentials", "profile",
                             "profile %s is an SSO profile without %s%s", p->name, missing,
                             where);
    *out = aws_provider_sso_new(p->name, session, url, region, account, role);
    return *out ? UC_OK : nomem(err);
}

/* The profile `name` at source_profile depth `depth` (see aws_provider_from_profile). */
static uc_status profile_provider(struct aws_client *c, const char *name, int depth,
                                  struct aws_provider **out, struct aws_error *err)
{
    *out = NULL;
    const struct aws_profile *p = aws_profiles_find(&c->profiles, name);
    if (!p)
        return UC_NOTFOUND;
    if (depth > MAX_PROFILE_DEPTH)
        return aws_error_set(err, UC_INVALID, "credentials", "profile",
                             "profile %s: source_profile chain is too long or has a loop", name);
    char src[64];
    snprintf(src, sizeof(src), "profile:%s", name);
    const char *ak = aws_profile_get(p, "aws_access_key_id");
    const char *sk = aws_profile_get(p, "aws_secret_access_key");
    const char *tok = aws_profile_get(p, "aws_session_token");
    const char *role = aws_profile_get(p, "role_arn");
    if (role) {
        const char *wif = aws_profile_get(p, "web_identity_token_file");
        const char *session = aws_profile_get(p, "role_session_name");
        if (wif) {
            *out = aws_provider_web_identity_new(role, wif, session);
            return *out ? UC_OK : nomem(err);
        }
        const char *sp = aws_profile_get(p, "source_profile");
        const char *cs = aws_profile_get(p, "credential_source");
        struct aws_provider *source = NULL;
        uc_status st = UC_OK;
        if (sp && cs)
            return aws_error_set(err, UC_INVALID, "credentials", "profile",
                                 "profile %s sets both source_profile and credential_source",
                                 name);
        if (sp) {
            if (strcmp(sp, name) == 0) {
                /* A profile may name itself: its own static keys are the source. */
                if (!ak || !sk)
                    return aws_error_set(err, UC_INVALID, "credentials", "profile",
                                         "profile %s is its own source_profile but has no keys",
                                         name);
                source = aws_provider_static_new(ak, sk, tok, src);
            } else {
                st = profile_provider(c, sp, depth + 1, &source, err);
                if (st == UC_NOTFOUND)
                    return aws_error_set(err, UC_INVALID, "credentials", "profile",
                                         "profile %s: source_profile %s not found or without "
                                         "credentials",
                                         name, sp);
                if (st != UC_OK)
                    return st;
            }
        } else if (cs) {
            if (strcasecmp(cs, "Environment") == 0) {
                st = aws_provider_from_env(&source, err);
                if (st == UC_NOTFOUND)
                    return aws_error_set(err, UC_INVALID, "credentials", "profile",
                                         "profile %s: credential_source Environment but no "
                                         "AWS_ACCESS_KEY_ID in the environment",
                                         name);
                if (st != UC_OK)
                    return st;
            } else if (strcasecmp(cs, "Ec2InstanceMetadata") == 0) {
                source = aws_provider_imds_new();
            } else if (strcasecmp(cs, "EcsContainer") == 0) {
                source = aws_provider_container_new();
            } else {
                return aws_error_set(err, UC_INVALID, "credentials", "profile",
                                     "profile %s: unknown credential_source %s", name, cs);
            }
        } else {
            return aws_error_set(err, UC_INVALID, "credentials", "profile",
                                 "profile %s has role_arn but neither source_profile nor "
                                 "credential_source",
                                 name);
        }
        if (!source)
            return nomem(err);
        struct aws_creds_cache *sc = cache_new(source);
        if (!sc)
            return nomem(err);
        const char *dur = aws_profile_get(p, "duration_seconds");
        int d = 0;
        if (dur) {
            char *end = NULL;
            long v = strtol(dur, &end, 10);
            if (!end || *end || v < 900 || v > 43200) {
                aws_creds_cache_release(sc);
                free(sc);
                return aws_error_set(err, UC_INVALID, "credentials", "profile",
                                     "profile %s: duration_seconds must be 900..43200", name);
            }
            d = (int)v;
        }
        struct aws_assume_role_params ap = {.role_arn = role,
                                            .session_name = session,
                                            .external_id = aws_profile_get(p, "external_id"),
                                            .duration_seconds = d};
        *out = aws_provider_assume_role_new(sc, true, &ap, 0);
        if (!*out) {
            aws_creds_cache_release(sc);
            free(sc);
            return nomem(err);
        }
        return UC_OK;
    }
    if (aws_profile_get(p, "sso_session") || aws_profile_get(p, "sso_start_url"))
        return sso_provider(c, p, out, err);
    if (ak || sk) {
        if (!ak || !sk)
            return aws_error_set(err, UC_INVALID, "credentials", "profile",
                                 "profile %s has only one of aws_access_key_id and "
                                 "aws_secret_access_key",
                                 name);
        *out = aws_provider_static_new(ak, sk, tok, src);
        return *out ? UC_OK : nomem(err);
    }
    const char *proc = aws_profile_get(p, "credential_process");
    if (proc) {
        *out = aws_provider_process_new(proc, name);
        return *out ? UC_OK : nomem(err);
    }
    return UC_NOTFOUND;
}

uc_status aws_provider_from_profile(struct aws_client *c, const char *name,
                                    struct aws_provider **out, struct aws_error *err)
{
    return profile_provider(c, name, 0, out, err);
}
