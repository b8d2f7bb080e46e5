/* tf_fixture.h - a tenant-like schema shared by the engine's schema and planner tests, and the
 * group setup that builds its implied type T in the arena of tf_test.h (header-only: each unit
 * test is its own executable). Not a real resource.
 */
#ifndef TF_FIXTURE_H
#define TF_FIXTURE_H

#include <string.h>

#include "tf_diag.h"
#include "tf_json.h"
#include "tf_schema.h"
#include "tf_test.h"

static void fx_slug(const struct tf_value *v, const struct tf_path *path, const void *arg,
                    struct tf_diags *d)
{
    const char *s = tf_value_str(v);
    if (!s || !*s || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s))
        tf_diag_error(d, path, "Invalid slug", "\"%s\" is not a slug (%s).", s ? s : "",
                      (const char *)arg);
}

static const struct tf_attr fx_env_attrs[] = {
    {.name = "name", .type = &tf_type_string, .flags = TF_REQUIRED, .validate = fx_slug,
     .validate_arg = "environment"},
    {.name = "account_id", .type = &tf_type_string, .flags = TF_COMPUTED},
    {.name = "size", .type = &tf_type_number, .flags = TF_OPTIONAL | TF_COMPUTED,
     .default_json = "1"},
    {.name = "kind", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_FORCE_NEW},
};
static const struct tf_block fx_env = {.attrs = fx_env_attrs, .nattrs = 4};

static const struct tf_attr fx_rule_attrs[] = {
    {.name = "cidr", .type = &tf_type_string, .flags = TF_REQUIRED, .validate = fx_slug,
     .validate_arg = "rule"},
    {.name = "id", .type = &tf_type_string, .flags = TF_COMPUTED},
};
static const struct tf_block fx_rule = {.attrs = fx_rule_attrs, .nattrs = 2};

static const struct tf_attr fx_alias_attrs[] = {
    {.name = "value", .type = &tf_type_string, .flags = TF_REQUIRED},
    {.name = "arn", .type = &tf_type_string, .flags = TF_COMPUTED},
};
static const struct tf_block fx_alias = {.attrs = fx_alias_attrs, .nattrs = 2};

static const struct tf_attr fx_timeouts_attrs[] = {
    {.name = "create", .type = &tf_type_string, .flags = TF_OPTIONAL},
};
static const struct tf_block fx_timeouts = {.attrs = fx_timeouts_attrs, .nattrs = 1};

static const struct tf_attr fx_attrs[] = {
    {.name = "id", .type = &tf_type_string, .flags = TF_COMPUTED},
    {.name = "name", .type = &tf_type_string, .flags = TF_REQUIRED | TF_FORCE_NEW,
     .validate = fx_slug, .validate_arg = "tenant"},
    {.name = "email", .type = &tf_type_string, .flags = TF_REQUIRED},
    {.name = "role_name", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_COMPUTED,
     .default_json = "\"OrganizationAccountAccessRole\""},
    {.name = "region", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_COMPUTED},
    {.name = "arn", .type = &tf_type_string, .flags = TF_COMPUTED},
    {.name = "tags", .type = &tf_type_map_string, .flags = TF_OPTIONAL},
    {.name = "password", .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE | TF_WRITE_ONLY},
    {.name = "legacy", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_DEPRECATED},
};
static const struct tf_block_type fx_blocks[] = {
    {.name = "environment", .nesting = TF_NEST_LIST, .block = &fx_env, .min_items = 1,
     .max_items = 3},
    {.name = "rule", .nesting = TF_NEST_SET, .block = &fx_rule},
    {.name = "alias", .nesting = TF_NEST_MAP, .block = &fx_alias},
    {.name = "timeouts", .nesting = TF_NEST_SINGLE, .block = &fx_timeouts},
};
static const struct tf_block fx_tenant = {.attrs = fx_attrs, .nattrs = 9, .blocks = fx_blocks,
                                          .nblocks = 4};

/* A value of the tenant's implied type from state-style JSON (absent attributes null). */
static struct tf_value *fx_value(struct uc_arena *a, const struct tf_type *t, const char *json)
{
    struct tf_value *v = NULL;
    const char *err = NULL;
    if (tf_json_decode(a, json, strlen(json), t, &v, &err) != UC_OK)
        return NULL;
    return v;
}

/* The tenant block's implied type, built by fx_setup. */
static const struct tf_type *T;

/* cmocka group setup: the arena of tf_test.h, then T in it. */
static inline int fx_setup(void **state)
{
    if (tf_arena_setup(state) != 0)
        return -1;
    T = tf_block_type_of(A, &fx_tenant);
    return T ? 0 : -1;
}

#endif
