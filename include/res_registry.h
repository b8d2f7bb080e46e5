/* res_registry.h - the list of resources the provider serves, and the provider's own schema.
 *
 * Adding a resource is one new file plus one line in resources/registry.c. The registry is static
 * data, built at compile time; implied types are computed once by res_registry_init().
 */
#ifndef RES_REGISTRY_H
#define RES_REGISTRY_H

#include <stddef.h>

#include "res_resource.h"
#include "uc_status.h"

/* Computes implied types of every schema into a process-lifetime arena. Call once at start,
 * before any other thread runs. */
uc_status res_registry_init(void);

/* Number of resources, and the i-th (borrowed, static). */
size_t res_registry_count(void);
const struct res_resource *res_registry_at(size_t i);

/* The resource serving type_name, or NULL. */
const struct res_resource *res_registry_find(const char *type_name);

/* Implied object type of a resource's schema (computed by res_registry_init). */
const struct tf_type *res_registry_type(const struct res_resource *r);

/* Data sources: count, the i-th, by name, and the implied type (as for resources). */
size_t res_registry_data_source_count(void);
const struct res_data_source *res_registry_data_source_at(size_t i);
const struct res_data_source *res_registry_data_source_find(const char *type_name);
const struct tf_type *res_registry_data_source_type(const struct res_data_source *ds);

/* Implied object type of the provider block (computed by res_registry_init). */
const struct tf_type *res_registry_provider_type(void);

/* Plans one change of resource r: tf_plan() with r's hooks, whose `ud` is set to ctx so the
 * modify hook sees the configured provider (default_tags). Use this rather than calling
 * tf_plan with r->plan_hooks directly. Memory in ctx->arena, diagnostics to ctx->diags.
 * ctx->provider may be NULL (then no default tags apply). */
uc_status res_resource_plan(struct res_ctx *ctx, const struct res_resource *r,
                            const struct tf_plan_request *req, struct tf_plan_result *res);

/* The resource definitions, one per file (resources/tenant.c, cluster.c, addon.c). */
extern const struct res_resource res_tenant;
extern const struct res_resource res_cluster;
extern const struct res_resource res_addon;
/* The data sources (resources/addon_catalog.c). */
extern const struct res_data_source res_addon_catalog;

#endif
