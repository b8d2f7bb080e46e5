/* test_common_core.c - unit tests of the common layer: status names, arena, buffer, cancellation
 * token, the hclog-JSON logger (level parsing, line shape, secret redaction), UTF-8 checks and
 * whole writes to a descriptor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "uc_arena.h"
#include "uc_buf.h"
#include "uc_cancel.h"
#include "uc_fd.h"
#include "uc_log.h"
#include "uc_status.h"
#include "uc_utf8.h"

struct drain {
    int fd;
    size_t got;
};

static void *drain_main(void *arg)
{
    struct drain *d = arg;
    char buf[4096];
    ssize_t r;
    while ((r = read(d->fd, buf, sizeof buf)) > 0)
        d->got += (size_t)r;
    return NULL;
}

/* More than a pipe holds goes out whole while the reader is slower; a reader that is gone is an
 * error (EPIPE, with SIGPIPE ignored as the provider does), not a hang or a crash. */
static void test_write_all(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct drain d = {.fd = p[0]};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, drain_main, &d), 0);
    size_t n = 1u << 20;
    char *big = calloc(1, n);
    assert_non_null(big);
    assert_true(uc_write_all(p[1], big, n));
    assert_true(uc_write_all(p[1], big, 0));
    close(p[1]);
    pthread_join(t, NULL);
    assert_int_equal(d.got, n);
    close(p[0]);

    assert_int_equal(pipe(p), 0);
    close(p[0]);
    assert_false(uc_write_all(p[1], "x", 1));
    close(p[1]);
    free(big);
}

static void test_fd_set_nonblocking(void **state)
{
    (void)state;
    int p[2];
    char c;
    assert_int_equal(pipe(p), 0);
    int other = fcntl(p[0], F_GETFL) & ~O_NONBLOCK;
    assert_true(uc_fd_set_nonblocking(p[0], true));
    assert_true(uc_fd_set_nonblocking(p[0], true)); /* already set */
    assert_true(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    assert_int_equal(fcntl(p[0], F_GETFL) & ~O_NONBLOCK, other); /* other flags kept */
    assert_int_equal(read(p[0], &c, 1), -1);                     /* empty: no wait */
    assert_int_equal(errno, EAGAIN);
    assert_true(uc_fd_set_nonblocking(p[0], false));
    assert_false(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    assert_int_equal(fcntl(p[0], F_GETFL), other);
    close(p[0]);
    close(p[1]);
    assert_false(uc_fd_set_nonblocking(p[0], true));
    assert_int_equal(errno, EBADF);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(uc_status_name(UC_OK), "UC_OK");
    assert_string_equal(uc_status_name(UC_TIMEOUT), "UC_TIMEOUT");
    assert_string_equal(uc_status_text(UC_CANCELED), "canceled");
    assert_string_equal(uc_status_name((uc_status)999), "UC_UNKNOWN_STATUS");
}

static void test_arena_alloc_and_strings(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    assert_non_null(a);
    /* Many small allocations span blocks, each aligned and zeroed. */
    for (int i = 0; i < 5000; i++) {
        uint64_t *p = uc_arena_alloc(a, 24);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        assert_int_equal(p[0] | p[1] | p[2], 0);
        p[0] = (uint64_t)i;
    }
    /* A large allocation gets its own block and is usable whole. */
    unsigned char *big = uc_arena_alloc(a, 1 << 20);
    assert_non_null(big);
    memset(big, 0xab, 1 << 20);
    assert_string_equal(uc_arena_strdup(a, "hello"), "hello");
    assert_string_equal(uc_arena_strndup(a, "hello", 3), "hel");
    assert_null(uc_arena_strdup(a, NULL));
    assert_string_equal(uc_arena_printf(a, "%s-%d", "x", 42), "x-42");
    assert_null(uc_arena_calloc(a, SIZE_MAX / 2, 4)); /* overflow is refused */
    assert_true(uc_arena_used(a) > (1 << 20));
    uc_arena_free(a);
    uc_arena_free(NULL);
}

static void test_arena_fail_seam(void **state)
{
    (void)state;
    /* Every allocation count: the arena reports failure by NULL and never crashes. */
    for (long n = 0; n < 4; n++) {
        uc_arena_test_fail_after(n);
        struct uc_arena *a = uc_arena_new();
        if (n == 0) {
            assert_null(a);
            continue;
        }
        assert_non_null(a);                     /* the arena itself: allocation 1 */
        void *small = uc_arena_alloc(a, 16);    /* its first block: allocation 2 */
        void *big = uc_arena_alloc(a, 1 << 20); /* a block of its own: allocation 2 or 3 */
        if (n < 2) {
            assert_null(small);
            assert_null(big);
        } else if (n < 3) {
            assert_non_null(small);
            assert_null(big);
        } else {
            assert_non_null(small);
            assert_non_null(big);
        }
        uc_arena_free(a);
    }
    uc_arena_test_fail_after(-1);
    struct uc_arena *a = uc_arena_new();
    assert_non_null(a);
    assert_non_null(uc_arena_alloc(a, 1 << 20));
    uc_arena_free(a);
}

static void test_buf_append_take_and_limit(void **state)
{
    (void)state;
    struct uc_buf b;
    uc_buf_init(&b);
    assert_string_equal(uc_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        assert_int_equal(uc_buf_printf(&b, "%d,", i), UC_OK);
    assert_true(b.len > 2000);
    assert_memory_equal(b.data, "0,1,2,", 6);
    size_t len = 0;
    char *s = uc_buf_take(&b, &len);
    assert_non_null(s);
    assert_int_equal(strlen(s), len);
    free(s);
    assert_null(b.data);

    /* A bounded buffer keeps its first error; later appends do nothing. */
    uc_buf_init_max(&b, 8);
    assert_int_equal(uc_buf_puts(&b, "12345"), UC_OK);
    assert_int_equal(uc_buf_puts(&b, "6789"), UC_RANGE);
    assert_int_equal(uc_buf_puts(&b, "x"), UC_RANGE);
    assert_string_equal(uc_buf_str(&b), "12345");
    assert_null(uc_buf_take(&b, NULL));
    uc_buf_release(&b);
    uc_buf_release(NULL);
}

struct trigger_arg {
    struct uc_cancel *t;
    unsigned delay_ms;
};

static void *trigger_later(void *p)
{
    struct trigger_arg *arg = p;
    usleep(arg->delay_ms * 1000u);
    uc_cancel_trigger(arg->t);
    return NULL;
}

static void test_cancel_wakes_sleeper(void **state)
{
    (void)state;
    struct uc_cancel *t = uc_cancel_new();
    assert_non_null(t);
    assert_false(uc_cancel_is_set(t));
    assert_int_equal(uc_cancel_sleep_ms(t, 5), UC_OK);

    struct trigger_arg arg = {t, 20};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, trigger_later, &arg), 0);
    /* A one-minute sleep must end with UC_CANCELED once the token fires; that the call returns
     * at all (the test would otherwise hang) is the check, not its duration. */
    assert_int_equal(uc_cancel_sleep_ms(t, 60000), UC_CANCELED);
    pthread_join(th, NULL);
    assert_true(uc_cancel_is_set(t));
    assert_int_equal(uc_cancel_sleep_ms(t, 60000), UC_CANCELED);
    uc_cancel_reset(t);
    assert_false(uc_cancel_is_set(t));
    uc_cancel_free(t);

    /* NULL never fires. */
    assert_false(uc_cancel_is_set(NULL));
    assert_int_equal(uc_cancel_sleep_ms(NULL, 1), UC_OK);
}

/* The deadline is ms after the monotonic now, with tv_nsec carried into tv_sec. */
static void test_clock_monotonic_deadline(void **state)
{
    (void)state;
    const uint64_t cases[] = {0, 1, 999, 1000, 1500, 2000, 60000};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct timespec before, d, after;
        clock_gettime(CLOCK_MONOTONIC, &before);
        uc_clock_monotonic_deadline(cases[i], &d);
        clock_gettime(CLOCK_MONOTONIC, &after);
        assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
        int64_t at = (int64_t)d.tv_sec * 1000000000LL + d.tv_nsec;
        int64_t lo = (int64_t)before.tv_sec * 1000000000LL + before.tv_nsec;
        int64_t hi = (int64_t)after.tv_sec * 1000000000LL + after.tv_nsec;
        int64_t add = (int64_t)cases[i] * 1000000LL;
        assert_true(at >= lo + add);
        assert_true(at <= hi + add);
    }
}

static void test_log_levels(void **state)
{
    (void)state;
    assert_int_equal(uc_log_parse_level("debug"), UC_LOG_DEBUG);
    assert_int_equal(uc_log_parse_level("WARN"), UC_LOG_WARN);
    assert_int_equal(uc_log_parse_level("json"), UC_LOG_TRACE);
    assert_int_equal(uc_log_parse_level("bogus"), UC_LOG_TRACE);
    assert_int_equal(uc_log_parse_level(""), UC_LOG_OFF);
    assert_int_equal(uc_log_parse_level(NULL), UC_LOG_OFF);

    setenv("TF_LOG", "ERROR", 1);
    setenv("TF_LOG_PROVIDER", "info", 1);
    uc_log_init_from_env();
    assert_int_equal(uc_log_get_level(), UC_LOG_INFO);
    assert_true(uc_log_enabled(UC_LOG_WARN));
    assert_false(uc_log_enabled(UC_LOG_DEBUG));
    unsetenv("TF_LOG_PROVIDER");
    uc_log_init_from_env();
    assert_int_equal(uc_log_get_level(), UC_LOG_ERROR);
    unsetenv("TF_LOG");
    uc_log_init_from_env();
    assert_false(uc_log_enabled(UC_LOG_ERROR));
}

static void test_log_line_shape_and_redaction(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    uc_log_set_fd(fds[1]);
    uc_log_set_level(UC_LOG_DEBUG);
    uc_log(UC_LOG_DEBUG, "aws", "request sent", "host", "iam.amazonaws.com", "Authorization",
           "AWS4-HMAC-SHA256 Credential=AKID/secretstuff", "x-amz-security-token", "tok",
           "aws_secret_access_key", "s3cr3t", "status", NULL, NULL);
    uc_log(UC_LOG_TRACE, "aws", "not written at debug level", NULL);
    uc_log_set_fd(2);
    uc_log_set_level(UC_LOG_OFF);
    close(fds[1]);

    char buf[4096];
    ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
    close(fds[0]);
    assert_true(n > 0);
    buf[n] = '\0';
    /* Exactly one line, a JSON object in hclog's shape. */
    char *nl = strchr(buf, '\n');
    assert_non_null(nl);
    assert_string_equal(nl + 1, "");
    json_error_t err;
    json_t *obj = json_loadb(buf, (size_t)(nl - buf), 0, &err);
    assert_non_null(obj);
    assert_string_equal(json_string_value(json_object_get(obj, "@level")), "debug");
    assert_string_equal(json_string_value(json_object_get(obj, "@message")), "request sent");
    assert_string_equal(json_string_value(json_object_get(obj, "@module")), "aws");
    assert_non_null(json_string_value(json_object_get(obj, "@timestamp")));
    assert_string_equal(json_string_value(json_object_get(obj, "host")), "iam.amazonaws.com");
    assert_true(json_is_null(json_object_get(obj, "status")));
    json_decref(obj);
    /* No secret reaches the line in any form. */
    assert_null(strstr(buf, "secretstuff"));
    assert_null(strstr(buf, "s3cr3t"));
    assert_null(strstr(buf, "\"tok\""));
    assert_non_null(strstr(buf, "[REDACTED]"));
}

/* uc_arena_on_free: cleanups run at uc_arena_free, newest first, while the arena's memory is
 * still there. */
static int cleanup_log[4], cleanup_n;
static void log_cleanup(void *arg)
{
    cleanup_log[cleanup_n++] = *(int *)arg;
}

static void test_arena_cleanups(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    assert_non_null(a);
    int *one = uc_arena_alloc(a, sizeof *one), *two = uc_arena_alloc(a, sizeof *two);
    assert_non_null(one);
    assert_non_null(two);
    *one = 1;
    *two = 2;
    cleanup_n = 0;
    assert_true(uc_arena_on_free(a, log_cleanup, one)); /* reads arena memory when it runs */
    assert_true(uc_arena_on_free(a, log_cleanup, two));
    assert_int_equal(cleanup_n, 0);
    uc_arena_free(a);
    assert_int_equal(cleanup_n, 2);
    assert_int_equal(cleanup_log[0], 2);
    assert_int_equal(cleanup_log[1], 1);
}

/* Text from outside: valid UTF-8 without NUL passes; NUL, overlong forms, surrogates, values
 * past U+10FFFF and truncated sequences do not. Repair replaces each bad byte with U+FFFD. */
static void test_utf8_text_and_repair(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
        bool text;
    } rows[] = {
        {"unicron_tenant", 14, true},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, true},
        {"", 0, true},
        {"unicron_tenant\0junk", 19, false},
        {"\xff", 1, false},
        {"\xc0\xaf", 2, false},         /* overlong '/' */
        {"\xe0\x80\xaf", 3, false},     /* overlong, 3 bytes */
        {"\xed\xa0\x80", 3, false},     /* UTF-16 surrogate */
        {"\xf4\x90\x80\x80", 4, false}, /* above U+10FFFF */
        {"ab\xe2\x82", 4, false},       /* cut short */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (uc_utf8_is_text(rows[i].s, rows[i].n) != rows[i].text)
            fail_msg("row %zu", i);
    }
    assert_int_equal(uc_utf8_valid_prefix("ab\xe2\x82", 4), 2);
    struct uc_arena *a = uc_arena_new();
    assert_non_null(a);
    const char *good = "caf\xc3\xa9";
    assert_ptr_equal(uc_utf8_sanitize(a, good), good);
    assert_string_equal(uc_utf8_sanitize(a, "a\xff"
                                            "b\xc0\xaf"),
                        "a\xef\xbf\xbd"
                        "b"
                        "\xef\xbf\xbd\xef\xbf\xbd");
    const char *fixed = uc_utf8_sanitize(a, "x\xe2\x82");
    assert_string_equal(fixed, "x\xef\xbf\xbd\xef\xbf\xbd");
    assert_true(uc_utf8_is_text(fixed, strlen(fixed)));
    assert_null(uc_utf8_sanitize(a, NULL));
    uc_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_write_all),
        cmocka_unit_test(test_fd_set_nonblocking),
        cmocka_unit_test(test_arena_alloc_and_strings),
        cmocka_unit_test(test_arena_fail_seam),
        cmocka_unit_test(test_buf_append_take_and_limit),
        cmocka_unit_test(test_cancel_wakes_sleeper),
        cmocka_unit_test(test_clock_monotonic_deadline),
        cmocka_unit_test(test_log_levels),
        cmocka_unit_test(test_log_line_shape_and_redaction),
        cmocka_unit_test(test_utf8_text_and_repair),
        cmocka_unit_test(test_arena_cleanups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
