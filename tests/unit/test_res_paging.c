/* test_res_paging.c - the continuation-token pager of res_paging.h on its own: the first page
 * sends no token, a long token is sent back whole, a repeated token and a page cap are errors,
 * an empty or missing token ends the list. No AWS calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "res_paging.h"

static void test_tokens_follow_and_end(void **state)
{
    (void)state;
    static char tok[5001];
    for (size_t i = 0; i < sizeof tok - 1; i++)
        tok[i] = (char)('A' + (int)(i % 26));
    struct res_pager pg;
    struct aws_error err;
    bool more = false;
    res_pager_init(&pg, "iam", "ListThings", "Marker", 10);
    json_t *in = json_object();
    assert_int_equal(res_pager_begin(&pg, in, &err), UC_OK);
    assert_null(json_object_get(in, "Marker")); /* first page: no token */
    json_t *next = json_string(tok);
    assert_int_equal(res_pager_end(&pg, next, &more, &err), UC_OK);
    assert_true(more);
    json_decref(next);
    assert_int_equal(res_pager_begin(&pg, in, &err), UC_OK);
    assert_string_equal(json_string_value(json_object_get(in, "Marker")), tok);
    next = json_string("");
    assert_int_equal(res_pager_end(&pg, next, &more, &err), UC_OK);
    assert_false(more);
    json_decref(next);
    assert_int_equal(res_pager_end(&pg, NULL, &more, &err), UC_OK);
    assert_false(more);
    json_decref(in);
    res_pager_release(&pg);
}

static void test_repeated_token_is_an_error(void **state)
{
    (void)state;
    struct res_pager pg;
    struct aws_error err;
    bool more = true;
    res_pager_init(&pg, "organizations", "ListRoots", "NextToken", 10);
    json_t *in = json_object();
    json_t *next = json_string("t1");
    assert_int_equal(res_pager_begin(&pg, in, &err), UC_OK);
    assert_int_equal(res_pager_end(&pg, next, &more, &err), UC_OK);
    assert_int_equal(res_pager_begin(&pg, in, &err), UC_OK);
    assert_int_equal(res_pager_end(&pg, next, &more, &err), UC_DECODE);
    assert_false(more);
    assert_int_equal(err.status, UC_DECODE);
    assert_string_equal(err.operation, "ListRoots");
    assert_non_null(strstr(err.message, "NextToken"));
    json_decref(next);
    json_decref(in);
    res_pager_release(&pg);
}

static void test_page_cap_is_an_error(void **state)
{
    (void)state;
    struct res_pager pg;
    struct aws_error err;
    bool more = true;
    char buf[32];
    res_pager_init(&pg, "iam", "ListThings", "Marker", 3);
    json_t *in = json_object();
    for (int i = 0; i < 3; i++) {
        assert_int_equal(res_pager_begin(&pg, in, &err), UC_OK);
        snprintf(buf, sizeof buf, "t%d", i);
        json_t *next = json_string(buf);
        assert_int_equal(res_pager_end(&pg, next, &more, &err), UC_OK);
        assert_true(more);
        json_decref(next);
    }
    assert_int_equal(res_pager_begin(&pg, in, &err), UC_RANGE);
    assert_int_equal(err.status, UC_RANGE);
    assert_non_null(strstr(err.message, "more than 3 pages"));
    json_decref(in);
    res_pager_release(&pg);
    res_pager_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_follow_and_end),
        cmocka_unit_test(test_repeated_token_is_an_error),
        cmocka_unit_test(test_page_cap_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
