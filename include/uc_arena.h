/* uc_arena.h - region allocator: one arena per RPC (STYLE.md "Ownership and lifetimes").
 *
 * Everything allocated from an arena lives until uc_arena_free(); there is no per-object free.
 * Decoded requests, values, diagnostics and scratch strings of one call go here, so one destroy
 * releases them all. An arena is not thread-safe: one thread uses it at a time.
 */
#ifndef UC_ARENA_H
#define UC_ARENA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct uc_arena;

/* A new empty arena, or NULL when out of memory. Caller owns it; release with uc_arena_free. */
struct uc_arena *uc_arena_new(void);

/* Runs the arena's cleanups (uc_arena_on_free, newest first), then releases the arena and every
 * block allocated from it. Accepts NULL. */
void uc_arena_free(struct uc_arena *a);

/* Registers fn(arg) to run when a is freed, while its memory is still there (nginx's pool
 * cleanups): how a call gives back a reference it holds for its whole duration. false when out
 * of memory, in which case fn is not registered and the caller must undo what it would have. */
bool uc_arena_on_free(struct uc_arena *a, void (*fn)(void *arg), void *arg);

/* size bytes aligned for any type, zero-filled; NULL when out of memory (or size overflows).
 * The memory belongs to the arena. */
void *uc_arena_alloc(struct uc_arena *a, size_t size);

/* n * size zeroed bytes, NULL on overflow or out of memory. */
void *uc_arena_calloc(struct uc_arena *a, size_t n, size_t size);

/* A NUL-terminated copy of s (NULL gives NULL), or of the first n bytes of s. */
char *uc_arena_strdup(struct uc_arena *a, const char *s);
char *uc_arena_strndup(struct uc_arena *a, const char *s, size_t n);

/* A copy of n bytes of p (n may be 0: returns a valid non-NULL pointer). */
void *uc_arena_memdup(struct uc_arena *a, const void *p, size_t n);

/* printf into arena memory; NULL when out of memory or on a format error. */
char *uc_arena_printf(struct uc_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *uc_arena_vprintf(struct uc_arena *a, const char *fmt, va_list ap);

/* Bytes handed out so far (for tests and benchmarks). */
size_t uc_arena_used(const struct uc_arena *a);

/* Test seam (jansson-style chaos testing): after n more successful block allocations in this
 * process, every arena block allocation fails (uc_arena_new too), so tests can drive the
 * out-of-memory path of any code that allocates from arenas. n < 0 turns failing off (the
 * default). Thread-safe; meant for single-threaded unit tests. */
void uc_arena_test_fail_after(long n);

#endif
