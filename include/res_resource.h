/* res_resource.h - what a resource is: a schema table plus a small table of functions.
 *
 * The provider core (plugin host side) calls these through the registry (res_registry.h); it
 * owns the arena, the diagnostics list and the cancellation token of each call and lends them in
 * struct res_ctx. Resource functions are called concurrently from several RPC threads and must
 * keep no mutable global state. A resource whose apply is not built yet leaves create / update /
 * delete NULL: the core then answers ApplyResourceChange with an error diagnostic.
 */
#ifndef RES_RESOURCE_H
#define RES_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "tf_diag.h"
#include "tf_plan.h"
#include "tf_schema.h"
#include "tf_value.h"
#include "uc_arena.h"
#include "uc_cancel.h"

struct res_provider; /* the configured provider (res_provider.h); NULL before ConfigureProvider */

/* Per-call context, borrowed for the duration of one call. */
struct res_ctx {
    struct uc_arena *arena;           /* the RPC's arena: allocate results here */
    struct tf_diags *diags;           /* append user-facing problems here */
    const struct uc_cancel *cancel;   /* fires on StopProvider: end waits promptly */
    const struct res_provider *provider; /* NULL in validate-only calls */
    const struct tf_type *type;       /* implied type of the resource's schema block */
    /* Opaque private bytes of the instance: in = what Terraform passed, out = what to store
     * (defaults to in; set out to replace). Arena memory. */
    const unsigned char *private_in;
    size_t private_in_len;
    const unsigned char *private_out;
    size_t private_out_len;
};

struct res_resource {
    const char *type_name; /* "unicron_tenant" */
    const struct tf_schema *schema;
    /* NULL = generic planning only. The hooks' own `ud` is ignored: res_resource_plan()
     * (res_registry.h) passes a copy whose ud is the call's struct res_ctx *. */
    const struct tf_plan_hooks *plan_hooks;

    /* Cross-attribute checks beyond the attribute table (duplicate environments, min <= desired
     * <= max, ...). config may contain unknowns. May be NULL. */
    void (*validate)(struct res_ctx *ctx, const struct tf_value *config);

    /* Apply. Each returns the new state (wholly known) or, on failure, a partial state to save
     * (or NULL to keep the prior state) after adding error diagnostics. */
    struct tf_value *(*create)(struct res_ctx *ctx, const struct tf_value *planned,
                               const struct tf_value *config);
    struct tf_value *(*update)(struct res_ctx *ctx, const struct tf_value *prior,
                               const struct tf_value *planned, const struct tf_value *config);
    /* Returns true when the object is gone (state becomes null). */
    bool (*delete)(struct res_ctx *ctx, const struct tf_value *prior);

    /* Refresh: the object as the remote side holds it now, or a null value when it no longer
     * exists. NULL function = the core echoes the current state. */
    struct tf_value *(*read)(struct res_ctx *ctx, const struct tf_value *current);

    /* Import by the user's id: a state (possibly partial, all attributes present) that read()
     * then completes. NULL = import unsupported. */
    struct tf_value *(*import)(struct res_ctx *ctx, const char *id);

    /* Warnings for a destroy plan (e.g. "accounts will be retired, not closed"). May be NULL. */
    void (*plan_destroy)(struct res_ctx *ctx, const struct tf_value *prior);
};

/* A data source: a schema and a read of the configuration into the whole value (every computed
 * attribute known). validate may be NULL; read must not be. */
struct res_data_source {
    const char *type_name; /* "unicron_addon_catalog" */
    const struct tf_schema *schema;
    void (*validate)(struct res_ctx *ctx, const struct tf_value *config);
    /* The value to return (wholly known), or NULL after error diagnostics. config is known
     * (Terraform reads data sources only then). */
    struct tf_value *(*read)(struct res_ctx *ctx, const struct tf_value *config);
};

#endif
