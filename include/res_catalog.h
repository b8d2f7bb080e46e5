/* res_catalog.h - the add-on catalog compiled into the provider (the Kubernetes versions EKS
 * supports are res_eks_versions.h's).
 *
 * Each component has a kind (EKS managed add-on, EKS Capability, or Helm/Git source delivered as
 * an Argo CD Application), its install coordinates, the Kubernetes versions it supports, and a
 * one-line description. Everything here is static const data: thread-safe, never freed.
 */
#ifndef RES_CATALOG_H
#define RES_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "res_eks_versions.h" /* res_k8s_min_minor / _max_minor / _default_version */

enum res_kind {
    RES_KIND_EKS = 0,     /* EKS managed add-on (CreateAddon) */
    RES_KIND_CAPABILITY,  /* EKS Capability run by AWS (CreateCapability) */
    RES_KIND_ARGOCD,      /* Helm chart or Git path delivered as an Argo CD Application */
};

/* A recommended version for one Kubernetes minor. */
struct res_version_pin {
    int k8s_minor; /* e.g. 35 for 1.35 */
    const char *version;
};

struct res_component {
    const char *name;        /* the catalog name users write: "spark-operator" */
    enum res_kind kind;
    const char *description; /* one line */

    const char *eks_addon_name;  /* RES_KIND_EKS: the EKS addonName */
    const char *capability_type; /* RES_KIND_CAPABILITY: ARGOCD | ACK | KRO */

    /* RES_KIND_ARGOCD: Helm chart (repo_url + chart) or Git source (repo_url + path, chart
     * NULL); default_version is the chart version or the Git tag. */
    const char *repo_url;
    const char *chart;
    const char *path;
    const char *default_version;
    const char *namespace; /* default namespace (all kinds; NULL = the add-on's own) */

    int k8s_min_minor; /* 0 = every supported version */
    int k8s_max_minor; /* 0 = every supported version */
    const struct res_version_pin *pins; /* per-Kubernetes recommendations, may be NULL */
    size_t npins;
};


size_t res_catalog_count(void);
const struct res_component *res_catalog_at(size_t i);

/* Exact lookup by catalog name; NULL when absent. */
const struct res_component *res_catalog_find(const char *name);

/* Up to max catalog names closest to name (edit distance, prefix and substring matches), best
 * first; returns how many were written to out (borrowed static strings). */
size_t res_catalog_suggest(const char *name, const char **out, size_t max);

/* "eks", "capability", "argocd". */
const char *res_kind_name(enum res_kind k);

/* Whether the component supports Kubernetes 1.<minor> (within the EKS range and its own). */
bool res_catalog_supports(const struct res_component *c, int k8s_minor);

/* The version to install on Kubernetes 1.<minor>: a pin for that minor, else default_version.
 * NULL for EKS add-ons without a pin: the version is resolved at apply (DescribeAddonVersions
 * defaultVersion for the cluster's version). */
const char *res_catalog_recommended_version(const struct res_component *c, int k8s_minor);

#endif
