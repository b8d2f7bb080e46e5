/* host_ops.h - the provider RPCs, listed once (like uc_status.h's UC_STATUS_MAP): the enum, the
 * method tables of both protocols (proto6.c, proto5.c), their counts (host_proto.h) and each
 * RPC's worker lane all expand this list. Adding an RPC is one line here plus its handler
 * (docs/internals/plugin-host.md, "Adding an RPC").
 *
 * HOST_OPS(X) calls X(OP, V6, V5, LANE, H6, H5) once per RPC, in tfplugin6's service order:
 *   OP    suffix of the enum constant HOST_OP_<OP>
 *   V6    method name in /tfplugin6.Provider/ (a string literal)
 *   V5    method name in /tfplugin5.Provider/
 *   LANE  MAIN (may call AWS), CHEAP (never does I/O nor waits: the server's cheap lane) or
 *         POLLER (never blocks: runs on the completion-queue thread, answered even when every
 *         worker is busy)
 *   H6    the protocol-6 handler (static in proto6.c)
 *   H5    protocol 5's own handler (static in proto5.c) where its wire differs, else NONE: the
 *         protocol-6 handler serves protocol 5 too (host_proto6.h says why that is enough)
 * Only proto6.c expands H6 and only proto5.c expands H5; other expansions ignore them.
 */
#ifndef HOST_OPS_H
#define HOST_OPS_H

#include <stdbool.h>

/* clang-format off */
#define HOST_OPS(X)                                                                             \
    X(GET_METADATA,          "GetMetadata",          "GetMetadata",          CHEAP,            \
      h_get_metadata,               NONE)                                                       \
    X(GET_PROVIDER_SCHEMA,   "GetProviderSchema",    "GetSchema",            CHEAP,            \
      h_get_provider_schema,        h_get_schema)                                               \
    X(VALIDATE_PROVIDER_CONFIG, "ValidateProviderConfig", "PrepareProviderConfig", CHEAP,      \
      h_validate_provider_config,   h_prepare_provider_config)                                  \
    X(VALIDATE_RESOURCE_CONFIG, "ValidateResourceConfig", "ValidateResourceTypeConfig", CHEAP, \
      h_validate_resource_config,   NONE)                                                       \
    X(VALIDATE_DATA_RESOURCE_CONFIG, "ValidateDataResourceConfig", "ValidateDataSourceConfig", \
      CHEAP, h_validate_data_resource_config, NONE)                                             \
    X(UPGRADE_RESOURCE_STATE, "UpgradeResourceState", "UpgradeResourceState", CHEAP,           \
      h_upgrade_resource_state,     NONE)                                                       \
    X(CONFIGURE_PROVIDER,    "ConfigureProvider",    "Configure",            MAIN,             \
      h_configure_provider,         NONE)                                                       \
    X(READ_RESOURCE,         "ReadResource",         "ReadResource",         MAIN,             \
      h_read_resource,              NONE)                                                       \
    X(PLAN_RESOURCE_CHANGE,  "PlanResourceChange",   "PlanResourceChange",   MAIN,             \
      h_plan_resource_change,       NONE)                                                       \
    X(APPLY_RESOURCE_CHANGE, "ApplyResourceChange",  "ApplyResourceChange",  MAIN,             \
      h_apply_resource_change,      NONE)                                                       \
    X(IMPORT_RESOURCE_STATE, "ImportResourceState",  "ImportResourceState",  MAIN,             \
      h_import_resource_state,      NONE)                                                       \
    X(MOVE_RESOURCE_STATE,   "MoveResourceState",    "MoveResourceState",    CHEAP,            \
      h_move_resource_state,        NONE)                                                       \
    X(READ_DATA_SOURCE,      "ReadDataSource",       "ReadDataSource",       MAIN,             \
      h_read_data_source,           NONE)                                                       \
    X(VALIDATE_EPHEMERAL_RESOURCE_CONFIG, "ValidateEphemeralResourceConfig",                   \
      "ValidateEphemeralResourceConfig", CHEAP, h_validate_ephemeral, NONE)                    \
    X(OPEN_EPHEMERAL_RESOURCE,  "OpenEphemeralResource",  "OpenEphemeralResource",  CHEAP,     \
      h_open_ephemeral,             NONE)                                                       \
    X(RENEW_EPHEMERAL_RESOURCE, "RenewEphemeralResource", "RenewEphemeralResource", CHEAP,     \
      h_renew_ephemeral,            NONE)                                                       \
    X(CLOSE_EPHEMERAL_RESOURCE, "CloseEphemeralResource", "CloseEphemeralResource", CHEAP,     \
      h_close_ephemeral,            NONE)                                                       \
    X(GET_FUNCTIONS,         "GetFunctions",         "GetFunctions",         CHEAP,            \
      h_get_functions,              NONE)                                                       \
    X(CALL_FUNCTION,         "CallFunction",         "CallFunction",         CHEAP,            \
      h_call_function,              NONE)                                                       \
    X(STOP_PROVIDER,         "StopProvider",         "Stop",                 POLLER,           \
      h_stop_provider,              NONE)

/* The provider RPCs by their protocol-6 names. */
enum host_op {
#define HOST_OP_ENUM(op, v6, v5, lane, h6, h5) HOST_OP_##op,
    HOST_OPS(HOST_OP_ENUM)
#undef HOST_OP_ENUM
    HOST_OP_COUNT
};
/* clang-format on */

/* Where an RPC's handler runs (host_server.h: host_method.cheap / on_poller). */
enum host_lane { HOST_LANE_MAIN, HOST_LANE_CHEAP, HOST_LANE_POLLER };

/* op's lane; HOST_LANE_MAIN when op is out of range. */
enum host_lane host_op_lane(enum host_op op);

#endif
