/* test_host_handshake.c - go-plugin launch rules: magic cookie, PLUGIN_PROTOCOL_VERSIONS as a
 * set, UNICRON_PLUGIN_PROTOCOL override, socket paths, and the handshake line with unpadded
 * base64 (Go's RawStdEncoding) of the DER certificate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "host_handshake.h"

static void test_cookie(void **state)
{
    assert_true(host_cookie_ok(HOST_COOKIE_VALUE));
    assert_false(host_cookie_ok(NULL));
    assert_false(host_cookie_ok(""));
    assert_false(host_cookie_ok("d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b"));
    assert_false(host_cookie_ok(HOST_COOKIE_VALUE "x"));
}

static void test_parse_versions(void **state)
{
    static const struct {
        const char *in;
        uc_status st;
        uint32_t set;
    } rows[] = {
        {"5,6", UC_OK, (1u << 5) | (1u << 6)},
        {"6,5", UC_OK, (1u << 5) | (1u << 6)},
        {" 6 , 5 ", UC_OK, (1u << 5) | (1u << 6)},
        {"6", UC_OK, 1u << 6},
        {"5,,6,", UC_OK, (1u << 5) | (1u << 6)},
        {"", UC_OK, 0},
        {"4,7", UC_OK, (1u << 4) | (1u << 7)},
        {"6;5", UC_DECODE, 0},
        {"x", UC_DECODE, 0},
        {"0", UC_DECODE, 0},
        {"32", UC_DECODE, 0},
        {"99999999999999999999", UC_DECODE, 0},
        {"-6", UC_DECODE, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint32_t set = 0xffffffff;
        assert_int_equal(host_parse_versions(rows[i].in, &set), rows[i].st);
        assert_int_equal(set, rows[i].set);
    }
    uint32_t set = 1;
    assert_int_equal(host_parse_versions(NULL, &set), UC_OK);
    assert_int_equal(set, 0);
}

static void test_negotiate(void **state)
{
    static const struct {
        const char *offered, *override;
        uc_status st;
        int version;
    } rows[] = {
        {"5,6", NULL, UC_OK, 6},   {"6,5", NULL, UC_OK, 6},   {"5", NULL, UC_OK, 5},
        {"6", NULL, UC_OK, 6},     {NULL, NULL, UC_OK, 6},    {"", "", UC_OK, 6},
        {"5,6", "5", UC_OK, 5},    {"6,5", "6", UC_OK, 6},    {"6", "5", UC_OK, 5},
        {"4,7", NULL, UC_OK, 5},   /* no common version: announce the lowest served */
        {"5,6", "7", UC_DECODE, 0}, {"5,6", "five", UC_DECODE, 0},
        {"5;6", NULL, UC_DECODE, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int v = -1;
        const char *err = NULL;
        assert_int_equal(host_negotiate(rows[i].offered, rows[i].override, &v, &err),
                         rows[i].st);
        assert_int_equal(v, rows[i].version);
        if (rows[i].st != UC_OK)
            assert_non_null(err);
    }
}

static void test_socket_path(void **state)
{
    char p[128];
    assert_int_equal(host_socket_path(p, sizeof p, "/run/x", "/tmp/y", "/", 42, 0xabc), UC_OK);
    assert_string_equal(p, "/run/x/plugin42-00000abc");
    assert_int_equal(host_socket_path(p, sizeof p, NULL, "/tmp/y/", "/", 42, 1), UC_OK);
    assert_string_equal(p, "/tmp/y/plugin42-00000001");
    assert_int_equal(host_socket_path(p, sizeof p, "", NULL, "/", 7, 1), UC_OK);
    assert_string_equal(p, "/tmp/plugin7-00000001");
    assert_int_equal(host_socket_path(p, sizeof p, "rel", NULL, "/home/u", 7, 1), UC_OK);
    assert_string_equal(p, "/home/u/rel/plugin7-00000001");
    char longdir[120];
    memset(longdir, 'a', sizeof longdir - 1);
    longdir[0] = '/';
    longdir[sizeof longdir - 1] = '\0';
    assert_int_equal(host_socket_path(p, sizeof p, longdir, NULL, "/", 7, 1), UC_RANGE);
    assert_int_equal(host_socket_path(p, 10, "/tmp", NULL, "/", 7, 1), UC_RANGE);
}

static void test_base64_unpadded(void **state)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"},
        {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
        {"\xff\xfe", "//4"}, /* standard alphabet, not URL-safe */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct uc_buf b;
        uc_buf_init(&b);
        assert_int_equal(
            host_base64_raw(&b, (const unsigned char *)rows[i].in, strlen(rows[i].in)), UC_OK);
        assert_string_equal(uc_buf_str(&b), rows[i].out);
        uc_buf_release(&b);
    }
}

static void test_handshake_line(void **state)
{
    struct uc_buf b;
    uc_buf_init(&b);
    const unsigned char der[] = {0x30, 0x82, 0x01, 0xe9, 0x30}; /* 5 bytes: would pad "=" */
    assert_int_equal(host_handshake_line(&b, 6, "/tmp/plugin1-2", der, sizeof der), UC_OK);
    assert_string_equal(uc_buf_str(&b), "1|6|unix|/tmp/plugin1-2|grpc|MIIB6TA\n");
    assert_null(strchr(uc_buf_str(&b), '='));
    uc_buf_reset(&b);
    assert_int_equal(host_handshake_line(&b, 5, "/tmp/s", NULL, 0), UC_OK);
    assert_string_equal(uc_buf_str(&b), "1|5|unix|/tmp/s|grpc|\n");
    uc_buf_reset(&b);
    assert_int_equal(host_handshake_line(&b, 6, "/tmp/a|b", NULL, 0), UC_INVALID);
    assert_int_equal(host_handshake_line(&b, 6, "/tmp/a\nb", NULL, 0), UC_INVALID);
    assert_int_equal(host_handshake_line(&b, 6, "relative", NULL, 0), UC_INVALID);
    assert_int_equal(host_handshake_line(&b, 0, "/tmp/s", NULL, 0), UC_INVALID);
    uc_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie),         cmocka_unit_test(test_parse_versions),
        cmocka_unit_test(test_negotiate),      cmocka_unit_test(test_socket_path),
        cmocka_unit_test(test_base64_unpadded), cmocka_unit_test(test_handshake_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
