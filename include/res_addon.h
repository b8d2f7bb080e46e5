/* res_addon.h - the apply side of unicron_addon shared by its three kinds: what one operation
 * works on (struct res_addon_op), what the user asked for (struct res_addon_spec) and what exists
 * (struct res_addon_obs). addon.c turns Terraform values into these and back; addon_eks.c,
 * addon_capability.c and addon_argocd.c do the AWS / Kubernetes work of one kind each and report
 * problems as diagnostics naming the operation, the code and the component.
 *
 * Everything is borrowed for one call; strings in struct res_addon_obs live in the call's arena.
 * Thread-safe: no state outside the call.
 */
#ifndef RES_ADDON_H
#define RES_ADDON_H

#include <jansson.h>
#include <stdbool.h>

#include "aws_client.h"
#include "res_catalog.h"
#include "res_eks_access.h"
#include "res_resource.h"

/* One operation on one component of one cluster. */
struct res_addon_op {
    struct res_ctx *ctx;
    const struct res_component *comp;
    struct res_eks_cluster cl; /* opened by addon.c */
    struct aws_call_opts o;    /* cancel (StopProvider) + the operation's deadline */
    const char *where;         /* "component \"coredns\" on cluster 123456789012/demo" */
};

/* The desired component (from the plan). NULL strings are "not set". */
struct res_addon_spec {
    const char *version;           /* NULL = the default for the cluster's Kubernetes version */
    const char *configuration;     /* JSON object text */
    const char *ns;                /* namespace (argocd kind: the destination) */
    const char *resolve_conflicts; /* eks */
    const char *role_arn;          /* eks: service_account_role_arn */
    bool wait;
    bool preserve; /* eks delete: keep the software on the cluster */
};

/* The component as it exists. Strings are arena memory or NULL. */
struct res_addon_obs {
    bool exists;
    const char *version;
    const char *status;
    const char *arn;
    const char *configuration;   /* JSON text as the remote side holds it (NULL = none) */
    const char *role_arn;        /* eks: serviceAccountRoleArn */
    const char *ns;              /* argocd: destination namespace */
    const char *default_version; /* the recommendation for the cluster's current version */
};

/* Kind entry points. apply = create (prior NULL) or update; each returns false after adding
 * error diagnostics, and fills obs with what exists even then (obs->exists false = nothing). */
bool res_addon_eks_apply(struct res_addon_op *op, const struct res_addon_spec *want,
                         const struct res_addon_spec *prior, struct res_addon_obs *obs);
bool res_addon_eks_read(struct res_addon_op *op, struct res_addon_obs *obs);
bool res_addon_eks_delete(struct res_addon_op *op, bool preserve);

bool res_addon_cap_apply(struct res_addon_op *op, const struct res_addon_spec *want,
                         const struct res_addon_spec *prior, struct res_addon_obs *obs);
bool res_addon_cap_read(struct res_addon_op *op, const char *prior_configuration,
                        struct res_addon_obs *obs);
bool res_addon_cap_delete(struct res_addon_op *op);

bool res_addon_argocd_apply(struct res_addon_op *op, const struct res_addon_spec *want,
                            struct res_addon_obs *obs);
bool res_addon_argocd_read(struct res_addon_op *op, struct res_addon_obs *obs);
bool res_addon_argocd_delete(struct res_addon_op *op);
/* Drops this process's shared answer to "where does the cluster's Argo CD run" (the argocd
 * components' refresh shares it); the capability kind calls it around its writes. */
void res_addon_argocd_forget(const struct res_addon_op *op);

/* ---- shared helpers (addon.c) ------------------------------------------------------------ */

/* Error diagnostic for a failed AWS or Kubernetes call, naming the component (op->where). */
void res_addon_diag(struct res_addon_op *op, const char *attr, const struct aws_error *err);

/* JSON texts equal as documents (key order, whitespace). NULL or "" equals "{}" and NULL. */
bool res_addon_json_same(const char *a, const char *b);

/* The text to store for a remote document: keep `prior` when it is the same document, else the
 * remote text compacted with sorted keys. NULL remote (or {}) with NULL prior gives NULL. */
const char *res_addon_json_keep(struct uc_arena *a, const char *prior, const char *remote);

/* The string member key of object o, "" when absent or not a string. Borrowed. */
const char *res_addon_jstr(const json_t *o, const char *key);

/* Whether an EKS add-on or capability status is one EKS is still working through (CREATING,
 * UPDATING): it refuses an update until the object settles. NULL is not. */
bool res_addon_settling(const char *status);

/* The health issues of an EKS add-on or capability (health.issues[].code / message) as one
 * line in the arena, "no health issues given" when there are none. */
const char *res_addon_issues_text(struct uc_arena *a, const json_t *obj);

/* The configured capability / Argo CD namespace of the argo-cd component ("argocd" default). */
#define RES_ADDON_ARGOCD_NS "argocd"

#endif
