/* msgpack.c - cty values <-> the DynamicValue msgpack encoding, driven by the declared type.
 * Framing is msgpack-c's (unpacker + zone to decode, msgpack_packer to encode); this file maps
 * msgpack objects to typed values and back: null, unknown (ext 0), refined unknown (ext 12),
 * dynamic wrappers, exact numbers. It must not trust a length from the wire: a bounds pre-scan
 * runs before msgpack-c allocates anything, and the first error wins (sticky), with a path.
 */
#include "tf_msgpack.h"

#include <inttypes.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tf_path.h"
#include "uc_utf8.h"

/* msgpack-c keeps at most MSGPACK_EMBED_STACK_SIZE (32) containers open; the pre-scan enforces
 * the same limit so that a deeper input is reported as a decode error, not as out of memory. */
#define MP_MAX_DEPTH 32
#define MP_REFINE_MAX 1024
#define MP_EXT_UNKNOWN 0
#define MP_EXT_REFINED 12
#define MP_PREFIX_MAX 255

/* --- bounds pre-scan -------------------------------------------------------------------------
 * msgpack-c's C unpacker allocates an array of the declared element count as soon as it reads a
 * container header (5 bytes can declare 4 billion elements), and has no limit option. This walk
 * reads only headers and lengths and proves that every declared count and size is backed by
 * input bytes and that nesting stays within MP_MAX_DEPTH, so the unpacker's allocations are
 * bounded by a small multiple of the input size. It does not interpret values. */

static uint64_t be_read(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static const char *mp_prescan(const uint8_t *p, size_t len)
{
    uint64_t open[MP_MAX_DEPTH];
    int depth = 0;
    size_t pos = 0;
    for (;;) {
        if (pos >= len)
            return "truncated input";
        uint8_t b = p[pos++];
        int kind = 0; /* 0 scalar, 1 array, 2 map */
        size_t hdr = 0, extra = 0;
        uint64_t n = 0;
        if (b <= 0x7f || b >= 0xe0) {
            /* fixint */
        } else if (b <= 0x8f) {
            kind = 2;
            n = b & 0x0f;
        } else if (b <= 0x9f) {
            kind = 1;
            n = b & 0x0f;
        } else if (b <= 0xbf) {
            n = b & 0x1f;
        } else {
            switch (b) {
            case 0xc0: case 0xc2: case 0xc3: break;
            case 0xc1: return "invalid byte 0xc1";
            case 0xc4: hdr = 1; break;
            case 0xc5: hdr = 2; break;
            case 0xc6: hdr = 4; break;
            case 0xc7: hdr = 1; extra = 1; break;
            case 0xc8: hdr = 2; extra = 1; break;
            case 0xc9: hdr = 4; extra = 1; break;
            case 0xca: n = 4; break;
            case 0xcb: n = 8; break;
            case 0xcc: n = 1; break;
            case 0xcd: n = 2; break;
            case 0xce: n = 4; break;
            case 0xcf: n = 8; break;
            case 0xd0: n = 1; break;
            case 0xd1: n = 2; break;
            case 0xd2: n = 4; break;
            case 0xd3: n = 8; break;
            case 0xd4: n = 2; break;
            case 0xd5: n = 3; break;
            case 0xd6: n = 5; break;
            case 0xd7: n = 9; break;
            case 0xd8: n = 17; break;
            case 0xd9: hdr = 1; break;
            case 0xda: hdr = 2; break;
            case 0xdb: hdr = 4; break;
            case 0xdc: hdr = 2; kind = 1; break;
            case 0xdd: hdr = 4; kind = 1; break;
            case 0xde: hdr = 2; kind = 2; break;
            default: hdr = 4; kind = 2; break; /* 0xdf */
            }
        }
        if (hdr) {
            if (len - pos < hdr)
                return "truncated input";
            n = be_read(p + pos, hdr);
            pos += hdr;
        }
        if (kind == 0) {
            n += extra;
            if (n > len - pos)
                return "declared length exceeds the input";
            pos += (size_t)n;
        } else {
            uint64_t items = kind == 2 ? n * 2 : n;
            if (items > len - pos)
                return "declared length exceeds the input";
            if (items > 0) {
                if (depth == MP_MAX_DEPTH)
                    return "nesting too deep";
                open[depth++] = items;
                continue;
            }
        }
        while (depth > 0) {
            if (--open[depth - 1] > 0)
                break;
            depth--;
        }
        if (depth == 0)
            break;
    }
    return pos == len ? NULL : "trailing bytes after the value";
}

/* --- UTF-8 ----------------------------------------------------------------------------------- */

static bool utf8_valid(const unsigned char *s, size_t n)
{
    return uc_utf8_valid_prefix((const char *)s, n) == n;
}

/* --- decoding -------------------------------------------------------------------------------- */

struct mp_dec {
    struct uc_arena *a;
    uc_status st;
    const char *err;
    struct tf_path path;
    int depth;
};

static struct tf_value *dec_fail(struct mp_dec *d, uc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct tf_value *dec_fail(struct mp_dec *d, uc_status st, const char *fmt, ...)
{
    if (d->st != UC_OK)
        return NULL;
    d->st = st;
    va_list ap;
    va_start(ap, fmt);
    const char *msg = uc_arena_vprintf(d->a, fmt, ap);
    va_end(ap);
    struct uc_buf b;
    uc_buf_init(&b);
    tf_path_format(&d->path, &b);
    if (msg && b.len && !b.err)
        msg = uc_arena_printf(d->a, "%s: %s", uc_buf_str(&b), msg);
    uc_buf_release(&b);
    d->err = msg ? msg : "malformed msgpack value";
    return NULL;
}

static struct tf_value *dec_oom(struct mp_dec *d)
{
    return dec_fail(d, UC_NOMEM, "out of memory");
}

/* Bytes of a str or bin object; false for other types. *p is never NULL: msgpack-c leaves
 * the pointer of an empty str / bin NULL, and the empty string is a valid key and value. */
static bool obj_bytes(const msgpack_object *o, const char **p, size_t *n)
{
    if (o->type == MSGPACK_OBJECT_STR) {
        *p = o->via.str.ptr;
        *n = o->via.str.size;
    } else if (o->type == MSGPACK_OBJECT_BIN) {
        *p = o->via.bin.ptr;
        *n = o->via.bin.size;
    } else {
        return false;
    }
    if (*n == 0 || !*p) {
        *p = "";
        *n = 0;
    }
    return true;
}

/* A map key or attribute name: UTF-8 without NUL, as an arena string. */
static const char *dec_key(struct mp_dec *d, const msgpack_object *o)
{
    const char *p;
    size_t n;
    if (!obj_bytes(o, &p, &n)) {
        dec_fail(d, UC_DECODE, "map keys must be strings");
        return NULL;
    }
    if (memchr(p, '\0', n) || !utf8_valid((const unsigned char *)p, n)) {
        dec_fail(d, UC_DECODE, memchr(p, '\0', n) ? "a map key contains a NUL character (U+0000), "
                                                    "which no key (tag, label) may hold"
                                                  : "map key is not valid UTF-8 text");
        return NULL;
    }
    const char *k = uc_arena_strndup(d->a, p, n);
    if (!k)
        dec_oom(d);
    return k;
}

/* Canonical number text of an int, float or decimal-string object; NULL (error set) otherwise. */
static const char *dec_number(struct mp_dec *d, const msgpack_object *o)
{
    char buf[32];
    const char *p, *canon = NULL;
    size_t n;
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        snprintf(buf, sizeof(buf), "%" PRIu64, o->via.u64);
        canon = tf_number_canonical(d->a, buf, strlen(buf));
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        snprintf(buf, sizeof(buf), "%" PRId64, o->via.i64);
        canon = tf_number_canonical(d->a, buf, strlen(buf));
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        canon = tf_number_from_double(d->a, o->via.f64);
        if (!canon && o->via.f64 != o->via.f64) {
            dec_fail(d, UC_DECODE, "NaN is not a number");
            return NULL;
        }
        break;
    default:
        if (!obj_bytes(o, &p, &n)) {
            dec_fail(d, UC_DECODE, "a number is required");
            return NULL;
        }
        canon = tf_number_canonical(d->a, p, n);
        if (!canon) {
            dec_fail(d, UC_DECODE, "a number is required (invalid decimal text)");
            return NULL;
        }
        break;
    }
    if (!canon)
        dec_oom(d);
    return canon;
}

static bool obj_uint(const msgpack_object *o, int64_t *out)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > INT64_MAX)
        return false;
    *out = (int64_t)o->via.u64;
    return true;
}

static bool dec_bound(struct mp_dec *d, const msgpack_object *o, const char **num, bool *incl)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 ||
        o->via.array.ptr[1].type != MSGPACK_OBJECT_BOOLEAN) {
        dec_fail(d, UC_DECODE, "invalid number bound in unknown value refinements");
        return false;
    }
    *num = dec_number(d, &o->via.array.ptr[0]);
    *incl = o->via.array.ptr[1].via.boolean;
    return *num != NULL;
}

/* Refinements of an ext 12 payload; NULL with no error when none applies to type t. */
static const struct tf_refinements *dec_refine(struct mp_dec *d, const char *data, size_t len,
                                               const struct tf_type *t)
{
    msgpack_unpacked u;
    struct tf_refinements *r = NULL;
    bool any = false;
    const char *why = mp_prescan((const uint8_t *)data, len);
    msgpack_unpacked_init(&u);
    if (why) {
        dec_fail(d, UC_DECODE, "invalid unknown value refinements: %s", why);
        goto out;
    }
    size_t off = 0;
    msgpack_unpack_return ret = msgpack_unpack_next(&u, data, len, &off);
    if (ret == MSGPACK_UNPACK_NOMEM_ERROR) {
        dec_oom(d);
        goto out;
    }
    if (ret != MSGPACK_UNPACK_SUCCESS || u.data.type != MSGPACK_OBJECT_MAP) {
        dec_fail(d, UC_DECODE, "unknown value refinements must be a map");
        goto out;
    }
    r = uc_arena_alloc(d->a, sizeof(*r));
    if (!r) {
        dec_oom(d);
        goto out;
    }
    r->len_lower = r->len_upper = -1;
    bool coll = t->kind == TF_LIST || t->kind == TF_SET || t->kind == TF_MAP;
    const msgpack_object_map *m = &u.data.via.map;
    for (uint32_t i = 0; i < m->size && d->st == UC_OK; i++) {
        const msgpack_object *k = &m->ptr[i].key, *v = &m->ptr[i].val;
        int64_t key, n;
        const char *p;
        size_t plen;
        if (!obj_uint(k, &key))
            continue; /* unknown keys are ignored */
        switch (key) {
        case 1:
            if (v->type != MSGPACK_OBJECT_BOOLEAN) {
                dec_fail(d, UC_DECODE, "invalid nullness refinement");
                break;
            }
            if (!v->via.boolean) {
                r->not_null = true;
                any = true;
            }
            break;
        case 2:
            if (!obj_bytes(v, &p, &plen) || !utf8_valid((const unsigned char *)p, plen)) {
                dec_fail(d, UC_DECODE, "invalid string prefix refinement");
                break;
            }
            if (t->kind == TF_STRING && plen > 0) {
                r->prefix = uc_arena_strndup(d->a, p, plen);
                if (!r->prefix)
                    dec_oom(d);
                any = true;
            }
            break;
        case 3:
        case 4: {
            const char *num;
            bool incl;
            if (!dec_bound(d, v, &num, &incl) || t->kind != TF_NUMBER)
                break;
            if (key == 3) {
                r->num_lower = num;
                r->num_lower_incl = incl;
            } else {
                r->num_upper = num;
                r->num_upper_incl = incl;
            }
            any = true;
            break;
        }
        case 5:
        case 6:
            if (!obj_uint(v, &n)) {
                dec_fail(d, UC_DECODE, "invalid length refinement");
                break;
            }
            if (!coll)
                break;
            if (key == 5)
                r->len_lower = n;
            else
                r->len_upper = n;
            any = true;
            break;
        default:
            break;
        }
    }
out:
    msgpack_unpacked_destroy(&u);
    return d->st == UC_OK && any ? r : NULL;
}

static struct tf_value *dec_value(struct mp_dec *d, const msgpack_object *o,
                                  const struct tf_type *t);

static struct tf_value *dec_seq(struct mp_dec *d, const msgpack_object *o,
                                const struct tf_type *t)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return dec_fail(d, UC_DECODE, "%s is required",
                        t->kind == TF_LIST ? "a list" : t->kind == TF_SET ? "a set" : "a tuple");
    size_t n = o->via.array.size;
    if (t->kind == TF_TUPLE && n != t->count)
        return dec_fail(d, UC_DECODE, "a tuple of length %zu is required (%zu given)", t->count,
                        n);
    struct tf_value **elems = uc_arena_calloc(d->a, n ? n : 1, sizeof(*elems));
    if (!elems)
        return dec_oom(d);
    struct tf_path saved = d->path;
    for (size_t i = 0; i < n; i++) {
        d->path = tf_path_index(&saved, (int64_t)i);
        elems[i] = dec_value(d, &o->via.array.ptr[i], t->kind == TF_TUPLE ? t->members[i] : t->elem);
        if (!elems[i])
            return NULL;
    }
    d->path = saved;
    struct tf_value *v = t->kind == TF_LIST  ? tf_value_list(d->a, t, elems, n)
                         : t->kind == TF_SET ? tf_value_set(d->a, t, elems, n)
                                             : tf_value_tuple(d->a, t, elems, n);
    return v ? v : dec_oom(d);
}

static struct tf_value *dec_map(struct mp_dec *d, const msgpack_object *o,
                                const struct tf_type *t)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return dec_fail(d, UC_DECODE, "a map is required");
    size_t n = o->via.map.size;
    const char **keys = uc_arena_calloc(d->a, n ? n : 1, sizeof(*keys));
    struct tf_value **vals = uc_arena_calloc(d->a, n ? n : 1, sizeof(*vals));
    if (!keys || !vals)
        return dec_oom(d);
    struct tf_path saved = d->path;
    for (size_t i = 0; i < n; i++) {
        keys[i] = dec_key(d, &o->via.map.ptr[i].key);
        if (!keys[i])
            return NULL;
        d->path = tf_path_key(&saved, keys[i]);
        vals[i] = dec_value(d, &o->via.map.ptr[i].val, t->elem);
        if (!vals[i])
            return NULL;
    }
    d->path = saved;
    struct tf_value *v = tf_value_map(d->a, t, keys, vals, n);
    if (!v) {
        if (!uc_arena_alloc(d->a, 1))
            return dec_oom(d);
        return dec_fail(d, UC_DECODE, "a map key appears twice");
    }
    return v;
}

static struct tf_value *dec_object(struct mp_dec *d, const msgpack_object *o,
                                   const struct tf_type *t)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return dec_fail(d, UC_DECODE, "an object is required");
    size_t n = o->via.map.size;
    struct tf_value **vals = uc_arena_calloc(d->a, t->count ? t->count : 1, sizeof(*vals));
    if (!vals)
        return dec_oom(d);
    struct tf_path saved = d->path;
    for (size_t i = 0; i < n; i++) {
        const char *key = dec_key(d, &o->via.map.ptr[i].key);
        if (!key)
            return NULL;
        int idx = tf_type_attr_index(t, key);
        d->path = tf_path_attr(&saved, key);
        if (idx < 0)
            return dec_fail(d, UC_DECODE, "unsupported attribute");
        if (vals[idx])
            return dec_fail(d, UC_DECODE, "attribute given twice");
        vals[idx] = dec_value(d, &o->via.map.ptr[i].val, t->members[idx]);
        if (!vals[idx])
            return NULL;
    }
    for (size_t i = 0; i < t->count; i++) {
        if (!vals[i]) {
            d->path = tf_path_attr(&saved, t->names[i]);
            return dec_fail(d, UC_DECODE,
                            "missing attribute: an object with %zu attributes is required "
                            "(%zu given)",
                            t->count, n);
        }
    }
    d->path = saved;
    struct tf_value *v = tf_value_object(d->a, t, vals);
    return v ? v : dec_oom(d);
}

static struct tf_value *dec_dynamic(struct mp_dec *d, const msgpack_object *o)
{
    const char *p, *why = NULL;
    size_t n;
    const struct tf_type *concrete = NULL;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 ||
        !obj_bytes(&o->via.array.ptr[0], &p, &n))
        return dec_fail(d, UC_DECODE, "a dynamic value must be [type JSON, value]");
    uc_status st = tf_type_from_json(d->a, p, n, &concrete, &why);
    if (st != UC_OK)
        return dec_fail(d, st, "invalid type in dynamic value: %s", why ? why : "?");
    return dec_value(d, &o->via.array.ptr[1], concrete);
}

static struct tf_value *dec_value(struct mp_dec *d, const msgpack_object *o,
                                  const struct tf_type *t)
{
    struct tf_value *v = NULL;
    if (d->st != UC_OK)
        return NULL;
    if (++d->depth > 2 * MP_MAX_DEPTH + 8) {
        d->depth--;
        return dec_fail(d, UC_DECODE, "value nesting too deep");
    }
    if (o->type == MSGPACK_OBJECT_NIL) {
        v = tf_value_null(d->a, t);
        if (!v)
            dec_oom(d);
        goto out;
    }
    if (o->type == MSGPACK_OBJECT_EXT) {
        const msgpack_object_ext *e = &o->via.ext;
        if (e->size > 1 && e->type != MP_EXT_REFINED) {
            dec_fail(d, UC_DECODE, "unsupported extension type %d", e->type);
            goto out;
        }
        if (e->size > MP_REFINE_MAX) {
            dec_fail(d, UC_DECODE, "unknown value refinements too long (%" PRIu32 " bytes)",
                     e->size);
            goto out;
        }
        v = tf_value_unknown(d->a, t);
        if (!v) {
            dec_oom(d);
            goto out;
        }
        if (e->size > 1 && t->kind != TF_DYNAMIC)
            v->refine = dec_refine(d, e->ptr, e->size, t);
        if (d->st != UC_OK)
            v = NULL;
        goto out;
    }
    const char *p;
    size_t n;
    switch (t->kind) {
    case TF_DYNAMIC:
        v = dec_dynamic(d, o);
        break;
    case TF_STRING:
        if (!obj_bytes(o, &p, &n)) {
            dec_fail(d, UC_DECODE, "a string is required");
            break;
        }
        if (!utf8_valid((const unsigned char *)p, n)) {
            dec_fail(d, UC_DECODE, "string is not valid UTF-8");
            break;
        }
        v = tf_value_stringn(d->a, p, n);
        if (!v)
            dec_oom(d);
        break;
    case TF_NUMBER: {
        const char *num = dec_number(d, o);
        if (!num)
            break;
        v = tf_value_number_text(d->a, num); /* already canonical: a cheap fixed point */
        if (!v)
            dec_oom(d);
        break;
    }
    case TF_BOOL:
        if (o->type != MSGPACK_OBJECT_BOOLEAN) {
            dec_fail(d, UC_DECODE, "a bool is required");
            break;
        }
        v = tf_value_bool(d->a, o->via.boolean);
        if (!v)
            dec_oom(d);
        break;
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
        v = dec_seq(d, o, t);
        break;
    case TF_MAP:
        v = dec_map(d, o, t);
        break;
    case TF_OBJECT:
        v = dec_object(d, o, t);
        break;
    }
out:
    d->depth--;
    return d->st == UC_OK ? v : NULL;
}

uc_status tf_msgpack_decode(struct uc_arena *a, const void *data, size_t len,
                            const struct tf_type *t, struct tf_value **out, const char **err)
{
    struct mp_dec d = {.a = a, .st = UC_OK, .path = tf_path_root()};
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    *out = NULL;
    if (err)
        *err = NULL;
    if (!t || (len && !data)) {
        dec_fail(&d, UC_INVALID, "no type or no data");
        goto out;
    }
    if (len == 0) {
        *out = tf_value_null(a, t);
        if (!*out)
            dec_oom(&d);
        goto out;
    }
    const char *why = mp_prescan(data, len);
    if (why) {
        dec_fail(&d, UC_DECODE, "malformed msgpack: %s", why);
        goto out;
    }
    size_t off = 0;
    msgpack_unpack_return ret = msgpack_unpack_next(&u, data, len, &off);
    if (ret == MSGPACK_UNPACK_NOMEM_ERROR) {
        dec_oom(&d);
        goto out;
    }
    if (ret != MSGPACK_UNPACK_SUCCESS || off != len) {
        dec_fail(&d, UC_DECODE, "malformed msgpack");
        goto out;
    }
    *out = dec_value(&d, &u.data, t);
out:
    msgpack_unpacked_destroy(&u);
    if (d.st != UC_OK) {
        *out = NULL;
        if (err)
            *err = d.err;
    }
    return d.st;
}

/* --- encoding -------------------------------------------------------------------------------- */

static int buf_write(void *data, const char *p, size_t n)
{
    return uc_buf_append(data, p, n) == UC_OK ? 0 : -1;
}

static uc_status enc_value(msgpack_packer *pk, const struct tf_value *v, const struct tf_type *t,
                           int depth);

static uc_status enc_str(msgpack_packer *pk, const char *s, size_t n)
{
    if (msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n))
        return UC_NOMEM;
    return UC_OK;
}

/* A refinement bound: the shortest form (int, float64, else decimal string). */
static uc_status enc_number(msgpack_packer *pk, const char *canon)
{
    int64_t i;
    double f;
    if (!canon)
        return UC_INVALID;
    if (tf_number_to_int64(canon, &i))
        return msgpack_pack_int64(pk, i) ? UC_NOMEM : UC_OK;
    if (tf_number_to_double(canon, &f))
        return msgpack_pack_double(pk, f) ? UC_NOMEM : UC_OK;
    return enc_str(pk, canon, strlen(canon));
}

/* A known number: its decimal text (only the infinities, which text cannot carry for
 * Terraform, go as float64). Terraform decodes a msgpack string with cty.ParseNumberVal, the
 * 512-bit parse it also gives every number of the state file's JSON, while an int or float64
 * becomes a 64-bit big.Float. Terraform 1.10-1.14 compare the refreshed state with the stored
 * one with reflect.DeepEqual, precision included (states.ManagedResourcesEqual via the decoded
 * value cache), so a number sent as an int makes `plan -refresh-only -detailed-exitcode` exit 2
 * with no change at all. Canonical text is positional, as Terraform writes its JSON, for every
 * magnitude from 1e-20 to below 1e40. */
static uc_status enc_number_value(msgpack_packer *pk, const char *canon)
{
    double f;
    if (!canon)
        return UC_INVALID;
    if (strstr(canon, "Infinity") && tf_number_to_double(canon, &f))
        return msgpack_pack_double(pk, f) ? UC_NOMEM : UC_OK;
    return enc_str(pk, canon, strlen(canon));
}

/* Length of a string prefix cut to at most MP_PREFIX_MAX bytes on a UTF-8 boundary. */
static size_t prefix_len(const char *s)
{
    size_t n = strlen(s);
    if (n <= MP_PREFIX_MAX)
        return n;
    n = MP_PREFIX_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

static uc_status enc_unknown(msgpack_packer *pk, const struct tf_value *v, const struct tf_type *t)
{
    const struct tf_refinements *r = v->refine;
    bool coll = t->kind == TF_LIST || t->kind == TF_SET || t->kind == TF_MAP;
    size_t nent = 0;
    if (r && t->kind != TF_DYNAMIC) {
        nent += r->not_null;
        nent += t->kind == TF_STRING && r->prefix && prefix_len(r->prefix) > 0;
        nent += t->kind == TF_NUMBER && r->num_lower;
        nent += t->kind == TF_NUMBER && r->num_upper;
        nent += coll && r->len_lower >= 0;
        nent += coll && r->len_upper >= 0;
    }
    if (nent == 0) {
        static const char zero = 0;
        if (msgpack_pack_ext(pk, 1, MP_EXT_UNKNOWN) || msgpack_pack_ext_body(pk, &zero, 1))
            return UC_NOMEM;
        return UC_OK;
    }
    struct uc_buf payload;
    msgpack_packer pp;
    uc_status st = UC_OK;
    uc_buf_init(&payload);
    msgpack_packer_init(&pp, &payload, buf_write);
    msgpack_pack_map(&pp, nent);
    if (r->not_null) {
        msgpack_pack_int(&pp, 1);
        msgpack_pack_false(&pp);
    }
    if (t->kind == TF_STRING && r->prefix && prefix_len(r->prefix) > 0) {
        msgpack_pack_int(&pp, 2);
        st = enc_str(&pp, r->prefix, prefix_len(r->prefix));
    }
    if (t->kind == TF_NUMBER) {
        for (int k = 3; k <= 4 && st == UC_OK; k++) {
            const char *num = k == 3 ? r->num_lower : r->num_upper;
            if (!num)
                continue;
            msgpack_pack_int(&pp, k);
            msgpack_pack_array(&pp, 2);
            st = enc_number(&pp, num);
            if ((k == 3 ? r->num_lower_incl : r->num_upper_incl))
                msgpack_pack_true(&pp);
            else
                msgpack_pack_false(&pp);
        }
    }
    if (coll && r->len_lower >= 0) {
        msgpack_pack_int(&pp, 5);
        msgpack_pack_int64(&pp, r->len_lower);
    }
    if (coll && r->len_upper >= 0) {
        msgpack_pack_int(&pp, 6);
        msgpack_pack_int64(&pp, r->len_upper);
    }
    if (st == UC_OK && payload.err)
        st = payload.err;
    if (st == UC_OK && payload.len > MP_REFINE_MAX)
        st = UC_INVALID;
    if (st == UC_OK && (msgpack_pack_ext(pk, payload.len, MP_EXT_REFINED) ||
                        msgpack_pack_ext_body(pk, payload.data, payload.len)))
        st = UC_NOMEM;
    uc_buf_release(&payload);
    return st;
}

static uc_status enc_dynamic(msgpack_packer *pk, const struct tf_value *v, int depth)
{
    struct uc_buf tj;
    uc_status st;
    if (!v->type || v->type->kind == TF_DYNAMIC)
        return UC_INVALID;
    uc_buf_init(&tj);
    st = tf_type_to_json(v->type, &tj);
    if (st == UC_OK && (msgpack_pack_array(pk, 2) || msgpack_pack_bin(pk, tj.len) ||
                        msgpack_pack_bin_body(pk, tj.data, tj.len)))
        st = UC_NOMEM;
    if (st == UC_OK)
        st = enc_value(pk, v, v->type, depth + 1);
    uc_buf_release(&tj);
    return st;
}

static uc_status enc_value(msgpack_packer *pk, const struct tf_value *v, const struct tf_type *t,
                           int depth)
{
    uc_status st = UC_OK;
    if (!t || depth > 2 * MP_MAX_DEPTH)
        return UC_INVALID;
    /* As cty's marshal: a value with a concrete type in a dynamic slot keeps it in a wrapper,
     * also when null or unknown ([type, nil], [type, ext]); only values whose own type is
     * dynamic are a bare nil / ext 0. Dropping the type would make a config value such as
     * UnknownVal(String) come back as DynamicVal: "Provider produced invalid plan". */
    if (t->kind == TF_DYNAMIC && v && v->type && v->type->kind != TF_DYNAMIC)
        return enc_dynamic(pk, v, depth);
    if (!v || v->state == TF_NULL)
        return msgpack_pack_nil(pk) ? UC_NOMEM : UC_OK;
    if (v->state == TF_UNKNOWN)
        return enc_unknown(pk, v, t);
    if (t->kind == TF_DYNAMIC)
        return UC_INVALID; /* a known value needs a concrete type */
    if (!v->type || v->type->kind != t->kind)
        return UC_INVALID;
    switch (t->kind) {
    case TF_STRING:
        return v->str ? enc_str(pk, v->str, v->str_len) : UC_INVALID;
    case TF_NUMBER:
        return enc_number_value(pk, v->num);
    case TF_BOOL:
        return (v->b ? msgpack_pack_true(pk) : msgpack_pack_false(pk)) ? UC_NOMEM : UC_OK;
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
        if (t->kind == TF_TUPLE && v->count != t->count)
            return UC_INVALID;
        if (msgpack_pack_array(pk, v->count))
            return UC_NOMEM;
        for (size_t i = 0; i < v->count && st == UC_OK; i++)
            st = enc_value(pk, v->elems[i], t->kind == TF_TUPLE ? t->members[i] : t->elem,
                           depth + 1);
        return st;
    case TF_MAP:
        if (msgpack_pack_map(pk, v->count))
            return UC_NOMEM;
        for (size_t i = 0; i < v->count && st == UC_OK; i++) {
            st = enc_str(pk, v->keys[i], strlen(v->keys[i]));
            if (st == UC_OK)
                st = enc_value(pk, v->elems[i], t->elem, depth + 1);
        }
        return st;
    case TF_OBJECT:
        if (v->type->count != t->count)
            return UC_INVALID;
        if (msgpack_pack_map(pk, t->count))
            return UC_NOMEM;
        for (size_t i = 0; i < t->count && st == UC_OK; i++) {
            int idx = v->type == t ? (int)i : tf_type_attr_index(v->type, t->names[i]);
            if (idx < 0)
                return UC_INVALID;
            st = enc_str(pk, t->names[i], strlen(t->names[i]));
            if (st == UC_OK)
                st = enc_value(pk, v->elems[idx], t->members[i], depth + 1);
        }
        return st;
    case TF_DYNAMIC:
        break;
    }
    return UC_INVALID;
}

uc_status tf_msgpack_encode(const struct tf_value *v, const struct tf_type *t, struct uc_buf *out)
{
    if (out->err)
        return out->err;
    size_t start = out->len;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buf_write);
    uc_status st = enc_value(&pk, v, t, 0);
    if (st == UC_OK && out->err)
        st = out->err;
    if (st != UC_OK && out->err == UC_OK && out->data) {
        out->len = start; /* leave no half-written value behind */
        out->data[start] = '\0';
    }
    return st;
}
