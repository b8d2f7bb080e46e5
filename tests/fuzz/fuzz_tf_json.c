/* fuzz_tf_json.c - libFuzzer target for the state JSON decoder (number lexer + jansson +
 * schema-driven conversion). Whatever decodes must encode to JSON that decodes to an equal value.
 * Build: cmake -DCMAKE_C_COMPILER=clang -DUNICRON_FUZZ=ON; run: ./fuzz_tf_json corpus/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_tf.h"
#include "tf_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const type_json[] = {
    "[\"object\",{\"id\":\"string\",\"n\":\"number\",\"tags\":[\"map\",\"string\"],"
    "\"envs\":[\"list\",[\"object\",{\"name\":\"string\",\"on\":\"bool\"}]],"
    "\"set\":[\"set\",\"number\"],\"any\":\"dynamic\","
    "\"tup\":[\"tuple\",[\"string\",\"number\"]]}]",
    "\"dynamic\"",
    "[\"list\",\"number\"]",
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
    if (tf_json_decode(a, (const char *)data + 1, size - 1, t, &v, &err) == UC_OK) {
        uc_status st = tf_json_encode(v, t, &b);
        if (st == UC_OK) {
            if (tf_json_decode(a, b.data, b.len, t, &back, &err) != UC_OK)
                abort();
            if (!tf_value_equal(v, back))
                abort();
        } else if (st != UC_INVALID) { /* UC_INVALID: an infinity, JSON cannot hold it */
            abort();
        }
    } else if (!err) {
        abort();
    }
    uc_buf_release(&b);
    uc_arena_free(a);
    return 0;
}
