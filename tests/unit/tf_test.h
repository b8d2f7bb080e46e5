/* tf_test.h - what every engine unit test shares: the group's arena A (each test allocates its
 * values there), the cmocka group setup/teardown that create and free it, and type_json.
 * Header-only: each unit test is its own executable and includes it once, after cmocka.h.
 */
#ifndef TF_TEST_H
#define TF_TEST_H

#include "tf_type.h"
#include "uc_arena.h"
#include "uc_buf.h"

static struct uc_arena *A;

static inline int tf_arena_setup(void **state)
{
    A = uc_arena_new();
    return A ? 0 : -1;
}

static inline int tf_arena_teardown(void **state)
{
    uc_arena_free(A);
    return 0;
}

/* The type's JSON text (tf_type_to_json must succeed), copied into A. */
static inline const char *type_json(const struct tf_type *t)
{
    struct uc_buf b;
    uc_buf_init(&b);
    assert_int_equal(tf_type_to_json(t, &b), UC_OK);
    const char *s = uc_arena_strdup(A, uc_buf_str(&b));
    uc_buf_release(&b);
    return s;
}

#endif
