/* schema.c - what the engine derives from a resource's static schema table: the implied object
 * type of a block, configuration validation (required attributes, nested block counts, the
 * attribute validators) and the load-time schema rules Terraform enforces (reference §7.4).
 * It must not know any particular resource, nor the protocol's Schema message (the host's job).
 */
#include "tf_schema.h"

#include <string.h>

#include "tf_json.h"

#define SCHEMA_MAX_DEPTH 32

const struct tf_attr *tf_block_find_attr(const struct tf_block *b, const char *name)
{
    for (size_t i = 0; b && name && i < b->nattrs; i++) {
        if (strcmp(b->attrs[i].name, name) == 0)
            return &b->attrs[i];
    }
    return NULL;
}

const struct tf_block_type *tf_block_find_block(const struct tf_block *b, const char *name)
{
    for (size_t i = 0; b && name && i < b->nblocks; i++) {
        if (strcmp(b->blocks[i].name, name) == 0)
            return &b->blocks[i];
    }
    return NULL;
}

static const struct tf_type *block_type(struct uc_arena *a, const struct tf_block *b, int depth)
{
    if (!b || depth > SCHEMA_MAX_DEPTH)
        return NULL;
    size_t n = b->nattrs + b->nblocks;
    const char **names = uc_arena_calloc(a, n ? n : 1, sizeof(*names));
    const struct tf_type **types = uc_arena_calloc(a, n ? n : 1, sizeof(*types));
    if (!names || !types)
        return NULL;
    for (size_t i = 0; i < b->nattrs; i++) {
        names[i] = b->attrs[i].name;
        types[i] = b->attrs[i].type;
    }
    for (size_t i = 0; i < b->nblocks; i++) {
        const struct tf_block_type *bt = &b->blocks[i];
        const struct tf_type *obj = block_type(a, bt->block, depth + 1);
        const struct tf_type *t = NULL;
        if (!obj)
            return NULL;
        switch (bt->nesting) {
        case TF_NEST_SINGLE:
        case TF_NEST_GROUP:
            t = obj;
            break;
        case TF_NEST_LIST:
            /* With a dynamic attribute inside, the elements may differ in type: Terraform's
             * implied type is then dynamic (the values are tuples). Same for MAP (objects). */
            t = tf_type_has_dynamic(obj) ? &tf_type_dynamic : tf_type_list(a, obj);
            break;
        case TF_NEST_SET:
            t = tf_type_set(a, obj);
            break;
        case TF_NEST_MAP:
            t = tf_type_has_dynamic(obj) ? &tf_type_dynamic : tf_type_map(a, obj);
            break;
        }
        if (!t)
            return NULL;
        names[b->nattrs + i] = bt->name;
        types[b->nattrs + i] = t;
    }
    return tf_type_object(a, n, names, types);
}

const struct tf_type *tf_block_type_of(struct uc_arena *a, const struct tf_block *b)
{
    return block_type(a, b, 0);
}

/* --- validation of a configuration ----------------------------------------------------------- */

/* Inside a set element there is no path step that Terraform can resolve for one element, so
 * diagnostics below a set attach to the set itself (frozen path). */
struct vctx {
    struct tf_diags *d;
    bool frozen;
};

static struct tf_path step_attr(const struct vctx *c, const struct tf_path *base, const char *name)
{
    return c->frozen ? *base : tf_path_attr(base, name);
}

static void validate_block(const struct tf_block *b, const struct tf_value *obj,
                           const struct tf_path *base, struct vctx *c, int depth);

static void validate_attr(const struct tf_attr *at, const struct tf_value *v,
                          const struct tf_path *path, struct vctx *c)
{
    bool configurable = at->flags & (TF_REQUIRED | TF_OPTIONAL);
    if (tf_value_is_null(v)) {
        if (at->flags & TF_REQUIRED)
            tf_diag_error(c->d, path, "Missing required argument",
                          "The argument \"%s\" is required, but no definition was found.",
                          at->name);
        return;
    }
    if (!configurable) {
        tf_diag_error(c->d, path, "Invalid Configuration for Read-Only Attribute",
                      "Cannot set value for the attribute \"%s\": its value is decided by the "
                      "provider.",
                      at->name);
        return;
    }
    if (at->flags & TF_DEPRECATED)
        tf_diag_warning(c->d, path, "Deprecated attribute", "The attribute \"%s\" is deprecated.",
                        at->name);
    if (at->validate && tf_value_is_known(v))
        at->validate(v, path, at->validate_arg, c->d);
}

static void check_count(const struct tf_block_type *bt, size_t n, const struct tf_path *path,
                        struct vctx *c)
{
    struct uc_arena *a = c->d->arena;
    if (bt->min_items > 0 && (int64_t)n < bt->min_items)
        tf_diag_error(c->d, path, uc_arena_printf(a, "Insufficient %s blocks", bt->name),
                      "At least %lld \"%s\" block%s required.", (long long)bt->min_items, bt->name,
                      bt->min_items == 1 ? " is" : "s are");
    if (bt->max_items > 0 && (int64_t)n > bt->max_items)
        tf_diag_error(c->d, path, uc_arena_printf(a, "Too many %s blocks", bt->name),
                      "No more than %lld \"%s\" block%s allowed.", (long long)bt->max_items,
                      bt->name, bt->max_items == 1 ? " is" : "s are");
}

static void validate_nested(const struct tf_block_type *bt, const struct tf_value *v,
                            const struct tf_path *path, struct vctx *c, int depth)
{
    if (tf_value_is_unknown(v))
        return; /* e.g. a dynamic block over an unknown collection: count not known yet */
    if (bt->nesting == TF_NEST_SINGLE || bt->nesting == TF_NEST_GROUP) {
        if (tf_value_is_null(v)) {
            if (bt->nesting == TF_NEST_SINGLE)
                check_count(bt, 0, path, c);
            return;
        }
        validate_block(bt->block, v, path, c, depth + 1);
        return;
    }
    /* A dynamic-typed block value (LIST / MAP with a dynamic attribute inside) carries
     * whatever type the wire named: only the collection kinds of its nesting have elements. */
    enum tf_type_kind k = tf_value_is_null(v) ? TF_LIST : v->type->kind;
    bool shaped = tf_value_is_null(v) ||
                  (bt->nesting == TF_NEST_MAP ? k == TF_MAP || k == TF_OBJECT
                                              : k == TF_LIST || k == TF_SET || k == TF_TUPLE);
    if (!shaped) {
        tf_diag_error(c->d, path, "Invalid nested block value",
                      "The value of the \"%s\" blocks has the wrong type.", bt->name);
        return;
    }
    size_t n = tf_value_is_null(v) ? 0 : v->count;
    check_count(bt, n, path, c);
    struct vctx inner = *c;
    if (bt->nesting == TF_NEST_SET)
        inner.frozen = true;
    for (size_t i = 0; i < n; i++) {
        struct tf_path p = *path;
        /* A MAP block with a dynamic attribute inside is an object keyed by label (no keys
         * array), as in plan.c. */
        if (!c->frozen && bt->nesting == TF_NEST_MAP)
            p = tf_path_key(path, v->type->kind == TF_OBJECT ? v->type->names[i] : v->keys[i]);
        else if (!c->frozen && bt->nesting != TF_NEST_SET)
            p = tf_path_index(path, (int64_t)i);
        validate_block(bt->block, v->elems[i], &p, &inner, depth + 1);
    }
}

static void validate_block(const struct tf_block *b, const struct tf_value *obj,
                           const struct tf_path *base, struct vctx *c, int depth)
{
    if (!b || !obj || obj->state != TF_KNOWN || depth > SCHEMA_MAX_DEPTH)
        return;
    for (size_t i = 0; i < b->nattrs; i++) {
        const struct tf_attr *at = &b->attrs[i];
        struct tf_path p = step_attr(c, base, at->name);
        validate_attr(at, tf_value_attr(obj, at->name), &p, c);
    }
    for (size_t i = 0; i < b->nblocks; i++) {
        const struct tf_block_type *bt = &b->blocks[i];
        struct tf_path p = step_attr(c, base, bt->name);
        validate_nested(bt, tf_value_attr(obj, bt->name), &p, c, depth);
    }
}

void tf_block_validate(const struct tf_block *b, const struct tf_value *config,
                       const struct tf_path *base, struct tf_diags *d)
{
    struct tf_path root = base ? *base : tf_path_root();
    struct vctx c = {.d = d};
    validate_block(b, config, &root, &c, 0);
}

/* --- load-time schema rules ---------------------------------------------------------------- */

struct check {
    struct uc_arena *a;
    const char *err;
};

static bool check_fail(struct check *k, const char *prefix, const char *name, const char *msg)
{
    k->err = uc_arena_printf(k->a, "%s%s: %s", prefix, name ? name : "(unnamed)", msg);
    if (!k->err)
        k->err = msg;
    return false;
}

static bool name_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    }
    return true;
}

static bool block_has_write_only(const struct tf_block *b, int depth)
{
    if (!b || depth > SCHEMA_MAX_DEPTH)
        return false;
    for (size_t i = 0; i < b->nattrs; i++) {
        if (b->attrs[i].flags & TF_WRITE_ONLY)
            return true;
    }
    for (size_t i = 0; i < b->nblocks; i++) {
        if (block_has_write_only(b->blocks[i].block, depth + 1))
            return true;
    }
    return false;
}

static bool check_attr(struct check *k, const char *prefix, const struct tf_attr *at)
{
    unsigned f = at->flags;
    bool r = f & TF_REQUIRED, o = f & TF_OPTIONAL, cp = f & TF_COMPUTED;
    if (!name_ok(at->name))
        return check_fail(k, prefix, at->name, "names may only contain a-z, 0-9 and _");
    if (!r && !o && !cp)
        return check_fail(k, prefix, at->name, "must set Optional, Required or Computed");
    if (r && o)
        return check_fail(k, prefix, at->name, "cannot set both Optional and Required");
    if (r && cp)
        return check_fail(k, prefix, at->name, "cannot set both Computed and Required");
    if (!at->type || !tf_type_valid(at->type))
        return check_fail(k, prefix, at->name, "Type must be set to a valid type");
    if ((f & TF_WRITE_ONLY) && cp)
        return check_fail(k, prefix, at->name, "write-only attributes cannot be Computed");
    if (at->default_json) {
        struct tf_value *v = NULL;
        if (!(o && cp))
            return check_fail(k, prefix, at->name, "a default needs Optional+Computed");
        if (tf_json_decode(k->a, at->default_json, strlen(at->default_json), at->type, &v, NULL) !=
                UC_OK ||
            tf_value_is_null(v))
            return check_fail(k, prefix, at->name, "default is not a non-null value of the type");
    }
    return true;
}

static bool check_block(struct check *k, const char *prefix, const struct tf_block *b, int depth)
{
    if (!b)
        return check_fail(k, prefix, "block", "missing block");
    if (depth > SCHEMA_MAX_DEPTH)
        return check_fail(k, prefix, "block", "nesting too deep");
    if ((b->nattrs && !b->attrs) || (b->nblocks && !b->blocks))
        return check_fail(k, prefix, "block", "attribute or block table missing");
    for (size_t i = 0; i < b->nattrs; i++) {
        if (!check_attr(k, prefix, &b->attrs[i]))
            return false;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(b->attrs[i].name, b->attrs[j].name) == 0)
                return check_fail(k, prefix, b->attrs[i].name, "attribute defined twice");
        }
    }
    for (size_t i = 0; i < b->nblocks; i++) {
        const struct tf_block_type *bt = &b->blocks[i];
        if (!name_ok(bt->name))
            return check_fail(k, prefix, bt->name, "names may only contain a-z, 0-9 and _");
        if (tf_block_find_attr(b, bt->name))
            return check_fail(k, prefix, bt->name, "name defined as both attribute and block");
        for (size_t j = 0; j < i; j++) {
            if (strcmp(bt->name, b->blocks[j].name) == 0)
                return check_fail(k, prefix, bt->name, "block type defined twice");
        }
        if (bt->min_items < 0 || bt->max_items < 0)
            return check_fail(k, prefix, bt->name, "MinItems and MaxItems must both be >= 0");
        if (bt->max_items != 0 && bt->min_items > bt->max_items)
            return check_fail(k, prefix, bt->name, "MinItems must be less than MaxItems");
        switch (bt->nesting) {
        case TF_NEST_SINGLE:
            if (bt->min_items != bt->max_items || bt->min_items > 1)
                return check_fail(k, prefix, bt->name,
                                  "MinItems and MaxItems must match and be 0 or 1 in "
                                  "NestingSingle mode");
            break;
        case TF_NEST_GROUP:
            if (bt->min_items != 0 || bt->max_items != 0)
                return check_fail(k, prefix, bt->name,
                                  "MinItems and MaxItems cannot be used in NestingGroup mode");
            break;
        case TF_NEST_MAP:
            if (bt->min_items != 0 || bt->max_items != 0)
                return check_fail(k, prefix, bt->name,
                                  "MinItems and MaxItems cannot be used in NestingMap mode");
            break;
        case TF_NEST_SET: {
            struct uc_arena *a = k->a;
            const struct tf_type *t = bt->block ? tf_block_type_of(a, bt->block) : NULL;
            if (t && tf_type_has_dynamic(t))
                return check_fail(k, prefix, bt->name,
                                  "NestingSet blocks may not contain dynamically-typed "
                                  "attributes");
            if (block_has_write_only(bt->block, 0))
                return check_fail(k, prefix, bt->name,
                                  "NestingSet blocks may not contain write-only attributes");
            break;
        }
        case TF_NEST_LIST:
            break;
        default:
            return check_fail(k, prefix, bt->name, "unsupported nesting mode");
        }
        const char *sub = uc_arena_printf(k->a, "%s%s.", prefix, bt->name);
        if (!sub)
            return check_fail(k, prefix, bt->name, "out of memory");
        if (!check_block(k, sub, bt->block, depth + 1))
            return false;
    }
    return true;
}

bool tf_block_check(const struct tf_block *b, const char **err, struct uc_arena *a)
{
    struct check k = {.a = a};
    bool ok = check_block(&k, "", b, 0);
    if (err)
        *err = ok ? NULL : k.err;
    return ok;
}
