/* aws_waiter.h - poll a status with backoff until a target or failure state, the deadline or
 * cancellation (StopProvider), reporting the last seen status.
 *
 * The poll function does the AWS call (e.g. DescribeCluster) and names the status; the waiter
 * owns the timing. Sleeps use the client's clock and wake at once when the cancel token fires.
 * Thread-safe: each call is independent.
 */
#ifndef AWS_WAITER_H
#define AWS_WAITER_H

#include <stddef.h>
#include <stdint.h>

#include "aws_client.h"

enum aws_wait_result {
    AWS_WAIT_RETRY = 0, /* not there yet (or decide by the success/failure lists) */
    AWS_WAIT_SUCCESS,
    AWS_WAIT_FAILURE
};

struct aws_waiter {
    const char *description; /* "EKS cluster demo to become ACTIVE", for messages */
    /* Polls once. Writes the observed status (e.g. "CREATING") into status (NUL-terminated) and
     * may set *result. Returning an error status ends the wait with that error (err filled);
     * map expected errors yourself (e.g. ResourceNotFound -> SUCCESS for a delete wait). */
    uc_status (*poll)(void *ctx, const struct aws_call_opts *o, char *status, size_t status_len,
                      enum aws_wait_result *result, struct aws_error *err);
    void *ctx;
    const char *const *success; /* NULL-terminated status lists; may be NULL */
    const char *const *failure;
    uint64_t min_delay_ms; /* 0 = 2 s */
    uint64_t max_delay_ms; /* 0 = 30 s */
};

/* Polls until success (UC_OK), a failure status (UC_REMOTE, err->code "WaiterFailure"), the
 * deadline in o (UC_TIMEOUT, err->code "WaiterTimeout") or cancellation (UC_CANCELED). Every
 * error message names the description and the last status seen; last_status (may be NULL)
 * receives it too. The first poll happens at once. */
uc_status aws_wait(struct aws_client *c, const struct aws_waiter *w, const struct aws_call_opts *o,
                   char *last_status, size_t last_status_len, struct aws_error *err);

#endif
