/* startup.c - start-up aids of the plugin process: where a new thread begins, and mapping the
 * executable ahead of its page faults. See host_startup.h for why. Linux-specific, like the rest
 * of the host.
 */
#include "host_startup.h"

#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; the release's glibc 2.31 headers lack the name */
#endif

bool host_thread_attr_elsewhere(pthread_attr_t *attr, cpu_set_t *cpus)
{
    int here = sched_getcpu();
    if (here < 0 || sched_getaffinity(0, sizeof *cpus, cpus) != 0 || CPU_COUNT(cpus) < 2 ||
        !CPU_ISSET(here, cpus))
        return false;
    cpu_set_t elsewhere = *cpus;
    CPU_CLR(here, &elsewhere);
    return pthread_attr_setaffinity_np(attr, sizeof elsewhere, &elsewhere) == 0;
}

void host_thread_allow_cpus(const cpu_set_t *cpus)
{
    sched_setaffinity(0, sizeof *cpus, cpus); /* on failure it stays where it is: harmless */
}

static int premap_segments(struct dl_phdr_info *info, size_t size, void *ud)
{
    (void)size;
    int *err = ud;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || ph->p_memsz == 0)
            continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        uintptr_t end = start + ph->p_memsz;
        start &= ~(page - 1);
        if (madvise((void *)start, end - start, MADV_POPULATE_READ) != 0 && *err == 0)
            *err = errno;
    }
    return 1; /* the executable is listed first: stop after it */
}

int host_premap_image(void)
{
    int err = 0;
    dl_iterate_phdr(premap_segments, &err);
    return err;
}
