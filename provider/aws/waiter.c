/* waiter.c - generic status polling with capped exponential backoff and jitter, ended by the
 * target state, a failure state, the deadline or cancellation.
 *
 * It owns only timing; the caller's poll function does the AWS call. Every sleep is on the
 * client's clock and wakes at once when the cancel token fires.
 */
#include <stdio.h>
#include <string.h>

#include "aws_internal.h"
#include "aws_waiter.h"

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

uc_status aws_wait(struct aws_client *c, const struct aws_waiter *w, const struct aws_call_opts *o,
                   char *last_status, size_t last_status_len, struct aws_error *err)
{
    aws_error_clear(err);
    if (!c || !w || !w->poll)
        return aws_error_set(err, UC_INVALID, "waiter", "wait", "no poll function");
    const char *what = w->description ? w->description : "resource";
    uint64_t min = w->min_delay_ms ? w->min_delay_ms : 2000;
    uint64_t max = w->max_delay_ms ? w->max_delay_ms : 30000;
    if (max < min)
        max = min;
    const struct uc_cancel *cancel = o ? o->cancel : NULL;
    uint64_t deadline = o ? o->deadline_ms : 0;
    char status[128] = "";
    uc_status st = UC_OK;
    for (unsigned n = 1;; n++) {
        if (uc_cancel_is_set(cancel)) {
            st = UC_CANCELED;
            break;
        }
        enum aws_wait_result res = AWS_WAIT_RETRY;
        char cur[128] = "";
        st = w->poll(w->ctx, o, cur, sizeof(cur), &res, err);
        cur[sizeof(cur) - 1] = '\0';
        if (cur[0])
            memcpy(status, cur, sizeof(status));
        if (st != UC_OK)
            break;
        if (res == AWS_WAIT_RETRY && in_list(w->success, cur))
            res = AWS_WAIT_SUCCESS;
        if (res == AWS_WAIT_RETRY && in_list(w->failure, cur))
            res = AWS_WAIT_FAILURE;
        if (res == AWS_WAIT_SUCCESS) {
            aws_error_clear(err);
            break;
        }
        if (res == AWS_WAIT_FAILURE) {
            st = aws_error_set(err, UC_REMOTE, NULL, NULL,
                               "waiting for %s: reached failure state %s", what,
                               status[0] ? status : "(unknown)");
            if (err)
                snprintf(err->code, sizeof(err->code), "WaiterFailure");
            break;
        }
        /* delay in [min, min(max, min * 2^(n-1))] */
        uint64_t hi = max;
        if (n - 1 < 32 && (min << (n - 1)) < max)
            hi = min << (n - 1);
        uint64_t delay = min + (uint64_t)((double)(hi - min) * aws_client_rand(c));
        uint64_t now = aws_clock_mono_ms(&c->clock);
        if (deadline && now >= deadline) {
            st = UC_TIMEOUT;
            break;
        }
        if (deadline && now + delay > deadline)
            delay = deadline - now;
        if (aws_clock_sleep_ms(&c->clock, cancel, delay) == UC_CANCELED) {
            st = UC_CANCELED;
            break;
        }
    }
    if (st == UC_TIMEOUT || st == UC_CANCELED) {
        aws_error_clear(err);
        aws_error_set(err, st, "waiter", "wait", "%s waiting for %s; last status: %s",
                      st == UC_TIMEOUT ? "timed out" : "canceled", what,
                      status[0] ? status : "(none)");
        if (err)
            snprintf(err->code, sizeof(err->code), "%s",
                     st == UC_TIMEOUT ? "WaiterTimeout" : "Canceled");
    }
    if (last_status && last_status_len)
        snprintf(last_status, last_status_len, "%s", status);
    return st;
}
