/* proto5.c - the tfplugin5 service as a thin adapter: a table mapping each /tfplugin5.Provider/...
 * method onto the protocol-6 handler of the same RPC (proto6.c), whose messages are
 * wire-identical, plus the two places where protocol 5's wire differs: GetSchema's
 * Schema.Attribute (write_only is field 10) and PrepareProviderConfig's response (prepared_config,
 * field 1). Which messages are identical, and why that is enough, is written down in
 * host_proto6.h and docs/internals/plugin-host.md; tests/unit/test_host_proto.c checks it.
 * Must not keep state nor grow its own copies of the protocol-6 handlers.
 */
#include <string.h>

#include "host_pb.h"
#include "host_proto.h"
#include "host_proto6.h"
#include "tfplugin5.pb-c.h"

/* GetSchema: everything but Schema.Attribute is sent as protocol-6 messages (same wire);
 * the attribute is copied into protocol 5's own message, where write_only is field 10 (v6: 11)
 * and nested_type (v6: 10) does not exist. */
ProtobufCMessage *host_proto5_attribute(struct uc_arena *a, Tfplugin6__Schema__Attribute *x)
{
    if (x->nested_type)
        return NULL; /* protocol 5 has no nested attributes */
    Tfplugin5__Schema__Attribute *m = uc_arena_alloc(a, sizeof *m);
    if (!m)
        return NULL;
    tfplugin5__schema__attribute__init(m);
    m->name = x->name;
    m->type = x->type;
    m->description = x->description;
    m->required = x->required;
    m->optional = x->optional;
    m->computed = x->computed;
    m->sensitive = x->sensitive;
    m->description_kind = (Tfplugin5__StringKind)x->description_kind;
    m->deprecated = x->deprecated;
    m->write_only = x->write_only;
    return &m->base;
}

static void h_get_schema(struct host_rpc *rpc, void *ud)
{
    host_proto6_reply_schema(rpc, ud, host_proto5_attribute);
}

/* PrepareProviderConfig: the request is ValidateProviderConfig's ({1 config}); the response
 * adds 1 prepared_config in front of 2 diagnostics. Terraform decodes prepared_config and
 * ignores it (it must be valid or empty), so the config is echoed. */
static void h_prepare_provider_config(struct host_rpc *rpc, void *ud)
{
    struct host_core *core = ud;
    Tfplugin5__PrepareProviderConfig__Request *req =
        (Tfplugin5__PrepareProviderConfig__Request *)host_pb_unpack(
            rpc, &tfplugin5__prepare_provider_config__request__descriptor);
    if (!req)
        return;
    struct tf_diags d;
    tf_diags_init(&d, rpc->arena);
    struct host_dv cfg;
    host_pb_dv(&cfg, req->config ? &req->config->msgpack : NULL,
               req->config ? &req->config->json : NULL);
    uc_status st = host_core_validate_provider(core, rpc->arena, &cfg, &d);
    Tfplugin5__PrepareProviderConfig__Response resp =
        TFPLUGIN5__PREPARE_PROVIDER_CONFIG__RESPONSE__INIT;
    resp.prepared_config = req->config;
    /* Diagnostic (and the AttributePath inside it) is wire-identical in both protocols. */
    resp.diagnostics = HOST_PB_AS(Tfplugin5__Diagnostic **,
                                  host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics));
    host_pb_log_diags(rpc, &d);
    host_pb_reply(rpc, &resp.base, st);
}

/* The tfplugin5 method table, expanded from the one RPC list (host_ops.h): indexed by the
 * protocol-6 RPC; own == NULL means the protocol-6 handler serves it as is. */
#define NONE NULL
#define METHOD5(op, v6, v5, lane, h6, h5) [HOST_OP_##op] = {"/tfplugin5.Provider/" v5, h5},
static const struct {
    const char *path;
    host_handler_fn own;
} methods5[HOST_OP_COUNT] = {HOST_OPS(METHOD5)};
#undef METHOD5
#undef NONE

size_t host_proto5_methods(struct host_method *out, size_t cap, struct host_core *core)
{
    if (cap < HOST_PROTO5_METHODS)
        return 0;
    for (size_t i = 0; i < HOST_PROTO5_METHODS; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].path = methods5[i].path;
        out[i].fn = methods5[i].own ? methods5[i].own : host_proto6_handler((enum host_op)i);
        out[i].ud = core;
        out[i].on_poller = host_op_lane((enum host_op)i) == HOST_LANE_POLLER;
        out[i].cheap = host_op_lane((enum host_op)i) == HOST_LANE_CHEAP;
    }
    return HOST_PROTO5_METHODS;
}
