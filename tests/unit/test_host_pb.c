/* test_host_pb.c - untrusted strings at the host boundary: a request string field with a NUL or
 * invalid UTF-8, at any depth and under either protocol, is refused with INVALID_ARGUMENT that
 * names the field and never echoes the bytes ("unicron_tenant\0junk" must not validate as
 * unicron_tenant); and text going back to Terraform (diagnostics, attribute paths) is valid
 * UTF-8 whatever a resource put in it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_core.h"
#include "host_pb.h"
#include "host_proto.h"
#include "host_proto6.h"
#include "tfplugin6.pb-c.h"
#include "uc_utf8.h"

struct fixture {
    struct uc_cancel *cancel;
    struct host_core *core;
    struct host_method m6[HOST_PROTO6_METHODS];
    struct host_method m5[HOST_PROTO5_METHODS];
    struct uc_arena *a;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->cancel = uc_cancel_new();
    f->core = f->cancel ? host_core_new(f->cancel) : NULL;
    f->a = uc_arena_new();
    if (!f->core || !f->a)
        return -1;
    if (host_proto6_methods(f->m6, HOST_PROTO6_METHODS, f->core) != HOST_PROTO6_METHODS ||
        host_proto5_methods(f->m5, HOST_PROTO5_METHODS, f->core) != HOST_PROTO5_METHODS)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    host_core_free(f->core);
    uc_cancel_free(f->cancel);
    uc_arena_free(f->a);
    free(f);
    return 0;
}

static struct host_rpc call(struct fixture *f, const struct host_method *m, const uint8_t *req,
                            size_t len)
{
    struct host_rpc rpc = {
        .arena = f->a, .method = m->path, .req = req, .req_len = len, .code = HOST_CODE_OK};
    m->fn(&rpc, m->ud);
    return rpc;
}

/* Appends field id as a length-delimited value (len < 128) to buf at *n. */
static void put_ld(uint8_t *buf, size_t *n, unsigned id, const void *v, size_t len)
{
    assert_true(len < 128 && id < 16);
    buf[(*n)++] = (uint8_t)(id << 3 | 2);
    buf[(*n)++] = (uint8_t)len;
    memcpy(buf + *n, v, len);
    *n += len;
}

static void assert_refused(const struct host_rpc *r, const char *field, const char *method)
{
    assert_int_equal(r->code, HOST_CODE_INVALID_ARGUMENT);
    assert_non_null(r->code_msg);
    assert_non_null(strstr(r->code_msg, field));
    assert_non_null(strstr(r->code_msg, method));
    assert_null(strstr(r->code_msg, "junk"));
    assert_true(uc_utf8_is_text(r->code_msg, strlen(r->code_msg)));
    assert_null(r->resp);
}

/* ValidateResourceConfig{1 type_name}: "unicron_tenant\0junk" is refused; "unicron_tenant" is
 * served (the control: same bytes without the tail). */
static void test_nul_in_type_name_is_refused(void **state)
{
    struct fixture *f = *state;
    uint8_t req[64];
    size_t n = 0;
    put_ld(req, &n, 1, "unicron_tenant\0junk", 19);
    struct host_rpc r = call(f, &f->m6[HOST_OP_VALIDATE_RESOURCE_CONFIG], req, n);
    assert_refused(&r, "type_name", "/tfplugin6.Provider/ValidateResourceConfig");
    r = call(f, &f->m5[HOST_OP_VALIDATE_RESOURCE_CONFIG], req, n);
    assert_refused(&r, "type_name", "/tfplugin5.Provider/ValidateResourceTypeConfig");

    n = 0;
    put_ld(req, &n, 1, "unicron_tenant", 14);
    r = call(f, &f->m6[HOST_OP_VALIDATE_RESOURCE_CONFIG], req, n);
    assert_int_equal(r.code, HOST_CODE_OK);
}

/* ImportResourceState{1 type_name, 2 id}: invalid UTF-8 in the id (a lone byte, an overlong
 * form, a surrogate, a cut sequence) is refused before any resource code sees it. */
static void test_invalid_utf8_import_id_is_refused(void **state)
{
    struct fixture *f = *state;
    static const char *const ids[] = {"acct-\xff", "\xc0\xaf", "\xed\xa0\x80", "123\xe2\x82"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        uint8_t req[64];
        size_t n = 0;
        put_ld(req, &n, 1, "unicron_tenant", 14);
        put_ld(req, &n, 2, ids[i], strlen(ids[i]));
        struct host_rpc r = call(f, &f->m6[HOST_OP_IMPORT_RESOURCE_STATE], req, n);
        assert_refused(&r, "id", "ImportResourceState");
        r = call(f, &f->m5[HOST_OP_IMPORT_RESOURCE_STATE], req, n);
        assert_refused(&r, "id", "/tfplugin5.Provider/ImportResourceState");
    }
}

/* Only string fields are text: ValidateResourceConfig{2 config: DynamicValue{1 msgpack}} carries
 * bytes, whatever they hold (the core reports bad msgpack as a diagnostic). Every string field
 * is checked, not just type names: ConfigureProvider{1 terraform_version}. */
static void test_bytes_fields_are_not_text(void **state)
{
    struct fixture *f = *state;
    uint8_t dv[8], req[64];
    size_t ndv = 0, n = 0;
    put_ld(dv, &ndv, 1, "\xc0\x00", 2); /* DynamicValue.msgpack: bytes, not text */
    put_ld(req, &n, 1, "unicron_tenant", 14);
    put_ld(req, &n, 2, dv, ndv);
    struct host_rpc r = call(f, &f->m6[HOST_OP_VALIDATE_RESOURCE_CONFIG], req, n);
    assert_int_equal(r.code, HOST_CODE_OK); /* a diagnostic about the msgpack, not a refusal */

    n = 0;
    put_ld(req, &n, 1, "1.11\0x", 6);
    r = call(f, &f->m6[HOST_OP_CONFIGURE_PROVIDER], req, n);
    assert_refused(&r, "terraform_version", "ConfigureProvider");
}

/* Nested: UpgradeResourceState{3 raw_state: RawState{2 flatmap: map<string,string>}}: the map
 * entry's key and value are strings two messages down. */
static void test_nested_string_is_checked(void **state)
{
    struct fixture *f = *state;
    uint8_t entry[32], raw[48], req[96];
    size_t ne = 0, nr = 0, n = 0;
    put_ld(entry, &ne, 1, "key", 3);
    put_ld(entry, &ne, 2, "v\xffjunk", 6);
    put_ld(raw, &nr, 2, entry, ne);
    put_ld(req, &n, 1, "unicron_tenant", 14);
    put_ld(req, &n, 3, raw, nr);
    struct host_rpc r = call(f, &f->m6[HOST_OP_UPGRADE_RESOURCE_STATE], req, n);
    assert_refused(&r, "value", "UpgradeResourceState");
}

/* Diagnostics and attribute paths carry whatever resource code wrote (AWS messages, user
 * values); the response is valid UTF-8 all the same. */
static void test_response_text_is_repaired(void **state)
{
    struct fixture *f = *state;
    struct tf_diags d;
    tf_diags_init(&d, f->a);
    struct tf_path tags = tf_path_attr(NULL, "tags");
    struct tf_path p = tf_path_key(&tags, "k\xff");
    tf_diag_error(&d, &p, "AWS said \xc0\xaf", "%s", "detail \xed\xa0\x80 end");
    size_t n = 0;
    Tfplugin6__Diagnostic **out = host_proto6_diags(f->a, &d, &n);
    assert_int_equal(n, 1);
    assert_true(uc_utf8_is_text(out[0]->summary, strlen(out[0]->summary)));
    assert_true(uc_utf8_is_text(out[0]->detail, strlen(out[0]->detail)));
    assert_string_equal(out[0]->summary, "AWS said \xef\xbf\xbd\xef\xbf\xbd");
    assert_non_null(out[0]->attribute);
    assert_int_equal(out[0]->attribute->n_steps, 2);
    const char *key = out[0]->attribute->steps[1]->element_key_string;
    assert_string_equal(key, "k\xef\xbf\xbd");
    /* packed and unpacked again (as Terraform would), nothing is lost */
    size_t len = protobuf_c_message_get_packed_size(&out[0]->base);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    protobuf_c_message_pack(&out[0]->base, buf);
    struct host_rpc rpc = {.arena = f->a, .method = "x", .req = buf, .req_len = len};
    assert_non_null(host_pb_unpack(&rpc, &tfplugin6__diagnostic__descriptor));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nul_in_type_name_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_import_id_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bytes_fields_are_not_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_string_is_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_text_is_repaired, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
