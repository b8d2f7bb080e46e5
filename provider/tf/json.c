/* json.c - the JSON form of cty values (state as Terraform stores it): a schema-driven, tolerant
 * decoder on jansson and an encoder. It must not lose number precision: jansson holds numbers
 * as long long / double, so before jansson parses the text a small lexer (it only skips strings
 * and finds number tokens) replaces every number by its index in a table of the original texts.
 * jansson then parses the structure, and the decoder reads numbers from the table, exactly.
 */
#include "tf_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf_path.h"

#define JSON_MAX_DEPTH 64

void tf_json_put_string(struct uc_buf *out, const char *s, size_t n)
{
    uc_buf_putc(out, '"');
    size_t run = 0; /* bytes copied verbatim in one append */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char hex[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20) {
                snprintf(hex, sizeof(hex), "\\u%04x", c);
                esc = hex;
            }
            break;
        }
        if (!esc) {
            run++;
            continue;
        }
        uc_buf_append(out, s + i - run, run);
        run = 0;
        uc_buf_puts(out, esc);
    }
    uc_buf_append(out, s + n - run, run);
    uc_buf_putc(out, '"');
}

/* --- decoding -------------------------------------------------------------------------------- */

struct jdec {
    struct uc_arena *a;
    uc_status st;
    const char *err;
    struct tf_path path;
    const char **nums; /* original number texts, indexed by the integer jansson sees */
    size_t nnums;
    int depth;
};

static struct tf_value *jfail(struct jdec *d, uc_status st, const char *msg)
{
    if (d->st != UC_OK)
        return NULL;
    d->st = st;
    if (!msg)
        msg = "malformed JSON";
    struct uc_buf b;
    uc_buf_init(&b);
    tf_path_format(&d->path, &b);
    d->err = b.len && !b.err ? uc_arena_printf(d->a, "%s: %s", uc_buf_str(&b), msg) : msg;
    if (!d->err)
        d->err = msg;
    uc_buf_release(&b);
    return NULL;
}

static bool json_number_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0') {
        i++;
    } else {
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    return i == n;
}

/* Copies json to out with every number token replaced by its index in d->nums. */
static void lex_numbers(struct jdec *d, const char *json, size_t len, struct uc_buf *out)
{
    size_t cap = 0;
    size_t i = 0;
    while (i < len && d->st == UC_OK) {
        char c = json[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < len && json[j] != '"')
                j += json[j] == '\\' ? 2 : 1;
            j = j < len ? j + 1 : len; /* an unterminated string is jansson's error to report */
            uc_buf_append(out, json + i, j - i);
            i = j;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i;
            while (j < len && (json[j] == '-' || json[j] == '+' || json[j] == '.' ||
                               json[j] == 'e' || json[j] == 'E' ||
                               (json[j] >= '0' && json[j] <= '9')))
                j++;
            if (!json_number_ok(json + i, j - i)) {
                jfail(d, UC_DECODE, "invalid number in JSON");
                return;
            }
            if (d->nnums == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                const char **nums = uc_arena_calloc(d->a, ncap, sizeof(*nums));
                if (!nums) {
                    jfail(d, UC_NOMEM, "out of memory");
                    return;
                }
                if (d->nnums)
                    memcpy(nums, d->nums, d->nnums * sizeof(*nums));
                d->nums = nums;
                cap = ncap;
            }
            d->nums[d->nnums] = uc_arena_strndup(d->a, json + i, j - i);
            if (!d->nums[d->nnums]) {
                jfail(d, UC_NOMEM, "out of memory");
                return;
            }
            uc_buf_printf(out, "%zu", d->nnums++);
            i = j;
        } else {
            uc_buf_putc(out, c);
            i++;
        }
    }
    if (out->err && d->st == UC_OK)
        jfail(d, out->err, "out of memory");
}

/* Original text of a number node (an index into d->nums); NULL if j is not one. */
static const char *num_text(struct jdec *d, json_t *j)
{
    if (!json_is_integer(j))
        return NULL;
    json_int_t idx = json_integer_value(j);
    if (idx < 0 || (size_t)idx >= d->nnums)
        return NULL;
    return d->nums[idx];
}

static struct tf_value *jdec_value(struct jdec *d, json_t *j, const struct tf_type *t);

static struct tf_value *jdec_primitive(struct jdec *d, json_t *j, const struct tf_type *t)
{
    struct tf_value *v = NULL;
    const char *num = num_text(d, j);
    switch (t->kind) {
    case TF_STRING: /* tolerant like cty: numbers and bools become their text */
        if (json_is_string(j))
            v = tf_value_stringn(d->a, json_string_value(j), json_string_length(j));
        else if (num)
            v = tf_value_string(d->a, num);
        else if (json_is_boolean(j))
            v = tf_value_string(d->a, json_is_true(j) ? "true" : "false");
        else
            return jfail(d, UC_DECODE, "a string is required");
        break;
    case TF_NUMBER:
        if (!num && json_is_string(j))
            num = json_string_value(j);
        if (!num)
            return jfail(d, UC_DECODE, "a number is required");
        v = tf_value_number_text(d->a, num);
        if (!v && uc_arena_alloc(d->a, 1))
            return jfail(d, UC_DECODE, "a number is required (invalid decimal text)");
        break;
    case TF_BOOL:
        if (json_is_boolean(j))
            v = tf_value_bool(d->a, json_is_true(j));
        else if (json_is_string(j) && strcmp(json_string_value(j), "true") == 0)
            v = tf_value_bool(d->a, true);
        else if (json_is_string(j) && strcmp(json_string_value(j), "false") == 0)
            v = tf_value_bool(d->a, false);
        else
            return jfail(d, UC_DECODE, "a bool is required");
        break;
    default:
        break;
    }
    return v ? v : jfail(d, UC_NOMEM, "out of memory");
}

static struct tf_value *jdec_seq(struct jdec *d, json_t *j, const struct tf_type *t)
{
    if (!json_is_array(j))
        return jfail(d, UC_DECODE, "an array is required");
    size_t n = json_array_size(j);
    if (t->kind == TF_TUPLE && n != t->count)
        return jfail(d, UC_DECODE, "a tuple of a different length is required");
    struct tf_value **elems = uc_arena_calloc(d->a, n ? n : 1, sizeof(*elems));
    if (!elems)
        return jfail(d, UC_NOMEM, "out of memory");
    struct tf_path saved = d->path;
    for (size_t i = 0; i < n; i++) {
        d->path = tf_path_index(&saved, (int64_t)i);
        elems[i] = jdec_value(d, json_array_get(j, i),
                              t->kind == TF_TUPLE ? t->members[i] : t->elem);
        if (!elems[i])
            return NULL;
    }
    d->path = saved;
    struct tf_value *v = t->kind == TF_LIST  ? tf_value_list(d->a, t, elems, n)
                         : t->kind == TF_SET ? tf_value_set(d->a, t, elems, n)
                                             : tf_value_tuple(d->a, t, elems, n);
    return v ? v : jfail(d, UC_NOMEM, "out of memory");
}

static struct tf_value *jdec_map(struct jdec *d, json_t *j, const struct tf_type *t)
{
    if (!json_is_object(j))
        return jfail(d, UC_DECODE, "an object is required");
    size_t n = json_object_size(j), i = 0;
    const char **keys = uc_arena_calloc(d->a, n ? n : 1, sizeof(*keys));
    struct tf_value **vals = uc_arena_calloc(d->a, n ? n : 1, sizeof(*vals));
    if (!keys || !vals)
        return jfail(d, UC_NOMEM, "out of memory");
    struct tf_path saved = d->path;
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val)
    {
        keys[i] = key;
        d->path = tf_path_key(&saved, key);
        vals[i] = jdec_value(d, val, t->elem);
        if (!vals[i])
            return NULL;
        i++;
    }
    d->path = saved;
    struct tf_value *v = tf_value_map(d->a, t, keys, vals, n); /* copies the keys */
    return v ? v : jfail(d, UC_NOMEM, "out of memory");
}

static struct tf_value *jdec_object(struct jdec *d, json_t *j, const struct tf_type *t)
{
    if (!json_is_object(j))
        return jfail(d, UC_DECODE, "an object is required");
    struct tf_value **vals = uc_arena_calloc(d->a, t->count ? t->count : 1, sizeof(*vals));
    if (!vals)
        return jfail(d, UC_NOMEM, "out of memory");
    struct tf_path saved = d->path;
    /* Attributes the type no longer has are ignored; attributes it gained are null. */
    for (size_t i = 0; i < t->count; i++) {
        json_t *m = json_object_get(j, t->names[i]);
        d->path = tf_path_attr(&saved, t->names[i]);
        vals[i] = m ? jdec_value(d, m, t->members[i]) : tf_value_null(d->a, t->members[i]);
        if (!vals[i])
            return d->st ? NULL : jfail(d, UC_NOMEM, "out of memory");
    }
    d->path = saved;
    struct tf_value *v = tf_value_object(d->a, t, vals);
    return v ? v : jfail(d, UC_NOMEM, "out of memory");
}

static struct tf_value *jdec_dynamic(struct jdec *d, json_t *j)
{
    json_t *tj = json_object_get(j, "type"), *vj = json_object_get(j, "value");
    if (!json_is_object(j) || !tj || !vj)
        return jfail(d, UC_DECODE, "a dynamic value must be {\"type\": ..., \"value\": ...}");
    char *text = json_dumps(tj, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return jfail(d, UC_NOMEM, "out of memory");
    const struct tf_type *concrete = NULL;
    const char *why = NULL;
    uc_status st = tf_type_from_json(d->a, text, strlen(text), &concrete, &why);
    free(text);
    if (st != UC_OK)
        return jfail(d, st, why ? why : "invalid type JSON");
    return jdec_value(d, vj, concrete);
}

static struct tf_value *jdec_value(struct jdec *d, json_t *j, const struct tf_type *t)
{
    struct tf_value *v = NULL;
    if (d->st != UC_OK)
        return NULL;
    if (++d->depth > JSON_MAX_DEPTH) {
        d->depth--;
        return jfail(d, UC_DECODE, "value nesting too deep");
    }
    if (json_is_null(j)) {
        v = tf_value_null(d->a, t);
        if (!v)
            jfail(d, UC_NOMEM, "out of memory");
    } else {
        switch (t->kind) {
        case TF_DYNAMIC:
            v = jdec_dynamic(d, j);
            break;
        case TF_STRING:
        case TF_NUMBER:
        case TF_BOOL:
            v = jdec_primitive(d, j, t);
            break;
        case TF_LIST:
        case TF_SET:
        case TF_TUPLE:
            v = jdec_seq(d, j, t);
            break;
        case TF_MAP:
            v = jdec_map(d, j, t);
            break;
        case TF_OBJECT:
            v = jdec_object(d, j, t);
            break;
        }
    }
    d->depth--;
    return d->st == UC_OK ? v : NULL;
}

uc_status tf_json_decode(struct uc_arena *a, const char *json, size_t len,
                         const struct tf_type *t, struct tf_value **out, const char **err)
{
    struct jdec d = {.a = a, .st = UC_OK, .path = tf_path_root()};
    struct uc_buf text;
    json_t *root = NULL;
    json_error_t jerr;
    uc_buf_init(&text);
    *out = NULL;
    if (err)
        *err = NULL;
    if (!t || (len && !json)) {
        jfail(&d, UC_INVALID, "no type or no data");
        goto out;
    }
    lex_numbers(&d, json, len, &text);
    if (d.st != UC_OK)
        goto out;
    root = json_loadb(text.data ? text.data : "", text.len,
                      JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        jfail(&d, UC_DECODE, uc_arena_printf(a, "invalid JSON: %s", jerr.text));
        goto out;
    }
    *out = jdec_value(&d, root, t);
out:
    json_decref(root);
    uc_buf_release(&text);
    if (d.st != UC_OK) {
        *out = NULL;
        if (err)
            *err = d.err ? d.err : "invalid JSON";
    }
    return d.st;
}

/* --- encoding -------------------------------------------------------------------------------- */

static uc_status jenc(const struct tf_value *v, const struct tf_type *t, struct uc_buf *out,
                      int depth)
{
    uc_status st = UC_OK;
    if (!t || depth > JSON_MAX_DEPTH)
        return UC_INVALID;
    if (!v || v->state == TF_NULL)
        return uc_buf_puts(out, "null");
    if (v->state == TF_UNKNOWN)
        return UC_INVALID;
    if (t->kind == TF_DYNAMIC) {
        if (!v->type || v->type->kind == TF_DYNAMIC)
            return UC_INVALID;
        uc_buf_puts(out, "{\"type\":");
        tf_type_to_json(v->type, out);
        uc_buf_puts(out, ",\"value\":");
        st = jenc(v, v->type, out, depth + 1);
        uc_buf_putc(out, '}');
        return st;
    }
    if (!v->type || v->type->kind != t->kind)
        return UC_INVALID;
    switch (t->kind) {
    case TF_STRING:
        tf_json_put_string(out, v->str, v->str_len);
        return UC_OK;
    case TF_NUMBER: {
        if (!v->num || strcmp(v->num, "Infinity") == 0 || strcmp(v->num, "-Infinity") == 0)
            return UC_INVALID; /* JSON has no infinities */
        return uc_buf_puts(out, v->num);
    }
    case TF_BOOL:
        return uc_buf_puts(out, v->b ? "true" : "false");
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
        if (t->kind == TF_TUPLE && v->count != t->count)
            return UC_INVALID;
        uc_buf_putc(out, '[');
        for (size_t i = 0; i < v->count && st == UC_OK; i++) {
            if (i)
                uc_buf_putc(out, ',');
            st = jenc(v->elems[i], t->kind == TF_TUPLE ? t->members[i] : t->elem, out,
                      depth + 1);
        }
        uc_buf_putc(out, ']');
        return st;
    case TF_MAP:
        uc_buf_putc(out, '{');
        for (size_t i = 0; i < v->count && st == UC_OK; i++) {
            if (i)
                uc_buf_putc(out, ',');
            tf_json_put_string(out, v->keys[i], strlen(v->keys[i]));
            uc_buf_putc(out, ':');
            st = jenc(v->elems[i], t->elem, out, depth + 1);
        }
        uc_buf_putc(out, '}');
        return st;
    case TF_OBJECT:
        if (v->type->count != t->count)
            return UC_INVALID;
        uc_buf_putc(out, '{');
        for (size_t i = 0; i < t->count && st == UC_OK; i++) {
            int idx = v->type == t ? (int)i : tf_type_attr_index(v->type, t->names[i]);
            if (idx < 0)
                return UC_INVALID;
            if (i)
                uc_buf_putc(out, ',');
            tf_json_put_string(out, t->names[i], strlen(t->names[i]));
            uc_buf_putc(out, ':');
            st = jenc(v->elems[idx], t->members[i], out, depth + 1);
        }
        uc_buf_putc(out, '}');
        return st;
    case TF_DYNAMIC:
        break;
    }
    return UC_INVALID;
}

uc_status tf_json_encode(const struct tf_value *v, const struct tf_type *t, struct uc_buf *out)
{
    if (out->err)
        return out->err;
    size_t start = out->len;
    uc_status st = jenc(v, t, out, 0);
    if (st == UC_OK && out->err)
        st = out->err;
    if (st != UC_OK && out->err == UC_OK && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return st;
}
