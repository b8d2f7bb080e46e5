/* res_tenant_import.h - unicron_tenant's unicron:import bookkeeping tags and the import that
 * reads them back (tenant_import.c); tenant.c writes the tags at apply and calls the import.
 * Ownership: inputs are borrowed; returned strings and values live in the arena passed in (the
 * call's). No state is kept. Threads: the tag writers are pure (any thread); res_tenant_import
 * uses ctx and makes its AWS calls on the calling thread only. */
#ifndef RES_TENANT_IMPORT_H
#define RES_TENANT_IMPORT_H

#include <stddef.h>

#include "res_resource.h"
#include "tf_value.h"
#include "uc_arena.h"

/* The unicron:import tag value of the account-access role of environment env, element index of
 * the tenant's environment list: the index, the tenant's parent_id, whether env sets its own
 * parent_id, close_on_deletion, retired_parent_id, the timeouts and the e-mail template (encoded
 * for the tag character set; left out when it would not fit). tenant and env are known objects
 * (planned values); their null attributes are left out. NULL when out of memory or longer than
 * a tag value may be (256 characters). */
const char *res_tenant_account_meta(struct uc_arena *a, const struct tf_value *tenant,
                                    const struct tf_value *env, size_t index);

/* The unicron:import tag value of an access role made for access block index whose
 * environments attribute is envs (NULL or null = every environment, written "*"). NULL when out
 * of memory. */
const char *res_tenant_role_meta(struct uc_arena *a, size_t index, const struct tf_value *envs);

/* ImportResourceState of unicron_tenant id (the tenant name): the ACTIVE, not retired accounts
 * tagged unicron:tenant = id, their unicron:import tags and access roles, as an object of
 * ctx->type in ctx->arena with the configuration (environments with their account ids, access
 * blocks, settings, tags) and an empty tags_all; account_ids is left null for the caller to
 * fill, and ReadResource completes the rest. ctx->provider must be configured (its client is
 * used). NULL without a diagnostic when no such account exists (Terraform then reports a
 * non-existent remote object); NULL with an error diagnostic in ctx->diags for a malformed id,
 * two accounts claiming one environment, a failed AWS call or out of memory. */
struct tf_value *res_tenant_import(struct res_ctx *ctx, const char *id);

#endif
