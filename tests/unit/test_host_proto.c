/* test_host_proto.c - proves what proto5.c relies on: every protocol-5 request and response it
 * serves with a protocol-6 handler is wire-identical to its protocol-6 twin, and the two places
 * where the wire differs (Schema.Attribute, PrepareProviderConfig.Response) are encoded with
 * protocol 5's numbering. The pairs come from the method tables themselves and the services in
 * proto/tfplugin5.proto and proto/tfplugin6.proto, so remapping a method or editing a message
 * so that the wire no longer matches fails here.
 *
 * Tools (protobuf-c reflection, no hand-written expectations per message): a descriptor
 * comparison by field number (type, label, packing, oneof, enum values, recursively), and a
 * round trip: fill every field of a message with distinct values, pack, unpack with the other
 * protocol's descriptor, compare field by field (no unknown fields), pack again, same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_core.h"
#include "host_pb.h"
#include "host_proto.h"
#include "host_proto6.h"
#include "tfplugin5.pb-c.h"
#include "tfplugin6.pb-c.h"
#include "uc_arena.h"
#include "uc_cancel.h"

#define MAX_DEPTH 5 /* Schema.Block -> NestedBlock -> Block ... recurses */

/* --- descriptor shape, by field number (what the wire sees) ----------------------------- */

struct shape {
    /* A message pair treated as equal without looking inside (NULL = none). */
    const ProtobufCMessageDescriptor *opaque_a, *opaque_b;
    /* Pairs already compared (the schema messages recurse). */
    const ProtobufCMessageDescriptor *seen[64][2];
    size_t nseen;
    char why[1024]; /* first difference */
    int ndiff;
};

static void shape_note(struct shape *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void shape_note(struct shape *s, const char *fmt, ...)
{
    if (s->ndiff++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->why, sizeof s->why, fmt, ap);
        va_end(ap);
    }
}

static bool same_enum(const ProtobufCEnumDescriptor *a, const ProtobufCEnumDescriptor *b)
{
    if (a->n_values != b->n_values)
        return false;
    for (unsigned i = 0; i < a->n_values; i++) {
        if (!protobuf_c_enum_descriptor_get_value(b, a->values[i].value))
            return false;
    }
    return true;
}

static void shape_cmp(struct shape *s, const ProtobufCMessageDescriptor *a,
                      const ProtobufCMessageDescriptor *b)
{
    if (a == s->opaque_a && b == s->opaque_b)
        return;
    for (size_t i = 0; i < s->nseen; i++) {
        if (s->seen[i][0] == a && s->seen[i][1] == b)
            return;
    }
    assert_true(s->nseen < 64);
    s->seen[s->nseen][0] = a;
    s->seen[s->nseen][1] = b;
    s->nseen++;
    if (a->n_fields != b->n_fields)
        shape_note(s, "%s has %u fields, %s has %u", a->name, a->n_fields, b->name, b->n_fields);
    for (unsigned i = 0; i < a->n_fields; i++) {
        const ProtobufCFieldDescriptor *fa = &a->fields[i];
        const ProtobufCFieldDescriptor *fb = protobuf_c_message_descriptor_get_field(b, fa->id);
        if (!fb) {
            shape_note(s, "%s.%s (%u) has no field %u in %s", a->name, fa->name, fa->id, fa->id,
                       b->name);
            continue;
        }
        const unsigned wire_flags = PROTOBUF_C_FIELD_FLAG_PACKED | PROTOBUF_C_FIELD_FLAG_ONEOF;
        if (fa->type != fb->type || fa->label != fb->label ||
            (fa->flags & wire_flags) != (fb->flags & wire_flags)) {
            shape_note(s, "%s.%s (%u) and %s.%s differ in type, label or packing", a->name,
                       fa->name, fa->id, b->name, fb->name);
            continue;
        }
        if (fa->type == PROTOBUF_C_TYPE_ENUM && !same_enum(fa->descriptor, fb->descriptor))
            shape_note(s, "%s.%s: enum values differ", a->name, fa->name);
        if (fa->type == PROTOBUF_C_TYPE_MESSAGE)
            shape_cmp(s, fa->descriptor, fb->descriptor);
    }
}

/* Number of wire differences between a and b (0 = identical); the first is in why. */
static int shape_diff(const ProtobufCMessageDescriptor *a, const ProtobufCMessageDescriptor *b,
                      const ProtobufCMessageDescriptor *opaque_a,
                      const ProtobufCMessageDescriptor *opaque_b, char *why, size_t cap)
{
    struct shape *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->opaque_a = opaque_a;
    s->opaque_b = opaque_b;
    shape_cmp(s, a, b);
    int n = s->ndiff;
    if (why)
        snprintf(why, cap, "%s", s->why);
    free(s);
    return n;
}

/* --- filling every field ---------------------------------------------------------------- */

struct gen {
    struct uc_arena *a;
    unsigned seed;
};

static size_t elem_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

static ProtobufCMessage *fill(struct gen *g, const ProtobufCMessageDescriptor *d, int depth);

/* One non-default value of f's type at p; false when a sub-message is too deep. */
static bool fill_value(struct gen *g, const ProtobufCFieldDescriptor *f, void *p, int depth)
{
    unsigned v = ++g->seed;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        *(int32_t *)p = -(int32_t)v;
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        *(uint32_t *)p = v;
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *(int64_t *)p = -(int64_t)v * 1000000007;
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        *(uint64_t *)p = (uint64_t)v * 1000000007u;
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        *(float *)p = (float)v + 0.5f;
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        *(double *)p = (double)v + 0.25;
        break;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)p = 1;
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *e = f->descriptor;
        *(int *)p = e->values[v % e->n_values].value ? e->values[v % e->n_values].value
                                                       : e->values[e->n_values - 1].value;
        break;
    }
    case PROTOBUF_C_TYPE_STRING:
        *(char **)p = uc_arena_printf(g->a, "%s-%u", f->name, v);
        assert_non_null(*(char **)p);
        break;
    case PROTOBUF_C_TYPE_BYTES: {
        char *s = uc_arena_printf(g->a, "\x01%s\xff%u", f->name, v);
        assert_non_null(s);
        ((ProtobufCBinaryData *)p)->data = (uint8_t *)s;
        ((ProtobufCBinaryData *)p)->len = strlen(s);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        *(ProtobufCMessage **)p = fill(g, f->descriptor, depth + 1);
        return *(ProtobufCMessage **)p != NULL;
    }
    return true;
}

/* A message of type d with every field set (repeated fields: 2 elements; one member of each
 * oneof, chosen by the seed), NULL below MAX_DEPTH. Arena memory. */
static ProtobufCMessage *fill(struct gen *g, const ProtobufCMessageDescriptor *d, int depth)
{
    if (depth > MAX_DEPTH)
        return NULL;
    ProtobufCMessage *m = uc_arena_alloc(g->a, d->sizeof_message);
    assert_non_null(m);
    protobuf_c_message_init(d, m);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char *at = (char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = 2, sz = elem_size(f);
            char *arr = uc_arena_calloc(g->a, n, sz);
            assert_non_null(arr);
            size_t got = 0;
            while (got < n && fill_value(g, f, arr + got * sz, depth))
                got++;
            *(size_t *)((char *)m + f->quantifier_offset) = got;
            *(void **)at = got ? arr : NULL;
            continue;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t *which = (uint32_t *)((char *)m + f->quantifier_offset);
            if (*which != 0 && (g->seed++ & 1))
                continue; /* keep the member already chosen */
            if (fill_value(g, f, at, depth))
                *which = f->id;
            continue;
        }
        if (!fill_value(g, f, at, depth))
            continue;
        if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
            f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING)
            *(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
    }
    return m;
}

/* --- field-by-field comparison, by field name ------------------------------------------- */

static bool value_empty(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m)
{
    const char *at = (const char *)m + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)((const char *)m + f->quantifier_offset) == 0;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id;
    static const char zero[16];
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)at;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)at)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(ProtobufCMessage *const *)at == NULL;
    default:
        return memcmp(at, zero, elem_size(f)) == 0;
    }
}

static bool same_msg(const ProtobufCMessage *a, const ProtobufCMessage *b, char *why, size_t cap);

static bool same_value(const ProtobufCFieldDescriptor *f, const void *pa, const void *pb,
                       char *why, size_t cap)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *sa = *(char *const *)pa, *sb = *(char *const *)pb;
        return strcmp(sa ? sa : "", sb ? sb : "") == 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *ba = pa, *bb = pb;
        return ba->len == bb->len && (ba->len == 0 || memcmp(ba->data, bb->data, ba->len) == 0);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *ma = *(ProtobufCMessage *const *)pa;
        const ProtobufCMessage *mb = *(ProtobufCMessage *const *)pb;
        if (!ma || !mb)
            return ma == mb;
        return same_msg(ma, mb, why, cap);
    }
    default:
        return memcmp(pa, pb, elem_size(f)) == 0;
    }
}

/* True when a field's value in a equals the field of the same name in b. A field present in
 * only one of the two messages must be empty. */
static bool same_field(const ProtobufCFieldDescriptor *fa, const ProtobufCMessage *a,
                       const ProtobufCMessage *b, char *why, size_t cap)
{
    const ProtobufCFieldDescriptor *fb =
        protobuf_c_message_descriptor_get_field_by_name(b->descriptor, fa->name);
    if (!fb) {
        if (value_empty(fa, a))
            return true;
        snprintf(why, cap, "%s.%s is set but %s has no such field", a->descriptor->name,
                 fa->name, b->descriptor->name);
        return false;
    }
    if (fa->type != fb->type || fa->label != fb->label) {
        snprintf(why, cap, "%s.%s: type or label differ", a->descriptor->name, fa->name);
        return false;
    }
    if (value_empty(fa, a) != value_empty(fb, b)) {
        snprintf(why, cap, "%s.%s is set in only one message", a->descriptor->name, fa->name);
        return false;
    }
    if (value_empty(fa, a))
        return true;
    const char *pa = (const char *)a + fa->offset, *pb = (const char *)b + fb->offset;
    if (fa->label != PROTOBUF_C_LABEL_REPEATED) {
        if (same_value(fa, pa, pb, why, cap))
            return true;
        if (!*why)
            snprintf(why, cap, "%s.%s differs", a->descriptor->name, fa->name);
        return false;
    }
    size_t n = *(const size_t *)((const char *)a + fa->quantifier_offset);
    size_t sz = elem_size(fa);
    const char *ea = *(char *const *)pa, *eb = *(char *const *)pb;
    for (size_t i = 0; i < n; i++) {
        if (!same_value(fa, ea + i * sz, eb + i * sz, why, cap)) {
            if (!*why)
                snprintf(why, cap, "%s.%s[%zu] differs", a->descriptor->name, fa->name, i);
            return false;
        }
    }
    return true;
}

static bool same_msg(const ProtobufCMessage *a, const ProtobufCMessage *b, char *why, size_t cap)
{
    if (a->n_unknown_fields || b->n_unknown_fields) {
        snprintf(why, cap, "%s: %u unknown field(s) after decoding", b->descriptor->name,
                 a->n_unknown_fields + b->n_unknown_fields);
        return false;
    }
    for (unsigned i = 0; i < a->descriptor->n_fields; i++) {
        if (!same_field(&a->descriptor->fields[i], a, b, why, cap))
            return false;
    }
    for (unsigned i = 0; i < b->descriptor->n_fields; i++) {
        if (!same_field(&b->descriptor->fields[i], b, a, why, cap))
            return false;
    }
    return true;
}

/* --- round trip ------------------------------------------------------------------------- */

static uint8_t *pack(struct uc_arena *a, const ProtobufCMessage *m, size_t *n)
{
    *n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = uc_arena_alloc(a, *n ? *n : 1);
    assert_non_null(buf);
    assert_int_equal(protobuf_c_message_pack(m, buf), *n);
    return buf;
}

/* Fills a `from` message, packs it, unpacks it as `to`: true when every field survives, no
 * field is unknown, and packing the result gives the same bytes. */
static bool round_trip(const ProtobufCMessageDescriptor *from,
                       const ProtobufCMessageDescriptor *to, unsigned seed, char *why,
                       size_t cap)
{
    struct uc_arena *a = uc_arena_new();
    assert_non_null(a);
    struct gen g = {.a = a, .seed = seed};
    ProtobufCMessage *m = fill(&g, from, 0);
    size_t n, n2;
    uint8_t *bytes = pack(a, m, &n);
    bool ok = false;
    why[0] = '\0';
    ProtobufCMessage *u = protobuf_c_message_unpack(to, NULL, n, bytes);
    if (!u) {
        snprintf(why, cap, "%s bytes do not decode as %s", from->name, to->name);
    } else if (same_msg(m, u, why, cap)) {
        uint8_t *again = pack(a, u, &n2);
        ok = n2 == n && memcmp(again, bytes, n) == 0;
        if (!ok)
            snprintf(why, cap, "%s re-encodes differently as %s", from->name, to->name);
    }
    if (u)
        protobuf_c_message_free_unpacked(u, NULL);
    uc_arena_free(a);
    return ok;
}

/* Both directions, several seeds (oneof members and enum values vary with the seed). */
static void assert_wire_identical(const ProtobufCMessageDescriptor *d6,
                                  const ProtobufCMessageDescriptor *d5)
{
    char why[1024];
    if (shape_diff(d6, d5, NULL, NULL, why, sizeof why) != 0)
        fail_msg("%s / %s are not wire-identical: %s", d6->name, d5->name, why);
    for (unsigned seed = 0; seed < 6; seed++) {
        if (!round_trip(d6, d5, seed * 101, why, sizeof why))
            fail_msg("v6 -> v5 (seed %u): %s", seed, why);
        if (!round_trip(d5, d6, seed * 101 + 7, why, sizeof why))
            fail_msg("v5 -> v6 (seed %u): %s", seed, why);
    }
}

/* --- the method tables ------------------------------------------------------------------ */

struct tables {
    struct host_method m6[HOST_PROTO6_METHODS];
    struct host_method m5[HOST_PROTO5_METHODS];
};

static void load_tables(struct tables *t, struct host_core *core)
{
    assert_int_equal(host_proto6_methods(t->m6, HOST_PROTO6_METHODS, core), HOST_PROTO6_METHODS);
    assert_int_equal(host_proto5_methods(t->m5, HOST_PROTO5_METHODS, core), HOST_PROTO5_METHODS);
    assert_int_equal(host_proto5_methods(t->m5, HOST_PROTO5_METHODS - 1, core), 0);
}

/* The service method behind a table path "/<package>.Provider/<Name>". */
static const ProtobufCMethodDescriptor *service_method(const ProtobufCServiceDescriptor *svc,
                                                       const char *path)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "/%s/", svc->name);
    if (strncmp(path, prefix, strlen(prefix)) != 0)
        return NULL;
    return protobuf_c_service_descriptor_get_method_by_name(svc, path + strlen(prefix));
}

/* Every method of each service is in its table once, every table entry is a service method. */
static void test_tables_cover_the_services(void **state)
{
    struct tables t;
    load_tables(&t, NULL);
    assert_int_equal(tfplugin6__provider__descriptor.n_methods, HOST_PROTO6_METHODS);
    assert_int_equal(tfplugin5__provider__descriptor.n_methods, HOST_PROTO5_METHODS);
    for (size_t i = 0; i < HOST_OP_COUNT; i++) {
        assert_non_null(t.m6[i].fn);
        assert_non_null(t.m5[i].fn);
        assert_non_null(service_method(&tfplugin6__provider__descriptor, t.m6[i].path));
        assert_non_null(service_method(&tfplugin5__provider__descriptor, t.m5[i].path));
        assert_ptr_equal(host_proto6_handler((enum host_op)i), t.m6[i].fn);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(t.m6[i].path, t.m6[j].path);
            assert_string_not_equal(t.m5[i].path, t.m5[j].path);
        }
    }
    assert_null(host_proto6_handler(HOST_OP_COUNT));
}

/* Every protocol-5 method served by a protocol-6 handler has, per the services in the .proto
 * files, request and response messages wire-identical to that handler's protocol-6 method. */
static void test_shared_methods_are_wire_identical(void **state)
{
    struct tables t;
    load_tables(&t, NULL);
    size_t shared = 0;
    for (size_t i = 0; i < HOST_PROTO5_METHODS; i++) {
        for (size_t j = 0; j < HOST_PROTO6_METHODS; j++) {
            if (t.m5[i].fn != t.m6[j].fn)
                continue;
            const ProtobufCMethodDescriptor *v5 =
                service_method(&tfplugin5__provider__descriptor, t.m5[i].path);
            const ProtobufCMethodDescriptor *v6 =
                service_method(&tfplugin6__provider__descriptor, t.m6[j].path);
            print_message("%s = %s\n", t.m5[i].path, t.m6[j].path);
            assert_wire_identical(v6->input, v5->input);
            assert_wire_identical(v6->output, v5->output);
            shared++;
        }
    }
    assert_int_equal(shared, 18);
}

/* The two methods with code of their own are the ones whose wire really differs. */
static void test_own_code_only_where_the_wire_differs(void **state)
{
    struct tables t;
    load_tables(&t, NULL);
    size_t own = 0;
    char why[1024];
    for (size_t i = 0; i < HOST_PROTO5_METHODS; i++) {
        if (t.m5[i].fn == t.m6[i].fn)
            continue;
        const ProtobufCMethodDescriptor *v5 =
            service_method(&tfplugin5__provider__descriptor, t.m5[i].path);
        const ProtobufCMethodDescriptor *v6 =
            service_method(&tfplugin6__provider__descriptor, t.m6[i].path);
        assert_int_equal(shape_diff(v6->input, v5->input, NULL, NULL, why, sizeof why), 0);
        assert_int_not_equal(shape_diff(v6->output, v5->output, NULL, NULL, why, sizeof why), 0);
        print_message("%s needs own code: %s\n", t.m5[i].path, why);
        own++;
    }
    assert_int_equal(own, 2);
}

/* GetProviderSchema.Response differs only inside Schema.Attribute, and there in exactly the
 * places §7.3 names; the checks above would notice (negative controls). */
static void test_schema_differs_only_in_attribute(void **state)
{
    char why[1024];
    const ProtobufCMessageDescriptor *a6 = &tfplugin6__schema__attribute__descriptor;
    const ProtobufCMessageDescriptor *a5 = &tfplugin5__schema__attribute__descriptor;
    assert_int_equal(shape_diff(&tfplugin6__get_provider_schema__response__descriptor,
                                &tfplugin5__get_provider_schema__response__descriptor, a6, a5,
                                why, sizeof why),
                     0);
    assert_int_equal(shape_diff(&tfplugin6__schema__descriptor, &tfplugin5__schema__descriptor,
                                a6, a5, why, sizeof why),
                     0);
    assert_int_not_equal(shape_diff(a6, a5, NULL, NULL, why, sizeof why), 0);
    /* Fields 1-9 agree; 10 is nested_type (message) vs write_only (bool); 11 is v6 only. */
    for (unsigned id = 1; id <= 9; id++) {
        const ProtobufCFieldDescriptor *f6 = protobuf_c_message_descriptor_get_field(a6, id);
        const ProtobufCFieldDescriptor *f5 = protobuf_c_message_descriptor_get_field(a5, id);
        assert_non_null(f6);
        assert_non_null(f5);
        assert_string_equal(f6->name, f5->name);
        assert_int_equal(f6->type, f5->type);
    }
    assert_string_equal(protobuf_c_message_descriptor_get_field(a6, 10)->name, "nested_type");
    assert_string_equal(protobuf_c_message_descriptor_get_field(a6, 11)->name, "write_only");
    assert_string_equal(protobuf_c_message_descriptor_get_field(a5, 10)->name, "write_only");
    assert_null(protobuf_c_message_descriptor_get_field(a5, 11));
    /* The round trip catches it too. */
    assert_false(round_trip(a6, a5, 1, why, sizeof why));
    print_message("v6 Attribute as v5: %s\n", why);
    /* PrepareProviderConfig.Response is ValidateProviderConfig.Response plus field 1: a v6
     * response reads as a v5 one without prepared_config, not the other way round. */
    assert_true(round_trip(&tfplugin6__validate_provider_config__response__descriptor,
                           &tfplugin5__prepare_provider_config__response__descriptor, 1, why,
                           sizeof why));
    assert_false(round_trip(&tfplugin5__prepare_provider_config__response__descriptor,
                            &tfplugin6__validate_provider_config__response__descriptor, 1, why,
                            sizeof why));
    print_message("v5 PrepareProviderConfig.Response as v6: %s\n", why);
}

/* --- the protocol-5 encodings ------------------------------------------------------------ */

static const struct tf_attr inner_attrs[] = {
    {.name = "token", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_WRITE_ONLY,
     .description = "write-only"},
};
static const struct tf_block inner = {.attrs = inner_attrs, .nattrs = 1};
static const struct tf_block_type inner_blocks[] = {
    {.name = "node", .nesting = TF_NEST_LIST, .block = &inner, .min_items = 1, .max_items = 3},
};
static const struct tf_attr outer_attrs[] = {
    {.name = "id", .type = &tf_type_string, .flags = TF_COMPUTED},
    {.name = "name", .type = &tf_type_string, .flags = TF_REQUIRED, .description = "name"},
    {.name = "secret", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_SENSITIVE},
    {.name = "old", .type = &tf_type_map_string, .flags = TF_OPTIONAL | TF_DEPRECATED},
    {.name = "password", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_WRITE_ONLY},
};
static const struct tf_block outer = {.attrs = outer_attrs, .nattrs = 5, .blocks = inner_blocks,
                                      .nblocks = 1, .description = "test"};
static const struct tf_schema test_schema = {.version = 3, .block = &outer};

static ProtobufCMessage *keep6(struct uc_arena *a, Tfplugin6__Schema__Attribute *x)
{
    return &x->base;
}

/* Counts attributes with write_only set, anywhere in the block tree. */
static size_t count_write_only5(const Tfplugin5__Schema__Block *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n_attributes; i++)
        n += b->attributes[i]->write_only ? 1 : 0;
    for (size_t i = 0; i < b->n_block_types; i++)
        n += count_write_only5(b->block_types[i]->block);
    return n;
}

/* True when the packed bytes hold varint field `id` with value 1 (tag byte then 0x01). */
static bool has_true_field(const uint8_t *p, size_t n, unsigned id)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] == (uint8_t)(id << 3) && p[i + 1] == 1)
            return true;
    }
    return false;
}

/* One schema builder, two numberings: the protocol-5 Schema decodes with tfplugin5's
 * descriptor (no unknown fields, write_only in field 10) and equals the protocol-6 one field by
 * field name. */
static void test_schema_encoding_per_protocol(void **state)
{
    struct uc_arena *a = uc_arena_new();
    assert_non_null(a);
    bool ok = true;
    Tfplugin6__Schema *s6 = host_proto6_schema(a, &test_schema, keep6, &ok);
    Tfplugin6__Schema *s5 = host_proto6_schema(a, &test_schema, host_proto5_attribute, &ok);
    assert_true(ok);
    size_t n6, n5;
    uint8_t *b6 = pack(a, &s6->base, &n6);
    uint8_t *b5 = pack(a, &s5->base, &n5);

    Tfplugin6__Schema *u6 = (Tfplugin6__Schema *)protobuf_c_message_unpack(
        &tfplugin6__schema__descriptor, NULL, n6, b6);
    Tfplugin5__Schema *u5 = (Tfplugin5__Schema *)protobuf_c_message_unpack(
        &tfplugin5__schema__descriptor, NULL, n5, b5);
    assert_non_null(u6);
    assert_non_null(u5);
    char why[1024] = "";
    if (!same_msg(&u6->base, &u5->base, why, sizeof why))
        fail_msg("v5 schema differs from v6: %s", why);
    assert_int_equal(u5->version, 3);
    assert_int_equal(u5->block->n_attributes, 5);
    assert_true(u5->block->attributes[4]->write_only);
    assert_true(u5->block->attributes[2]->sensitive);
    assert_true(u5->block->attributes[3]->deprecated);
    assert_int_equal(u5->block->block_types[0]->nesting,
                     TFPLUGIN5__SCHEMA__NESTED_BLOCK__NESTING_MODE__LIST);
    assert_int_equal(u5->block->block_types[0]->max_items, 3);
    assert_int_equal(count_write_only5(u5->block), 2);
    /* On the wire: write_only is field 10 in v5 and 11 in v6, never the other. */
    const Tfplugin6__Schema__Attribute *w6 = s6->block->attributes[4];
    const ProtobufCMessage *w5 = &s5->block->attributes[4]->base;
    size_t wn6, wn5;
    uint8_t *wb6 = pack(a, &w6->base, &wn6);
    uint8_t *wb5 = pack(a, w5, &wn5);
    assert_true(has_true_field(wb6, wn6, 11));
    assert_false(has_true_field(wb6, wn6, 10));
    assert_true(has_true_field(wb5, wn5, 10));
    assert_false(has_true_field(wb5, wn5, 11));
    /* Read with the wrong numbering, a v6 schema would lose write_only (negative control). */
    Tfplugin5__Schema *wrong = (Tfplugin5__Schema *)protobuf_c_message_unpack(
        &tfplugin5__schema__descriptor, NULL, n6, b6);
    assert_non_null(wrong);
    assert_int_equal(count_write_only5(wrong->block), 0);

    /* Protocol 5 cannot express a nested attribute type: refused, not dropped. */
    Tfplugin6__Schema__Attribute nested = TFPLUGIN6__SCHEMA__ATTRIBUTE__INIT;
    Tfplugin6__Schema__Object obj = TFPLUGIN6__SCHEMA__OBJECT__INIT;
    nested.nested_type = &obj;
    assert_null(host_proto5_attribute(a, &nested));

    protobuf_c_message_free_unpacked(&wrong->base, NULL);
    protobuf_c_message_free_unpacked(&u5->base, NULL);
    protobuf_c_message_free_unpacked(&u6->base, NULL);
    uc_arena_free(a);
}

/* --- the handlers on a real core -------------------------------------------------------- */

struct fixture {
    struct uc_cancel *cancel;
    struct host_core *core;
    struct tables t;
};

static int setup_core(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->cancel = uc_cancel_new();
    f->core = f->cancel ? host_core_new(f->cancel) : NULL;
    if (!f->core)
        return -1;
    load_tables(&f->t, f->core);
    *state = f;
    return 0;
}

static int teardown_core(void **state)
{
    struct fixture *f = *state;
    host_core_free(f->core);
    uc_cancel_free(f->cancel);
    free(f);
    return 0;
}

/* Runs the table entry for op with request bytes; returns the RPC (arena a). */
static struct host_rpc call(struct uc_arena *a, const struct host_method *m, const uint8_t *req,
                            size_t len)
{
    struct host_rpc rpc = {.arena = a, .method = m->path, .req = req, .req_len = len,
                           .code = HOST_CODE_OK};
    m->fn(&rpc, m->ud);
    return rpc;
}

/* GetSchema (v5) and GetProviderSchema (v6) answer the same schemas, each in its numbering. */
static void test_get_schema_v5_matches_v6(void **state)
{
    struct fixture *f = *state;
    struct uc_arena *a = uc_arena_new();
    assert_non_null(a);
    struct host_rpc r6 = call(a, &f->t.m6[HOST_OP_GET_PROVIDER_SCHEMA], NULL, 0);
    struct host_rpc r5 = call(a, &f->t.m5[HOST_OP_GET_PROVIDER_SCHEMA], NULL, 0);
    assert_int_equal(r6.code, HOST_CODE_OK);
    assert_int_equal(r5.code, HOST_CODE_OK);
    ProtobufCMessage *u6 = protobuf_c_message_unpack(
        &tfplugin6__get_provider_schema__response__descriptor, NULL, r6.resp_len, r6.resp);
    ProtobufCMessage *u5 = protobuf_c_message_unpack(
        &tfplugin5__get_provider_schema__response__descriptor, NULL, r5.resp_len, r5.resp);
    assert_non_null(u6);
    assert_non_null(u5);
    char why[1024] = "";
    if (!same_msg(u6, u5, why, sizeof why))
        fail_msg("GetSchema differs from GetProviderSchema: %s", why);
    Tfplugin5__GetProviderSchema__Response *s5 = (Tfplugin5__GetProviderSchema__Response *)u5;
    assert_non_null(s5->provider);
    assert_true(s5->n_resource_schemas > 0);
    assert_int_equal(s5->n_data_source_schemas, 1);
    assert_string_equal(s5->data_source_schemas[0]->key, "unicron_addon_catalog");
    assert_true(s5->server_capabilities->plan_destroy);
    assert_true(s5->server_capabilities->get_provider_schema_optional);
    protobuf_c_message_free_unpacked(u5, NULL);
    protobuf_c_message_free_unpacked(u6, NULL);

    /* Malformed request bytes: INVALID_ARGUMENT naming the protocol-5 method. */
    static const uint8_t junk[] = {0x0a, 0x05, 0x01};
    struct host_rpc bad = call(a, &f->t.m5[HOST_OP_GET_PROVIDER_SCHEMA], junk, sizeof junk);
    assert_int_equal(bad.code, HOST_CODE_INVALID_ARGUMENT);
    assert_non_null(strstr(bad.code_msg, "/tfplugin5.Provider/GetSchema"));
    uc_arena_free(a);
}

/* PrepareProviderConfig echoes the config as prepared_config and carries the same
 * diagnostics as ValidateProviderConfig, decoded with protocol 5's descriptor. */
static void test_prepare_provider_config(void **state)
{
    struct fixture *f = *state;
    static const uint8_t bad_msgpack[] = {0xc1, 0x00}; /* 0xc1 is never valid msgpack */
    struct uc_arena *a = uc_arena_new();
    assert_non_null(a);
    Tfplugin5__DynamicValue cfg = TFPLUGIN5__DYNAMIC_VALUE__INIT;
    cfg.msgpack.data = (uint8_t *)bad_msgpack;
    cfg.msgpack.len = sizeof bad_msgpack;
    Tfplugin5__PrepareProviderConfig__Request req =
        TFPLUGIN5__PREPARE_PROVIDER_CONFIG__REQUEST__INIT;
    req.config = &cfg;
    size_t n;
    uint8_t *bytes = pack(a, &req.base, &n);

    struct host_rpc r5 = call(a, &f->t.m5[HOST_OP_VALIDATE_PROVIDER_CONFIG], bytes, n);
    struct host_rpc r6 = call(a, &f->t.m6[HOST_OP_VALIDATE_PROVIDER_CONFIG], bytes, n);
    assert_int_equal(r5.code, HOST_CODE_OK);
    assert_int_equal(r6.code, HOST_CODE_OK);
    Tfplugin5__PrepareProviderConfig__Response *p5 =
        (Tfplugin5__PrepareProviderConfig__Response *)protobuf_c_message_unpack(
            &tfplugin5__prepare_provider_config__response__descriptor, NULL, r5.resp_len,
            r5.resp);
    Tfplugin6__ValidateProviderConfig__Response *p6 =
        (Tfplugin6__ValidateProviderConfig__Response *)protobuf_c_message_unpack(
            &tfplugin6__validate_provider_config__response__descriptor, NULL, r6.resp_len,
            r6.resp);
    assert_non_null(p5);
    assert_non_null(p6);
    assert_int_equal(p5->base.n_unknown_fields, 0);
    assert_non_null(p5->prepared_config);
    assert_int_equal(p5->prepared_config->msgpack.len, sizeof bad_msgpack);
    assert_memory_equal(p5->prepared_config->msgpack.data, bad_msgpack, sizeof bad_msgpack);
    assert_true(p6->n_diagnostics > 0);
    assert_int_equal(p5->n_diagnostics, p6->n_diagnostics);
    for (size_t i = 0; i < p5->n_diagnostics; i++) {
        char why[1024] = "";
        if (!same_msg(&p6->diagnostics[i]->base, &p5->diagnostics[i]->base, why, sizeof why))
            fail_msg("diagnostic %zu: %s", i, why);
        assert_int_equal(p5->diagnostics[i]->severity, TFPLUGIN5__DIAGNOSTIC__SEVERITY__ERROR);
    }
    protobuf_c_message_free_unpacked(&p6->base, NULL);
    protobuf_c_message_free_unpacked(&p5->base, NULL);
    uc_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_cover_the_services),
        cmocka_unit_test(test_shared_methods_are_wire_identical),
        cmocka_unit_test(test_own_code_only_where_the_wire_differs),
        cmocka_unit_test(test_schema_differs_only_in_attribute),
        cmocka_unit_test(test_schema_encoding_per_protocol),
        cmocka_unit_test_setup_teardown(test_get_schema_v5_matches_v6, setup_core,
                                        teardown_core),
        cmocka_unit_test_setup_teardown(test_prepare_provider_config, setup_core,
                                        teardown_core),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
