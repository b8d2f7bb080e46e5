/* value.c - cty values in arena memory: constructors (sets canonicalised, maps sorted),
 * accessors, deep equality, the total order used for sets, type conformance and a debug form.
 * It must not know any wire encoding (msgpack.c, json.c) or any schema rule (schema.c).
 */
#include "tf_value.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf_path.h"

#define VALUE_MAX_DEPTH 128

static struct tf_value *value_new(struct uc_arena *a, const struct tf_type *t,
                                  enum tf_value_state st)
{
    if (!t)
        return NULL;
    struct tf_value *v = uc_arena_alloc(a, sizeof(*v));
    if (!v)
        return NULL;
    v->type = t;
    v->state = st;
    return v;
}

struct tf_value *tf_value_null(struct uc_arena *a, const struct tf_type *t)
{
    return value_new(a, t, TF_NULL);
}

struct tf_value *tf_value_unknown(struct uc_arena *a, const struct tf_type *t)
{
    return value_new(a, t, TF_UNKNOWN);
}

struct tf_value *tf_value_stringn(struct uc_arena *a, const char *s, size_t n)
{
    if (!s && n)
        return NULL;
    struct tf_value *v = value_new(a, &tf_type_string, TF_KNOWN);
    char *copy = uc_arena_alloc(a, n + 1);
    if (!v || !copy)
        return NULL;
    if (n)
        memcpy(copy, s, n);
    copy[n] = '\0';
    v->str = copy;
    v->str_len = n;
    return v;
}

struct tf_value *tf_value_string(struct uc_arena *a, const char *s)
{
    return s ? tf_value_stringn(a, s, strlen(s)) : NULL;
}

struct tf_value *tf_value_bool(struct uc_arena *a, bool b)
{
    struct tf_value *v = value_new(a, &tf_type_bool, TF_KNOWN);
    if (v)
        v->b = b;
    return v;
}

struct tf_value *tf_value_int(struct uc_arena *a, int64_t n)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRId64, n);
    return tf_value_number_text(a, buf);
}

struct tf_value *tf_value_number_text(struct uc_arena *a, const char *text)
{
    if (!text)
        return NULL;
    const char *canon = tf_number_canonical(a, text, strlen(text));
    if (!canon)
        return NULL;
    struct tf_value *v = value_new(a, &tf_type_number, TF_KNOWN);
    if (v)
        v->num = canon;
    return v;
}

static struct tf_value *sequence(struct uc_arena *a, const struct tf_type *t,
                                 enum tf_type_kind kind, struct tf_value *const *elems, size_t n)
{
    if (!t || t->kind != kind || (n && !elems))
        return NULL;
    if (kind == TF_TUPLE && n != t->count)
        return NULL;
    struct tf_value *v = value_new(a, t, TF_KNOWN);
    struct tf_value **copy = uc_arena_calloc(a, n ? n : 1, sizeof(*copy));
    if (!v || !copy)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!elems[i])
            return NULL;
        copy[i] = elems[i];
    }
    v->elems = copy;
    v->count = n;
    return v;
}

struct tf_value *tf_value_list(struct uc_arena *a, const struct tf_type *t,
                               struct tf_value *const *elems, size_t n)
{
    return sequence(a, t, TF_LIST, elems, n);
}

struct tf_value *tf_value_tuple(struct uc_arena *a, const struct tf_type *t,
                                struct tf_value *const *elems, size_t n)
{
    return sequence(a, t, TF_TUPLE, elems, n);
}

static int value_ptr_cmp(const void *x, const void *y)
{
    const struct tf_value *const *a = x, *const *b = y;
    return tf_value_compare(*a, *b);
}

struct tf_value *tf_value_set(struct uc_arena *a, const struct tf_type *t,
                              struct tf_value *const *elems, size_t n)
{
    struct tf_value *v = sequence(a, t, TF_SET, elems, n);
    if (!v || n < 2)
        return v;
    qsort(v->elems, n, sizeof(*v->elems), value_ptr_cmp);
    size_t out = 1;
    for (size_t i = 1; i < n; i++) {
        if (tf_value_compare(v->elems[out - 1], v->elems[i]) != 0)
            v->elems[out++] = v->elems[i];
    }
    v->count = out;
    return v;
}

struct map_pair {
    const char *key;
    struct tf_value *val;
};

static int map_pair_cmp(const void *x, const void *y)
{
    const struct map_pair *a = x, *b = y;
    return strcmp(a->key, b->key);
}

struct tf_value *tf_value_map(struct uc_arena *a, const struct tf_type *t, const char *const *keys,
                              struct tf_value *const *vals, size_t n)
{
    if (!t || t->kind != TF_MAP || (n && (!keys || !vals)))
        return NULL;
    struct tf_value *v = value_new(a, t, TF_KNOWN);
    struct tf_value **ev = uc_arena_calloc(a, n ? n : 1, sizeof(*ev));
    const char **ek = uc_arena_calloc(a, n ? n : 1, sizeof(*ek));
    struct map_pair *pairs = uc_arena_calloc(a, n ? n : 1, sizeof(*pairs));
    if (!v || !ev || !ek || !pairs)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!keys[i] || !vals[i])
            return NULL;
        pairs[i].key = keys[i];
        pairs[i].val = vals[i];
    }
    if (n > 1)
        qsort(pairs, n, sizeof(*pairs), map_pair_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(pairs[i - 1].key, pairs[i].key) == 0)
            return NULL;
        ek[i] = uc_arena_strdup(a, pairs[i].key);
        if (!ek[i])
            return NULL;
        ev[i] = pairs[i].val;
    }
    v->keys = ek;
    v->elems = ev;
    v->count = n;
    return v;
}

struct tf_value *tf_value_object(struct uc_arena *a, const struct tf_type *t,
                                 struct tf_value *const *vals)
{
    if (!t || t->kind != TF_OBJECT || (t->count && !vals))
        return NULL;
    struct tf_value *v = value_new(a, t, TF_KNOWN);
    struct tf_value **copy = uc_arena_calloc(a, t->count ? t->count : 1, sizeof(*copy));
    if (!v || !copy)
        return NULL;
    for (size_t i = 0; i < t->count; i++) {
        if (!vals[i])
            return NULL;
        copy[i] = vals[i];
    }
    v->elems = copy;
    v->count = t->count;
    return v;
}

struct tf_value *tf_value_with_attr(struct uc_arena *a, const struct tf_value *obj,
                                    const char *name, struct tf_value *v)
{
    if (!obj || obj->state != TF_KNOWN || !v)
        return NULL;
    int idx = tf_type_attr_index(obj->type, name);
    if (idx < 0)
        return NULL;
    struct tf_value *copy = uc_arena_memdup(a, obj, sizeof(*obj));
    struct tf_value **elems = uc_arena_calloc(a, obj->count ? obj->count : 1, sizeof(*elems));
    if (!copy || !elems)
        return NULL;
    if (obj->count)
        memcpy(elems, obj->elems, obj->count * sizeof(*elems));
    elems[idx] = v;
    copy->elems = elems;
    return copy;
}

bool tf_value_is_null(const struct tf_value *v)
{
    return !v || v->state == TF_NULL;
}

bool tf_value_is_unknown(const struct tf_value *v)
{
    return v && v->state == TF_UNKNOWN;
}

bool tf_value_is_known(const struct tf_value *v)
{
    return !v || v->state != TF_UNKNOWN;
}

static bool wholly_known(const struct tf_value *v, int depth)
{
    if (!v || v->state == TF_NULL)
        return true;
    if (v->state == TF_UNKNOWN || depth > VALUE_MAX_DEPTH)
        return false;
    for (size_t i = 0; i < v->count && v->elems; i++) {
        if (!wholly_known(v->elems[i], depth + 1))
            return false;
    }
    return true;
}

bool tf_value_is_wholly_known(const struct tf_value *v)
{
    return wholly_known(v, 0);
}

struct tf_value *tf_value_attr(const struct tf_value *v, const char *name)
{
    if (!v || v->state != TF_KNOWN || !v->type || v->type->kind != TF_OBJECT)
        return NULL;
    int idx = tf_type_attr_index(v->type, name);
    return idx < 0 ? NULL : v->elems[idx];
}

struct tf_value *tf_value_map_get(const struct tf_value *v, const char *key)
{
    if (!v || v->state != TF_KNOWN || !v->type || v->type->kind != TF_MAP || !key)
        return NULL;
    size_t lo = 0, hi = v->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(key, v->keys[mid]);
        if (c == 0)
            return v->elems[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *tf_value_str(const struct tf_value *v)
{
    if (!v || v->state != TF_KNOWN || !v->type || v->type->kind != TF_STRING)
        return NULL;
    return v->str;
}

bool tf_value_get_bool(const struct tf_value *v, bool dflt)
{
    if (!v || v->state != TF_KNOWN || !v->type || v->type->kind != TF_BOOL)
        return dflt;
    return v->b;
}

uc_status tf_value_get_int64(const struct tf_value *v, int64_t *out)
{
    if (!v || v->state != TF_KNOWN || !v->type || v->type->kind != TF_NUMBER || !v->num)
        return UC_INVALID;
    return tf_number_to_int64(v->num, out) ? UC_OK : UC_RANGE;
}

static int state_rank(const struct tf_value *v)
{
    /* known values first, then null, then unknown */
    if (!v || v->state == TF_NULL)
        return 1;
    return v->state == TF_UNKNOWN ? 2 : 0;
}

static int type_order(const struct tf_type *a, const struct tf_type *b)
{
    if (tf_type_equal(a, b))
        return 0;
    struct uc_buf x, y;
    uc_buf_init(&x);
    uc_buf_init(&y);
    tf_type_to_json(a, &x);
    tf_type_to_json(b, &y);
    int c = strcmp(uc_buf_str(&x), uc_buf_str(&y));
    uc_buf_release(&x);
    uc_buf_release(&y);
    return c ? c : (a < b ? -1 : 1);
}

static int value_compare(const struct tf_value *a, const struct tf_value *b, int depth)
{
    int ra = state_rank(a), rb = state_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (ra != 0) { /* both null or both unknown: by type only, and dynamic matches any type */
        if (!a || !b || a->type->kind == TF_DYNAMIC || b->type->kind == TF_DYNAMIC)
            return 0;
        return type_order(a->type, b->type);
    }
    if (a == b)
        return 0;
    if (a->type->kind != b->type->kind || depth > VALUE_MAX_DEPTH)
        return type_order(a->type, b->type);
    switch (a->type->kind) {
    case TF_STRING: {
        size_t n = a->str_len < b->str_len ? a->str_len : b->str_len;
        int c = n ? memcmp(a->str, b->str, n) : 0;
        if (c)
            return c < 0 ? -1 : 1;
        return a->str_len == b->str_len ? 0 : a->str_len < b->str_len ? -1 : 1;
    }
    case TF_NUMBER:
        return tf_number_compare(a->num, b->num);
    case TF_BOOL:
        return a->b == b->b ? 0 : a->b ? 1 : -1;
    case TF_OBJECT:
    case TF_TUPLE:
        if (!tf_type_equal(a->type, b->type))
            return type_order(a->type, b->type);
        break;
    case TF_MAP:
        for (size_t i = 0; i < a->count && i < b->count; i++) {
            int c = strcmp(a->keys[i], b->keys[i]);
            if (c)
                return c < 0 ? -1 : 1;
        }
        break;
    default:
        break;
    }
    for (size_t i = 0; i < a->count && i < b->count; i++) {
        int c = value_compare(a->elems[i], b->elems[i], depth + 1);
        if (c)
            return c;
    }
    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    if (a->type->kind == TF_LIST || a->type->kind == TF_SET || a->type->kind == TF_MAP)
        return type_order(a->type->elem, b->type->elem);
    return 0;
}

int tf_value_compare(const struct tf_value *a, const struct tf_value *b)
{
    return value_compare(a, b, 0);
}

bool tf_value_equal(const struct tf_value *a, const struct tf_value *b)
{
    return value_compare(a, b, 0) == 0;
}

struct conform {
    struct uc_arena *a;
    const char *err;
    struct tf_path path;
};

static bool conform_fail(struct conform *c, const char *msg)
{
    struct uc_buf b;
    uc_buf_init(&b);
    tf_path_format(&c->path, &b);
    c->err = b.len ? uc_arena_printf(c->a, "%s: %s", uc_buf_str(&b), msg) : msg;
    uc_buf_release(&b);
    return false;
}

static bool conforms(struct conform *c, const struct tf_value *v, const struct tf_type *t,
                     int depth)
{
    if (!v || !t)
        return conform_fail(c, "missing value or type");
    if (depth > VALUE_MAX_DEPTH)
        return conform_fail(c, "value nesting too deep");
    if (t->kind == TF_DYNAMIC) {
        if (v->state != TF_KNOWN)
            return true;
        if (v->type->kind == TF_DYNAMIC)
            return conform_fail(c, "known value without a concrete type");
        return conforms(c, v, v->type, depth + 1);
    }
    if (v->state != TF_KNOWN) {
        if (v->type->kind != TF_DYNAMIC && !tf_type_equal(v->type, t))
            return conform_fail(c, "null or unknown value of the wrong type");
        return true;
    }
    if (v->type->kind != t->kind)
        return conform_fail(c, "value has the wrong type");
    struct tf_path saved = c->path;
    switch (t->kind) {
    case TF_STRING:
        if (!v->str)
            return conform_fail(c, "string without text");
        return true;
    case TF_NUMBER:
        if (!v->num)
            return conform_fail(c, "number without text");
        return true;
    case TF_BOOL:
        return true;
    case TF_LIST:
    case TF_SET:
        for (size_t i = 0; i < v->count; i++) {
            c->path = tf_path_index(&saved, (int64_t)i);
            if (!conforms(c, v->elems[i], t->elem, depth + 1))
                return false;
        }
        break;
    case TF_MAP:
        for (size_t i = 0; i < v->count; i++) {
            c->path = tf_path_key(&saved, v->keys[i]);
            if (!conforms(c, v->elems[i], t->elem, depth + 1))
                return false;
        }
        break;
    case TF_TUPLE:
        if (v->count != t->count)
            return conform_fail(c, "tuple has the wrong length");
        for (size_t i = 0; i < v->count; i++) {
            c->path = tf_path_index(&saved, (int64_t)i);
            if (!conforms(c, v->elems[i], t->members[i], depth + 1))
                return false;
        }
        break;
    case TF_OBJECT:
        for (size_t i = 0; i < t->count; i++) {
            int idx = tf_type_attr_index(v->type, t->names[i]);
            c->path = tf_path_attr(&saved, t->names[i]);
            if (idx < 0)
                return conform_fail(c, "attribute is missing");
            if (!conforms(c, v->elems[idx], t->members[i], depth + 1))
                return false;
        }
        if (v->type->count != t->count) {
            c->path = saved;
            return conform_fail(c, "object has unexpected attributes");
        }
        break;
    default:
        break;
    }
    c->path = saved;
    return true;
}

bool tf_value_conforms(struct uc_arena *a, const struct tf_value *v, const struct tf_type *t,
                       const char **err)
{
    struct conform c = {.a = a, .path = tf_path_root()};
    bool ok = conforms(&c, v, t, 0);
    if (err)
        *err = ok ? NULL : c.err;
    return ok;
}

static void debug(const struct tf_value *v, struct uc_buf *b, int depth)
{
    if (!v || v->state == TF_NULL) {
        uc_buf_puts(b, "null");
        return;
    }
    if (v->state == TF_UNKNOWN) {
        uc_buf_puts(b, v->refine ? "(unknown, refined)" : "(unknown)");
        return;
    }
    if (depth > VALUE_MAX_DEPTH) {
        uc_buf_puts(b, "...");
        return;
    }
    switch (v->type->kind) {
    case TF_STRING:
        uc_buf_putc(b, '"');
        for (size_t i = 0; i < v->str_len; i++) {
            unsigned char ch = (unsigned char)v->str[i];
            if (ch == '"' || ch == '\\')
                uc_buf_printf(b, "\\%c", ch);
            else if (ch < 0x20)
                uc_buf_printf(b, "\\u%04x", ch);
            else
                uc_buf_putc(b, (char)ch);
        }
        uc_buf_putc(b, '"');
        break;
    case TF_NUMBER:
        uc_buf_puts(b, v->num);
        break;
    case TF_BOOL:
        uc_buf_puts(b, v->b ? "true" : "false");
        break;
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
        uc_buf_putc(b, '[');
        for (size_t i = 0; i < v->count; i++) {
            if (i)
                uc_buf_puts(b, ", ");
            debug(v->elems[i], b, depth + 1);
        }
        uc_buf_putc(b, ']');
        break;
    case TF_MAP:
    case TF_OBJECT:
        uc_buf_putc(b, '{');
        for (size_t i = 0; i < v->count; i++) {
            if (i)
                uc_buf_puts(b, ", ");
            if (v->type->kind == TF_MAP)
                uc_buf_printf(b, "\"%s\" = ", v->keys[i]);
            else
                uc_buf_printf(b, "%s = ", v->type->names[i]);
            debug(v->elems[i], b, depth + 1);
        }
        uc_buf_putc(b, '}');
        break;
    case TF_DYNAMIC:
        uc_buf_puts(b, "?");
        break;
    }
}

const char *tf_value_debug(struct uc_arena *a, const struct tf_value *v)
{
    struct uc_buf b;
    uc_buf_init(&b);
    debug(v, &b, 0);
    const char *s = b.err ? NULL : uc_arena_strdup(a, uc_buf_str(&b));
    uc_buf_release(&b);
    return s;
}
