/* proto6.c - the provider service in tfplugin6 messages: unpacks each request, calls the
 * provider core, packs the response. Translation only (schema tables -> Schema, diagnostics ->
 * Diagnostic, paths -> AttributePath); all provider behaviour lives in core.c. The handlers also
 * serve protocol 5 wherever its messages are wire-identical (proto5.c, host_proto6.h), so they
 * must not depend on the method name they were called under. Must not keep state.
 */
#include <string.h>

#include "host_pb.h"
#include "host_proto.h"
#include "host_proto6.h"
#include "uc_buf.h"

#define NEW(a, T) ((T *)uc_arena_alloc((a), sizeof(T)))

/* --- core types -> protocol 6 ---------------------------------------------------------- */

static Tfplugin6__AttributePath *path6(struct uc_arena *a, const struct tf_path *p)
{
    Tfplugin6__AttributePath *ap = NEW(a, Tfplugin6__AttributePath);
    if (!ap)
        return NULL;
    tfplugin6__attribute_path__init(ap);
    if (p->len == 0)
        return ap;
    ap->steps = uc_arena_calloc(a, p->len, sizeof *ap->steps);
    if (!ap->steps)
        return NULL;
    for (size_t i = 0; i < p->len; i++) {
        Tfplugin6__AttributePath__Step *s = NEW(a, Tfplugin6__AttributePath__Step);
        if (!s)
            return NULL;
        tfplugin6__attribute_path__step__init(s);
        const struct tf_path_step *st = &p->steps[i];
        switch (st->kind) {
        case TF_STEP_ATTR:
            s->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ATTRIBUTE_NAME;
            s->attribute_name = (char *)host_pb_str(st->name);
            break;
        case TF_STEP_KEY:
            s->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ELEMENT_KEY_STRING;
            s->element_key_string = (char *)host_pb_str(st->name);
            break;
        case TF_STEP_INDEX:
            s->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ELEMENT_KEY_INT;
            s->element_key_int = st->index;
            break;
        }
        ap->steps[ap->n_steps++] = s;
    }
    return ap;
}

Tfplugin6__Diagnostic **host_proto6_diags(struct uc_arena *a, const struct tf_diags *d, size_t *n)
{
    *n = 0;
    size_t total = d->count + (d->oom ? 1 : 0);
    if (total == 0)
        return NULL;
    Tfplugin6__Diagnostic **out = uc_arena_calloc(a, total, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < d->count; i++) {
        const struct tf_diag *g = &d->items[i];
        Tfplugin6__Diagnostic *m = NEW(a, Tfplugin6__Diagnostic);
        if (!m)
            return out;
        tfplugin6__diagnostic__init(m);
        m->severity = g->severity == TF_SEV_WARNING ? TFPLUGIN6__DIAGNOSTIC__SEVERITY__WARNING
                                                    : TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR;
        m->summary = (char *)host_pb_str(g->summary);
        m->detail = (char *)host_pb_str(g->detail);
        if (g->has_path && g->path.len)
            m->attribute = path6(a, &g->path);
        out[(*n)++] = m;
    }
    if (d->oom) {
        Tfplugin6__Diagnostic *m = NEW(a, Tfplugin6__Diagnostic);
        if (m) {
            tfplugin6__diagnostic__init(m);
            m->severity = TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR;
            m->summary = "Out of memory";
            m->detail = "The provider ran out of memory; some diagnostics were lost.";
            out[(*n)++] = m;
        }
    }
    return out;
}

static Tfplugin6__Schema__Block *block6(struct uc_arena *a, const struct tf_block *b,
                                        int64_t version, host_attr_fn attr, bool *ok)
{
    Tfplugin6__Schema__Block *m = NEW(a, Tfplugin6__Schema__Block);
    if (!m)
        goto fail;
    tfplugin6__schema__block__init(m);
    m->version = version;
    m->description = (char *)host_pb_str(b->description);
    /* Descriptions are written as markdown (`code`, links): IDEs and registries render them. */
    m->description_kind = TFPLUGIN6__STRING_KIND__MARKDOWN;
    m->deprecated = b->deprecated;
    if (b->nattrs) {
        m->attributes = uc_arena_calloc(a, b->nattrs, sizeof *m->attributes);
        if (!m->attributes)
            goto fail;
    }
    for (size_t i = 0; i < b->nattrs; i++) {
        const struct tf_attr *at = &b->attrs[i];
        Tfplugin6__Schema__Attribute *x = NEW(a, Tfplugin6__Schema__Attribute);
        if (!x)
            goto fail;
        tfplugin6__schema__attribute__init(x);
        struct uc_buf tj;
        uc_buf_init(&tj);
        tf_type_to_json(at->type, &tj);
        if (tj.err != UC_OK || tj.len == 0) {
            uc_buf_release(&tj);
            goto fail;
        }
        x->type.data = uc_arena_memdup(a, tj.data, tj.len);
        x->type.len = tj.len;
        uc_buf_release(&tj);
        if (!x->type.data)
            goto fail;
        x->name = (char *)at->name;
        x->description = (char *)host_pb_str(at->description);
        x->description_kind = TFPLUGIN6__STRING_KIND__MARKDOWN;
        x->required = (at->flags & TF_REQUIRED) != 0;
        x->optional = (at->flags & TF_OPTIONAL) != 0;
        x->computed = (at->flags & TF_COMPUTED) != 0;
        x->sensitive = (at->flags & TF_SENSITIVE) != 0;
        x->deprecated = (at->flags & TF_DEPRECATED) != 0;
        x->write_only = (at->flags & TF_WRITE_ONLY) != 0;
        ProtobufCMessage *sent = attr(a, x);
        if (!sent)
            goto fail;
        m->attributes[m->n_attributes++] = HOST_PB_AS(Tfplugin6__Schema__Attribute *, sent);
    }
    if (b->nblocks) {
        m->block_types = uc_arena_calloc(a, b->nblocks, sizeof *m->block_types);
        if (!m->block_types)
            goto fail;
    }
    for (size_t i = 0; i < b->nblocks; i++) {
        const struct tf_block_type *bt = &b->blocks[i];
        Tfplugin6__Schema__NestedBlock *x = NEW(a, Tfplugin6__Schema__NestedBlock);
        if (!x)
            goto fail;
        tfplugin6__schema__nested_block__init(x);
        x->type_name = (char *)bt->name;
        x->nesting = (Tfplugin6__Schema__NestedBlock__NestingMode)bt->nesting;
        x->min_items = bt->min_items;
        x->max_items = bt->max_items;
        x->block = block6(a, bt->block, 0, attr, ok);
        if (!x->block)
            goto fail;
        m->block_types[m->n_block_types++] = x;
    }
    return m;
fail:
    *ok = false;
    return NULL;
}

Tfplugin6__Schema *host_proto6_schema(struct uc_arena *a, const struct tf_schema *s,
                                      host_attr_fn attr, bool *ok)
{
    Tfplugin6__Schema *m = NEW(a, Tfplugin6__Schema);
    if (!m) {
        *ok = false;
        return NULL;
    }
    tfplugin6__schema__init(m);
    m->version = s->version;
    m->block = block6(a, s->block, s->version, attr, ok);
    return m->block ? m : NULL;
}

/* Protocol 6 sends the attribute as built. */
static ProtobufCMessage *attr6(struct uc_arena *a, Tfplugin6__Schema__Attribute *x)
{
    return &x->base;
}

static Tfplugin6__ServerCapabilities *caps6(struct uc_arena *a)
{
    Tfplugin6__ServerCapabilities *c = NEW(a, Tfplugin6__ServerCapabilities);
    if (c) {
        tfplugin6__server_capabilities__init(c);
        c->plan_destroy = true;
        c->get_provider_schema_optional = true;
        c->move_resource_state = false;
    }
    return c;
}

static void dv6(struct host_dv *dv, const Tfplugin6__DynamicValue *m)
{
    host_pb_dv(dv, m ? &m->msgpack : NULL, m ? &m->json : NULL);
}

static Tfplugin6__DynamicValue *out_dv6(struct uc_arena *a, struct host_bytes b)
{
    Tfplugin6__DynamicValue *m = NEW(a, Tfplugin6__DynamicValue);
    if (m) {
        tfplugin6__dynamic_value__init(m);
        m->msgpack = host_pb_bin(b);
    }
    return m;
}

#define UNPACK(T, lc) ((T *)host_pb_unpack(rpc, &lc##__descriptor))
#define BEGIN(T, lc)                                                                            \
    struct host_core *core = ud;                                                                \
    (void)core;                                                                                 \
    T *req = UNPACK(T, lc);                                                                     \
    if (!req)                                                                                   \
        return;                                                                                 \
    struct tf_diags d;                                                                          \
    tf_diags_init(&d, rpc->arena);                                                              \
    uc_status st = UC_OK
#define END(resp)                                                                               \
    do {                                                                                        \
        host_pb_log_diags(rpc, &d);                                                             \
        host_pb_reply(rpc, &(resp).base, st);                                                   \
    } while (0)

/* --- handlers ---------------------------------------------------------------------------- */

static void h_get_metadata(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__GetMetadata__Request, tfplugin6__get_metadata__request);
    (void)req;
    Tfplugin6__GetMetadata__Response resp = TFPLUGIN6__GET_METADATA__RESPONSE__INIT;
    resp.server_capabilities = caps6(rpc->arena);
    size_t n = host_core_resource_count(core);
    resp.resources = uc_arena_calloc(rpc->arena, n ? n : 1, sizeof *resp.resources);
    if (!resp.server_capabilities || !resp.resources)
        st = UC_NOMEM;
    for (size_t i = 0; st == UC_OK && i < n; i++) {
        Tfplugin6__GetMetadata__ResourceMetadata *m =
            NEW(rpc->arena, Tfplugin6__GetMetadata__ResourceMetadata);
        if (!m) {
            st = UC_NOMEM;
            break;
        }
        tfplugin6__get_metadata__resource_metadata__init(m);
        m->type_name = (char *)host_core_resource_name(core, i);
        resp.resources[resp.n_resources++] = m;
    }
    END(resp);
}

void host_proto6_reply_schema(struct host_rpc *rpc, struct host_core *core, host_attr_fn attr)
{
    /* The request is empty; unpacking still rejects malformed bytes. */
    if (!UNPACK(Tfplugin6__GetProviderSchema__Request, tfplugin6__get_provider_schema__request))
        return;
    struct tf_diags d;
    tf_diags_init(&d, rpc->arena);
    uc_status st = UC_OK;
    struct uc_arena *a = rpc->arena;
    bool ok = true;
    Tfplugin6__GetProviderSchema__Response resp = TFPLUGIN6__GET_PROVIDER_SCHEMA__RESPONSE__INIT;
    resp.provider = host_proto6_schema(a, host_core_provider_schema(core), attr, &ok);
    resp.server_capabilities = caps6(a);
    size_t n = host_core_resource_count(core);
    resp.resource_schemas = uc_arena_calloc(a, n ? n : 1, sizeof *resp.resource_schemas);
    if (!resp.server_capabilities || !resp.resource_schemas)
        ok = false;
    for (size_t i = 0; ok && i < n; i++) {
        Tfplugin6__GetProviderSchema__Response__ResourceSchemasEntry *e =
            NEW(a, Tfplugin6__GetProviderSchema__Response__ResourceSchemasEntry);
        if (!e) {
            ok = false;
            break;
        }
        tfplugin6__get_provider_schema__response__resource_schemas_entry__init(e);
        e->key = (char *)host_core_resource_name(core, i);
        e->value = host_proto6_schema(a, host_core_resource_schema(core, i), attr, &ok);
        resp.resource_schemas[resp.n_resource_schemas++] = e;
    }
    if (!ok)
        st = UC_NOMEM;
    resp.diagnostics = host_proto6_diags(a, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_get_provider_schema(struct host_rpc *rpc, void *ud)
{
    host_proto6_reply_schema(rpc, ud, attr6);
}

static void h_validate_provider_config(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__ValidateProviderConfig__Request, tfplugin6__validate_provider_config__request);
    struct host_dv cfg;
    dv6(&cfg, req->config);
    st = host_core_validate_provider(core, rpc->arena, &cfg, &d);
    Tfplugin6__ValidateProviderConfig__Response resp =
        TFPLUGIN6__VALIDATE_PROVIDER_CONFIG__RESPONSE__INIT;
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_validate_resource_config(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__ValidateResourceConfig__Request, tfplugin6__validate_resource_config__request);
    struct host_dv cfg;
    dv6(&cfg, req->config);
    st = host_core_validate_resource(core, rpc->arena, req->type_name, &cfg, &d);
    Tfplugin6__ValidateResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_RESOURCE_CONFIG__RESPONSE__INIT;
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_validate_data_resource_config(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__ValidateDataResourceConfig__Request,
          tfplugin6__validate_data_resource_config__request);
    host_core_unknown_data_source(core, req->type_name, &d);
    Tfplugin6__ValidateDataResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_DATA_RESOURCE_CONFIG__RESPONSE__INIT;
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_upgrade_resource_state(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__UpgradeResourceState__Request, tfplugin6__upgrade_resource_state__request);
    struct host_bytes out = {0};
    const Tfplugin6__RawState *raw = req->raw_state;
    st = host_core_upgrade_state(core, rpc->arena, req->type_name, req->version,
                                 raw ? raw->json.data : NULL, raw ? raw->json.len : 0,
                                 raw && raw->n_flatmap > 0, &out, &d);
    Tfplugin6__UpgradeResourceState__Response resp =
        TFPLUGIN6__UPGRADE_RESOURCE_STATE__RESPONSE__INIT;
    if (out.len)
        resp.upgraded_state = out_dv6(rpc->arena, out);
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_configure_provider(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__ConfigureProvider__Request, tfplugin6__configure_provider__request);
    struct host_dv cfg;
    dv6(&cfg, req->config);
    st = host_core_configure(core, rpc->arena, req->terraform_version, &cfg, &d);
    Tfplugin6__ConfigureProvider__Response resp = TFPLUGIN6__CONFIGURE_PROVIDER__RESPONSE__INIT;
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_read_resource(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__ReadResource__Request, tfplugin6__read_resource__request);
    struct host_dv cur;
    dv6(&cur, req->current_state);
    struct host_bytes priv_in = host_pb_bytes(req->private_), state = {0}, priv = {0};
    st = host_core_read(core, rpc->arena, req->type_name, &cur, &priv_in, &state, &priv, &d);
    Tfplugin6__ReadResource__Response resp = TFPLUGIN6__READ_RESOURCE__RESPONSE__INIT;
    if (state.len)
        resp.new_state = out_dv6(rpc->arena, state);
    resp.private_ = host_pb_bin(priv);
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_plan_resource_change(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__PlanResourceChange__Request, tfplugin6__plan_resource_change__request);
    struct host_dv prior, proposed, cfg;
    dv6(&prior, req->prior_state);
    dv6(&proposed, req->proposed_new_state);
    dv6(&cfg, req->config);
    struct host_bytes priv = host_pb_bytes(req->prior_private);
    struct host_plan_out out;
    st = host_core_plan(core, rpc->arena, req->type_name, &prior, &proposed, &cfg, &priv, &out,
                        &d);
    Tfplugin6__PlanResourceChange__Response resp =
        TFPLUGIN6__PLAN_RESOURCE_CHANGE__RESPONSE__INIT;
    if (out.planned.len)
        resp.planned_state = out_dv6(rpc->arena, out.planned);
    resp.planned_private = host_pb_bin(out.planned_private);
    if (out.n_requires_replace) {
        resp.requires_replace =
            uc_arena_calloc(rpc->arena, out.n_requires_replace, sizeof *resp.requires_replace);
        for (size_t i = 0; resp.requires_replace && i < out.n_requires_replace; i++) {
            Tfplugin6__AttributePath *p = path6(rpc->arena, &out.requires_replace[i]);
            if (p)
                resp.requires_replace[resp.n_requires_replace++] = p;
        }
    }
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_apply_resource_change(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__ApplyResourceChange__Request, tfplugin6__apply_resource_change__request);
    struct host_dv prior, planned, cfg;
    dv6(&prior, req->prior_state);
    dv6(&planned, req->planned_state);
    dv6(&cfg, req->config);
    struct host_bytes priv_in = host_pb_bytes(req->planned_private), state = {0}, priv = {0};
    st = host_core_apply(core, rpc->arena, req->type_name, &prior, &planned, &cfg, &priv_in,
                         &state, &priv, &d);
    Tfplugin6__ApplyResourceChange__Response resp =
        TFPLUGIN6__APPLY_RESOURCE_CHANGE__RESPONSE__INIT;
    if (state.len)
        resp.new_state = out_dv6(rpc->arena, state);
    resp.private_ = host_pb_bin(priv);
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_import_resource_state(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__ImportResourceState__Request, tfplugin6__import_resource_state__request);
    struct host_bytes state = {0}, priv = {0};
    st = host_core_import(core, rpc->arena, req->type_name, req->id, &state, &priv, &d);
    Tfplugin6__ImportResourceState__Response resp =
        TFPLUGIN6__IMPORT_RESOURCE_STATE__RESPONSE__INIT;
    if (state.len) {
        Tfplugin6__ImportResourceState__ImportedResource *ir =
            NEW(rpc->arena, Tfplugin6__ImportResourceState__ImportedResource);
        resp.imported_resources = uc_arena_calloc(rpc->arena, 1, sizeof *resp.imported_resources);
        if (ir && resp.imported_resources) {
            tfplugin6__import_resource_state__imported_resource__init(ir);
            ir->type_name = req->type_name;
            ir->state = out_dv6(rpc->arena, state);
            ir->private_ = host_pb_bin(priv);
            resp.imported_resources[resp.n_imported_resources++] = ir;
        } else {
            st = UC_NOMEM;
        }
    }
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_move_resource_state(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__MoveResourceState__Request, tfplugin6__move_resource_state__request);
    host_core_move_state(core, req->source_type_name, req->target_type_name, &d);
    Tfplugin6__MoveResourceState__Response resp = TFPLUGIN6__MOVE_RESOURCE_STATE__RESPONSE__INIT;
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_read_data_source(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__ReadDataSource__Request, tfplugin6__read_data_source__request);
    host_core_unknown_data_source(core, req->type_name, &d);
    Tfplugin6__ReadDataSource__Response resp = TFPLUGIN6__READ_DATA_SOURCE__RESPONSE__INIT;
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_validate_ephemeral(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__ValidateEphemeralResourceConfig__Request,
          tfplugin6__validate_ephemeral_resource_config__request);
    host_core_unknown_ephemeral(core, req->type_name, &d);
    Tfplugin6__ValidateEphemeralResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_EPHEMERAL_RESOURCE_CONFIG__RESPONSE__INIT;
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_open_ephemeral(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__OpenEphemeralResource__Request, tfplugin6__open_ephemeral_resource__request);
    host_core_unknown_ephemeral(core, req->type_name, &d);
    Tfplugin6__OpenEphemeralResource__Response resp =
        TFPLUGIN6__OPEN_EPHEMERAL_RESOURCE__RESPONSE__INIT;
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_renew_ephemeral(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__RenewEphemeralResource__Request,
          tfplugin6__renew_ephemeral_resource__request);
    host_core_unknown_ephemeral(core, req->type_name, &d);
    Tfplugin6__RenewEphemeralResource__Response resp =
        TFPLUGIN6__RENEW_EPHEMERAL_RESOURCE__RESPONSE__INIT;
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_close_ephemeral(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__CloseEphemeralResource__Request,
          tfplugin6__close_ephemeral_resource__request);
    host_core_unknown_ephemeral(core, req->type_name, &d);
    Tfplugin6__CloseEphemeralResource__Response resp =
        TFPLUGIN6__CLOSE_EPHEMERAL_RESOURCE__RESPONSE__INIT;
    resp.diagnostics = host_proto6_diags(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_get_functions(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__GetFunctions__Request, tfplugin6__get_functions__request);
    (void)req;
    Tfplugin6__GetFunctions__Response resp = TFPLUGIN6__GET_FUNCTIONS__RESPONSE__INIT;
    END(resp);
}

static void h_call_function(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__CallFunction__Request, tfplugin6__call_function__request);
    host_core_unknown_function(core, req->name, &d);
    Tfplugin6__CallFunction__Response resp = TFPLUGIN6__CALL_FUNCTION__RESPONSE__INIT;
    Tfplugin6__FunctionError *fe = NEW(rpc->arena, Tfplugin6__FunctionError);
    if (fe && d.count) {
        tfplugin6__function_error__init(fe);
        fe->text = uc_arena_printf(rpc->arena, "%s: %s", d.items[0].summary, d.items[0].detail);
        resp.error = fe;
    }
    END(resp);
}

static void h_stop_provider(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin6__StopProvider__Request, tfplugin6__stop_provider__request);
    (void)req;
    host_core_stop(core);
    Tfplugin6__StopProvider__Response resp = TFPLUGIN6__STOP_PROVIDER__RESPONSE__INIT;
    END(resp);
}

#define P "/tfplugin6.Provider/"
static const struct {
    const char *path;
    host_handler_fn fn;
} methods6[HOST_OP_COUNT] = {
    [HOST_OP_GET_METADATA] = {P "GetMetadata", h_get_metadata},
    [HOST_OP_GET_PROVIDER_SCHEMA] = {P "GetProviderSchema", h_get_provider_schema},
    [HOST_OP_VALIDATE_PROVIDER_CONFIG] = {P "ValidateProviderConfig", h_validate_provider_config},
    [HOST_OP_VALIDATE_RESOURCE_CONFIG] = {P "ValidateResourceConfig", h_validate_resource_config},
    [HOST_OP_VALIDATE_DATA_RESOURCE_CONFIG] = {P "ValidateDataResourceConfig",
                                               h_validate_data_resource_config},
    [HOST_OP_UPGRADE_RESOURCE_STATE] = {P "UpgradeResourceState", h_upgrade_resource_state},
    [HOST_OP_CONFIGURE_PROVIDER] = {P "ConfigureProvider", h_configure_provider},
    [HOST_OP_READ_RESOURCE] = {P "ReadResource", h_read_resource},
    [HOST_OP_PLAN_RESOURCE_CHANGE] = {P "PlanResourceChange", h_plan_resource_change},
    [HOST_OP_APPLY_RESOURCE_CHANGE] = {P "ApplyResourceChange", h_apply_resource_change},
    [HOST_OP_IMPORT_RESOURCE_STATE] = {P "ImportResourceState", h_import_resource_state},
    [HOST_OP_MOVE_RESOURCE_STATE] = {P "MoveResourceState", h_move_resource_state},
    [HOST_OP_READ_DATA_SOURCE] = {P "ReadDataSource", h_read_data_source},
    [HOST_OP_VALIDATE_EPHEMERAL_RESOURCE_CONFIG] = {P "ValidateEphemeralResourceConfig",
                                                    h_validate_ephemeral},
    [HOST_OP_OPEN_EPHEMERAL_RESOURCE] = {P "OpenEphemeralResource", h_open_ephemeral},
    [HOST_OP_RENEW_EPHEMERAL_RESOURCE] = {P "RenewEphemeralResource", h_renew_ephemeral},
    [HOST_OP_CLOSE_EPHEMERAL_RESOURCE] = {P "CloseEphemeralResource", h_close_ephemeral},
    [HOST_OP_GET_FUNCTIONS] = {P "GetFunctions", h_get_functions},
    [HOST_OP_CALL_FUNCTION] = {P "CallFunction", h_call_function},
    [HOST_OP_STOP_PROVIDER] = {P "StopProvider", h_stop_provider},
};
_Static_assert(HOST_PROTO6_METHODS == HOST_OP_COUNT, "one tfplugin6 method per provider RPC");

host_handler_fn host_proto6_handler(enum host_op op)
{
    return (unsigned)op < HOST_OP_COUNT ? methods6[op].fn : NULL;
}

size_t host_proto6_methods(struct host_method *out, size_t cap, struct host_core *core)
{
    if (cap < HOST_PROTO6_METHODS)
        return 0;
    for (size_t i = 0; i < HOST_PROTO6_METHODS; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].path = methods6[i].path;
        out[i].fn = methods6[i].fn;
        out[i].ud = core;
        out[i].on_poller = i == HOST_OP_STOP_PROVIDER;
    }
    return HOST_PROTO6_METHODS;
}
