/* cancel.c - a cancellation flag with a condition variable so that sleepers wake at once.
 * It must not know who cancels (StopProvider) or who waits (retries, waiters).
 */
#include "uc_cancel.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct uc_cancel {
    atomic_bool fired;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
};

struct uc_cancel *uc_cancel_new(void)
{
    struct uc_cancel *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, &attr);
    pthread_condattr_destroy(&attr);
    atomic_init(&t->fired, false);
    return t;
}

void uc_cancel_free(struct uc_cancel *t)
{
    if (!t)
        return;
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

void uc_cancel_trigger(struct uc_cancel *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    atomic_store(&t->fired, true);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void uc_cancel_reset(struct uc_cancel *t)
{
    if (t)
        atomic_store(&t->fired, false);
}

bool uc_cancel_is_set(const struct uc_cancel *t)
{
    return t && atomic_load(&t->fired);
}

uint64_t uc_clock_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void uc_clock_monotonic_deadline(uint64_t ms, struct timespec *out)
{
    clock_gettime(CLOCK_MONOTONIC, out);
    out->tv_sec += (time_t)(ms / 1000);
    out->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (out->tv_nsec >= 1000000000L) {
        out->tv_sec++;
        out->tv_nsec -= 1000000000L;
    }
}

uc_status uc_cancel_sleep_ms(const struct uc_cancel *ct, uint64_t ms)
{
    struct timespec until;
    uc_clock_monotonic_deadline(ms, &until);
    if (!ct) {
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
            ;
        return UC_OK;
    }
    /* The token is logically const for waiters; the mutex is its private machinery. */
    struct uc_cancel *t = (struct uc_cancel *)ct;
    uc_status st = UC_OK;
    pthread_mutex_lock(&t->mu);
    while (!atomic_load(&t->fired)) {
        int rc = pthread_cond_timedwait(&t->cv, &t->mu, &until);
        if (rc == ETIMEDOUT)
            break;
    }
    if (atomic_load(&t->fired))
        st = UC_CANCELED;
    pthread_mutex_unlock(&t->mu);
    return st;
}
