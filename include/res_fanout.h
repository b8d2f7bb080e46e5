/* res_fanout.h - runs the independent AWS calls of one resource operation at the same time
 * (the parent, tags and access roles of an account; GetRole and its attached policies), so that
 * a read costs the latency of its longest chain of dependent calls, not the sum of all.
 *
 * A task is a function and its argument. Tasks must not depend on one another's results while
 * they run (none may wait for a sibling: a task may run on its caller after the others); each
 * writes only what its own argument points at (the caller reads the results after the call
 * returns). Tasks may fan out again. Used by every resource.
 *
 * The tasks run on a process-wide pool of threads that are kept for the next fan-out (an idle
 * one ends after two seconds; at most RES_FANOUT_POOL_MAX, signals blocked, 1 MiB stacks). A
 * fan-out never waits for a thread to become free: what no pool thread has taken when its caller
 * gets to it, the caller runs itself, so nested fan-outs end however many there are.
 */
#ifndef RES_FANOUT_H
#define RES_FANOUT_H

#include <stddef.h>

/* The most threads the pool keeps at once. Far above what Terraform's -parallelism (10 by
 * default, 50-100 in wide drift runs) times the widest nested fan-outs asks for: some tasks hold
 * their thread for minutes (a node group's creation) and must not queue behind one another. */
#define RES_FANOUT_POOL_MAX 512

/* Sets the most threads the pool keeps at once (0: RES_FANOUT_POOL_MAX); threads beyond a lower
 * limit end as they become idle. For tests of a small pool. */
void res_fanout_pool_limit(size_t max);

/* The most tasks one res_fanout_run hands to the pool; any beyond run on the caller. */
#define RES_FANOUT_MAX 8

struct res_fanout_task {
    void (*run)(void *arg); /* NULL = nothing to do */
    void *arg;              /* borrowed; passed to run */
};

/* Hands tasks[1 .. n-1] to the pool and runs tasks[0] on the calling thread, then waits for
 * all of them. A task no pool thread has taken by then (none could start, or all are busy) and
 * any past RES_FANOUT_MAX run on the calling thread, so every task runs exactly once whatever
 * the system allows. n may be 0. The tasks array is borrowed and only read. */
void res_fanout_run(const struct res_fanout_task *tasks, size_t n);

/* The most items one res_fanout_each hands to the pool. */
#define RES_FANOUT_EACH_MAX 16

/* Calls run on each of the n items of the array items (elements of size bytes): the first
 * max_threads (at most RES_FANOUT_EACH_MAX; none when n is 1) handed to the pool, the rest on
 * the calling thread in order, then any of the first that no pool thread has taken; returns
 * when all are done. Each call may write only its own item. */
void res_fanout_each(void *items, size_t n, size_t size, void (*run)(void *item),
                     size_t max_threads);

#endif
