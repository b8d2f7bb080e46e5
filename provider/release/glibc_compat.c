/* glibc_compat.c - release build only (CMake UNICRON_RELEASE_STATIC): definitions of the two
 * glibc functions newer than 2.34 that the static archives reference, so the release binary
 * runs on glibc 2.34 (RHEL 9, Amazon Linux 2023, Ubuntu 22.04) and not only 2.36 (Debian 12).
 * libexpat.a calls arc4random_buf (2.36) for its hash salt, libstdc++.a's random_device
 * arc4random (2.36), and libgcc_eh.a _dl_find_object (2.35) to find unwind tables; they are done
 * here with older interfaces (getrandom 2.25, dl_iterate_phdr 2.2.5). Nothing else goes here
 * (docs/internals/release.md, "glibc floor").
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

void arc4random_buf(void *buf, size_t n);
uint32_t arc4random(void);
int _dl_find_object(void *address, struct dl_find_object *result);

/* Cryptographically random bytes; like glibc's, it cannot fail (it aborts instead). */
void arc4random_buf(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            abort();
        }
        p += got;
        n -= (size_t)got;
    }
}

uint32_t arc4random(void)
{
    uint32_t v;
    arc4random_buf(&v, sizeof v);
    return v;
}

struct find_job {
    uintptr_t pc;
    struct dl_find_object *out;
    int found;
};

static int find_in_object(struct dl_phdr_info *info, size_t size, void *ud)
{
    struct find_job *job = ud;
    (void)size;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    int inside = 0;
    void *eh = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD) {
            if (start < lo)
                lo = start;
            if (start + ph->p_memsz > hi)
                hi = start + ph->p_memsz;
            if (job->pc >= start && job->pc < start + ph->p_memsz)
                inside = 1;
        } else if (ph->p_type == PT_GNU_EH_FRAME) {
            eh = (void *)start;
        }
    }
    if (!inside)
        return 0;
    job->out->dlfo_flags = 0;
    job->out->dlfo_map_start = (void *)lo;
    job->out->dlfo_map_end = (void *)hi;
    job->out->dlfo_link_map = NULL;
    job->out->dlfo_eh_frame = eh;
    job->found = 1;
    return 1;
}

/* The object whose PT_LOAD segments contain address: 0 and *result filled, or -1. */
int _dl_find_object(void *address, struct dl_find_object *result)
{
    struct find_job job = {.pc = (uintptr_t)address, .out = result, .found = 0};
    dl_iterate_phdr(find_in_object, &job);
    return job.found ? 0 : -1;
}
