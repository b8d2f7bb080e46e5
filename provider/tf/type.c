/* type.c - the cty type system: static primitive types, arena-built collection and structural
 * types, equality, and the compact type JSON of schemas and dynamic-value wrappers.
 * It knows nothing about values or wire encodings of values; type JSON is parsed with jansson
 * and bounded in depth.
 */
#include "tf_type.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "tf_json.h"

#define TYPE_MAX_DEPTH 64

const struct tf_type tf_type_string = {.kind = TF_STRING};
const struct tf_type tf_type_number = {.kind = TF_NUMBER};
const struct tf_type tf_type_bool = {.kind = TF_BOOL};
const struct tf_type tf_type_dynamic = {.kind = TF_DYNAMIC};
const struct tf_type tf_type_list_string = TF_TYPE_INIT_LIST(&tf_type_string);
const struct tf_type tf_type_set_string = TF_TYPE_INIT_SET(&tf_type_string);
const struct tf_type tf_type_map_string = TF_TYPE_INIT_MAP(&tf_type_string);

static const struct tf_type *collection(struct uc_arena *a, enum tf_type_kind kind,
                                        const struct tf_type *elem)
{
    if (!elem)
        return NULL;
    struct tf_type *t = uc_arena_alloc(a, sizeof(*t));
    if (!t)
        return NULL;
    t->kind = kind;
    t->elem = elem;
    return t;
}

const struct tf_type *tf_type_list(struct uc_arena *a, const struct tf_type *elem)
{
    return collection(a, TF_LIST, elem);
}

const struct tf_type *tf_type_set(struct uc_arena *a, const struct tf_type *elem)
{
    return collection(a, TF_SET, elem);
}

const struct tf_type *tf_type_map(struct uc_arena *a, const struct tf_type *elem)
{
    return collection(a, TF_MAP, elem);
}

struct name_pair {
    const char *name;
    const struct tf_type *type;
};

static int name_pair_cmp(const void *x, const void *y)
{
    const struct name_pair *a = x, *b = y;
    return strcmp(a->name, b->name);
}

const struct tf_type *tf_type_object(struct uc_arena *a, size_t n, const char *const *names,
                                     const struct tf_type *const *types)
{
    struct name_pair *pairs = NULL;
    struct tf_type *t = uc_arena_alloc(a, sizeof(*t));
    const char **nm = uc_arena_calloc(a, n ? n : 1, sizeof(*nm));
    const struct tf_type **mb = uc_arena_calloc(a, n ? n : 1, sizeof(*mb));
    if (!t || !nm || !mb)
        return NULL;
    if (n) {
        pairs = malloc(n * sizeof(*pairs));
        if (!pairs)
            return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!names[i] || !types[i])
            goto fail;
        pairs[i].name = names[i];
        pairs[i].type = types[i];
    }
    if (n)
        qsort(pairs, n, sizeof(*pairs), name_pair_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(pairs[i - 1].name, pairs[i].name) == 0)
            goto fail;
        nm[i] = uc_arena_strdup(a, pairs[i].name);
        if (!nm[i])
            goto fail;
        mb[i] = pairs[i].type;
    }
    free(pairs);
    t->kind = TF_OBJECT;
    t->count = n;
    t->names = nm;
    t->members = mb;
    return t;
fail:
    free(pairs);
    return NULL;
}

const struct tf_type *tf_type_tuple(struct uc_arena *a, size_t n,
                                    const struct tf_type *const *types)
{
    struct tf_type *t = uc_arena_alloc(a, sizeof(*t));
    const struct tf_type **mb = uc_arena_calloc(a, n ? n : 1, sizeof(*mb));
    if (!t || !mb)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!types[i])
            return NULL;
        mb[i] = types[i];
    }
    t->kind = TF_TUPLE;
    t->count = n;
    t->members = mb;
    return t;
}

bool tf_type_equal(const struct tf_type *a, const struct tf_type *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TF_LIST:
    case TF_SET:
    case TF_MAP:
        return tf_type_equal(a->elem, b->elem);
    case TF_OBJECT:
        if (a->count != b->count)
            return false;
        for (size_t i = 0; i < a->count; i++) {
            if (strcmp(a->names[i], b->names[i]) != 0 ||
                !tf_type_equal(a->members[i], b->members[i]))
                return false;
        }
        return true;
    case TF_TUPLE:
        if (a->count != b->count)
            return false;
        for (size_t i = 0; i < a->count; i++) {
            if (!tf_type_equal(a->members[i], b->members[i]))
                return false;
        }
        return true;
    default:
        return true;
    }
}

bool tf_type_is_primitive(const struct tf_type *t)
{
    return t && (t->kind == TF_STRING || t->kind == TF_NUMBER || t->kind == TF_BOOL);
}

int tf_type_attr_index(const struct tf_type *t, const char *name)
{
    if (!t || t->kind != TF_OBJECT || !name)
        return -1;
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, t->names[mid]);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

bool tf_type_has_dynamic(const struct tf_type *t)
{
    if (!t)
        return false;
    switch (t->kind) {
    case TF_DYNAMIC:
        return true;
    case TF_LIST:
    case TF_SET:
    case TF_MAP:
        return tf_type_has_dynamic(t->elem);
    case TF_OBJECT:
    case TF_TUPLE:
        for (size_t i = 0; i < t->count; i++) {
            if (tf_type_has_dynamic(t->members[i]))
                return true;
        }
        return false;
    default:
        return false;
    }
}

static bool type_valid(const struct tf_type *t, int depth)
{
    if (!t || depth > TYPE_MAX_DEPTH)
        return false;
    switch (t->kind) {
    case TF_DYNAMIC:
    case TF_STRING:
    case TF_NUMBER:
    case TF_BOOL:
        return true;
    case TF_LIST:
    case TF_SET:
    case TF_MAP:
        return type_valid(t->elem, depth + 1);
    case TF_OBJECT:
        if (t->count && (!t->names || !t->members))
            return false;
        for (size_t i = 0; i < t->count; i++) {
            if (!t->names[i] || (i > 0 && strcmp(t->names[i - 1], t->names[i]) >= 0))
                return false;
            if (!type_valid(t->members[i], depth + 1))
                return false;
        }
        return true;
    case TF_TUPLE:
        if (t->count && !t->members)
            return false;
        for (size_t i = 0; i < t->count; i++) {
            if (!type_valid(t->members[i], depth + 1))
                return false;
        }
        return true;
    }
    return false;
}

bool tf_type_valid(const struct tf_type *t)
{
    return type_valid(t, 0);
}

static void type_json(const struct tf_type *t, struct uc_buf *out, int depth)
{
    if (!t || depth > TYPE_MAX_DEPTH) {
        out->err = out->err ? out->err : UC_INVALID;
        return;
    }
    switch (t->kind) {
    case TF_DYNAMIC:
        uc_buf_puts(out, "\"dynamic\"");
        break;
    case TF_STRING:
        uc_buf_puts(out, "\"string\"");
        break;
    case TF_NUMBER:
        uc_buf_puts(out, "\"number\"");
        break;
    case TF_BOOL:
        uc_buf_puts(out, "\"bool\"");
        break;
    case TF_LIST:
    case TF_SET:
    case TF_MAP:
        uc_buf_puts(out, t->kind == TF_LIST  ? "[\"list\","
                         : t->kind == TF_SET ? "[\"set\","
                                             : "[\"map\",");
        type_json(t->elem, out, depth + 1);
        uc_buf_putc(out, ']');
        break;
    case TF_OBJECT:
        uc_buf_puts(out, "[\"object\",{");
        for (size_t i = 0; i < t->count; i++) {
            if (i)
                uc_buf_putc(out, ',');
            tf_json_put_string(out, t->names[i], strlen(t->names[i]));
            uc_buf_putc(out, ':');
            type_json(t->members[i], out, depth + 1);
        }
        uc_buf_puts(out, "}]");
        break;
    case TF_TUPLE:
        uc_buf_puts(out, "[\"tuple\",[");
        for (size_t i = 0; i < t->count; i++) {
            if (i)
                uc_buf_putc(out, ',');
            type_json(t->members[i], out, depth + 1);
        }
        uc_buf_puts(out, "]]");
        break;
    }
}

uc_status tf_type_to_json(const struct tf_type *t, struct uc_buf *out)
{
    if (out->err)
        return out->err;
    type_json(t, out, 0);
    return out->err;
}

struct type_parse {
    struct uc_arena *a;
    const char *err;
    uc_status st;
};

static const struct tf_type *parse_fail(struct type_parse *p, uc_status st, const char *msg)
{
    if (p->st == UC_OK) {
        p->st = st;
        p->err = msg;
    }
    return NULL;
}

static const struct tf_type *parse_type(struct type_parse *p, json_t *j, int depth)
{
    if (depth > TYPE_MAX_DEPTH)
        return parse_fail(p, UC_DECODE, "type nesting too deep");
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        if (strcmp(s, "string") == 0)
            return &tf_type_string;
        if (strcmp(s, "number") == 0)
            return &tf_type_number;
        if (strcmp(s, "bool") == 0)
            return &tf_type_bool;
        if (strcmp(s, "dynamic") == 0)
            return &tf_type_dynamic;
        return parse_fail(p, UC_DECODE, "invalid primitive type name");
    }
    if (!json_is_array(j) || json_array_size(j) < 2 || !json_is_string(json_array_get(j, 0)))
        return parse_fail(p, UC_DECODE, "a type must be a string or a [kind, ...] array");
    const char *kind = json_string_value(json_array_get(j, 0));
    json_t *arg = json_array_get(j, 1);
    const struct tf_type *t = NULL;
    if (strcmp(kind, "list") == 0 || strcmp(kind, "set") == 0 || strcmp(kind, "map") == 0) {
        if (json_array_size(j) != 2)
            return parse_fail(p, UC_DECODE, "a collection type has exactly one element type");
        const struct tf_type *e = parse_type(p, arg, depth + 1);
        if (!e)
            return NULL;
        t = kind[0] == 'l'   ? tf_type_list(p->a, e)
            : kind[0] == 's' ? tf_type_set(p->a, e)
                             : tf_type_map(p->a, e);
    } else if (strcmp(kind, "object") == 0) {
        if (json_array_size(j) != 2)
            return parse_fail(p, UC_DECODE,
                              "object types with optional attributes are not value types");
        if (!json_is_object(arg))
            return parse_fail(p, UC_DECODE, "an object type needs an attribute object");
        size_t n = json_object_size(arg);
        const char **names = uc_arena_calloc(p->a, n ? n : 1, sizeof(*names));
        const struct tf_type **types = uc_arena_calloc(p->a, n ? n : 1, sizeof(*types));
        if (!names || !types)
            return parse_fail(p, UC_NOMEM, "out of memory");
        size_t i = 0;
        const char *key;
        json_t *val;
        json_object_foreach(arg, key, val)
        {
            names[i] = key;
            types[i] = parse_type(p, val, depth + 1);
            if (!types[i])
                return NULL;
            i++;
        }
        t = tf_type_object(p->a, n, names, types);
    } else if (strcmp(kind, "tuple") == 0) {
        if (json_array_size(j) != 2 || !json_is_array(arg))
            return parse_fail(p, UC_DECODE, "a tuple type needs an array of element types");
        size_t n = json_array_size(arg);
        const struct tf_type **types = uc_arena_calloc(p->a, n ? n : 1, sizeof(*types));
        if (!types)
            return parse_fail(p, UC_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            types[i] = parse_type(p, json_array_get(arg, i), depth + 1);
            if (!types[i])
                return NULL;
        }
        t = tf_type_tuple(p->a, n, types);
    } else {
        return parse_fail(p, UC_DECODE, "unknown type kind");
    }
    if (!t)
        return parse_fail(p, UC_NOMEM, "out of memory");
    return t;
}

uc_status tf_type_from_json(struct uc_arena *a, const char *json, size_t len,
                            const struct tf_type **out, const char **err)
{
    struct type_parse p = {.a = a, .st = UC_OK};
    json_error_t jerr;
    *out = NULL;
    if (err)
        *err = NULL;
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        p.st = UC_DECODE;
        p.err = uc_arena_printf(a, "invalid type JSON: %s", jerr.text);
        goto out;
    }
    *out = parse_type(&p, root, 0);
    if (*out) {
        p.st = UC_OK;
    } else if (p.st == UC_OK) {
        p.st = UC_NOMEM;
        p.err = "out of memory";
    }
out:
    json_decref(root);
    if (p.st != UC_OK && err)
        *err = p.err ? p.err : "invalid type JSON";
    return p.st;
}

static void friendly(const struct tf_type *t, struct uc_buf *b, int depth)
{
    if (!t || depth > TYPE_MAX_DEPTH) {
        uc_buf_puts(b, "?");
        return;
    }
    switch (t->kind) {
    case TF_DYNAMIC:
        uc_buf_puts(b, "any");
        break;
    case TF_STRING:
        uc_buf_puts(b, "string");
        break;
    case TF_NUMBER:
        uc_buf_puts(b, "number");
        break;
    case TF_BOOL:
        uc_buf_puts(b, "bool");
        break;
    case TF_LIST:
    case TF_SET:
    case TF_MAP:
        uc_buf_puts(b, t->kind == TF_LIST ? "list of " : t->kind == TF_SET ? "set of " : "map of ");
        friendly(t->elem, b, depth + 1);
        break;
    case TF_OBJECT:
        uc_buf_puts(b, "object");
        break;
    case TF_TUPLE:
        uc_buf_puts(b, "tuple");
        break;
    }
}

const char *tf_type_friendly(struct uc_arena *a, const struct tf_type *t)
{
    struct uc_buf b;
    uc_buf_init(&b);
    friendly(t, &b, 0);
    const char *s = b.err ? NULL : uc_arena_strdup(a, uc_buf_str(&b));
    uc_buf_release(&b);
    return s;
}
