/* gen_seeds.c - writes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/): well
 * formed inputs made with the project's own encoders from the real schemas, so that fuzzing
 * starts from valid requests and states instead of discovering msgpack and protobuf framing.
 * Not part of the build; rerun it when a schema or a target's first-byte scheme changes:
 *   cc -std=c11 -D_GNU_SOURCE -Iinclude -Ibuild/proto tests/fuzz/corpus/gen_seeds.c \
 *      build/libuc_host.a build/libuc_resources.a build/libuc_tf.a build/libuc_aws.a \
 *      build/libuc_common.a build/libuc_proto.a $(pkg-config --libs grpc libprotobuf-c msgpack \
 *      jansson libxml-2.0 openssl) -lstdc++ -lm -ldl -lpthread -o /tmp/gen_seeds
 *   /tmp/gen_seeds tests/fuzz/corpus
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host_core.h"
#include "host_ops.h"
#include "res_registry.h"
#include "tf_json.h"
#include "tf_msgpack.h"
#include "tf_type.h"
#include "tf_value.h"
#include "tfplugin6.pb-c.h"
#include "uc_buf.h"

static const char *root;
static int nseeds;

static void put(const char *target, const char *name, uint8_t first, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        exit(1);
    snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(&first, 1, 1, f) != 1 || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
        exit(1);
    nseeds++;
}

/* A value of type t with every attribute set: strings "x"-ish, one element per collection. */
static struct tf_value *sample(struct uc_arena *a, const struct tf_type *t, int depth)
{
    struct tf_value *one;
    switch (t->kind) {
    case TF_STRING:
        return tf_value_string(a, depth % 2 ? "analytics" : "123456789012");
    case TF_NUMBER:
        return tf_value_int(a, 3);
    case TF_BOOL:
        return tf_value_bool(a, true);
    case TF_LIST:
    case TF_SET:
        one = sample(a, t->elem, depth + 1);
        return t->kind == TF_LIST ? tf_value_list(a, t, &one, 1) : tf_value_set(a, t, &one, 1);
    case TF_MAP: {
        const char *k = "team";
        one = sample(a, t->elem, depth + 1);
        return tf_value_map(a, t, &k, &one, 1);
    }
    case TF_OBJECT:
    case TF_TUPLE: {
        struct tf_value **v = uc_arena_calloc(a, t->count ? t->count : 1, sizeof *v);
        for (size_t i = 0; i < t->count; i++)
            v[i] = sample(a, t->members[i], depth + 1);
        return t->kind == TF_OBJECT ? tf_value_object(a, t, v) : tf_value_tuple(a, t, v, t->count);
    }
    default:
        return tf_value_null(a, t);
    }
}

static void encode(const struct tf_value *v, const struct tf_type *t, bool json, struct uc_buf *b)
{
    uc_buf_reset(b);
    if ((json ? tf_json_encode(v, t, b) : tf_msgpack_encode(v, t, b)) != UC_OK)
        exit(2);
}

static const char *const engine_types[] = {
    /* fuzz_tf_msgpack.c's table */
    "\"dynamic\"",
    "[\"object\",{\"id\":\"string\",\"n\":\"number\",\"tags\":[\"map\",\"string\"],"
    "\"envs\":[\"list\",[\"object\",{\"name\":\"string\",\"on\":\"bool\"}]],"
    "\"set\":[\"set\",\"number\"],\"any\":\"dynamic\","
    "\"tup\":[\"tuple\",[\"string\",\"number\"]]}]",
    "[\"list\",\"string\"]",
    "\"number\"",
    "[\"set\",[\"object\",{\"a\":\"string\",\"b\":\"dynamic\"}]]",
};

static void engine_seeds(struct uc_arena *a, struct uc_buf *b)
{
    char name[32];
    for (unsigned i = 0; i < 5; i++) {
        const struct tf_type *t = NULL;
        if (tf_type_from_json(a, engine_types[i], strlen(engine_types[i]), &t, NULL) != UC_OK)
            exit(3);
        struct tf_value *v = sample(a, t, 0);
        encode(v, t, false, b);
        snprintf(name, sizeof name, "type%u-value", i);
        put("fuzz_tf_msgpack", name, (uint8_t)i, b->data, b->len);
        encode(tf_value_unknown(a, t), t, false, b);
        snprintf(name, sizeof name, "type%u-unknown", i);
        put("fuzz_tf_msgpack", name, (uint8_t)i, b->data, b->len);
        /* fuzz_tf_json's table is entries 1, 0 and a list of numbers */
        if (i == 1 || i == 0) {
            encode(v, t, true, b);
            snprintf(name, sizeof name, "type%u-state", i == 1 ? 0 : 1);
            put("fuzz_tf_json", name, (uint8_t)(i == 1 ? 0 : 1), b->data, b->len);
        }
    }
    static const char *const lists[] = {"[1,2.5,-3e-7,12345678901234567890]", "[]",
                                        "[199e999999999]", "[19.9e999999999,1e-1000000000]"};
    for (unsigned i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "numbers%u", i);
        put("fuzz_tf_json", name, 2, lists[i], strlen(lists[i]));
    }
}

/* fuzz_host_core: data[0] % n picks the resource, (data[0] / 8) % 4 the RPC. */
static void core_seeds(struct uc_arena *a, struct uc_buf *b)
{
    size_t n = res_registry_count();
    char name[96];
    for (size_t i = 0; i < n; i++) {
        const struct res_resource *r = res_registry_at(i);
        const struct tf_type *t = res_registry_type(r);
        struct tf_value *v = sample(a, t, 0);
        for (unsigned rpc = 0; rpc < 4; rpc++) {
            unsigned first = 0;
            while (first < 256 && !(first % n == i && (first / 8) % 4 == rpc))
                first++;
            if (first == 256)
                continue;
            encode(v, t, rpc == 3, b);
            snprintf(name, sizeof name, "%s-rpc%u", r->type_name, rpc);
            put("fuzz_host_core", name, (uint8_t)first, b->data, b->len);
        }
    }
}

/* fuzz_host_rpc: data[0] % HOST_OP_COUNT is the RPC, (data[0] / HOST_OP_COUNT) % 2 the
 * protocol (0: 6, 1: 5); the rest is the request message. */
static void rpc_seeds(struct uc_arena *a, struct uc_buf *b)
{
    const struct res_resource *r = res_registry_at(0);
    const struct tf_type *t = res_registry_type(r);
    encode(sample(a, t, 0), t, false, b);
    Tfplugin6__DynamicValue dv = TFPLUGIN6__DYNAMIC_VALUE__INIT;
    dv.msgpack.data = (uint8_t *)b->data;
    dv.msgpack.len = b->len;
    uint8_t buf[65536];
    char name[96];
    for (unsigned op = 0; op < HOST_OP_COUNT; op++) {
        ProtobufCMessage *m = NULL;
        Tfplugin6__ValidateResourceConfig__Request vr =
            TFPLUGIN6__VALIDATE_RESOURCE_CONFIG__REQUEST__INIT;
        Tfplugin6__PlanResourceChange__Request pr = TFPLUGIN6__PLAN_RESOURCE_CHANGE__REQUEST__INIT;
        Tfplugin6__ReadResource__Request rr = TFPLUGIN6__READ_RESOURCE__REQUEST__INIT;
        Tfplugin6__ImportResourceState__Request ir =
            TFPLUGIN6__IMPORT_RESOURCE_STATE__REQUEST__INIT;
        Tfplugin6__UpgradeResourceState__Request ur =
            TFPLUGIN6__UPGRADE_RESOURCE_STATE__REQUEST__INIT;
        Tfplugin6__RawState raw = TFPLUGIN6__RAW_STATE__INIT;
        Tfplugin6__ValidateProviderConfig__Request vp =
            TFPLUGIN6__VALIDATE_PROVIDER_CONFIG__REQUEST__INIT;
        Tfplugin6__GetProviderSchema__Request gs = TFPLUGIN6__GET_PROVIDER_SCHEMA__REQUEST__INIT;
        switch (op) {
        case HOST_OP_VALIDATE_RESOURCE_CONFIG:
            vr.type_name = (char *)r->type_name;
            vr.config = &dv;
            m = &vr.base;
            break;
        case HOST_OP_PLAN_RESOURCE_CHANGE:
            pr.type_name = (char *)r->type_name;
            pr.config = pr.proposed_new_state = &dv;
            m = &pr.base;
            break;
        case HOST_OP_READ_RESOURCE:
            rr.type_name = (char *)r->type_name;
            rr.current_state = &dv;
            m = &rr.base;
            break;
        case HOST_OP_IMPORT_RESOURCE_STATE:
            ir.type_name = (char *)r->type_name;
            ir.id = "123456789012";
            m = &ir.base;
            break;
        case HOST_OP_UPGRADE_RESOURCE_STATE:
            ur.type_name = (char *)r->type_name;
            raw.json.data = (uint8_t *)"{\"name\":\"analytics\"}";
            raw.json.len = strlen((const char *)raw.json.data);
            ur.raw_state = &raw;
            m = &ur.base;
            break;
        case HOST_OP_VALIDATE_PROVIDER_CONFIG:
            m = &vp.base;
            break;
        default:
            m = &gs.base; /* an empty message */
            break;
        }
        size_t len = protobuf_c_message_get_packed_size(m);
        if (len > sizeof buf)
            exit(4);
        protobuf_c_message_pack(m, buf);
        for (unsigned proto = 0; proto < 2; proto++) {
            snprintf(name, sizeof name, "op%02u-v%u", op, proto ? 5 : 6);
            put("fuzz_host_rpc", name, (uint8_t)(op + proto * HOST_OP_COUNT), buf, len);
        }
    }
}

/* fuzz_aws_responses: data[0] % 6 picks the decoder. */
static void aws_seeds(void)
{
    static const char *const in[][2] = {
        {"query-xml",
         "<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetRoleResult>"
         "<Role><RoleName>Admin</RoleName><Arn>arn:aws:iam::123456789012:role/Admin</Arn>"
         "<Tags><member><Key>team</Key><Value>x</Value></member></Tags></Role></GetRoleResult>"
         "<ResponseMetadata><RequestId>0f1e2d3c</RequestId></ResponseMetadata>"
         "</GetRoleResponse>"},
        {"query-error",
         "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role "
         "cannot be found.</Message></Error><RequestId>4a5b</RequestId></ErrorResponse>"},
        {"error-shapes",
         "ThrottlingException:http://internal.amazon.com/\n{\"__type\":\"com.amazonaws#"
         "TooManyRequestsException\",\"message\":\"slow down\",\"Message\":\"Rate exceeded\"}"},
        {"credentials",
         "{\"AccessKeyId\":\"ASIAEXAMPLE\",\"SecretAccessKey\":\"c2VjcmV0\",\"Token\":\"tok\","
         "\"Expiration\":\"2026-01-01T00:00:00Z\",\"Version\":1}"},
        {"iso8601", "2026-01-01T12:34:56.789Z"},
        {"profiles",
         "[default]\nregion = eu-west-1\n[profile dev]\nrole_arn = arn:aws:iam::1:role/x\n"
         "source_profile = default\ns3 =\n  max_concurrent_requests = 2\n"},
    };
    for (unsigned i = 0; i < 6; i++)
        put("fuzz_aws_responses", in[i][0], (uint8_t)i, in[i][1], strlen(in[i][1]));
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 1;
    root = argv[1];
    if (res_registry_init() != UC_OK)
        return 1;
    struct uc_arena *a = uc_arena_new();
    struct uc_buf b;
    uc_buf_init(&b);
    engine_seeds(a, &b);
    core_seeds(a, &b);
    rpc_seeds(a, &b);
    aws_seeds();
    uc_buf_release(&b);
    uc_arena_free(a);
    printf("%d seeds in %s\n", nseeds, root);
    return 0;
}
