/* fuzz_host_rpc.c - libFuzzer target for the plugin host's request path as gRPC hands it over:
 * raw request bytes into the real protocol-6 and protocol-5 method tables (protobuf-c unpack,
 * the string check of host_pb_unpack, the adapters, the core, response packing). The first
 * byte picks the protocol and the RPC; the rest is the request message. ConfigureProvider and
 * StopProvider are never called, so no AWS client exists and nothing leaves the process. A
 * crash, leak or sanitizer report is a finding; INVALID_ARGUMENT and diagnostics are answers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "host_core.h"
#include "host_proto.h"
#include "host_proto6.h"
#include "tfplugin6.pb-c.h"
#include "uc_arena.h"
#include "uc_cancel.h"
#include "uc_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct host_core *core;
static struct host_method m6[HOST_PROTO6_METHODS], m5[HOST_PROTO5_METHODS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!core) {
        static struct uc_cancel *cancel;
        cancel = uc_cancel_new();
        core = host_core_new(cancel);
        if (!core || host_proto6_methods(m6, HOST_PROTO6_METHODS, core) != HOST_PROTO6_METHODS ||
            host_proto5_methods(m5, HOST_PROTO5_METHODS, core) != HOST_PROTO5_METHODS)
            abort();
    }
    enum host_op op = (enum host_op)(data[0] % HOST_OP_COUNT);
    if (op == HOST_OP_CONFIGURE_PROVIDER || op == HOST_OP_STOP_PROVIDER)
        return 0;
    const struct host_method *m = (data[0] / HOST_OP_COUNT) % 2 ? &m5[op] : &m6[op];
    struct uc_arena *a = uc_arena_new();
    if (!a)
        return 0;
    struct host_rpc rpc = {
        .arena = a, .method = m->path, .req = data + 1, .req_len = size - 1, .code = HOST_CODE_OK};
    m->fn(&rpc, m->ud);
    if (rpc.code == HOST_CODE_OK && rpc.resp_len && !rpc.resp)
        abort();
    if (rpc.code != HOST_CODE_OK &&
        (!rpc.code_msg || !uc_utf8_is_text(rpc.code_msg, strlen(rpc.code_msg))))
        abort();
    uc_arena_free(a);
    return 0;
}
