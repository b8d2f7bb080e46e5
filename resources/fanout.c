/* fanout.c - res_fanout_run: a few independent calls of one operation on threads of their own,
 * joined before the caller goes on; res_fanout_each: one work item per thread (a tenant's
 * environments, a cluster's node groups). No state outside one call; never aborts (a thread that
 * cannot start leaves its task to the calling thread).
 */
#include "res_fanout.h"

#include <pthread.h>
#include <stdbool.h>

/* Threads here make a few HTTP calls (libcurl, OpenSSL, jansson); 1 MiB is ample (also under
 * ASan) and keeps the address space of a wide refresh small (the default is 8 MiB). */
#define FANOUT_STACK (1024 * 1024)

static void *fanout_main(void *arg)
{
    const struct res_fanout_task *t = arg;
    t->run(t->arg);
    return NULL;
}

void res_fanout_run(const struct res_fanout_task *tasks, size_t n)
{
    pthread_t th[RES_FANOUT_MAX];
    bool started[RES_FANOUT_MAX] = {false};
    pthread_attr_t attr;
    bool have_attr = n > 1 && pthread_attr_init(&attr) == 0;
    if (have_attr)
        pthread_attr_setstacksize(&attr, FANOUT_STACK);
    for (size_t i = 1; i < n && i < RES_FANOUT_MAX; i++)
        if (tasks[i].run != NULL)
            started[i] = pthread_create(&th[i], have_attr ? &attr : NULL, fanout_main,
                                        (void *)&tasks[i]) == 0;
    if (have_attr)
        pthread_attr_destroy(&attr);
    if (n > 0 && tasks[0].run != NULL)
        tasks[0].run(tasks[0].arg);
    for (size_t i = 1; i < n; i++)
        if ((i >= RES_FANOUT_MAX || !started[i]) && tasks[i].run != NULL)
            tasks[i].run(tasks[i].arg);
    for (size_t i = 1; i < n && i < RES_FANOUT_MAX; i++)
        if (started[i])
            pthread_join(th[i], NULL);
}

struct each_slot {
    void (*run)(void *item);
    void *item;
};

static void *each_main(void *arg)
{
    const struct each_slot *e = arg;
    e->run(e->item);
    return NULL;
}

void res_fanout_each(void *items, size_t n, size_t size, void (*run)(void *item),
                     size_t max_threads)
{
    pthread_t th[RES_FANOUT_EACH_MAX];
    struct each_slot slot[RES_FANOUT_EACH_MAX];
    bool started[RES_FANOUT_EACH_MAX] = {false};
    if (max_threads > RES_FANOUT_EACH_MAX)
        max_threads = RES_FANOUT_EACH_MAX;
    size_t nthreads = n > 1 ? (n < max_threads ? n : max_threads) : 0;
    for (size_t i = 0; i < nthreads; i++) {
        slot[i] = (struct each_slot){.run = run, .item = (char *)items + i * size};
        started[i] = pthread_create(&th[i], NULL, each_main, &slot[i]) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (i >= nthreads || !started[i])
            run((char *)items + i * size);
    for (size_t i = 0; i < nthreads; i++)
        if (started[i])
            pthread_join(th[i], NULL);
}
