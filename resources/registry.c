/* registry.c - the list of resources the provider serves (one line per resource), their
 * implied types, and the bridge from a resource's plan hooks to the engine planner.
 *
 * The implied types are computed once by res_registry_init() into a process-lifetime arena and
 * are read-only afterwards, so every RPC thread may read them without locks. No resource logic
 * lives here.
 */
#include <string.h>

#include "res_provider.h"
#include "res_registry.h"

static const struct res_resource *const resources[] = {
    &res_tenant,
    &res_cluster,
    &res_addon,
};
#define NRESOURCES (sizeof resources / sizeof resources[0])

static const struct res_data_source *const data_sources[] = {
    &res_addon_catalog,
};
#define NDATA_SOURCES (sizeof data_sources / sizeof data_sources[0])

static struct uc_arena *types_arena;               /* process lifetime, never freed */
static const struct tf_type *resource_types[NRESOURCES];
static const struct tf_type *data_source_types[NDATA_SOURCES];
static const struct tf_type *provider_type;

uc_status res_registry_init(void)
{
    if (types_arena != NULL)
        return UC_OK;
    struct uc_arena *a = uc_arena_new();
    if (a == NULL)
        return UC_NOMEM;
    for (size_t i = 0; i < NRESOURCES; i++) {
        resource_types[i] = tf_block_type_of(a, resources[i]->schema->block);
        if (resource_types[i] == NULL)
            goto oom;
    }
    for (size_t i = 0; i < NDATA_SOURCES; i++) {
        data_source_types[i] = tf_block_type_of(a, data_sources[i]->schema->block);
        if (data_source_types[i] == NULL)
            goto oom;
    }
    provider_type = tf_block_type_of(a, res_provider_schema.block);
    if (provider_type == NULL)
        goto oom;
    types_arena = a;
    return UC_OK;
oom:
    uc_arena_free(a);
    memset(resource_types, 0, sizeof resource_types);
    memset(data_source_types, 0, sizeof data_source_types);
    provider_type = NULL;
    return UC_NOMEM;
}

size_t res_registry_count(void)
{
    return NRESOURCES;
}

const struct res_resource *res_registry_at(size_t i)
{
    return i < NRESOURCES ? resources[i] : NULL;
}

const struct res_resource *res_registry_find(const char *type_name)
{
    if (type_name == NULL)
        return NULL;
    for (size_t i = 0; i < NRESOURCES; i++)
        if (strcmp(resources[i]->type_name, type_name) == 0)
            return resources[i];
    return NULL;
}

const struct tf_type *res_registry_type(const struct res_resource *r)
{
    for (size_t i = 0; i < NRESOURCES; i++)
        if (resources[i] == r)
            return resource_types[i];
    return NULL;
}

size_t res_registry_data_source_count(void)
{
    return NDATA_SOURCES;
}

const struct res_data_source *res_registry_data_source_at(size_t i)
{
    return i < NDATA_SOURCES ? data_sources[i] : NULL;
}

const struct res_data_source *res_registry_data_source_find(const char *type_name)
{
    if (type_name == NULL)
        return NULL;
    for (size_t i = 0; i < NDATA_SOURCES; i++)
        if (strcmp(data_sources[i]->type_name, type_name) == 0)
            return data_sources[i];
    return NULL;
}

const struct tf_type *res_registry_data_source_type(const struct res_data_source *ds)
{
    for (size_t i = 0; i < NDATA_SOURCES; i++)
        if (data_sources[i] == ds)
            return data_source_types[i];
    return NULL;
}

const struct tf_type *res_registry_provider_type(void)
{
    return provider_type;
}

uc_status res_resource_plan(struct res_ctx *ctx, const struct res_resource *r,
                            const struct tf_plan_request *req, struct tf_plan_result *res)
{
    if (ctx == NULL || r == NULL || req == NULL || res == NULL)
        return UC_INVALID;
    if (r->plan_hooks == NULL)
        return tf_plan(ctx->arena, req, NULL, res, ctx->diags);
    struct tf_plan_hooks hooks = *r->plan_hooks;
    hooks.ud = ctx;
    return tf_plan(ctx->arena, req, &hooks, res, ctx->diags);
}
