/* res_fanout.h - runs the independent AWS calls of one resource operation at the same time
 * (the parent, tags and access roles of an account; GetRole and its attached policies), so that
 * a read costs the latency of its longest chain of dependent calls, not the sum of all.
 *
 * A task is a function and its argument. Tasks must not depend on one another's results while
 * they run; each writes only what its own argument points at (the caller reads the results
 * after res_fanout_run returns). Used by unicron_tenant; meant for every resource.
 */
#ifndef RES_FANOUT_H
#define RES_FANOUT_H

#include <stddef.h>

/* The most tasks one res_fanout_run gives threads of their own; any beyond run inline. */
#define RES_FANOUT_MAX 8

struct res_fanout_task {
    void (*run)(void *arg); /* NULL = nothing to do */
    void *arg;              /* borrowed; passed to run */
};

/* Runs tasks[1 .. n-1] on threads of their own and tasks[0] on the calling thread, then waits
 * for all of them. A task whose thread cannot start (or past RES_FANOUT_MAX) runs on the calling
 * thread afterwards, so every task runs exactly once whatever the system allows. n may be 0.
 * The tasks array is borrowed and only read. */
void res_fanout_run(const struct res_fanout_task *tasks, size_t n);

/* The most threads one res_fanout_each starts. */
#define RES_FANOUT_EACH_MAX 16

/* Calls run on each of the n items of the array items (elements of size bytes): the first
 * max_threads (at most RES_FANOUT_EACH_MAX; none when n is 1) on threads of their own, the rest
 * and any whose thread cannot start on the calling thread, in order; returns when all are done.
 * Each call may write only its own item. Never reads or joins a thread slot it did not start. */
void res_fanout_each(void *items, size_t n, size_t size, void (*run)(void *item),
                     size_t max_threads);

#endif
