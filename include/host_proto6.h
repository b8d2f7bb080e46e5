/* host_proto6.h - the provider service in protocol-6 messages: the handlers that serve
 * /tfplugin6.Provider/... and, unchanged, 18 of the 20 /tfplugin5.Provider/... methods.
 *
 * Protobuf message names and packages never reach the wire; only field numbers and types do.
 * Protocol 5.8 and 6.8 differ on the wire in exactly two places: Schema.Attribute (v6: 10
 * nested_type, 11 write_only; v5: 10 write_only), which reaches GetProviderSchema.Response,
 * and PrepareProviderConfig.Response (v5 adds 1 prepared_config). Every other request and
 * response is field-for-field identical, so proto5.c maps the protocol-5 method names onto these
 * handlers and adds code only for those two responses (docs/internals/plugin-host.md, "Protocol
 * 5 on protocol-6 handlers"; tests/unit/test_host_proto.c proves each reused pair).
 * Everything here is stateless and thread-safe; memory is the RPC's arena.
 */
#ifndef HOST_PROTO6_H
#define HOST_PROTO6_H

#include <stdbool.h>
#include <stddef.h>

#include "host_core.h"
#include "host_ops.h"
#include "host_server.h"
#include "tf_diag.h"
#include "tf_schema.h"
#include "tfplugin6.pb-c.h"
#include "uc_arena.h"

/* The protocol-6 handler of op (ud must be the struct host_core *); NULL when op is out of
 * range. The handler unpacks the request and packs the response with tfplugin6 descriptors. */
host_handler_fn host_proto6_handler(enum host_op op);

/* protobuf-c packs (and sizes) every sub-message with the descriptor in the sub-message's own
 * header, never with the type its field declares. A message of one protocol may therefore stand
 * in a field the other protocol declares with a wire-identical message; HOST_PB_AS is that cast.
 * Only for building a response to pack: never read fields through the declared type. */
#define HOST_PB_AS(T, p) ((T)(void *)(p))

/* Makes the Schema.Attribute message to send from its protocol-6 form x (arena memory, every
 * field set). Protocol 6 sends x itself; protocol 5 copies it into its own Attribute, whose
 * write_only is field 10. NULL = out of memory, or x cannot be expressed in the protocol. */
typedef ProtobufCMessage *(*host_attr_fn)(struct uc_arena *a,
                                          Tfplugin6__Schema__Attribute *x);

/* Protocol 5's host_attr_fn (proto5.c): x copied into tfplugin5's Schema.Attribute. NULL when
 * out of memory or when x has a nested_type (protocol 5 cannot express it). */
ProtobufCMessage *host_proto5_attribute(struct uc_arena *a, Tfplugin6__Schema__Attribute *x);

/* The Schema message of s with each attribute made by attr: Schema, Block and NestedBlock are
 * protocol-6 messages (wire-identical in protocol 5), attributes are whatever attr returns.
 * Arena memory; NULL with *ok = false when out of memory (or attr failed). */
Tfplugin6__Schema *host_proto6_schema(struct uc_arena *a, const struct tf_schema *s,
                                      host_attr_fn attr, bool *ok);

/* Answers a GetProviderSchema (v6) / GetSchema (v5) call (the request, empty in both, is
 * checked) with every schema of core, attributes made by attr. */
void host_proto6_reply_schema(struct host_rpc *rpc, struct host_core *core, host_attr_fn attr);

/* The Diagnostic messages of d (plus one "Out of memory" error when d lost some); *n is the
 * count. Arena memory; NULL when there are none. */
Tfplugin6__Diagnostic **host_proto6_diags(struct uc_arena *a, const struct tf_diags *d,
                                          size_t *n);

#endif
