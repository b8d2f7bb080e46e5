/* proto5.c - the tfplugin5 adapter: unpacks each protocol-5 request, calls the provider core,
 * packs the response. Same shape as proto6.c; protocol 5 differs in RPC and message names
 * (GetSchema, PrepareProviderConfig, ValidateResourceTypeConfig, ValidateDataSourceConfig,
 * Configure, Stop) and has no nested attribute types. Translation only (schema tables -> Schema, diagnostics -> Diagnostic,
 * paths -> AttributePath); all provider behaviour lives in core.c. Must not keep state.
 */
#include <string.h>

#include "host_pb.h"
#include "host_proto.h"
#include "tfplugin5.pb-c.h"
#include "uc_buf.h"

#define NEW(a, T) ((T *)uc_arena_alloc((a), sizeof(T)))

/* --- core types -> protocol 6 ---------------------------------------------------------- */

static Tfplugin5__AttributePath *path5(struct uc_arena *a, const struct tf_path *p)
{
    Tfplugin5__AttributePath *ap = NEW(a, Tfplugin5__AttributePath);
    if (!ap)
        return NULL;
    tfplugin5__attribute_path__init(ap);
    if (p->len == 0)
        return ap;
    ap->steps = uc_arena_calloc(a, p->len, sizeof *ap->steps);
    if (!ap->steps)
        return NULL;
    for (size_t i = 0; i < p->len; i++) {
        Tfplugin5__AttributePath__Step *s = NEW(a, Tfplugin5__AttributePath__Step);
        if (!s)
            return NULL;
        tfplugin5__attribute_path__step__init(s);
        const struct tf_path_step *st = &p->steps[i];
        switch (st->kind) {
        case TF_STEP_ATTR:
            s->selector_case = TFPLUGIN5__ATTRIBUTE_PATH__STEP__SELECTOR_ATTRIBUTE_NAME;
            s->attribute_name = (char *)host_pb_str(st->name);
            break;
        case TF_STEP_KEY:
            s->selector_case = TFPLUGIN5__ATTRIBUTE_PATH__STEP__SELECTOR_ELEMENT_KEY_STRING;
            s->element_key_string = (char *)host_pb_str(st->name);
            break;
        case TF_STEP_INDEX:
            s->selector_case = TFPLUGIN5__ATTRIBUTE_PATH__STEP__SELECTOR_ELEMENT_KEY_INT;
            s->element_key_int = st->index;
            break;
        }
        ap->steps[ap->n_steps++] = s;
    }
    return ap;
}

static Tfplugin5__Diagnostic **diags5(struct uc_arena *a, const struct tf_diags *d, size_t *n)
{
    *n = 0;
    size_t total = d->count + (d->oom ? 1 : 0);
    if (total == 0)
        return NULL;
    Tfplugin5__Diagnostic **out = uc_arena_calloc(a, total, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < d->count; i++) {
        const struct tf_diag *g = &d->items[i];
        Tfplugin5__Diagnostic *m = NEW(a, Tfplugin5__Diagnostic);
        if (!m)
            return out;
        tfplugin5__diagnostic__init(m);
        m->severity = g->severity == TF_SEV_WARNING ? TFPLUGIN5__DIAGNOSTIC__SEVERITY__WARNING
                                                    : TFPLUGIN5__DIAGNOSTIC__SEVERITY__ERROR;
        m->summary = (char *)host_pb_str(g->summary);
        m->detail = (char *)host_pb_str(g->detail);
        if (g->has_path && g->path.len)
            m->attribute = path5(a, &g->path);
        out[(*n)++] = m;
    }
    if (d->oom) {
        Tfplugin5__Diagnostic *m = NEW(a, Tfplugin5__Diagnostic);
        if (m) {
            tfplugin5__diagnostic__init(m);
            m->severity = TFPLUGIN5__DIAGNOSTIC__SEVERITY__ERROR;
            m->summary = "Out of memory";
            m->detail = "The provider ran out of memory; some diagnostics were lost.";
            out[(*n)++] = m;
        }
    }
    return out;
}

static Tfplugin5__Schema__Block *block5(struct uc_arena *a, const struct tf_block *b,
                                        int64_t version, bool *ok)
{
    Tfplugin5__Schema__Block *m = NEW(a, Tfplugin5__Schema__Block);
    if (!m)
        goto fail;
    tfplugin5__schema__block__init(m);
    m->version = version;
    m->description = (char *)host_pb_str(b->description);
    m->deprecated = b->deprecated;
    if (b->nattrs) {
        m->attributes = uc_arena_calloc(a, b->nattrs, sizeof *m->attributes);
        if (!m->attributes)
            goto fail;
    }
    for (size_t i = 0; i < b->nattrs; i++) {
        const struct tf_attr *at = &b->attrs[i];
        Tfplugin5__Schema__Attribute *x = NEW(a, Tfplugin5__Schema__Attribute);
        if (!x)
            goto fail;
        tfplugin5__schema__attribute__init(x);
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
        x->required = (at->flags & TF_REQUIRED) != 0;
        x->optional = (at->flags & TF_OPTIONAL) != 0;
        x->computed = (at->flags & TF_COMPUTED) != 0;
        x->sensitive = (at->flags & TF_SENSITIVE) != 0;
        x->deprecated = (at->flags & TF_DEPRECATED) != 0;
        x->write_only = (at->flags & TF_WRITE_ONLY) != 0;
        m->attributes[m->n_attributes++] = x;
    }
    if (b->nblocks) {
        m->block_types = uc_arena_calloc(a, b->nblocks, sizeof *m->block_types);
        if (!m->block_types)
            goto fail;
    }
    for (size_t i = 0; i < b->nblocks; i++) {
        const struct tf_block_type *bt = &b->blocks[i];
        Tfplugin5__Schema__NestedBlock *x = NEW(a, Tfplugin5__Schema__NestedBlock);
        if (!x)
            goto fail;
        tfplugin5__schema__nested_block__init(x);
        x->type_name = (char *)bt->name;
        x->nesting = (Tfplugin5__Schema__NestedBlock__NestingMode)bt->nesting;
        x->min_items = bt->min_items;
        x->max_items = bt->max_items;
        x->block = block5(a, bt->block, 0, ok);
        if (!x->block)
            goto fail;
        m->block_types[m->n_block_types++] = x;
    }
    return m;
fail:
    *ok = false;
    return NULL;
}

static Tfplugin5__Schema *schema5(struct uc_arena *a, const struct tf_schema *s, bool *ok)
{
    Tfplugin5__Schema *m = NEW(a, Tfplugin5__Schema);
    if (!m) {
        *ok = false;
        return NULL;
    }
    tfplugin5__schema__init(m);
    m->version = s->version;
    m->block = block5(a, s->block, s->version, ok);
    return m;
}

static Tfplugin5__ServerCapabilities *caps5(struct uc_arena *a)
{
    Tfplugin5__ServerCapabilities *c = NEW(a, Tfplugin5__ServerCapabilities);
    if (c) {
        tfplugin5__server_capabilities__init(c);
        c->plan_destroy = true;
        c->get_provider_schema_optional = true;
        c->move_resource_state = false;
    }
    return c;
}

static void dv5(struct host_dv *dv, const Tfplugin5__DynamicValue *m)
{
    host_pb_dv(dv, m ? &m->msgpack : NULL, m ? &m->json : NULL);
}

static Tfplugin5__DynamicValue *out_dv5(struct uc_arena *a, struct host_bytes b)
{
    Tfplugin5__DynamicValue *m = NEW(a, Tfplugin5__DynamicValue);
    if (m) {
        tfplugin5__dynamic_value__init(m);
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
    BEGIN(Tfplugin5__GetMetadata__Request, tfplugin5__get_metadata__request);
    (void)req;
    Tfplugin5__GetMetadata__Response resp = TFPLUGIN5__GET_METADATA__RESPONSE__INIT;
    resp.server_capabilities = caps5(rpc->arena);
    size_t n = host_core_resource_count(core);
    resp.resources = uc_arena_calloc(rpc->arena, n ? n : 1, sizeof *resp.resources);
    if (!resp.server_capabilities || !resp.resources)
        st = UC_NOMEM;
    for (size_t i = 0; st == UC_OK && i < n; i++) {
        Tfplugin5__GetMetadata__ResourceMetadata *m =
            NEW(rpc->arena, Tfplugin5__GetMetadata__ResourceMetadata);
        if (!m) {
            st = UC_NOMEM;
            break;
        }
        tfplugin5__get_metadata__resource_metadata__init(m);
        m->type_name = (char *)host_core_resource_name(core, i);
        resp.resources[resp.n_resources++] = m;
    }
    END(resp);
}

static void h_get_provider_schema(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__GetProviderSchema__Request, tfplugin5__get_provider_schema__request);
    (void)req;
    struct uc_arena *a = rpc->arena;
    bool ok = true;
    Tfplugin5__GetProviderSchema__Response resp = TFPLUGIN5__GET_PROVIDER_SCHEMA__RESPONSE__INIT;
    resp.provider = schema5(a, host_core_provider_schema(core), &ok);
    resp.server_capabilities = caps5(a);
    size_t n = host_core_resource_count(core);
    resp.resource_schemas = uc_arena_calloc(a, n ? n : 1, sizeof *resp.resource_schemas);
    if (!resp.server_capabilities || !resp.resource_schemas)
        ok = false;
    for (size_t i = 0; ok && i < n; i++) {
        Tfplugin5__GetProviderSchema__Response__ResourceSchemasEntry *e =
            NEW(a, Tfplugin5__GetProviderSchema__Response__ResourceSchemasEntry);
        if (!e) {
            ok = false;
            break;
        }
        tfplugin5__get_provider_schema__response__resource_schemas_entry__init(e);
        e->key = (char *)host_core_resource_name(core, i);
        e->value = schema5(a, host_core_resource_schema(core, i), &ok);
        resp.resource_schemas[resp.n_resource_schemas++] = e;
    }
    if (!ok)
        st = UC_NOMEM;
    resp.diagnostics = diags5(a, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_prepare_provider_config(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__PrepareProviderConfig__Request, tfplugin5__prepare_provider_config__request);
    struct host_dv cfg;
    dv5(&cfg, req->config);
    st = host_core_validate_provider(core, rpc->arena, &cfg, &d);
    Tfplugin5__PrepareProviderConfig__Response resp =
        TFPLUGIN5__PREPARE_PROVIDER_CONFIG__RESPONSE__INIT;
    /* Terraform decodes prepared_config and ignores it; echoing the config keeps it valid. */
    resp.prepared_config = req->config;
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_validate_resource_type_config(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__ValidateResourceTypeConfig__Request, tfplugin5__validate_resource_type_config__request);
    struct host_dv cfg;
    dv5(&cfg, req->config);
    st = host_core_validate_resource(core, rpc->arena, req->type_name, &cfg, &d);
    Tfplugin5__ValidateResourceTypeConfig__Response resp =
        TFPLUGIN5__VALIDATE_RESOURCE_TYPE_CONFIG__RESPONSE__INIT;
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_validate_data_source_config(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__ValidateDataSourceConfig__Request,
          tfplugin5__validate_data_source_config__request);
    host_core_unknown_data_source(core, req->type_name, &d);
    Tfplugin5__ValidateDataSourceConfig__Response resp =
        TFPLUGIN5__VALIDATE_DATA_SOURCE_CONFIG__RESPONSE__INIT;
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_upgrade_resource_state(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__UpgradeResourceState__Request, tfplugin5__upgrade_resource_state__request);
    struct host_bytes out = {0};
    const Tfplugin5__RawState *raw = req->raw_state;
    st = host_core_upgrade_state(core, rpc->arena, req->type_name, req->version,
                                 raw ? raw->json.data : NULL, raw ? raw->json.len : 0,
                                 raw && raw->n_flatmap > 0, &out, &d);
    Tfplugin5__UpgradeResourceState__Response resp =
        TFPLUGIN5__UPGRADE_RESOURCE_STATE__RESPONSE__INIT;
    if (out.len)
        resp.upgraded_state = out_dv5(rpc->arena, out);
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_configure(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__Configure__Request, tfplugin5__configure__request);
    struct host_dv cfg;
    dv5(&cfg, req->config);
    st = host_core_configure(core, rpc->arena, req->terraform_version, &cfg, &d);
    Tfplugin5__Configure__Response resp = TFPLUGIN5__CONFIGURE__RESPONSE__INIT;
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_read_resource(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__ReadResource__Request, tfplugin5__read_resource__request);
    struct host_dv cur;
    dv5(&cur, req->current_state);
    struct host_bytes priv_in = host_pb_bytes(req->private_), state = {0}, priv = {0};
    st = host_core_read(core, rpc->arena, req->type_name, &cur, &priv_in, &state, &priv, &d);
    Tfplugin5__ReadResource__Response resp = TFPLUGIN5__READ_RESOURCE__RESPONSE__INIT;
    if (state.len)
        resp.new_state = out_dv5(rpc->arena, state);
    resp.private_ = host_pb_bin(priv);
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_plan_resource_change(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__PlanResourceChange__Request, tfplugin5__plan_resource_change__request);
    struct host_dv prior, proposed, cfg;
    dv5(&prior, req->prior_state);
    dv5(&proposed, req->proposed_new_state);
    dv5(&cfg, req->config);
    struct host_bytes priv = host_pb_bytes(req->prior_private);
    struct host_plan_out out;
    st = host_core_plan(core, rpc->arena, req->type_name, &prior, &proposed, &cfg, &priv, &out,
                        &d);
    Tfplugin5__PlanResourceChange__Response resp =
        TFPLUGIN5__PLAN_RESOURCE_CHANGE__RESPONSE__INIT;
    if (out.planned.len)
        resp.planned_state = out_dv5(rpc->arena, out.planned);
    resp.planned_private = host_pb_bin(out.planned_private);
    if (out.n_requires_replace) {
        resp.requires_replace =
            uc_arena_calloc(rpc->arena, out.n_requires_replace, sizeof *resp.requires_replace);
        for (size_t i = 0; resp.requires_replace && i < out.n_requires_replace; i++) {
            Tfplugin5__AttributePath *p = path5(rpc->arena, &out.requires_replace[i]);
            if (p)
                resp.requires_replace[resp.n_requires_replace++] = p;
        }
    }
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_apply_resource_change(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__ApplyResourceChange__Request, tfplugin5__apply_resource_change__request);
    struct host_dv prior, planned, cfg;
    dv5(&prior, req->prior_state);
    dv5(&planned, req->planned_state);
    dv5(&cfg, req->config);
    struct host_bytes priv_in = host_pb_bytes(req->planned_private), state = {0}, priv = {0};
    st = host_core_apply(core, rpc->arena, req->type_name, &prior, &planned, &cfg, &priv_in,
                         &state, &priv, &d);
    Tfplugin5__ApplyResourceChange__Response resp =
        TFPLUGIN5__APPLY_RESOURCE_CHANGE__RESPONSE__INIT;
    if (state.len)
        resp.new_state = out_dv5(rpc->arena, state);
    resp.private_ = host_pb_bin(priv);
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_import_resource_state(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__ImportResourceState__Request, tfplugin5__import_resource_state__request);
    struct host_bytes state = {0}, priv = {0};
    st = host_core_import(core, rpc->arena, req->type_name, req->id, &state, &priv, &d);
    Tfplugin5__ImportResourceState__Response resp =
        TFPLUGIN5__IMPORT_RESOURCE_STATE__RESPONSE__INIT;
    if (state.len) {
        Tfplugin5__ImportResourceState__ImportedResource *ir =
            NEW(rpc->arena, Tfplugin5__ImportResourceState__ImportedResource);
        resp.imported_resources = uc_arena_calloc(rpc->arena, 1, sizeof *resp.imported_resources);
        if (ir && resp.imported_resources) {
            tfplugin5__import_resource_state__imported_resource__init(ir);
            ir->type_name = req->type_name;
            ir->state = out_dv5(rpc->arena, state);
            ir->private_ = host_pb_bin(priv);
            resp.imported_resources[resp.n_imported_resources++] = ir;
        } else {
            st = UC_NOMEM;
        }
    }
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_move_resource_state(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__MoveResourceState__Request, tfplugin5__move_resource_state__request);
    host_core_move_state(core, req->source_type_name, req->target_type_name, &d);
    Tfplugin5__MoveResourceState__Response resp = TFPLUGIN5__MOVE_RESOURCE_STATE__RESPONSE__INIT;
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_read_data_source(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__ReadDataSource__Request, tfplugin5__read_data_source__request);
    host_core_unknown_data_source(core, req->type_name, &d);
    Tfplugin5__ReadDataSource__Response resp = TFPLUGIN5__READ_DATA_SOURCE__RESPONSE__INIT;
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_validate_ephemeral(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__ValidateEphemeralResourceConfig__Request,
          tfplugin5__validate_ephemeral_resource_config__request);
    host_core_unknown_ephemeral(core, req->type_name, &d);
    Tfplugin5__ValidateEphemeralResourceConfig__Response resp =
        TFPLUGIN5__VALIDATE_EPHEMERAL_RESOURCE_CONFIG__RESPONSE__INIT;
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_open_ephemeral(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__OpenEphemeralResource__Request, tfplugin5__open_ephemeral_resource__request);
    host_core_unknown_ephemeral(core, req->type_name, &d);
    Tfplugin5__OpenEphemeralResource__Response resp =
        TFPLUGIN5__OPEN_EPHEMERAL_RESOURCE__RESPONSE__INIT;
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_renew_ephemeral(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__RenewEphemeralResource__Request,
          tfplugin5__renew_ephemeral_resource__request);
    host_core_unknown_ephemeral(core, req->type_name, &d);
    Tfplugin5__RenewEphemeralResource__Response resp =
        TFPLUGIN5__RENEW_EPHEMERAL_RESOURCE__RESPONSE__INIT;
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_close_ephemeral(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__CloseEphemeralResource__Request,
          tfplugin5__close_ephemeral_resource__request);
    host_core_unknown_ephemeral(core, req->type_name, &d);
    Tfplugin5__CloseEphemeralResource__Response resp =
        TFPLUGIN5__CLOSE_EPHEMERAL_RESOURCE__RESPONSE__INIT;
    resp.diagnostics = diags5(rpc->arena, &d, &resp.n_diagnostics);
    END(resp);
}

static void h_get_functions(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__GetFunctions__Request, tfplugin5__get_functions__request);
    (void)req;
    Tfplugin5__GetFunctions__Response resp = TFPLUGIN5__GET_FUNCTIONS__RESPONSE__INIT;
    END(resp);
}

static void h_call_function(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__CallFunction__Request, tfplugin5__call_function__request);
    host_core_unknown_function(core, req->name, &d);
    Tfplugin5__CallFunction__Response resp = TFPLUGIN5__CALL_FUNCTION__RESPONSE__INIT;
    Tfplugin5__FunctionError *fe = NEW(rpc->arena, Tfplugin5__FunctionError);
    if (fe && d.count) {
        tfplugin5__function_error__init(fe);
        fe->text = uc_arena_printf(rpc->arena, "%s: %s", d.items[0].summary, d.items[0].detail);
        resp.error = fe;
    }
    END(resp);
}

static void h_stop(struct host_rpc *rpc, void *ud)
{
    BEGIN(Tfplugin5__Stop__Request, tfplugin5__stop__request);
    (void)req;
    host_core_stop(core);
    Tfplugin5__Stop__Response resp = TFPLUGIN5__STOP__RESPONSE__INIT;
    END(resp);
}

#define P "/tfplugin5.Provider/"
static const struct {
    const char *path;
    host_handler_fn fn;
} methods5[HOST_PROTO5_METHODS] = {
    {P "GetMetadata", h_get_metadata},
    {P "GetSchema", h_get_provider_schema},
    {P "PrepareProviderConfig", h_prepare_provider_config},
    {P "ValidateResourceTypeConfig", h_validate_resource_type_config},
    {P "ValidateDataSourceConfig", h_validate_data_source_config},
    {P "UpgradeResourceState", h_upgrade_resource_state},
    {P "Configure", h_configure},
    {P "ReadResource", h_read_resource},
    {P "PlanResourceChange", h_plan_resource_change},
    {P "ApplyResourceChange", h_apply_resource_change},
    {P "ImportResourceState", h_import_resource_state},
    {P "MoveResourceState", h_move_resource_state},
    {P "ReadDataSource", h_read_data_source},
    {P "ValidateEphemeralResourceConfig", h_validate_ephemeral},
    {P "OpenEphemeralResource", h_open_ephemeral},
    {P "RenewEphemeralResource", h_renew_ephemeral},
    {P "CloseEphemeralResource", h_close_ephemeral},
    {P "GetFunctions", h_get_functions},
    {P "CallFunction", h_call_function},
    {P "Stop", h_stop},
};

size_t host_proto5_methods(struct host_method *out, size_t cap, struct host_core *core)
{
    if (cap < HOST_PROTO5_METHODS)
        return 0;
    for (size_t i = 0; i < HOST_PROTO5_METHODS; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].path = methods5[i].path;
        out[i].fn = methods5[i].fn;
        out[i].ud = core;
    }
    return HOST_PROTO5_METHODS;
}
