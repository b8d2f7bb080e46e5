/* test_host_startup.c - the start-up aids: a thread created with host_thread_attr_elsewhere
 * begins on an allowed CPU other than its creator's and may run anywhere after
 * host_thread_allow_cpus; with one CPU allowed nothing is set; host_premap_image leaves every
 * page of the executable's read-only segments present (checked in /proc/self/pagemap), a MiB
 * of constants that nothing reads included.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "host_startup.h"

struct seen {
    cpu_set_t cpus; /* from host_thread_attr_elsewhere */
    int first_cpu;  /* where the thread ran before host_thread_allow_cpus */
    cpu_set_t after;
};

static void *record(void *arg)
{
    struct seen *s = arg;
    s->first_cpu = sched_getcpu();
    host_thread_allow_cpus(&s->cpus);
    sched_getaffinity(0, sizeof s->after, &s->after);
    return NULL;
}

static void test_elsewhere_starts_on_another_cpu(void **state)
{
    (void)state;
    cpu_set_t all;
    assert_int_equal(sched_getaffinity(0, sizeof all, &all), 0);
    if (CPU_COUNT(&all) < 2)
        skip();

    /* The CPU left out is the caller's own; retry until no migration blurs the reading. */
    for (int tries = 0;; tries++) {
        struct seen s;
        pthread_attr_t attr;
        assert_int_equal(pthread_attr_init(&attr), 0);
        int before = sched_getcpu();
        assert_true(host_thread_attr_elsewhere(&attr, &s.cpus));
        int after = sched_getcpu();
        assert_true(CPU_EQUAL(&s.cpus, &all));
        cpu_set_t start;
        assert_int_equal(pthread_attr_getaffinity_np(&attr, sizeof start, &start), 0);
        assert_int_equal(CPU_COUNT(&start), CPU_COUNT(&all) - 1);
        cpu_set_t both;
        CPU_AND(&both, &start, &all);
        assert_true(CPU_EQUAL(&both, &start)); /* only allowed CPUs */

        pthread_t t;
        assert_int_equal(pthread_create(&t, &attr, record, &s), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        pthread_attr_destroy(&attr);
        assert_true(CPU_ISSET(s.first_cpu, &start));
        assert_true(CPU_EQUAL(&s.after, &all));
        if (before == after) {
            assert_false(CPU_ISSET(before, &start));
            break;
        }
        assert_true(tries < 100);
    }
}

static void test_one_cpu_sets_nothing(void **state)
{
    (void)state;
    cpu_set_t all, one;
    assert_int_equal(sched_getaffinity(0, sizeof all, &all), 0);
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);

    pthread_attr_t attr, plain;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_init(&plain), 0);
    cpu_set_t cpus;
    bool set = host_thread_attr_elsewhere(&attr, &cpus);
    cpu_set_t got, fresh;
    assert_int_equal(pthread_attr_getaffinity_np(&attr, sizeof got, &got), 0);
    assert_int_equal(pthread_attr_getaffinity_np(&plain, sizeof fresh, &fresh), 0);
    pthread_attr_destroy(&attr);
    pthread_attr_destroy(&plain);
    assert_int_equal(sched_setaffinity(0, sizeof all, &all), 0);

    assert_false(set);
    assert_true(CPU_EQUAL(&got, &fresh));
}

/* 1 MiB of constants nothing reads: its pages are mapped by host_premap_image or not at all. */
__attribute__((used)) static const unsigned char untouched[1 << 20] = {1};

struct pages {
    int pagemap;
    size_t checked, missing;
};

/* Counts the pages of the executable's read-only PT_LOAD segments that pagemap does not show as
 * present (bit 63). */
static int count_pages(struct dl_phdr_info *info, size_t size, void *ud)
{
    (void)size;
    struct pages *p = ud;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || ph->p_memsz == 0)
            continue;
        uintptr_t start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
        uintptr_t end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
        for (uintptr_t a = start; a < end; a += page) {
            uint64_t entry = 0;
            assert_int_equal(pread(p->pagemap, &entry, sizeof entry, (off_t)(a / page * 8)),
                             (ssize_t)sizeof entry);
            p->checked++;
            if (!(entry >> 63))
                p->missing++;
        }
    }
    return 1;
}

static void test_premap_maps_read_only_segments(void **state)
{
    (void)state;
    struct pages before = {.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)};
    if (before.pagemap < 0)
        skip(); /* no pagemap to read here */
    dl_iterate_phdr(count_pages, &before);
    close(before.pagemap);
    assert_true(before.missing > 0); /* else this test could not tell */

    int err = host_premap_image();
    if (err == EINVAL)
        skip(); /* a kernel before 5.14 */
    assert_int_equal(err, 0);

    struct pages p = {.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)};
    assert_true(p.pagemap >= 0);
    dl_iterate_phdr(count_pages, &p);
    close(p.pagemap);
    assert_true(p.checked > 0);
    assert_int_equal(p.missing, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elsewhere_starts_on_another_cpu),
        cmocka_unit_test(test_one_cpu_sets_nothing),
        cmocka_unit_test(test_premap_maps_read_only_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
