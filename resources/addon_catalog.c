/* addon_catalog.c - data source unicron_addon_catalog: the compiled-in catalog (res_catalog.h) as
 * a list users can browse from HCL and `terraform console`, filtered by kind and by the
 * Kubernetes version a component supports.
 *
 * Pure data: no AWS call. EKS add-on versions depend on the cluster (DescribeAddonVersions at
 * apply), so their default_version is null; a chart's default is its pin for the filtered
 * Kubernetes version, else the catalog's.
 */
#include <string.h>

#include "res_catalog.h"
#include "res_eks_access.h"
#include "res_registry.h"
#include "res_schema.h"
#include "res_validate.h"

static const char *const kinds[] = {"eks", "capability", "argocd", NULL};

/* One component; names sorted as cty object types require. */
static const char *const component_names[] = {
    "capability_type", "chart", "default_version", "description", "eks_addon_name", "kind", "name",
    "namespace",       "path",  "repo_url",
};
#define NCOMPONENT_ATTRS (sizeof component_names / sizeof component_names[0])
static const struct tf_type *const component_members[NCOMPONENT_ATTRS] = {
    &tf_type_string, &tf_type_string, &tf_type_string, &tf_type_string, &tf_type_string,
    &tf_type_string, &tf_type_string, &tf_type_string, &tf_type_string, &tf_type_string,
};
static const struct tf_type component_type = {
    .kind = TF_OBJECT,
    .count = NCOMPONENT_ATTRS,
    .names = component_names,
    .members = component_members,
};
static const struct tf_type components_type = {.kind = TF_LIST, .elem = &component_type};

static const struct tf_attr catalog_attrs[] = {
    {.name = "kind",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Only components of this kind: eks, capability or argocd.",
     .validate = res_validate_enum,
     .validate_arg = kinds},
    {.name = "kubernetes_version",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Only components that support this Kubernetes version (1.<minor>); chart "
                    "defaults follow its pins.",
     .validate = res_validate_k8s_version},
    {.name = "components",
     .type = &components_type,
     .flags = TF_COMPUTED,
     .description = "The components, sorted by name: name, kind, description, default_version "
                    "(null for EKS add-ons and capabilities: resolved per cluster), namespace, "
                    "eks_addon_name, capability_type, repo_url, chart, path."},
    {.name = "names",
     .type = &tf_type_list_string,
     .flags = TF_COMPUTED,
     .description = "The names of the components, sorted."},
};

static const struct tf_block catalog_block = {
    .attrs = catalog_attrs,
    .nattrs = sizeof catalog_attrs / sizeof catalog_attrs[0],
    .description = "The unicron add-on catalog: every component unicron_addon can install.",
};

static const struct tf_schema catalog_schema = {.version = 0, .block = &catalog_block};

static struct tf_value *component(struct uc_arena *a, const struct res_component *c, int minor)
{
    const char *dflt =
        c->kind == RES_KIND_ARGOCD
            ? (minor > 0 ? res_catalog_recommended_version(c, minor) : c->default_version)
            : NULL;
    /* parallel to component_names */
    const char *vals[NCOMPONENT_ATTRS] = {
        c->capability_type,     c->chart, dflt,         c->description, c->eks_addon_name,
        res_kind_name(c->kind), c->name,  c->namespace, c->path,        c->repo_url,
    };
    struct tf_value *v[NCOMPONENT_ATTRS];
    for (size_t i = 0; i < NCOMPONENT_ATTRS; i++)
        if ((v[i] = res_str_or_null(a, vals[i])) == NULL)
            return NULL;
    return tf_value_object(a, &component_type, v);
}

static struct tf_value *catalog_read(struct res_ctx *ctx, const struct tf_value *config)
{
    struct uc_arena *a = ctx->arena;
    const char *kind = tf_value_str(tf_value_attr(config, "kind"));
    const char *k8s = tf_value_str(tf_value_attr(config, "kubernetes_version"));
    int minor = k8s != NULL ? res_eks_minor(k8s) : -1;
    size_t n = res_catalog_count(), m = 0;
    struct tf_value **items = uc_arena_calloc(a, n ? n : 1, sizeof *items);
    struct tf_value **names = uc_arena_calloc(a, n ? n : 1, sizeof *names);
    if (items == NULL || names == NULL)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const struct res_component *c = res_catalog_at(i);
        if (kind != NULL && strcmp(kind, res_kind_name(c->kind)) != 0)
            continue;
        if (minor > 0 && !res_catalog_supports(c, minor))
            continue;
        if ((items[m] = component(a, c, minor)) == NULL ||
            (names[m] = tf_value_string(a, c->name)) == NULL)
            goto oom;
        m++;
    }
    struct tf_value *list = tf_value_list(a, &components_type, items, m);
    struct tf_value *nl = tf_value_list(a, &tf_type_list_string, names, m);
    struct tf_value *out =
        list != NULL && nl != NULL ? tf_value_with_attr(a, config, "components", list) : NULL;
    if (out != NULL)
        out = tf_value_with_attr(a, out, "names", nl);
    if (out != NULL)
        return out;
oom:
    tf_diag_error(ctx->diags, NULL, "Out of memory",
                  "Reading the add-on catalog ran out of "
                  "memory.");
    return NULL;
}

const struct res_data_source res_addon_catalog = {
    .type_name = "unicron_addon_catalog",
    .schema = &catalog_schema,
    .read = catalog_read,
};
