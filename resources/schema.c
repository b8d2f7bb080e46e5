/* schema.c - schema pieces shared by the resources: the timeouts block (Go duration strings,
 * terraform-plugin-framework-timeouts convention), tags_all merging and small value helpers.
 *
 * Pure functions over values; no resource-specific knowledge and no AWS calls here.
 */
#include <string.h>

#include "res_schema.h"
#include "res_validate.h"

static const struct tf_attr timeouts_attrs[] = {
    {.name = "create",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "How long a create may take, as a Go duration string (\"30m\", \"1h30m\").",
     .validate = res_validate_duration},
    {.name = "update",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "How long an update may take, as a Go duration string.",
     .validate = res_validate_duration},
    {.name = "delete",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "How long a delete may take, as a Go duration string.",
     .validate = res_validate_duration},
};

const struct tf_block res_timeouts_block = {
    .attrs = timeouts_attrs,
    .nattrs = sizeof timeouts_attrs / sizeof timeouts_attrs[0],
    .description = "Operation timeouts (Go duration strings such as \"30s\" or \"2h45m\").",
};

bool res_is_set(const struct tf_value *v)
{
    return v != NULL && tf_value_is_known(v) && !tf_value_is_null(v);
}

int64_t res_timeout_ns(const struct tf_value *obj, const char *op, int64_t dflt_ns)
{
    const char *s = tf_value_str(tf_value_attr(tf_value_attr(obj, "timeouts"), op));
    int64_t ns = 0;
    if (s == NULL || res_parse_duration(s, &ns, NULL) != UC_OK || ns <= 0)
        return dflt_ns;
    return ns;
}

/* Index of key in keys[0..n), or n. */
static size_t key_index(const char **keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return i;
    return n;
}

struct tf_value *res_tags_all(struct uc_arena *a, const struct tf_value *default_tags,
                              const struct tf_value *tags, const char *const *own_keys,
                              const struct tf_value *const *own_vals, size_t n_own)
{
    if ((tags != NULL && !tf_value_is_wholly_known(tags)) ||
        (default_tags != NULL && !tf_value_is_wholly_known(default_tags)))
        return tf_value_unknown(a, &tf_type_map_string);
    for (size_t i = 0; i < n_own; i++)
        if (own_vals[i] != NULL && !tf_value_is_known(own_vals[i]))
            return tf_value_unknown(a, &tf_type_map_string);

    size_t cap = n_own + (res_is_set(default_tags) ? default_tags->count : 0) +
                 (res_is_set(tags) ? tags->count : 0);
    const char **keys = uc_arena_calloc(a, cap + 1, sizeof *keys);
    struct tf_value **vals = uc_arena_calloc(a, cap + 1, sizeof *vals);
    size_t n = 0;
    if (keys == NULL || vals == NULL)
        return NULL;
    const struct tf_value *layers[2] = {default_tags, tags};
    for (size_t l = 0; l < 2; l++) {
        if (!res_is_set(layers[l]))
            continue;
        for (size_t i = 0; i < layers[l]->count; i++) {
            struct tf_value *v = layers[l]->elems[i];
            if (tf_value_is_null(v))
                continue;
            size_t k = key_index(keys, n, layers[l]->keys[i]);
            keys[k] = layers[l]->keys[i];
            vals[k] = v;
            if (k == n)
                n++;
        }
    }
    for (size_t i = 0; i < n_own; i++) {
        if (own_vals[i] == NULL || tf_value_is_null(own_vals[i]))
            continue;
        size_t k = key_index(keys, n, own_keys[i]);
        keys[k] = own_keys[i];
        vals[k] = (struct tf_value *)own_vals[i];
        if (k == n)
            n++;
    }
    return tf_value_map(a, &tf_type_map_string, keys, vals, n);
}

const struct tf_value *res_find_by_name(const struct tf_value *list, const char *key)
{
    if (key == NULL || !res_is_set(list))
        return NULL;
    for (size_t i = 0; i < list->count; i++) {
        const char *name = tf_value_str(tf_value_attr(list->elems[i], "name"));
        if (name != NULL && strcmp(name, key) == 0)
            return list->elems[i];
    }
    return NULL;
}

struct tf_value *res_str_or_null(struct uc_arena *a, const char *s)
{
    return s != NULL && s[0] ? tf_value_string(a, s) : tf_value_null(a, &tf_type_string);
}

struct tf_value *res_string_set_json(struct uc_arena *a, const json_t *arr)
{
    size_t n = json_array_size(arr);
    struct tf_value **el = uc_arena_calloc(a, n + 1, sizeof *el);
    if (el == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if ((el[i] = tf_value_string(a, s ? s : "")) == NULL)
            return NULL;
    }
    return tf_value_set(a, &tf_type_set_string, el, n);
}
