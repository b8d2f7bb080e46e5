/* res_timeouts.h - the `timeouts` block of a resource (create / update / delete as Go duration
 * strings) turned into the deadlines and call options the AWS client takes.
 *
 * Pure functions of a value and the monotonic clock; nothing is stored. Thread-safe.
 */
#ifndef RES_TIMEOUTS_H
#define RES_TIMEOUTS_H

#include <stdint.h>

#include "aws_client.h"
#include "res_resource.h"
#include "tf_value.h"

#define RES_NS_PER_MINUTE (60LL * 1000000000LL)
#define RES_DEFAULT_TIMEOUT_NS (30 * RES_NS_PER_MINUTE) /* create / update / delete */
#define RES_READ_TIMEOUT_NS (20 * RES_NS_PER_MINUTE)    /* refresh and import (no attribute) */

/* The timeout for op ("create", "update", "delete") in obj's timeouts block (obj is a state,
 * plan or config object; NULL or null gives the default), in milliseconds; dflt_ns when unset or
 * unparsable. */
uint64_t res_timeout_ms(const struct tf_value *obj, const char *op, int64_t dflt_ns);

/* Monotonic deadline (uc_clock_monotonic_ms domain) for op, starting now. */
uint64_t res_deadline_ms(const struct tf_value *obj, const char *op, int64_t dflt_ns);

/* Call options for one resource operation: the call's cancel token (StopProvider), the deadline
 * of op from obj, and retry_non_idempotent as given. ctx may be NULL (no cancel). */
struct aws_call_opts res_call_opts(const struct res_ctx *ctx, const struct tf_value *obj,
                                   const char *op, int64_t dflt_ns, bool retry_non_idempotent);

#endif
