/* test_aws_curl.c - libcurl is loaded lazily: not mapped when this executable (linked to uc_aws
 * only) starts, not by making a transport, only by the first send; the loader fills every entry
 * of the table, and a missing library or symbol is a "transport" error naming it, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "aws_curl.h"
#include "aws_http.h"

static bool curl_mapped(void)
{
    void *h = dlopen(AWS_CURL_SONAME, RTLD_NOW | RTLD_NOLOAD);
    if (!h)
        return false;
    dlclose(h); /* drops only the reference RTLD_NOLOAD took */
    return true;
}

/* Must run first: the whole lazy path in order. */
static void test_loaded_on_first_send(void **state)
{
    (void)state;
    assert_false(curl_mapped());
    struct aws_transport *t = aws_transport_curl_new(NULL);
    assert_non_null(t);
    assert_false(curl_mapped());

    /* Port 1 on loopback is closed: a real libcurl exchange that fails before sending. */
    struct aws_http_request req = {.method = "GET", .url = "http://127.0.0.1:1/",
                                   .connect_timeout_ms = 2000, .timeout_ms = 5000};
    aws_headers_init(&req.headers);
    struct aws_http_response resp;
    aws_http_response_init(&resp);
    assert_int_equal(t->send(t, &req, NULL, &resp), UC_TRANSPORT);
    assert_int_equal(resp.net, AWS_NET_CONNECT);
    assert_int_equal(resp.status, 0);
    assert_true(resp.net_message[0] != '\0');
    assert_true(curl_mapped());

    /* The second send reuses the started transport. */
    aws_http_response_reset(&resp);
    assert_int_equal(t->send(t, &req, NULL, &resp), UC_TRANSPORT);
    assert_int_equal(resp.net, AWS_NET_CONNECT);
    aws_http_response_release(&resp);
    aws_headers_release(&req.headers);
    aws_transport_free(t);
}

static void test_table_complete(void **state)
{
    (void)state;
    struct aws_curl api;
    struct aws_error err;
    aws_error_clear(&err);
    assert_int_equal(aws_curl_open(AWS_CURL_SONAME, &api, &err), UC_OK);
#define CHECK_MEMBER(sym, member) assert_non_null(api.member);
    AWS_CURL_FUNCTIONS(CHECK_MEMBER)
#undef CHECK_MEMBER
    assert_string_equal(api.easy_strerror(CURLE_OK), "No error");
    struct curl_slist *l = api.slist_append(NULL, "Expect:");
    assert_non_null(l);
    assert_string_equal(l->data, "Expect:");
    api.slist_free_all(l);
}

static void test_missing_library(void **state)
{
    (void)state;
    struct aws_curl api;
    memset(&api, 0xff, sizeof(api));
    struct aws_error err;
    aws_error_clear(&err);
    const char *name = "libunicron-no-such-library.so.0";
    assert_int_equal(aws_curl_open(name, &api, &err), UC_TRANSPORT);
    assert_int_equal(err.status, UC_TRANSPORT);
    assert_string_equal(err.service, "transport");
    assert_string_equal(err.operation, "load");
    assert_non_null(strstr(err.message, "cannot load libunicron-no-such-library.so.0"));
    /* dlerror()'s own words follow. */
    assert_non_null(strstr(err.message, "cannot open shared object file"));
    assert_null(api.easy_init);
    assert_null(api.share_cleanup);
    /* err may be NULL. */
    assert_int_equal(aws_curl_open(name, &api, NULL), UC_TRANSPORT);
}

static void test_missing_symbol(void **state)
{
    (void)state;
    struct aws_curl api;
    struct aws_error err;
    aws_error_clear(&err);
    /* A real library without libcurl's functions. */
    assert_int_equal(aws_curl_open("libz.so.1", &api, &err), UC_TRANSPORT);
    assert_string_equal(err.service, "transport");
    assert_non_null(strstr(err.message, "libz.so.1 has no curl_global_init"));
    assert_null(api.global_init);
}

static void *get_table(void *arg)
{
    (void)arg;
    return (void *)aws_curl_get(NULL);
}

static void test_get_once(void **state)
{
    (void)state;
    pthread_t th[8];
    void *got[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, get_table, NULL), 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_join(th[i], &got[i]), 0);
    struct aws_error err;
    aws_error_clear(&err);
    const struct aws_curl *api = aws_curl_get(&err);
    assert_non_null(api);
    assert_int_equal(err.status, UC_OK);
    for (int i = 0; i < 8; i++)
        assert_ptr_equal(got[i], api);
    CURL *h = api->easy_init();
    assert_non_null(h);
    api->easy_cleanup(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loaded_on_first_send),
        cmocka_unit_test(test_table_complete),
        cmocka_unit_test(test_missing_library),
        cmocka_unit_test(test_missing_symbol),
        cmocka_unit_test(test_get_once),
    };
    return cmocka_run_group_tests_name("aws_curl", tests, NULL, NULL);
}
