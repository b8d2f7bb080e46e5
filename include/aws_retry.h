/* aws_retry.h - retry decisions of the AWS SDKs' standard and adaptive modes.
 *
 * Pure classification and backoff arithmetic plus two small thread-safe state holders: the
 * retry quota (token bucket of standard mode) and the client-side rate limiter of adaptive mode
 * (CUBIC, as the SDKs do). The client (client.c) owns one of each; tests drive them directly with
 * explicit times. Nothing here sleeps or does I/O.
 */
#ifndef AWS_RETRY_H
#define AWS_RETRY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "aws_http.h"

/* Tunables (aws-apis.md §8.2, the 2026 revision's numbers). */
#define AWS_RETRY_BASE_MS 50u            /* non-throttling errors */
#define AWS_RETRY_THROTTLE_BASE_MS 1000u /* throttling errors */
#define AWS_RETRY_MAX_BACKOFF_MS 20000u
#define AWS_RETRY_HINT_SLACK_MS 5000u   /* x-amz-retry-after may extend the wait this much */
#define AWS_RETRY_QUOTA_MAX 500
#define AWS_RETRY_COST 14               /* a retry after a non-throttling error */
#define AWS_RETRY_THROTTLE_COST 5       /* a retry after a throttling error */
#define AWS_RETRY_NO_RETRY_REFUND 1     /* a first-try success */

enum aws_error_class {
    AWS_ERRC_NONE = 0,  /* success */
    AWS_ERRC_THROTTLE,  /* throttled: refused, safe to retry any call */
    AWS_ERRC_NOT_SENT,  /* connection never made: safe to retry any call */
    AWS_ERRC_TRANSIENT, /* 5xx, timeouts, resets: outcome unknown, retry idempotent calls */
    AWS_ERRC_FATAL      /* anything else: do not retry */
};

/* Throttling codes of aws-apis.md §8.1 (JS v3 / botocore lists). */
bool aws_retry_is_throttle_code(const char *code);

/* Classifies one attempt: status 0 = no response (net says why). code may be NULL/"". */
enum aws_error_class aws_retry_classify(long http_status, const char *code,
                                        enum aws_net_error net);

/* Full-jitter exponential backoff for retry number n (1 = first retry):
 * rand01 x min(base x 2^(n-1), 20 s), base by throttle; then a server hint (ms, 0 = none)
 * lifts it to max(computed, min(hint, computed + 5 s)). */
uint64_t aws_retry_backoff_ms(unsigned n, bool throttle, double rand01, uint64_t hint_ms);

/* Parses x-amz-retry-after (milliseconds) or Retry-After (seconds) into ms; 0 when absent or
 * malformed. Values are capped at 5 minutes. */
uint64_t aws_retry_after_hint_ms(const struct aws_headers *h);

/* ---- retry quota ----------------------------------------------------------------------------- */

struct aws_retry_quota {
    pthread_mutex_t mu;
    int tokens;
};

void aws_retry_quota_init(struct aws_retry_quota *q);
void aws_retry_quota_release(struct aws_retry_quota *q);
/* Takes the cost of a retry after an error of class cls; false (nothing taken) when the bucket
 * holds too few tokens. *cost receives what was taken. */
bool aws_retry_quota_acquire(struct aws_retry_quota *q, enum aws_error_class cls, int *cost);
/* A request succeeded: refund taken (what its retries cost) or, if it needed no retry, 1. */
void aws_retry_quota_success(struct aws_retry_quota *q, int taken);
int aws_retry_quota_tokens(struct aws_retry_quota *q);

/* ---- adaptive mode: client-side rate limiter --------------------------------------------- */

struct aws_rate_limiter {
    pthread_mutex_t mu;
    bool enabled;          /* turned on by the first throttle */
    double fill_rate;      /* tokens per second */
    double max_capacity;
    double capacity;
    double last_refill;    /* seconds */
    double last_max_rate;  /* W_max of CUBIC */
    double last_throttle;  /* seconds */
    double time_window;    /* CUBIC K */
    double measured_rate;  /* smoothed sending rate */
    double measure_bucket; /* start of the current half-second bucket */
    int request_count;
};

void aws_rate_limiter_init(struct aws_rate_limiter *l, double now_s);
void aws_rate_limiter_release(struct aws_rate_limiter *l);
/* Takes one send token at time now_s; returns 0 when the request may go now, else the
 * milliseconds to wait before asking again. Always 0 until the first throttle. */
uint64_t aws_rate_limiter_acquire(struct aws_rate_limiter *l, double now_s);
/* Feeds the outcome of one attempt (throttled or not) at time now_s. */
void aws_rate_limiter_update(struct aws_rate_limiter *l, double now_s, bool throttled);
/* Current fill rate in requests per second (for tests and logs). */
double aws_rate_limiter_rate(struct aws_rate_limiter *l);

#endif
