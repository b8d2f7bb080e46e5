/* host_core.h - the protocol-neutral provider core: one implementation of every provider RPC
 * that both protocol adapters (proto6.c, proto5.c) call.
 *
 * The core speaks engine values, tf_diags and the res_* registry; it knows no protobuf type.
 * Values cross this interface as the raw DynamicValue bytes (msgpack, or JSON as a fallback)
 * because decoding needs the schema, which only the core knows. Every call gets the RPC's arena:
 * results (byte strings, paths, diagnostics) are arena memory. User-facing problems, including
 * undecodable input, become error diagnostics; a uc_status is returned only for out of memory.
 * All functions are thread-safe; many RPCs run at once.
 */
#ifndef HOST_CORE_H
#define HOST_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tf_diag.h"
#include "tf_path.h"
#include "tf_schema.h"
#include "uc_arena.h"
#include "uc_cancel.h"
#include "uc_status.h"

/* A DynamicValue as it came off (or goes onto) the wire. Both empty = null. */
struct host_dv {
    const uint8_t *msgpack;
    size_t msgpack_len;
    const uint8_t *json;
    size_t json_len;
};

/* Opaque bytes (private state). */
struct host_bytes {
    const uint8_t *data;
    size_t len;
};

struct host_core;

/* The process's core. cancel (borrowed, must outlive the core) is the StopProvider token that
 * resource code sees. Calls res_registry_init. NULL when out of memory or the registry fails. */
struct host_core *host_core_new(struct uc_cancel *cancel);
/* Frees the core and its current provider configuration. No RPC may be running (every call's
 * arena freed). NULL ok. */
void host_core_free(struct host_core *c);

/* --- schemas (static data, borrowed) --------------------------------------------------- */
const struct tf_schema *host_core_provider_schema(const struct host_core *c);
size_t host_core_resource_count(const struct host_core *c);
/* i-th resource type name and schema; i < host_core_resource_count. */
const char *host_core_resource_name(const struct host_core *c, size_t i);
const struct tf_schema *host_core_resource_schema(const struct host_core *c, size_t i);

/* --- provider -------------------------------------------------------------------------- */
uc_status host_core_validate_provider(struct host_core *c, struct uc_arena *a,
                                      const struct host_dv *config, struct tf_diags *d);
/* Replaces the configured provider. A call that uses the provider holds a reference to the
 * configuration it started with until its arena is freed; a replaced configuration is freed
 * when its last such call ends (at once when none is in flight). */
uc_status host_core_configure(struct host_core *c, struct uc_arena *a, const char *tf_version,
                              const struct host_dv *config, struct tf_diags *d);
/* Provider configurations alive now: the current one plus replaced ones still used by calls
 * in flight (for tests and leak checks). */
size_t host_core_live_providers(struct host_core *c);
/* StopProvider: fires the cancellation token. Never blocks. */
void host_core_stop(struct host_core *c);

/* --- managed resources ----------------------------------------------------------------- */
uc_status host_core_validate_resource(struct host_core *c, struct uc_arena *a, const char *type,
                                      const struct host_dv *config, struct tf_diags *d);

/* raw_json (may be empty) is the state as stored; flatmap_present says the legacy flatmap form
 * was sent instead. *out is msgpack (empty bytes = null on error). */
uc_status host_core_upgrade_state(struct host_core *c, struct uc_arena *a, const char *type,
                                  int64_t version, const uint8_t *raw_json, size_t raw_json_len,
                                  bool flatmap_present, struct host_bytes *out,
                                  struct tf_diags *d);

uc_status host_core_read(struct host_core *c, struct uc_arena *a, const char *type,
                         const struct host_dv *current, const struct host_bytes *private_in,
                         struct host_bytes *new_state, struct host_bytes *private_out,
                         struct tf_diags *d);

struct host_plan_out {
    struct host_bytes planned;          /* msgpack */
    const struct tf_path *requires_replace; /* arena array */
    size_t n_requires_replace;
    struct host_bytes planned_private;
};

uc_status host_core_plan(struct host_core *c, struct uc_arena *a, const char *type,
                         const struct host_dv *prior, const struct host_dv *proposed,
                         const struct host_dv *config, const struct host_bytes *prior_private,
                         struct host_plan_out *out, struct tf_diags *d);

uc_status host_core_apply(struct host_core *c, struct uc_arena *a, const char *type,
                          const struct host_dv *prior, const struct host_dv *planned,
                          const struct host_dv *config, const struct host_bytes *planned_private,
                          struct host_bytes *new_state, struct host_bytes *private_out,
                          struct tf_diags *d);

/* On success *state is the imported state (msgpack); empty on error. */
uc_status host_core_import(struct host_core *c, struct uc_arena *a, const char *type,
                           const char *id, struct host_bytes *state,
                           struct host_bytes *private_out, struct tf_diags *d);

/* Always an error diagnostic: moving state across resource types is not supported. */
void host_core_move_state(struct host_core *c, const char *source_type, const char *target_type,
                          struct tf_diags *d);

/* --- data sources ------------------------------------------------------------------------ */
size_t host_core_data_source_count(const struct host_core *c);
/* i-th data source type name and schema; i < host_core_data_source_count. */
const char *host_core_data_source_name(const struct host_core *c, size_t i);
const struct tf_schema *host_core_data_source_schema(const struct host_core *c, size_t i);
uc_status host_core_validate_data_source(struct host_core *c, struct uc_arena *a,
                                         const char *type, const struct host_dv *config,
                                         struct tf_diags *d);
/* On success *state is the data source's value (msgpack); empty on error. */
uc_status host_core_read_data_source(struct host_core *c, struct uc_arena *a, const char *type,
                                     const struct host_dv *config, struct host_bytes *state,
                                     struct tf_diags *d);

/* --- ephemeral resources, functions: the provider has none ------------------------------- */
void host_core_unknown_ephemeral(struct host_core *c, const char *type, struct tf_diags *d);
void host_core_unknown_function(struct host_core *c, const char *name, struct tf_diags *d);

#endif
