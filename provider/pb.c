/* pb.c - protobuf-c glue for the protocol adapters: an allocator on the RPC's arena, request
 * unpacking and response packing. It must not know any tfplugin message (the adapters do).
 */
#include "host_pb.h"

#include <stdio.h>
#include <string.h>

#include "uc_log.h"

static void *arena_alloc(void *ud, size_t size)
{
    return uc_arena_alloc(ud, size);
}

static void arena_free(void *ud, void *p)
{
    /* Arena memory goes with the arena. */
}

ProtobufCMessage *host_pb_unpack(struct host_rpc *rpc, const ProtobufCMessageDescriptor *desc)
{
    ProtobufCAllocator al = {.alloc = arena_alloc, .free = arena_free,
                             .allocator_data = rpc->arena};
    static const uint8_t empty[1];
    ProtobufCMessage *m =
        protobuf_c_message_unpack(desc, &al, rpc->req_len, rpc->req ? rpc->req : empty);
    if (!m) {
        rpc->code = HOST_CODE_INVALID_ARGUMENT;
        /* Named by the method: protocol 5 unpacks with protocol-6 descriptors. */
        rpc->code_msg = uc_arena_printf(rpc->arena, "malformed request message for %s",
                                        rpc->method);
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

void host_pb_log_diags(const struct host_rpc *rpc, const struct tf_diags *d)
{
    if (!uc_log_enabled(UC_LOG_DEBUG))
        return;
    char n[24];
    snprintf(n, sizeof n, "%zu", d->count);
    uc_log(UC_LOG_DEBUG, "host", "rpc done", "method", rpc->method, "diagnostics", n,
           "errors", tf_diags_has_error(d) ? "true" : "false", NULL);
}
