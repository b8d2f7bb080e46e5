/* services.c - go-plugin's GRPCController/Shutdown and grpc.health.v1 Health/Check. Shutdown
 * only answers: the server calls the process's exit callback once the reply is on the wire.
 * go-plugin's stdio and broker streams are deliberately absent (answered UNIMPLEMENTED).
 */
#include <string.h>

#include "health.pb-c.h"
#include "host_pb.h"
#include "host_proto.h"
#include "plugin.pb-c.h"
#include "uc_log.h"

static void h_shutdown(struct host_rpc *rpc, void *ud)
{
    Plugin__Empty *req = (Plugin__Empty *)host_pb_unpack(rpc, &plugin__empty__descriptor);
    if (!req)
        return;
    uc_log(UC_LOG_DEBUG, "host", "Shutdown requested", NULL);
    Plugin__Empty resp = PLUGIN__EMPTY__INIT;
    host_pb_reply(rpc, &resp.base, UC_OK);
}

static void h_health_check(struct host_rpc *rpc, void *ud)
{
    Grpc__Health__V1__HealthCheckRequest *req =
        (Grpc__Health__V1__HealthCheckRequest *)host_pb_unpack(
            rpc, &grpc__health__v1__health_check_request__descriptor);
    if (!req)
        return;
    const char *svc = req->service ? req->service : "";
    if (*svc && strcmp(svc, "plugin") != 0) {
        rpc->code = HOST_CODE_NOT_FOUND; /* as the health protocol asks */
        rpc->code_msg = "unknown service";
        return;
    }
    Grpc__Health__V1__HealthCheckResponse resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
    resp.status = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
    host_pb_reply(rpc, &resp.base, UC_OK);
}

size_t host_infra_methods(struct host_method *out, size_t cap)
{
    if (cap < HOST_INFRA_METHODS)
        return 0;
    memset(out, 0, HOST_INFRA_METHODS * sizeof *out);
    out[0].path = "/plugin.GRPCController/Shutdown";
    out[0].fn = h_shutdown;
    out[0].exit_after = true;
    out[0].on_poller = true;
    out[1].path = "/grpc.health.v1.Health/Check";
    out[1].fn = h_health_check;
    out[1].on_poller = true;
    return HOST_INFRA_METHODS;
}
