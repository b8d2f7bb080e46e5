/* core.c - the protocol-neutral provider: decodes DynamicValues with the resource's schema,
 * runs validation, planning and the resource's functions, encodes the results. Both protocol
 * adapters call it. It must not know protobuf or gRPC, and it must never let a bad input crash:
 * every decode failure becomes an error diagnostic.
 */
#include "host_core.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "res_provider.h"
#include "res_registry.h"
#include "res_resource.h"
#include "tf_json.h"
#include "tf_msgpack.h"
#include "tf_plan.h"
#include "uc_buf.h"
#include "uc_log.h"

struct host_core {
    struct uc_cancel *cancel; /* borrowed */
    struct uc_arena *arena;   /* process lifetime: the provider block's implied type */
    const struct tf_type *provider_type;
    pthread_mutex_t mu;       /* guards the provider list */
    struct res_provider **providers; /* [n-1] is current; earlier ones are kept for calls in flight */
    size_t nproviders, capproviders;
};

struct host_core *host_core_new(struct uc_cancel *cancel)
{
    struct host_core *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cancel = cancel;
    pthread_mutex_init(&c->mu, NULL);
    c->arena = uc_arena_new();
    if (!c->arena || res_registry_init() != UC_OK)
        goto fail;
    c->provider_type = tf_block_type_of(c->arena, res_provider_schema.block);
    if (!c->provider_type)
        goto fail;
    return c;
fail:
    host_core_free(c);
    return NULL;
}

void host_core_free(struct host_core *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nproviders; i++)
        res_provider_free(c->providers[i]);
    free(c->providers);
    uc_arena_free(c->arena);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

const struct tf_schema *host_core_provider_schema(const struct host_core *c)
{
    return &res_provider_schema;
}

size_t host_core_resource_count(const struct host_core *c)
{
    return res_registry_count();
}

const char *host_core_resource_name(const struct host_core *c, size_t i)
{
    return res_registry_at(i)->type_name;
}

const struct tf_schema *host_core_resource_schema(const struct host_core *c, size_t i)
{
    return res_registry_at(i)->schema;
}

void host_core_stop(struct host_core *c)
{
    uc_log(UC_LOG_INFO, "host", "StopProvider: cancelling in-flight work", NULL);
    uc_cancel_trigger(c->cancel);
}

/* --- helpers ------------------------------------------------------------------------------ */

static const struct res_provider *current_provider(struct host_core *c)
{
    pthread_mutex_lock(&c->mu);
    const struct res_provider *p = c->nproviders ? c->providers[c->nproviders - 1] : NULL;
    pthread_mutex_unlock(&c->mu);
    return p;
}

/* Decodes a DynamicValue as type t; false after an error diagnostic naming `what`. */
static bool decode_dv(struct uc_arena *a, const struct host_dv *dv, const struct tf_type *t,
                      const char *what, struct tf_value **out, struct tf_diags *d)
{
    const char *err = NULL;
    uc_status st;
    *out = NULL;
    if (dv && dv->msgpack_len)
        st = tf_msgpack_decode(a, dv->msgpack, dv->msgpack_len, t, out, &err);
    else if (dv && dv->json_len)
        st = tf_json_decode(a, (const char *)dv->json, dv->json_len, t, out, &err);
    else
        st = (*out = tf_value_null(a, t)) ? UC_OK : UC_NOMEM;
    if (st == UC_OK && *out)
        return true;
    tf_diag_error(d, NULL, "Invalid value from Terraform",
                  "The provider could not decode the %s it received: %s.", what,
                  err ? err : uc_status_text(st));
    *out = NULL;
    return false;
}

/* Encodes v as msgpack into arena memory; false after an error diagnostic (a provider bug). */
static bool encode(struct uc_arena *a, const struct tf_value *v, const struct tf_type *t,
                   const char *what, struct host_bytes *out, struct tf_diags *d)
{
    struct uc_buf b;
    uc_buf_init(&b);
    uc_status st = tf_msgpack_encode(v, t, &b);
    if (st == UC_OK && b.err == UC_OK) {
        out->data = uc_arena_memdup(a, b.len ? (const void *)b.data : (const void *)"", b.len);
        out->len = b.len;
        if (!out->data)
            st = UC_NOMEM;
    } else if (st == UC_OK) {
        st = b.err;
    }
    uc_buf_release(&b);
    if (st == UC_OK)
        return true;
    out->data = NULL;
    out->len = 0;
    /* The reason, never the value: it may hold sensitive attributes. */
    const char *why = NULL;
    if (st == UC_INVALID && !tf_value_conforms(a, v, t, &why) && why)
        why = uc_arena_printf(a, "%s: %s", uc_status_text(st), why);
    tf_diag_error(d, NULL, "Provider produced a value it cannot encode",
                  "The %s could not be encoded (%s). This is a bug in the provider.", what,
                  why ? why : uc_status_text(st));
    return false;
}

static const struct res_resource *find_resource(const char *type, struct tf_diags *d)
{
    const struct res_resource *r = type ? res_registry_find(type) : NULL;
    if (!r)
        tf_diag_error(d, NULL, "Unknown resource type",
                      "The unicron provider has no resource type \"%s\".", type ? type : "");
    return r;
}

static void ctx_init(struct res_ctx *ctx, struct host_core *c, struct uc_arena *a,
                     struct tf_diags *d, const struct res_resource *r, bool with_provider,
                     const struct host_bytes *private_in)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->arena = a;
    ctx->diags = d;
    ctx->cancel = c->cancel;
    ctx->provider = with_provider ? current_provider(c) : NULL;
    ctx->type = r ? res_registry_type(r) : NULL;
    if (private_in && private_in->len) {
        ctx->private_in = private_in->data;
        ctx->private_in_len = private_in->len;
    }
    ctx->private_out = ctx->private_in;
    ctx->private_out_len = ctx->private_in_len;
}

static void private_result(const struct res_ctx *ctx, struct host_bytes *out)
{
    out->data = ctx->private_out;
    out->len = ctx->private_out ? ctx->private_out_len : 0;
}

/* A configured provider whose credentials belong to an allowed account (provider block's
 * allowed_account_ids / forbidden_account_ids), or an error diagnostic. */
static bool need_provider(const struct res_ctx *ctx, const char *type, const char *op)
{
    if (ctx->provider)
        return res_provider_check_account(ctx);
    tf_diag_error(ctx->diags, NULL, "Provider not configured",
                  "%s of %s was requested before the provider was configured.", op, type);
    return false;
}

static uc_status oom_status(const struct tf_diags *d)
{
    return d->oom ? UC_NOMEM : UC_OK;
}

/* --- provider ------------------------------------------------------------------------------ */

uc_status host_core_validate_provider(struct host_core *c, struct uc_arena *a,
                                      const struct host_dv *config, struct tf_diags *d)
{
    struct tf_value *cfg;
    if (!decode_dv(a, config, c->provider_type, "provider configuration", &cfg, d))
        return oom_status(d);
    tf_block_validate(res_provider_schema.block, cfg, NULL, d);
    struct res_ctx ctx;
    ctx_init(&ctx, c, a, d, NULL, false, NULL);
    ctx.type = c->provider_type;
    res_provider_validate(&ctx, cfg);
    return oom_status(d);
}

uc_status host_core_configure(struct host_core *c, struct uc_arena *a, const char *tf_version,
                              const struct host_dv *config, struct tf_diags *d)
{
    struct tf_value *cfg;
    if (!decode_dv(a, config, c->provider_type, "provider configuration", &cfg, d))
        return oom_status(d);
    tf_block_validate(res_provider_schema.block, cfg, NULL, d);
    if (tf_diags_has_error(d))
        return oom_status(d);
    struct res_provider *p = res_provider_new(cfg, tf_version, d);
    if (!p)
        return oom_status(d);
    pthread_mutex_lock(&c->mu);
    if (c->nproviders == c->capproviders) {
        size_t ncap = c->capproviders ? 2 * c->capproviders : 2;
        struct res_provider **np = realloc(c->providers, ncap * sizeof *np);
        if (!np) {
            pthread_mutex_unlock(&c->mu);
            res_provider_free(p);
            return UC_NOMEM;
        }
        c->providers = np;
        c->capproviders = ncap;
    }
    c->providers[c->nproviders++] = p;
    pthread_mutex_unlock(&c->mu);
    uc_log(UC_LOG_DEBUG, "host", "provider configured", "terraform_version", tf_version, NULL);
    return UC_OK;
}

/* --- managed resources ------------------------------------------------------------------- */

uc_status host_core_validate_resource(struct host_core *c, struct uc_arena *a, const char *type,
                                      const struct host_dv *config, struct tf_diags *d)
{
    const struct res_resource *r = find_resource(type, d);
    struct tf_value *cfg;
    if (!r || !decode_dv(a, config, res_registry_type(r), "resource configuration", &cfg, d))
        return oom_status(d);
    tf_block_validate(r->schema->block, cfg, NULL, d);
    if (r->validate) {
        struct res_ctx ctx;
        ctx_init(&ctx, c, a, d, r, false, NULL);
        r->validate(&ctx, cfg);
    }
    return oom_status(d);
}

uc_status host_core_upgrade_state(struct host_core *c, struct uc_arena *a, const char *type,
                                  int64_t version, const uint8_t *raw_json, size_t raw_json_len,
                                  bool flatmap_present, struct host_bytes *out,
                                  struct tf_diags *d)
{
    out->data = NULL;
    out->len = 0;
    const struct res_resource *r = find_resource(type, d);
    if (!r)
        return oom_status(d);
    const struct tf_type *t = res_registry_type(r);
    if (version > r->schema->version) {
        tf_diag_error(d, NULL, "Resource state from a newer provider",
                      "The stored state of this %s has schema version %lld, but this provider "
                      "only knows versions up to %lld. Use the newer provider version that "
                      "wrote it.",
                      type, (long long)version, (long long)r->schema->version);
        return oom_status(d);
    }
    if (version < 0) {
        tf_diag_error(d, NULL, "Invalid resource state",
                      "The stored schema version %lld is negative.", (long long)version);
        return oom_status(d);
    }
    struct tf_value *v = NULL;
    if (raw_json_len == 0) {
        if (flatmap_present) {
            tf_diag_error(d, NULL, "Unsupported resource state format",
                          "The stored state of this %s uses the legacy flatmap format of "
                          "Terraform 0.11, which this provider does not read.",
                          type);
            return oom_status(d);
        }
        v = tf_value_null(a, t);
    } else {
        const char *err = NULL;
        uc_status st = tf_json_decode(a, (const char *)raw_json, raw_json_len, t, &v, &err);
        if (st != UC_OK || !v) {
            if (st == UC_NOMEM)
                return UC_NOMEM;
            tf_diag_error(d, NULL, "Invalid resource state",
                          "The stored state of this %s could not be read: %s.", type,
                          err ? err : uc_status_text(st));
            return oom_status(d);
        }
    }
    if (!v)
        return UC_NOMEM;
    encode(a, v, t, "upgraded state", out, d);
    return oom_status(d);
}

uc_status host_core_read(struct host_core *c, struct uc_arena *a, const char *type,
                         const struct host_dv *current, const struct host_bytes *private_in,
                         struct host_bytes *new_state, struct host_bytes *private_out,
                         struct tf_diags *d)
{
    memset(new_state, 0, sizeof *new_state);
    memset(private_out, 0, sizeof *private_out);
    if (private_in)
        *private_out = *private_in; /* never lose private, even on error */
    const struct res_resource *r = find_resource(type, d);
    struct tf_value *cur;
    if (!r || !decode_dv(a, current, res_registry_type(r), "current state", &cur, d))
        return oom_status(d);
    const struct tf_type *t = res_registry_type(r);
    struct tf_value *result = cur;
    if (r->read && !tf_value_is_null(cur)) {
        struct res_ctx ctx;
        ctx_init(&ctx, c, a, d, r, true, private_in);
        if (!need_provider(&ctx, type, "Read"))
            return oom_status(d);
        result = r->read(&ctx, cur);
        private_result(&ctx, private_out);
        if (!result) {
            if (!tf_diags_has_error(d))
                result = tf_value_null(a, t); /* gone */
            else
                result = cur; /* keep the state Terraform has */
        }
    }
    if (result && !tf_value_is_wholly_known(result)) {
        tf_diag_error(d, NULL, "Provider produced an invalid state",
                      "Reading %s returned unknown values. This is a bug in the provider.", type);
        return oom_status(d);
    }
    encode(a, result, t, "refreshed state", new_state, d);
    return oom_status(d);
}

uc_status host_core_plan(struct host_core *c, struct uc_arena *a, const char *type,
                         const struct host_dv *prior, const struct host_dv *proposed,
                         const struct host_dv *config, const struct host_bytes *prior_private,
                         struct host_plan_out *out, struct tf_diags *d)
{
    memset(out, 0, sizeof *out);
    if (prior_private)
        out->planned_private = *prior_private;
    const struct res_resource *r = find_resource(type, d);
    if (!r)
        return oom_status(d);
    const struct tf_type *t = res_registry_type(r);
    struct tf_value *pv, *prop, *cfg;
    if (!decode_dv(a, prior, t, "prior state", &pv, d) ||
        !decode_dv(a, proposed, t, "proposed new state", &prop, d) ||
        !decode_dv(a, config, t, "configuration", &cfg, d))
        return oom_status(d);

    struct res_ctx ctx;
    ctx_init(&ctx, c, a, d, r, true, prior_private);
    if (tf_value_is_null(prop)) {
        /* Destroy (or nothing to do): plan null, let the resource warn. */
        if (!tf_value_is_null(pv) && r->plan_destroy)
            r->plan_destroy(&ctx, pv);
        private_result(&ctx, &out->planned_private);
        struct tf_value *nullv = tf_value_null(a, t);
        if (!nullv)
            return UC_NOMEM;
        encode(a, nullv, t, "planned state", &out->planned, d);
        return oom_status(d);
    }
    struct tf_plan_request req = {
        .block = r->schema->block, .type = t, .prior = pv, .proposed = prop, .config = cfg};
    struct tf_plan_result res;
    memset(&res, 0, sizeof res);
    uc_status st = res_resource_plan(&ctx, r, &req, &res); /* r's hooks see ctx */
    if (st == UC_NOMEM)
        return UC_NOMEM;
    if (st != UC_OK) {
        tf_diag_error(d, NULL, "Planning failed", "The provider could not plan %s: %s.", type,
                      uc_status_text(st));
        return oom_status(d);
    }
    if (tf_diags_has_error(d) || !res.planned)
        return oom_status(d);
    if (!encode(a, res.planned, t, "planned state", &out->planned, d))
        return oom_status(d);
    out->requires_replace = res.requires_replace;
    out->n_requires_replace = res.n_requires_replace;
    private_result(&ctx, &out->planned_private);
    return oom_status(d);
}

static void not_available(struct tf_diags *d, const char *type, const char *op)
{
    tf_diag_error(d, NULL, "Apply is not available yet",
                  "%s of %s resources is not implemented in this version of the unicron "
                  "provider. Nothing was changed; plan and validate work, apply does not yet.",
                  op, type);
}

uc_status host_core_apply(struct host_core *c, struct uc_arena *a, const char *type,
                          const struct host_dv *prior, const struct host_dv *planned,
                          const struct host_dv *config, const struct host_bytes *planned_private,
                          struct host_bytes *new_state, struct host_bytes *private_out,
                          struct tf_diags *d)
{
    memset(new_state, 0, sizeof *new_state);
    memset(private_out, 0, sizeof *private_out);
    if (planned_private)
        *private_out = *planned_private;
    const struct res_resource *r = find_resource(type, d);
    if (!r)
        return oom_status(d);
    const struct tf_type *t = res_registry_type(r);
    struct tf_value *pv, *pl, *cfg;
    if (!decode_dv(a, prior, t, "prior state", &pv, d) ||
        !decode_dv(a, planned, t, "planned state", &pl, d) ||
        !decode_dv(a, config, t, "configuration", &cfg, d))
        return oom_status(d);

    struct res_ctx ctx;
    ctx_init(&ctx, c, a, d, r, true, planned_private);
    struct tf_value *result = NULL;
    const char *op;
    if (tf_value_is_null(pl)) {
        op = "Delete";
        if (tf_value_is_null(pv)) {
            result = pv;
        } else if (!r->delete) {
            not_available(d, type, op);
            result = pv; /* the object stays in state */
        } else if (need_provider(&ctx, type, op)) {
            result = r->delete(&ctx, pv) ? tf_value_null(a, t) : pv;
        } else {
            result = pv;
        }
    } else if (tf_value_is_null(pv)) {
        op = "Create";
        if (!r->create)
            not_available(d, type, op);
        else if (need_provider(&ctx, type, op))
            result = r->create(&ctx, pl, cfg);
        if (!result && !tf_diags_has_error(d))
            tf_diag_error(d, NULL, "Provider returned no state",
                          "Creating %s returned no state and no error. This is a bug in the "
                          "provider.",
                          type);
        if (!result)
            result = tf_value_null(a, t);
    } else {
        op = "Update";
        if (!r->update)
            not_available(d, type, op);
        else if (need_provider(&ctx, type, op))
            result = r->update(&ctx, pv, pl, cfg);
        if (!result && !tf_diags_has_error(d))
            tf_diag_error(d, NULL, "Provider returned no state",
                          "Updating %s returned no state and no error. This is a bug in the "
                          "provider.",
                          type);
        if (!result)
            result = pv;
    }
    if (!result)
        return UC_NOMEM;
    private_result(&ctx, private_out);
    if (!tf_value_is_wholly_known(result)) {
        tf_diag_error(d, NULL, "Provider produced an invalid state",
                      "%s of %s left unknown values in the new state. This is a bug in the "
                      "provider.",
                      op, type);
        result = tf_diags_has_error(d) && !tf_value_is_null(pv) ? pv : tf_value_null(a, t);
        if (!result)
            return UC_NOMEM;
    }
    encode(a, result, t, "new state", new_state, d);
    return oom_status(d);
}

uc_status host_core_import(struct host_core *c, struct uc_arena *a, const char *type,
                           const char *id, struct host_bytes *state,
                           struct host_bytes *private_out, struct tf_diags *d)
{
    memset(state, 0, sizeof *state);
    memset(private_out, 0, sizeof *private_out);
    const struct res_resource *r = find_resource(type, d);
    if (!r)
        return oom_status(d);
    if (!r->import) {
        tf_diag_error(d, NULL, "Import not supported",
                      "The %s resource does not support import in this version of the unicron "
                      "provider.",
                      type);
        return oom_status(d);
    }
    if (!id || !*id) {
        tf_diag_error(d, NULL, "Invalid import ID", "The import ID must not be empty.");
        return oom_status(d);
    }
    struct res_ctx ctx;
    ctx_init(&ctx, c, a, d, r, true, NULL);
    if (!need_provider(&ctx, type, "Import"))
        return oom_status(d);
    struct tf_value *v = r->import(&ctx, id);
    if (tf_diags_has_error(d))
        return oom_status(d);
    if (!v || tf_value_is_null(v)) {
        tf_diag_error(d, NULL, "Cannot import non-existent remote object",
                      "No %s with ID \"%s\" was found.", type, id);
        return oom_status(d);
    }
    if (encode(a, v, res_registry_type(r), "imported state", state, d))
        private_result(&ctx, private_out);
    return oom_status(d);
}

void host_core_move_state(struct host_core *c, const char *source_type, const char *target_type,
                          struct tf_diags *d)
{
    tf_diag_error(d, NULL, "Move resource state is not supported",
                  "The unicron provider cannot move state from \"%s\" to \"%s\". Remove the "
                  "moved block and import the object as %s instead.",
                  source_type ? source_type : "", target_type ? target_type : "",
                  target_type ? target_type : "the target type");
}

void host_core_unknown_data_source(struct host_core *c, const char *type, struct tf_diags *d)
{
    tf_diag_error(d, NULL, "Unknown data source",
                  "The unicron provider has no data sources; \"%s\" does not exist.",
                  type ? type : "");
}

void host_core_unknown_ephemeral(struct host_core *c, const char *type, struct tf_diags *d)
{
    tf_diag_error(d, NULL, "Unknown ephemeral resource",
                  "The unicron provider has no ephemeral resources; \"%s\" does not exist.",
                  type ? type : "");
}

void host_core_unknown_function(struct host_core *c, const char *name, struct tf_diags *d)
{
    tf_diag_error(d, NULL, "Unknown function",
                  "The unicron provider has no functions; \"%s\" does not exist.",
                  name ? name : "");
}
