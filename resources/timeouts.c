/* timeouts.c - the timeouts block (create / update / delete Go durations) -> monotonic deadlines
 * and struct aws_call_opts for the AWS client.
 *
 * Parsing the durations is validate.c's (res_parse_duration via res_timeout_ns); this file only
 * does the arithmetic and must not call AWS.
 */
#include "res_timeouts.h"

#include "res_schema.h"

uint64_t res_timeout_ms(const struct tf_value *obj, const char *op, int64_t dflt_ns)
{
    int64_t ns = res_timeout_ns(obj, op, dflt_ns);
    if (ns <= 0)
        ns = dflt_ns > 0 ? dflt_ns : RES_DEFAULT_TIMEOUT_NS;
    uint64_t ms = (uint64_t)(ns / 1000000);
    return ms ? ms : 1;
}

uint64_t res_deadline_ms(const struct tf_value *obj, const char *op, int64_t dflt_ns)
{
    return uc_clock_monotonic_ms() + res_timeout_ms(obj, op, dflt_ns);
}

struct aws_call_opts res_call_opts(const struct res_ctx *ctx, const struct tf_value *obj,
                                   const char *op, int64_t dflt_ns, bool retry_non_idempotent)
{
    struct aws_call_opts o = {
        .cancel = ctx != NULL ? ctx->cancel : NULL,
        .deadline_ms = res_deadline_ms(obj, op, dflt_ns),
        .retry_non_idempotent = retry_non_idempotent,
    };
    return o;
}
