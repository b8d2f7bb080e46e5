/* host_startup.h - two aids to the first milliseconds of the plugin process. They change how
 * the machine runs the start, not what the provider does; each saves time and does nothing
 * where the kernel declines (docs/internals/plugin-host.md, "Start-up time"):
 *
 *  - a thread that must run at once, while its creator keeps running too, is asked to start on
 *    another CPU: Linux starts a new thread on its creator's CPU, where it waits until the
 *    creator is preempted (1-4 ms measured) however idle the other CPUs are;
 *  - the executable's code and constants are mapped in one call per segment instead of one
 *    page fault per 64 KiB as the start runs through them.
 *
 * No state: the caller owns the attribute and the CPU set.
 */
#ifndef HOST_STARTUP_H
#define HOST_STARTUP_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>

/* Sets attr so that the thread created with it begins on one of the calling thread's allowed
 * CPUs other than the one it runs on now, and stores the full set in *cpus: the new thread
 * passes it to host_thread_allow_cpus first thing, so that afterwards it may run anywhere.
 * False, attr unchanged, when only one CPU is allowed or a call fails. */
bool host_thread_attr_elsewhere(pthread_attr_t *attr, cpu_set_t *cpus);

/* Lets the calling thread run on every CPU of cpus (host_thread_attr_elsewhere's set). */
void host_thread_allow_cpus(const cpu_set_t *cpus);

/* Maps every read-only loadable segment of the executable (code, constant data) from the page
 * cache now, with madvise(MADV_POPULATE_READ). 0, or the errno of the first segment that was
 * not mapped (EINVAL before Linux 5.14). */
int host_premap_image(void);

#endif
