/* glibc_compat.c - release build only (CMake UNICRON_RELEASE_STATIC): definitions of the glibc
 * functions newer than 2.31 that the build machine's (Debian 12, glibc 2.36) static archives
 * reference. scripts/release.sh links against Debian 11's glibc 2.31, so without these the link
 * fails: libexpat.a calls arc4random_buf (2.36) for its hash salt, libstdc++.a's random_device
 * arc4random (2.36), and libgcc_eh.a _dl_find_object (2.35) to find unwind tables; they are done
 * here with older interfaces (getrandom 2.25, dl_iterate_phdr 2.2.5). libstdc++.a and libgrpc.a
 * also read the variable __libc_single_threaded (2.32), defined below. Nothing else goes here
 * (docs/internals/release.md, "glibc floor").
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

#ifndef DLFO_STRUCT_HAS_EH_DBASE
/* glibc < 2.35 headers (the release's sysroot) have no struct dl_find_object: this is 2.35's
 * layout (<dlfcn.h>, <bits/dl_find_object.h>) for the architectures without dlfo_eh_dbase and
 * dlfo_eh_count, which libgcc_eh.a was compiled against. */
#if !defined(__x86_64__) && !defined(__aarch64__)
#error "struct dl_find_object: check glibc's <bits/dl_find_object.h> for this architecture"
#endif
struct dl_find_object {
    unsigned long long dlfo_flags;
    void *dlfo_map_start;
    void *dlfo_map_end;
    struct link_map *dlfo_link_map;
    void *dlfo_eh_frame;
    unsigned long long dlfo_reserved[7];
};
_Static_assert(sizeof(struct dl_find_object) == 96, "glibc 2.35's struct dl_find_object");
#endif

void arc4random_buf(void *buf, size_t n);
uint32_t arc4random(void);
int _dl_find_object(void *address, struct dl_find_object *result);
extern char __libc_single_threaded;

/* glibc 2.32's "the process has one thread" flag: libstdc++.a and gRPC's C++ code
 * (__gnu_cxx::__is_single_threaded: shared_ptr, locale and string reference counts) skip atomic
 * operations while it is nonzero. 0 means "not known to be single-threaded": they always use the
 * atomic operations, which is correct whatever the number of threads (only a little slower before
 * the first thread starts). Nothing here sets it to 1, so it can never claim one thread while
 * there are more. A glibc >= 2.32 at run time keeps its own flag for itself; this definition is
 * not exported (libc 2.31, which the binary is linked against, does not refer to it). */
char __libc_single_threaded = 0;

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
