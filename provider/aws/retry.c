/* retry.c - error classification, full-jitter backoff, the retry quota and the adaptive-mode
 * client-side rate limiter (CUBIC), following the AWS SDKs' standard/adaptive retry modes.
 *
 * Arithmetic and small locked state only: it never sleeps, reads clocks or does I/O, so tests can
 * drive it with explicit times.
 */
#include "aws_retry.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

bool aws_retry_is_throttle_code(const char *code)
{
    static const char *const codes[] = {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "TooManyRequests", /* Kubernetes Status reason */
        NULL,
    };
    if (!code || !*code)
        return false;
    for (size_t i = 0; codes[i]; i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

static bool is_transient_code(const char *code)
{
    static const char *const codes[] = {
        "RequestTimeout", "RequestTimeoutException", "TimeoutError", "IDPCommunicationError",
        "InternalError",  "ServiceUnavailable",      "ServerTimeout", NULL,
    };
    if (!code || !*code)
        return false;
    for (size_t i = 0; codes[i]; i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

enum aws_error_class aws_retry_classify(long http_status, const char *code,
                                        enum aws_net_error net)
{
    if (http_status == 0) {
        switch (net) {
        case AWS_NET_CONNECT:
            return AWS_ERRC_NOT_SENT;
        case AWS_NET_TLS:
        case AWS_NET_UNAVAILABLE:
            return AWS_ERRC_FATAL;
        case AWS_NET_NONE:
            return AWS_ERRC_FATAL;
        default:
            return AWS_ERRC_TRANSIENT;
        }
    }
    if (http_status >= 200 && http_status < 300)
        return AWS_ERRC_NONE;
    if (http_status == 429 || aws_retry_is_throttle_code(code))
        return AWS_ERRC_THROTTLE;
    if (is_transient_code(code))
        return AWS_ERRC_TRANSIENT;
    if (http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504)
        return AWS_ERRC_TRANSIENT;
    return AWS_ERRC_FATAL;
}

uint64_t aws_retry_backoff_ms(unsigned n, bool throttle, double rand01, uint64_t hint_ms)
{
    uint64_t base = throttle ? AWS_RETRY_THROTTLE_BASE_MS : AWS_RETRY_BASE_MS;
    uint64_t cap = AWS_RETRY_MAX_BACKOFF_MS;
    uint64_t exp = cap;
    if (n == 0)
        n = 1;
    if (n - 1 < 20) {
        exp = base << (n - 1);
        if (exp > cap)
            exp = cap;
    }
    if (!(rand01 >= 0.0))
        rand01 = 0.0;
    if (rand01 > 1.0)
        rand01 = 1.0;
    uint64_t d = (uint64_t)((double)exp * rand01);
    if (hint_ms) {
        uint64_t lim = d + AWS_RETRY_HINT_SLACK_MS;
        uint64_t h = hint_ms < lim ? hint_ms : lim;
        if (h > d)
            d = h;
    }
    return d;
}

static uint64_t parse_uint(const char *s, bool *ok)
{
    uint64_t v = 0;
    *ok = false;
    if (!s)
        return 0;
    while (*s == ' ')
        s++;
    if (*s < '0' || *s > '9')
        return 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > 1000000000ULL)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    while (*s == ' ')
        s++;
    *ok = *s == '\0';
    return v;
}

uint64_t aws_retry_after_hint_ms(const struct aws_headers *h)
{
    const uint64_t max = 300000;
    bool ok;
    uint64_t v = parse_uint(aws_headers_get(h, "x-amz-retry-after"), &ok);
    if (!ok) {
        v = parse_uint(aws_headers_get(h, "Retry-After"), &ok);
        if (!ok)
            return 0;
        v = v > max / 1000 ? max : v * 1000;
    }
    return v > max ? max : v;
}

/* ---- retry quota ----------------------------------------------------------------------------- */

void aws_retry_quota_init(struct aws_retry_quota *q)
{
    pthread_mutex_init(&q->mu, NULL);
    q->tokens = AWS_RETRY_QUOTA_MAX;
}

void aws_retry_quota_release(struct aws_retry_quota *q)
{
    pthread_mutex_destroy(&q->mu);
}

bool aws_retry_quota_acquire(struct aws_retry_quota *q, enum aws_error_class cls, int *cost)
{
    int c = cls == AWS_ERRC_THROTTLE ? AWS_RETRY_THROTTLE_COST : AWS_RETRY_COST;
    bool ok = false;
    pthread_mutex_lock(&q->mu);
    if (q->tokens >= c) {
        q->tokens -= c;
        ok = true;
    }
    pthread_mutex_unlock(&q->mu);
    *cost = ok ? c : 0;
    return ok;
}

void aws_retry_quota_success(struct aws_retry_quota *q, int taken)
{
    pthread_mutex_lock(&q->mu);
    q->tokens += taken > 0 ? taken : AWS_RETRY_NO_RETRY_REFUND;
    if (q->tokens > AWS_RETRY_QUOTA_MAX)
        q->tokens = AWS_RETRY_QUOTA_MAX;
    pthread_mutex_unlock(&q->mu);
}

int aws_retry_quota_tokens(struct aws_retry_quota *q)
{
    pthread_mutex_lock(&q->mu);
    int t = q->tokens;
    pthread_mutex_unlock(&q->mu);
    return t;
}

/* ---- adaptive rate limiter --------------------------------------------------------------- */

#define RL_MIN_FILL_RATE 0.5
#define RL_MIN_CAPACITY 1.0
#define RL_SMOOTH 0.8
#define RL_BETA 0.7
#define RL_SCALE 0.4

void aws_rate_limiter_init(struct aws_rate_limiter *l, double now_s)
{
    memset(&l->enabled, 0, sizeof(*l) - offsetof(struct aws_rate_limiter, enabled));
    pthread_mutex_init(&l->mu, NULL);
    l->fill_rate = RL_MIN_FILL_RATE;
    l->max_capacity = RL_MIN_CAPACITY;
    l->capacity = RL_MIN_CAPACITY;
    l->last_refill = now_s;
    l->last_throttle = now_s;
    l->measure_bucket = floor(now_s * 2.0) / 2.0;
}

void aws_rate_limiter_release(struct aws_rate_limiter *l)
{
    pthread_mutex_destroy(&l->mu);
}

static void refill(struct aws_rate_limiter *l, double now_s)
{
    if (now_s > l->last_refill) {
        l->capacity += (now_s - l->last_refill) * l->fill_rate;
        if (l->capacity > l->max_capacity)
            l->capacity = l->max_capacity;
    }
    l->last_refill = now_s;
}

uint64_t aws_rate_limiter_acquire(struct aws_rate_limiter *l, double now_s)
{
    uint64_t wait = 0;
    pthread_mutex_lock(&l->mu);
    if (l->enabled) {
        refill(l, now_s);
        if (l->capacity >= 1.0) {
            l->capacity -= 1.0;
        } else {
            double sec = (1.0 - l->capacity) / l->fill_rate;
            wait = (uint64_t)ceil(sec * 1000.0);
            if (wait == 0)
                wait = 1;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return wait;
}

void aws_rate_limiter_update(struct aws_rate_limiter *l, double now_s, bool throttled)
{
    pthread_mutex_lock(&l->mu);
    /* Measured sending rate, smoothed over half-second buckets. */
    double t = floor(now_s * 2.0) / 2.0;
    l->request_count++;
    if (t > l->measure_bucket) {
        double cur = l->request_count / (t - l->measure_bucket);
        l->measured_rate = cur * RL_SMOOTH + l->measured_rate * (1.0 - RL_SMOOTH);
        l->request_count = 0;
        l->measure_bucket = t;
    }
    double new_rate;
    if (throttled) {
        double use = l->enabled ? fmin(l->measured_rate, l->fill_rate) : l->measured_rate;
        l->last_max_rate = use;
        l->time_window = cbrt(use * (1.0 - RL_BETA) / RL_SCALE);
        new_rate = use * RL_BETA;
        l->enabled = true;
        l->last_throttle = now_s;
    } else {
        l->time_window = cbrt(l->last_max_rate * (1.0 - RL_BETA) / RL_SCALE);
        double dt = now_s - l->last_throttle - l->time_window;
        new_rate = RL_SCALE * dt * dt * dt + l->last_max_rate;
    }
    if (new_rate > 2.0 * l->measured_rate)
        new_rate = 2.0 * l->measured_rate;
    refill(l, now_s);
    l->fill_rate = fmax(new_rate, RL_MIN_FILL_RATE);
    l->max_capacity = fmax(new_rate, RL_MIN_CAPACITY);
    if (l->capacity > l->max_capacity)
        l->capacity = l->max_capacity;
    pthread_mutex_unlock(&l->mu);
}

double aws_rate_limiter_rate(struct aws_rate_limiter *l)
{
    pthread_mutex_lock(&l->mu);
    double r = l->fill_rate;
    pthread_mutex_unlock(&l->mu);
    return r;
}
