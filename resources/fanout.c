/* fanout.c - res_fanout_run: a few independent calls of one operation at the same time, joined
 * before the caller goes on; res_fanout_each: one work item per task (a tenant's environments, a
 * cluster's node groups). The tasks run on a process-wide pool of reused threads; never aborts,
 * never waits for a thread to become free (a task no thread has taken is run by its caller).
 *
 * Why a pool: a refresh makes a fan-out for nearly every resource it reads, and a thread started
 * and ended per task cost the provider about a tenth of its CPU in such a refresh (clone3, the
 * guard page's mprotect, the first touch of each new stack page, the madvise of an exited
 * thread's stack, a new tcache): docs/internals/resources.md.
 *
 * How a fan-out ends without deadlock however deep fan-outs nest and however few threads there
 * are: each task is a slot queued on the pool; the caller, after its own task, takes back every
 * slot still queued and runs it itself, and waits only for slots a pool thread has already
 * started (which that thread is running to the end).
 */
#include "res_fanout.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "uc_cancel.h"

/* Threads here make a few HTTP calls (libcurl, OpenSSL, jansson); 1 MiB is ample (also under
 * ASan) and keeps the address space of a wide refresh small (the default is 8 MiB). */
#define FANOUT_STACK (1024 * 1024)

/* A pool thread that found no task for this long ends (a provider process serves one Terraform
 * operation; between its waves of reads threads wait, after it they go). */
#define FANOUT_IDLE_MS 2000

enum slot_state { SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

struct slot {
    void (*run)(void *arg);
    void *arg;
    enum slot_state state; /* under pool.mu */
    struct slot *next;     /* in the queue while SLOT_QUEUED */
    struct slot **pprev;   /* the pointer that points at this slot while queued */
    pthread_cond_t *done;  /* the caller's; signalled when a pool thread has run the slot */
};

static struct {
    pthread_once_t once;
    pthread_mutex_t mu;
    pthread_cond_t work; /* idle threads wait here; on CLOCK_MONOTONIC */
    struct slot *head;   /* queued slots, oldest first */
    struct slot **tail;  /* &last->next, or &head */
    size_t queued;       /* slots in the queue */
    size_t idle;         /* threads waiting for a slot */
    size_t threads;      /* threads alive */
    size_t limit;        /* the most threads alive at once */
} pool = {.once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER, .limit = RES_FANOUT_POOL_MAX};

static void pool_init(void)
{
    pool.tail = &pool.head;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pool.work, &ca);
    pthread_condattr_destroy(&ca);
}

/* Called with pool.mu held. */
static void unlink_slot(struct slot *s)
{
    *s->pprev = s->next;
    if (s->next != NULL)
        s->next->pprev = s->pprev;
    else
        pool.tail = s->pprev;
    pool.queued--;
}

/* Called with pool.mu held. */
static void enqueue(struct slot *s)
{
    s->state = SLOT_QUEUED;
    s->next = NULL;
    s->pprev = pool.tail;
    *pool.tail = s;
    pool.tail = &s->next;
    pool.queued++;
}

static void *pool_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        struct timespec deadline;
        uc_clock_monotonic_deadline(FANOUT_IDLE_MS, &deadline);
        while (pool.head == NULL) {
            pool.idle++;
            int rc = pthread_cond_timedwait(&pool.work, &pool.mu, &deadline);
            pool.idle--;
            if (rc == ETIMEDOUT && pool.head == NULL) {
                pool.threads--;
                pthread_mutex_unlock(&pool.mu);
                return NULL;
            }
        }
        struct slot *s = pool.head;
        unlink_slot(s);
        s->state = SLOT_RUNNING;
        pthread_mutex_unlock(&pool.mu);
        s->run(s->arg);
        pthread_mutex_lock(&pool.mu);
        s->state = SLOT_DONE;
        pthread_cond_signal(s->done);    /* only its caller waits on it */
        if (pool.threads > pool.limit) { /* the limit was lowered */
            pool.threads--;
            pthread_mutex_unlock(&pool.mu);
            return NULL;
        }
    }
}

/* Called with pool.mu held: starts threads for the queued slots no idle thread will take. A
 * thread that cannot start changes nothing: its slot's caller runs it. */
static void grow(void)
{
    if (pool.queued <= pool.idle)
        return;
    size_t want = pool.queued - pool.idle;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return;
    pthread_attr_setstacksize(&attr, FANOUT_STACK);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* Pool threads take no signal, whoever starts them: the provider takes its termination
     * signals with sigtimedwait, which needs them blocked in every thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (; want > 0 && pool.threads < pool.limit; want--) {
        pthread_t t;
        if (pthread_create(&t, &attr, pool_main, NULL) != 0)
            break;
        pool.threads++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
}

/* Queues slots[0 .. n-1] on the pool and wakes or starts threads for them. */
static void submit(struct slot *slots, size_t n)
{
    if (n == 0)
        return;
    pthread_once(&pool.once, pool_init);
    pthread_mutex_lock(&pool.mu);
    for (size_t i = 0; i < n; i++) {
        enqueue(&slots[i]);
        pthread_cond_signal(&pool.work);
    }
    grow();
    pthread_mutex_unlock(&pool.mu);
}

/* Returns when every slot has run: the queued ones here, the others on their pool thread. */
static void join(struct slot *slots, size_t n, pthread_cond_t *done)
{
    for (size_t i = 0; i < n; i++) {
        struct slot *s = &slots[i];
        pthread_mutex_lock(&pool.mu);
        if (s->state == SLOT_QUEUED) {
            unlink_slot(s);
            s->state = SLOT_RUNNING;
            pthread_mutex_unlock(&pool.mu);
            s->run(s->arg);
            continue;
        }
        while (s->state != SLOT_DONE)
            pthread_cond_wait(done, &pool.mu);
        pthread_mutex_unlock(&pool.mu);
    }
}

void res_fanout_pool_limit(size_t max)
{
    pthread_mutex_lock(&pool.mu);
    pool.limit = max > 0 ? max : RES_FANOUT_POOL_MAX;
    pthread_mutex_unlock(&pool.mu);
}

void res_fanout_run(const struct res_fanout_task *tasks, size_t n)
{
    if (n == 0)
        return;
    struct slot slots[RES_FANOUT_MAX];
    pthread_cond_t done = PTHREAD_COND_INITIALIZER;
    size_t m = 0;
    for (size_t i = 1; i < n && i < RES_FANOUT_MAX; i++)
        if (tasks[i].run != NULL)
            slots[m++] = (struct slot){.run = tasks[i].run, .arg = tasks[i].arg, .done = &done};
    submit(slots, m);
    if (tasks[0].run != NULL)
        tasks[0].run(tasks[0].arg);
    for (size_t i = RES_FANOUT_MAX; i < n; i++) /* past the slots: here, in order */
        if (tasks[i].run != NULL)
            tasks[i].run(tasks[i].arg);
    join(slots, m, &done);
    pthread_cond_destroy(&done);
}

void res_fanout_each(void *items, size_t n, size_t size, void (*run)(void *item),
                     size_t max_threads)
{
    struct slot slots[RES_FANOUT_EACH_MAX];
    pthread_cond_t done = PTHREAD_COND_INITIALIZER;
    if (max_threads > RES_FANOUT_EACH_MAX)
        max_threads = RES_FANOUT_EACH_MAX;
    size_t m = n > 1 ? (n < max_threads ? n : max_threads) : 0;
    for (size_t i = 0; i < m; i++)
        slots[i] = (struct slot){.run = run, .arg = (char *)items + i * size, .done = &done};
    submit(slots, m);
    for (size_t i = m; i < n; i++)
        run((char *)items + i * size);
    join(slots, m, &done);
    pthread_cond_destroy(&done);
}
