/* fuzz_host_core.c - libFuzzer target for the provider core as Terraform's bytes reach it: the
 * DynamicValue of a config or prior state decoded with each resource's real schema, then
 * validated and planned, and RawState JSON upgraded. The first byte picks the resource and the
 * RPC; the rest is the payload. A crash, leak, hang or sanitizer report is a finding; diagnostics
 * are the expected answer to garbage.
 */
#include <stddef.h>
#include <stdint.h>

#include "host_core.h"
#include "uc_arena.h"
#include "uc_cancel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct host_core *core;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!core) {
        static struct uc_cancel *cancel;
        cancel = uc_cancel_new();
        core = host_core_new(cancel);
        if (!core)
            return 0;
    }
    size_t n = host_core_resource_count(core);
    const char *type = host_core_resource_name(core, data[0] % n);
    unsigned rpc = (data[0] / 8) % 4;
    struct host_dv dv = {data + 1, size - 1, NULL, 0};
    struct host_dv null_dv = {0};

    struct uc_arena *a = uc_arena_new();
    if (!a)
        return 0;
    struct tf_diags d;
    tf_diags_init(&d, a);
    switch (rpc) {
    case 0:
        host_core_validate_resource(core, a, type, &dv, &d);
        break;
    case 1: { /* create: the payload is config and proposed state */
        struct host_plan_out out;
        host_core_plan(core, a, type, &null_dv, &dv, &dv, NULL, &out, &d);
        break;
    }
    case 2: { /* update against itself: the payload is prior, config and proposed */
        struct host_plan_out out;
        host_core_plan(core, a, type, &dv, &dv, &dv, NULL, &out, &d);
        break;
    }
    case 3: {
        struct host_bytes out;
        host_core_upgrade_state(core, a, type, 0, data + 1, size - 1, false, &out, &d);
        break;
    }
    }
    uc_arena_free(a);
    return 0;
}
