/* res_provider.h - the provider block: its schema, validation, and the configured provider that
 * every resource call receives (AWS client, default tags, account-access role name).
 *
 * res_provider_new() runs at ConfigureProvider and must not touch the network or read credential
 * files: credentials resolve on the first AWS call. The configured provider is shared read-only
 * by all RPC threads; everything mutable inside it (credential caches) is the AWS client's and
 * thread-safe.
 */
#ifndef RES_PROVIDER_H
#define RES_PROVIDER_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

#include "aws_client.h"
#include "aws_config.h"
#include "res_resource.h"
#include "tf_diag.h"
#include "tf_schema.h"
#include "tf_value.h"

/* The account the credentials belong to, looked up once (res_provider_check_account). */
struct res_account_cache;
struct res_keyed_read;

struct res_account_guard {
    pthread_mutex_t mu;
    bool checked;     /* account holds the answer */
    char account[16];
};

/* The configured provider. Built by res_provider_new, immutable afterwards and shared read-only
 * by every RPC thread. Resources read default_tags and account_access_role_name; the AWS side
 * reads `aws`. */
struct res_provider {
    struct uc_arena *arena;              /* owns every string and value below */
    struct aws_config aws;               /* the provider block as the AWS client takes it */
    const struct tf_value *default_tags; /* known map(string) from default_tags; never NULL
                                            (an empty map when unset) */
    const char *account_access_role_name; /* never NULL ("OrganizationAccountAccessRole") */
    const char *terraform_version;        /* may be NULL */
    struct aws_client *client;            /* owned; built from aws at configure, thread-safe */
    const char *const *allowed_account_ids; /* may be NULL (n 0) */
    size_t n_allowed_account_ids;
    const char *const *forbidden_account_ids; /* may be NULL (n 0) */
    size_t n_forbidden_account_ids;
    const char *const *ignore_tag_keys; /* ignore_tags { keys } */
    size_t n_ignore_tag_keys;
    const char *const *ignore_tag_prefixes; /* ignore_tags { key_prefixes } */
    size_t n_ignore_tag_prefixes;
    struct res_account_guard *guard; /* mutable (with accounts): owned, arena memory */
    struct res_account_cache *accounts; /* reads shared by this process (res_account_cache.h):
                                           owned, thread-safe */
    struct res_keyed_read *eks_clusters;   /* DescribeCluster by "<account>/<name>", for the
                                              add-on reads (res_keyed_read.h): owned */
    struct res_keyed_read *eks_catalogue;  /* AWS's catalogue, which no write of ours changes:
                                              DescribeAddonVersions by "<add-on>@<version>",
                                              DescribeClusterVersions by "versions@<version>":
                                              owned */
};

/* Default tags of a configured provider; NULL p (validate-only calls) gives NULL. Borrowed. */
const struct tf_value *res_provider_default_tags(const struct res_provider *p);

/* The provider block schema (static). */
extern const struct tf_schema res_provider_schema;

/* Cross-attribute checks of the provider block (config may contain unknowns). Attribute-level
 * checks are in the schema table and run through tf_block_validate by the caller. */
void res_provider_validate(struct res_ctx *ctx, const struct tf_value *config);

/* Builds the configured provider from a validated config (unknowns are an error here).
 * terraform_version is informational (may be NULL). Returns NULL after adding error diagnostics
 * to d. Caller owns the result; free with res_provider_free. */
struct res_provider *res_provider_new(const struct tf_value *config, const char *terraform_version,
                                      struct tf_diags *d);

/* Is key a tag the provider block's ignore_tags names (by key or prefix)? Such tags are left
 * out of what a read reports and never removed by an update. NULL p gives false. */
bool res_provider_tag_ignored(const struct res_provider *p, const char *key);
/* Removes the ignored keys from tags (a JSON object of tags as AWS reported them), in place.
 * NULL p or tags: nothing. */
void res_provider_drop_ignored_tags(const struct res_provider *p, json_t *tags);
/* A planned tags_all without the keys ignore_tags names (as terraform-provider-aws plans it):
 * such a key is someone else's, so unicron neither writes nor reads it, and a read could never
 * give it back. Each key left out adds a warning on `tags` to d. Returns tags_all itself when
 * nothing is left out (also when it is null or unknown), else a new map in arena a; NULL when
 * out of memory. */
struct tf_value *res_provider_plan_tags(struct uc_arena *a, const struct res_provider *p,
                                        struct tf_value *tags_all, struct tf_diags *d);

/* allowed_account_ids / forbidden_account_ids: true when neither is set or the credentials'
 * account (STS GetCallerIdentity, once per provider, bounded by the call's cancel token) is
 * allowed; false after adding an error diagnostic naming the account. Thread-safe. Called by
 * the core before every resource operation that makes AWS calls. */
bool res_provider_check_account(const struct res_ctx *ctx);

/* Accepts NULL. No call may still be using the provider. */
void res_provider_free(struct res_provider *p);

#endif
