/* fuzz_tf_msgpack.c - libFuzzer target for the DynamicValue msgpack decoder. The first input
 * byte picks the declared type; whatever decodes must re-encode, decode again and compare equal.
 * Build: cmake -DCMAKE_C_COMPILER=clang -DUNICRON_FUZZ=ON; run: ./fuzz_tf_msgpack corpus/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_tf.h"
#include "tf_msgpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const type_json[] = {
    "\"dynamic\"",
    "[\"object\",{\"id\":\"string\",\"n\":\"number\",\"tags\":[\"map\",\"string\"],"
    "\"envs\":[\"list\",[\"object\",{\"name\":\"string\",\"on\":\"bool\"}]],"
    "\"set\":[\"set\",\"number\"],\"any\":\"dynamic\","
    "\"tup\":[\"tuple\",[\"string\",\"number\"]]}]",
    "[\"list\",\"string\"]",
    "\"number\"",
    "[\"set\",[\"object\",{\"a\":\"string\",\"b\":\"dynamic\"}]]",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct uc_arena *a = uc_arena_new();
    struct uc_buf b;
    uc_buf_init(&b);
    const struct tf_type *t =
        fuzz_tf_type(a, type_json, sizeof(type_json) / sizeof(type_json[0]), data[0]);
    struct tf_value *v = NULL, *back = NULL;
    const char *err = NULL;
    if (tf_msgpack_decode(a, data + 1, size - 1, t, &v, &err) == UC_OK) {
        if (tf_msgpack_encode(v, t, &b) != UC_OK)
            abort();
        if (tf_msgpack_decode(a, b.data, b.len, t, &back, &err) != UC_OK)
            abort();
        if (!tf_value_equal(v, back))
            abort();
    } else if (!err) {
        abort(); /* every failure says why */
    }
    uc_buf_release(&b);
    uc_arena_free(a);
    return 0;
}
