/* res_cluster.h - the AWS side of unicron_cluster, shared by its files: the operation's context
 * (the session inside the tenant account, call options), the control plane and its IAM roles and
 * OIDC provider (cluster_eks.c), node groups run one thread each (cluster_nodegroups.c), access
 * entries (cluster_access.c), the one-minor-at-a-time upgrade (cluster_upgrade.c) and the
 * kubeconfig text (cluster_kubeconfig.c).
 *
 * Nothing here builds Terraform values except the kubeconfig string: cluster.c turns EKS objects
 * into state. Functions fill struct aws_error and return a status; the node group runner writes
 * diagnostics into each item's own list and merges them in item order. The op is read-only while
 * calls run, so every function may be called from several threads at once. JSON returned through
 * out-parameters is a new reference the caller owns.
 */
#ifndef RES_CLUSTER_H
#define RES_CLUSTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws_client.h"
#include "tf_diag.h"
#include "tf_schema.h"
#include "uc_arena.h"

struct res_provider; /* res_provider.h */

#define RES_CLUSTER_TAG            "unicron:cluster"    /* cluster, roles, node groups, OIDC */
#define RES_CLUSTER_TAG_TIER       "unicron:tier"       /* the cluster's tier */
#define RES_CLUSTER_TAG_NODE_GROUP "unicron:node-group" /* a node group's Terraform name */
/* What AWS cannot give back, for import: the timeouts block ("create=30m update=1h", on the
 * cluster's IAM roles) and a node group's initial desired size (on the node group). */
#define RES_CLUSTER_TAG_TIMEOUTS   "unicron:timeouts"
#define RES_CLUSTER_TAG_DESIRED    "unicron:desired-size"

/* What one cluster operation shares (borrowed by every call; read-only while they run). */
struct res_cluster_op {
    struct aws_client *client;
    struct aws_session *s;     /* inside the tenant account (the account-access role) */
    struct aws_call_opts opts; /* cancel token (StopProvider) and the operation's deadline */
    const char *account_id;
    const char *name;      /* the EKS cluster name */
    char partition[16];    /* "aws" */
    char region[32];       /* the client's region */
    const struct res_provider *provider; /* ignore_tags: never drift, never removed */
};

/* ---- control plane, roles, OIDC provider (cluster_eks.c) --------------------------------- */

/* Lower-case hex SHA-256 of s into out (65 bytes for all of it; shorter buffers truncate). */
void res_sha256_hex(const char *s, char *out, size_t n);

/* "unicron-<cluster>-cluster" / "unicron-<cluster>-node" into buf (IAM's 64 characters: a long
 * cluster name is cut and a hash keeps it unique). Returns buf. */
const char *res_cluster_role_name(const char *cluster, bool node, char *buf, size_t n);

/* Creates or adopts both roles (trust eks.amazonaws.com / ec2.amazonaws.com, the EKS managed
 * policies, tags). ARNs into cluster_arn / node_arn (512 bytes each). */
uc_status res_cluster_ensure_roles(const struct res_cluster_op *op, const json_t *tags,
                                   char *cluster_arn, char *node_arn, struct aws_error *err);
/* Detaches their policies and deletes both roles; missing roles are fine. */
uc_status res_cluster_delete_roles(const struct res_cluster_op *op, struct aws_error *err);

/* "<account>/<name>" into buf: the unicron_cluster id, and the key of the cluster's answer in
 * the process's shared DescribeCluster (res_provider eks_clusters), which the cluster's own
 * DescribeCluster feeds and its writes drop. False when it does not fit (never shared then). */
#define RES_CLUSTER_ID_MAX 128 /* 12 digits, "/", a name of at most 100 characters */
bool res_cluster_id(const char *account, const char *name, char *buf, size_t n);

/* DescribeCluster: *cluster = the Cluster object, or NULL (UC_OK) when there is none. The answer
 * is offered to the add-on reads' shared DescribeCluster (res_keyed_read_offer). */
uc_status res_cluster_describe(const struct res_cluster_op *op, json_t **cluster,
                               struct aws_error *err);
/* CreateCluster with body (name, roleArn, ...; the deterministic clientRequestToken is added
 * here), adopting a cluster of that name when it exists; retries IAM propagation answers for up
 * to two minutes. *cluster: the Cluster object. */
uc_status res_cluster_create(const struct res_cluster_op *op, json_t *body, json_t **cluster,
                             struct aws_error *err);
/* Waits for ACTIVE (FAILED / DELETING end it); *cluster (may be NULL) gets the last object. */
uc_status res_cluster_wait_active(const struct res_cluster_op *op, json_t **cluster,
                                  struct aws_error *err);
/* DeleteCluster and wait until it is gone; a missing cluster is UC_OK. */
uc_status res_cluster_delete(const struct res_cluster_op *op, struct aws_error *err);
/* Waits for the update in answer ({"update": {...}}) to end Successful; Failed / Cancelled is
 * UC_REMOTE naming the update's errors. nodegroup: the EKS node group name of a node group
 * update, NULL for the cluster. */
uc_status res_cluster_wait_update(const struct res_cluster_op *op, const char *nodegroup,
                                  const json_t *answer, struct aws_error *err);
/* UpdateClusterConfig with body (one kind of change), then waits for it. */
uc_status res_cluster_update_config(const struct res_cluster_op *op, json_t *body,
                                    struct aws_error *err);
/* Makes the tags of EKS resource arn exactly want (object of strings): TagResource for missing
 * or different values, UntagResource for the rest except the key keep (NULL = none). */
uc_status res_cluster_set_tags(const struct res_cluster_op *op, const char *arn,
                               const json_t *want, const char *keep, struct aws_error *err);

/* The IAM OIDC provider ARN of issuer URL into arn (512 bytes). */
void res_cluster_oidc_arn(const struct res_cluster_op *op, const char *issuer, char *arn,
                          size_t n);
/* Creates or adopts the cluster's IAM OIDC provider (client id sts.amazonaws.com). */
uc_status res_cluster_oidc_ensure(const struct res_cluster_op *op, const char *issuer,
                                  const json_t *tags, char *arn, size_t n,
                                  struct aws_error *err);
/* Whether the provider exists (GetOpenIDConnectProvider). */
uc_status res_cluster_oidc_exists(const struct res_cluster_op *op, const char *issuer,
                                  bool *exists, struct aws_error *err);
/* Deletes it; a missing provider is UC_OK. */
uc_status res_cluster_oidc_delete(const struct res_cluster_op *op, const char *issuer,
                                  struct aws_error *err);

/* ---- node groups (cluster_nodegroups.c) -------------------------------------------------- */

#define RES_NG_MAX_THREADS 16 /* items beyond run inline, in order */

enum res_ng_step {
    RES_NG_CREATE,  /* adopt-or-create new_eks_name from body, wait ACTIVE */
    RES_NG_DELETE,  /* delete eks_name, wait gone */
    RES_NG_READ,    /* DescribeNodegroup eks_name */
    RES_NG_CONFIG,  /* UpdateNodegroupConfig eks_name with body, wait the update */
    RES_NG_VERSION, /* UpdateNodegroupVersion eks_name to version, wait the update */
    RES_NG_REPLACE  /* create new_eks_name from body, wait ACTIVE, then delete eks_name */
};

/* One node group. Inputs set by the caller after res_ng_works_init (borrowed strings that must
 * outlive the run; body owned by the item); outputs written by the item's thread only. */
struct res_ng_work {
    const struct res_cluster_op *op;
    enum res_ng_step step;
    size_t index;             /* node_group[index], for attribute paths */
    const char *name;         /* the Terraform name */
    const char *eks_name;     /* the existing EKS node group */
    const char *new_eks_name; /* RES_NG_CREATE / RES_NG_REPLACE */
    const char *version;      /* RES_NG_VERSION */
    json_t *body;             /* CreateNodegroup / UpdateNodegroupConfig body (owned) */
    /* out */
    struct uc_arena *arena;
    struct tf_diags diags;
    bool ok;      /* the step finished */
    bool gone;    /* RES_NG_READ: no such node group */
    bool created; /* RES_NG_REPLACE: the new group is ACTIVE (the old may remain on failure) */
    json_t *ng;   /* the Nodegroup object as EKS holds it last (owned; NULL when none) */
};

/* Zeroes n items, points them at op, gives each an arena and a diagnostics list. False when out
 * of memory; res_ng_works_release must run either way. */
bool res_ng_works_init(struct res_ng_work *ws, size_t n, const struct res_cluster_op *op);
/* Runs every item (one thread each, up to RES_NG_MAX_THREADS), waits for all, appends their
 * diagnostics to d in item order. */
void res_ng_works_run(struct res_ng_work *ws, size_t n, struct tf_diags *d);
void res_ng_works_release(struct res_ng_work *ws, size_t n);
/* ListNodegroups, every page: *names a new array of strings. */
uc_status res_ng_list(const struct res_cluster_op *op, json_t **names, struct aws_error *err);

/* ---- access entries (cluster_access.c) --------------------------------------------------- */

/* The EKS access policies unicron accepts by name (NULL-terminated). */
extern const char *const res_access_policies[];
/* tf_validate_fn for access_entry.policy: a name of res_access_policies or its full ARN
 * (arn:<partition>:eks::aws:cluster-access-policy/<name>). */
void res_validate_access_policy(const struct tf_value *v, const struct tf_path *p,
                                const void *arg, struct tf_diags *d);
/* The ARN of policy (a name or an ARN) in the op's partition, into buf. Returns buf. */
const char *res_access_policy_arn(const struct res_cluster_op *op, const char *policy, char *buf,
                                  size_t n);

/* What one managed access entry must be. */
struct res_access_want {
    const char *principal;  /* IAM role or user ARN */
    const char *policy_arn; /* the one associated access policy */
    const json_t *namespaces; /* array of strings: namespace scope; NULL or empty = cluster */
};
/* Whether policies (ListAssociatedAccessPolicies items) hold w's policy with w's scope. */
bool res_access_matches(const json_t *policies, const struct res_access_want *w);
/* CreateAccessEntry (an existing entry is adopted), AssociateAccessPolicy, and
 * DisassociateAccessPolicy of any other policy the entry has. */
uc_status res_access_ensure(const struct res_cluster_op *op, const struct res_access_want *w,
                            struct aws_error *err);
/* ListAssociatedAccessPolicies of principal: *policies a new array of {policyArn, accessScope},
 * or NULL (UC_OK) when the principal has no access entry. */
uc_status res_access_read(const struct res_cluster_op *op, const char *principal,
                          json_t **policies, struct aws_error *err);
/* DeleteAccessEntry; a missing one is UC_OK. */
uc_status res_access_delete(const struct res_cluster_op *op, const char *principal,
                            struct aws_error *err);
/* ListAccessEntries, every page: *principals a new array of strings. */
uc_status res_access_list(const struct res_cluster_op *op, json_t **principals,
                          struct aws_error *err);

/* ---- upgrades (cluster_upgrade.c) --------------------------------------------------------- */

/* Upgrades the control plane from 1.<from> to 1.<to> one minor at a time; after each control
 * plane step every node group in eks_names (n of them) to the same minor (in parallel), each
 * update waited until Successful. Node groups already at a step's minor are skipped (an
 * interrupted upgrade resumes). Diagnostics go to d; false on the first failure. */
bool res_cluster_upgrade(const struct res_cluster_op *op, int from, int to,
                         const char *const *eks_names, const char *const *ng_versions, size_t n,
                         struct tf_diags *d);

/* ---- kubeconfig (cluster_kubeconfig.c) ---------------------------------------------------- */

/* A kubeconfig (YAML) for the cluster: server and CA from EKS, exec auth with
 * `aws eks get-token --cluster-name <name> --region <region> --role-arn <role_arn>` (and
 * AWS_REGION in its env). No token or secret. Arena memory; NULL when out of memory or when
 * endpoint is NULL. */
char *res_cluster_kubeconfig(struct uc_arena *a, const char *name, const char *arn,
                             const char *endpoint, const char *ca_data, const char *region,
                             const char *role_arn);

#endif
