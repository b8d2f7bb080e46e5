/* host_proto.h - method tables of the services the provider serves: tfplugin6 (proto6.c, a
 * translation over host_core.h), tfplugin5 (proto5.c: the same handlers under protocol 5's
 * method names, see host_proto6.h) and go-plugin's controller plus grpc.health.v1.
 *
 * Each function appends its entries to out (cap entries available) and returns how many it
 * wrote (0 when cap is too small). The entries borrow core, which must outlive the server.
 */
#ifndef HOST_PROTO_H
#define HOST_PROTO_H

#include <stddef.h>

#include "host_core.h"
#include "host_ops.h"
#include "host_server.h"

/* One method per provider RPC in each protocol (host_ops.h). */
#define HOST_PROTO6_METHODS HOST_OP_COUNT
#define HOST_PROTO5_METHODS HOST_OP_COUNT
#define HOST_INFRA_METHODS  2

size_t host_proto6_methods(struct host_method *out, size_t cap, struct host_core *core);
size_t host_proto5_methods(struct host_method *out, size_t cap, struct host_core *core);

/* /plugin.GRPCController/Shutdown (exit_after: the server calls its on_exit once the reply is
 * out) and /grpc.health.v1.Health/Check (SERVING for "" and "plugin"). */
size_t host_infra_methods(struct host_method *out, size_t cap);

#endif
