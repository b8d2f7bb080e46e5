/* pb.c - protobuf-c glue for the protocol adapters: an allocator on the RPC's arena, request
 * unpacking (with the check that every string field is text) and response packing. It must not
 * know any tfplugin message (the adapters do).
 */
#include "host_pb.h"

#include <stdio.h>
#include <string.h>

#include "uc_log.h"
#include "uc_utf8.h"

/* Deeper than any tfplugin request; deeper input is refused rather than walked further. */
#define MAX_DEPTH 32

static void *arena_alloc(void *ud, size_t size)
{
    return uc_arena_alloc(ud, size);
}

static void arena_free(void *ud, void *p)
{
    /* Arena memory goes with the arena. */
}

/* Reads a varint at p[*i..n); false when cut short or longer than 10 bytes. */
static bool read_varint(const uint8_t *p, size_t n, size_t *i, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70 && *i < n; shift += 7) {
        uint8_t b = p[(*i)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Walks the wire bytes p[0..n) of a desc message and returns the name of the first string field,
 * at any depth, that is not UTF-8 text without NUL ("" at excessive depth), or NULL. protobuf-c
 * hands strings over as C strings: "unicron_tenant\0junk" would read as "unicron_tenant", and a
 * name echoed back in a diagnostic must be text Terraform's Go decoder accepts. Malformed framing
 * is not reported here; protobuf_c_message_unpack refuses it. */
static const char *bad_string(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t n,
                              int depth)
{
    if (depth > MAX_DEPTH)
        return "";
    size_t i = 0;
    while (i < n) {
        uint64_t tag, len;
        if (!read_varint(p, n, &i, &tag))
            return NULL;
        switch (tag & 7) {
        case 0:
            if (!read_varint(p, n, &i, &len))
                return NULL;
            continue;
        case 1:
            i += 8;
            continue;
        case 5:
            i += 4;
            continue;
        case 2:
            break;
        default:
            return NULL; /* groups, bad wire types: unpack fails on them */
        }
        if (!read_varint(p, n, &i, &len) || len > n - i)
            return NULL;
        const uint8_t *v = p + i;
        i += (size_t)len;
        const ProtobufCFieldDescriptor *f =
            (tag >> 3) <= 0x1fffffff
                ? protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3))
                : NULL;
        if (!f)
            continue;
        if (f->type == PROTOBUF_C_TYPE_STRING && !uc_utf8_is_text((const char *)v, (size_t)len))
            return f->name;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const char *bad = bad_string(f->descriptor, v, (size_t)len, depth + 1);
            if (bad)
                return bad;
        }
    }
    return NULL;
}

ProtobufCMessage *host_pb_unpack(struct host_rpc *rpc, const ProtobufCMessageDescriptor *desc)
{
    const char *bad = bad_string(desc, rpc->req, rpc->req ? rpc->req_len : 0, 0);
    if (bad) {
        /* The bytes themselves are never echoed: they are what cannot be sent back. */
        rpc->code = HOST_CODE_INVALID_ARGUMENT;
        rpc->code_msg =
            bad[0] ? uc_arena_printf(rpc->arena,
                                     "request field %s of %s is not valid UTF-8 text without NUL",
                                     bad, rpc->method)
                   : uc_arena_printf(rpc->arena, "request message for %s is nested too deeply",
                                     rpc->method);
        uc_log(UC_LOG_WARN, "host", "request string is not text", "method", rpc->method, "field",
               bad, NULL);
        return NULL;
    }
    ProtobufCAllocator al = {
        .alloc = arena_alloc, .free = arena_free, .allocator_data = rpc->arena};
    static const uint8_t empty[1];
    ProtobufCMessage *m =
        protobuf_c_message_unpack(desc, &al, rpc->req_len, rpc->req ? rpc->req : empty);
    if (!m) {
        rpc->code = HOST_CODE_INVALID_ARGUMENT;
        /* Named by the method: protocol 5 unpacks with protocol-6 descriptors. */
        rpc->code_msg =
            uc_arena_printf(rpc->arena, "malformed request message for %s", rpc->method);
        uc_log(UC_LOG_WARN, "host", "malformed request", "method", rpc->method, NULL);
    }
    return m;
}

void host_pb_reply(struct host_rpc *rpc, const ProtobufCMessage *msg, uc_status st)
{
    if (st != UC_OK) {
        rpc->code = HOST_CODE_INTERNAL;
        rpc->code_msg = uc_status_text(st);
        return;
    }
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = uc_arena_alloc(rpc->arena, n ? n : 1);
    if (!buf) {
        rpc->code = HOST_CODE_INTERNAL;
        rpc->code_msg = "out of memory";
        return;
    }
    rpc->resp = buf;
    rpc->resp_len = protobuf_c_message_pack(msg, buf);
}

struct host_bytes host_pb_bytes(ProtobufCBinaryData b)
{
    struct host_bytes out = {.data = b.len ? b.data : NULL, .len = b.len};
    return out;
}

void host_pb_dv(struct host_dv *dv, const ProtobufCBinaryData *msgpack,
                const ProtobufCBinaryData *json)
{
    memset(dv, 0, sizeof *dv);
    if (msgpack && msgpack->len) {
        dv->msgpack = msgpack->data;
        dv->msgpack_len = msgpack->len;
    }
    if (json && json->len) {
        dv->json = json->data;
        dv->json_len = json->len;
    }
}

ProtobufCBinaryData host_pb_bin(struct host_bytes b)
{
    ProtobufCBinaryData out = {.len = b.data ? b.len : 0, .data = (uint8_t *)b.data};
    return out;
}

const char *host_pb_str(const char *s)
{
    return s ? s : "";
}

const char *host_pb_text(struct uc_arena *a, const char *s)
{
    const char *t = uc_utf8_sanitize(a, s);
    return t ? t : "";
}

void host_pb_log_diags(const struct host_rpc *rpc, const struct tf_diags *d)
{
    if (!uc_log_enabled(UC_LOG_DEBUG))
        return;
    char n[24];
    snprintf(n, sizeof n, "%zu", d->count);
    uc_log(UC_LOG_DEBUG, "host", "rpc done", "method", rpc->method, "diagnostics", n, "errors",
           tf_diags_has_error(d) ? "true" : "false", NULL);
}
