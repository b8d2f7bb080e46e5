/* shared_read.c - res_shared_read: one JSON value loaded once per provider process (single
 * flight), handed to every later caller, dropped by invalidate and by age. It makes no AWS call
 * of its own (the caller's load function does) and knows no resource.
 */
#include "res_shared_read.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "uc_cancel.h"

/* How long a waiter sleeps before it looks at its own cancel token and deadline again. */
#define WAIT_SLICE_MS 20

struct res_shared_read {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC; broadcast when a load ends */
    uint64_t max_age_ms;
    unsigned min_demand;
    enum res_shared_read_busy busy;
    unsigned demand;    /* gets so far (saturates) */
    uint64_t gen;       /* bumped by invalidate: a load begun before is not kept */
    bool loading;       /* one thread is loading */
    bool failed;        /* the last load failed: read on your own until invalidate */
    json_t *value;      /* owned; NULL = none */
    uint64_t loaded_ms; /* monotonic time of value */
};

struct res_shared_read *res_shared_read_new(uint64_t max_age_ms, unsigned min_demand,
                                            enum res_shared_read_busy busy)
{
    struct res_shared_read *r = calloc(1, sizeof *r);
    pthread_condattr_t ca;
    if (r == NULL)
        return NULL;
    if (pthread_condattr_init(&ca) != 0) {
        free(r);
        return NULL;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    r->max_age_ms = max_age_ms;
    r->min_demand = min_demand;
    r->busy = busy;
    return r;
}

void res_shared_read_free(struct res_shared_read *r)
{
    if (r == NULL)
        return;
    json_decref(r->value);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static bool fresh(const struct res_shared_read *r, uint64_t now)
{
    return r->value != NULL && (r->max_age_ms == 0 || now - r->loaded_ms < r->max_age_ms);
}

/* Waits one slice for the loading thread; UC_CANCELED / UC_TIMEOUT when o says stop. r->mu held. */
static uc_status wait_slice(struct res_shared_read *r, const struct aws_call_opts *o,
                            struct aws_error *err)
{
    uint64_t now = uc_clock_monotonic_ms();
    if (o != NULL && uc_cancel_is_set(o->cancel))
        return aws_error_set(err, UC_CANCELED, "shared read", "wait",
                             "canceled while waiting for another call's read");
    if (o != NULL && o->deadline_ms != 0 && now >= o->deadline_ms)
        return aws_error_set(err, UC_TIMEOUT, "shared read", "wait",
                             "timed out while waiting for another call's read");
    uint64_t until = now + WAIT_SLICE_MS;
    if (o != NULL && o->deadline_ms != 0 && o->deadline_ms < until)
        until = o->deadline_ms;
    struct timespec ts;
    uc_clock_monotonic_deadline(until - now, &ts);
    pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    return UC_OK;
}

uc_status res_shared_read_get(struct res_shared_read *r, res_shared_read_load_fn load, void *ctx,
                              const struct aws_call_opts *o, json_t **out, struct aws_error *err)
{
    uc_status st = UC_NOTFOUND;
    *out = NULL;
    if (r == NULL)
        return UC_NOTFOUND;
    pthread_mutex_lock(&r->mu);
    if (r->demand < UINT32_MAX)
        r->demand++;
    for (;;) {
        if (fresh(r, uc_clock_monotonic_ms())) {
            *out = json_incref(r->value);
            st = UC_OK;
            break;
        }
        if (r->failed || r->demand < r->min_demand) {
            st = UC_NOTFOUND;
            break;
        }
        if (r->loading && r->busy == RES_SHARED_READ_BYPASS) {
            st = UC_NOTFOUND;
            break;
        }
        if (r->loading) {
            if ((st = wait_slice(r, o, err)) != UC_OK)
                break;
            continue;
        }
        /* this thread loads */
        uint64_t gen = r->gen;
        json_t *v = NULL;
        struct aws_error lerr;
        aws_error_clear(&lerr);
        r->loading = true;
        json_decref(r->value);
        r->value = NULL;
        pthread_mutex_unlock(&r->mu);
        uc_status ls = load(ctx, &v, &lerr);
        pthread_mutex_lock(&r->mu);
        r->loading = false;
        pthread_cond_broadcast(&r->cv);
        if (ls == UC_OK && v != NULL && gen == r->gen) {
            r->value = v;
            r->loaded_ms = uc_clock_monotonic_ms();
            *out = json_incref(v);
            st = UC_OK;
        } else {
            json_decref(v);
            if (gen == r->gen)
                r->failed = true;
            st = UC_NOTFOUND;
        }
        break;
    }
    pthread_mutex_unlock(&r->mu);
    return st;
}

uint64_t res_shared_read_generation(struct res_shared_read *r)
{
    if (r == NULL)
        return 0;
    pthread_mutex_lock(&r->mu);
    uint64_t gen = r->gen;
    pthread_mutex_unlock(&r->mu);
    return gen;
}

void res_shared_read_offer(struct res_shared_read *r, uint64_t gen, json_t *value)
{
    if (r == NULL || value == NULL)
        return;
    pthread_mutex_lock(&r->mu);
    if (gen == r->gen && !r->loading) {
        json_decref(r->value);
        r->value = json_incref(value);
        r->loaded_ms = uc_clock_monotonic_ms();
        r->failed = false;
    }
    pthread_mutex_unlock(&r->mu);
}

void res_shared_read_invalidate(struct res_shared_read *r)
{
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->mu);
    r->gen++;
    r->failed = false;
    json_decref(r->value);
    r->value = NULL;
    pthread_mutex_unlock(&r->mu);
}
