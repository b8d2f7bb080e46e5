/* res_eks_access.h - reaching one EKS cluster from its unicron id (<account_id>/<name>): the
 * session inside the tenant account, DescribeCluster (endpoint, CA, Kubernetes version, ARN), a
 * Kubernetes client authenticated with the k8s-aws-v1. token of that session, and the node-group
 * check add-on waits need. No kubeconfig, kubectl or Helm.
 *
 * Used by unicron_addon (and meant for anything that talks to a cluster). AWS / Kubernetes calls
 * only: no diagnostics, no Terraform values. struct res_eks_cluster is caller-owned; release it
 * with res_eks_cluster_release. Sessions are borrowed from the provider's AWS client. Every
 * function is thread-safe.
 */
#ifndef RES_EKS_ACCESS_H
#define RES_EKS_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_client.h"
#include "aws_k8s.h"
#include "res_keyed_read.h"

/* One cluster as DescribeCluster answered. */
struct res_eks_cluster {
    char account_id[16];
    char name[128];
    char arn[256];
    char endpoint[512];          /* "" until the cluster is ACTIVE */
    char version[16];            /* Kubernetes "1.34" */
    char status[32];             /* CREATING, ACTIVE, UPDATING, ... */
    char *ca_data;               /* base64 PEM (malloc'd; NULL when absent) */
    struct aws_session *session; /* borrowed: the account's session */
};

/* Splits "<12-digit account>/<cluster name>" (the unicron_cluster id). False when malformed. */
bool res_eks_parse_cluster_id(const char *id, char *account, size_t account_len, char *name,
                              size_t name_len);

/* The Kubernetes minor of "1.34" (34), or -1 when not a 1.<minor> version. */
int res_eks_minor(const char *version);

/* Session into the account (the access role counts as settled: a cluster exists there) and
 * DescribeCluster. With shared (a read path: refresh), the answer is the one this process's
 * other reads of cluster_id got (res_keyed_read.h; writes to the cluster invalidate it); NULL
 * makes the exact call (write paths, which look at the status). A missing cluster is an error
 * for which aws_error_is_not_found(err) holds. out is filled on UC_OK only and must be
 * released. */
uc_status res_eks_cluster_open(struct aws_client *c, struct res_keyed_read *shared,
                               const char *cluster_id, const struct aws_call_opts *o,
                               struct res_eks_cluster *out, struct aws_error *err);

/* Frees what cl holds (cl itself is the caller's). Accepts NULL and a zeroed struct. */
void res_eks_cluster_release(struct res_eks_cluster *cl);

/* A Kubernetes client for the cluster (aws_k8s_new with the account session, endpoint and CA).
 * The caller frees it with aws_k8s_free before releasing cl. NULL with err filled when the
 * cluster has no endpoint yet or on bad input. */
struct aws_k8s *res_eks_k8s(const struct res_eks_cluster *cl, struct aws_error *err);

/* Whether at least one node group of the cluster is ACTIVE (ListNodegroups, then
 * DescribeNodegroup of each until one is). */
uc_status res_eks_has_active_nodegroup(const struct res_eks_cluster *cl,
                                       const struct aws_call_opts *o, bool *active,
                                       struct aws_error *err);

#endif
