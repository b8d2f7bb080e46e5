/* arena.c - bump allocator over a chain of malloc'd blocks, released all at once.
 * Large requests get a block of their own so that small ones keep filling the current block.
 * It must not know about RPCs, values or protobuf: callers build adaptors on top.
 */
#include "uc_arena.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_SIZE (16 * 1024)
#define ARENA_ALIGN      alignof(max_align_t)

struct arena_block {
    struct arena_block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct arena_cleanup {
    struct arena_cleanup *next; /* older */
    void (*fn)(void *arg);
    void *arg;
};

struct uc_arena {
    struct arena_block *head; /* current block, others chained behind it */
    size_t total;
    struct arena_cleanup *cleanups; /* newest first; the records live in the arena */
};

/* Allocations left before the test seam fails them; negative = never fail. */
static _Atomic long fail_countdown = -1;

void uc_arena_test_fail_after(long n)
{
    atomic_store(&fail_countdown, n < 0 ? -1 : n);
}

/* True when the test seam says this allocation must fail. */
static bool chaos_fails(void)
{
    long n = atomic_load(&fail_countdown);
    while (n >= 0) {
        if (n == 0)
            return true;
        if (atomic_compare_exchange_weak(&fail_countdown, &n, n - 1))
            return false;
    }
    return false;
}

struct uc_arena *uc_arena_new(void)
{
    if (chaos_fails())
        return NULL;
    return calloc(1, sizeof(struct uc_arena));
}

void uc_arena_free(struct uc_arena *a)
{
    if (!a)
        return;
    for (struct arena_cleanup *c = a->cleanups; c; c = c->next)
        c->fn(c->arg);
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

static struct arena_block *block_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(struct arena_block) || chaos_fails())
        return NULL;
    struct arena_block *b = malloc(sizeof(*b) + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *uc_arena_alloc(struct uc_arena *a, size_t size)
{
    if (!a)
        return NULL;
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    struct arena_block *b = a->head;
    if (!b || b->size - b->used < rounded) {
        if (rounded > ARENA_BLOCK_SIZE / 4) {
            /* A big request gets its own block, chained behind the current one. */
            struct arena_block *big = block_new(rounded);
            if (!big)
                return NULL;
            big->used = rounded;
            if (b) {
                big->next = b->next;
                b->next = big;
            } else {
                a->head = big;
            }
            a->total += rounded;
            memset(big->data, 0, rounded);
            return big->data;
        }
        b = block_new(ARENA_BLOCK_SIZE);
        if (!b)
            return NULL;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += rounded;
    a->total += rounded;
    memset(p, 0, rounded);
    return p;
}

void *uc_arena_calloc(struct uc_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return uc_arena_alloc(a, n * size);
}

char *uc_arena_strndup(struct uc_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    if (n == SIZE_MAX)
        return NULL;
    char *d = uc_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *uc_arena_strdup(struct uc_arena *a, const char *s)
{
    return s ? uc_arena_strndup(a, s, strlen(s)) : NULL;
}

void *uc_arena_memdup(struct uc_arena *a, const void *p, size_t n)
{
    void *d = uc_arena_alloc(a, n);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

char *uc_arena_vprintf(struct uc_arena *a, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *d = uc_arena_alloc(a, (size_t)n + 1);
    if (!d)
        return NULL;
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    return d;
}

char *uc_arena_printf(struct uc_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = uc_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return d;
}

size_t uc_arena_used(const struct uc_arena *a)
{
    return a ? a->total : 0;
}

bool uc_arena_on_free(struct uc_arena *a, void (*fn)(void *arg), void *arg)
{
    struct arena_cleanup *c = uc_arena_alloc(a, sizeof *c);
    if (!c)
        return false;
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
    return true;
}
