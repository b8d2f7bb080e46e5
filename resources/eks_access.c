/* eks_access.c - one EKS cluster from its unicron id: the tenant account's session, DescribeCluster
 * (endpoint, CA, version, ARN), a Kubernetes client signed with that session's EKS token, and the
 * "is there an ACTIVE node group" check the add-on waits use.
 *
 * AWS / Kubernetes calls only: no diagnostics, no Terraform values, no state between calls.
 */
#include "res_eks_access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_eks.h"
#include "res_org_account.h"
#include "res_paging.h"

/* EKS lists have at most 100 items a page; 1000 pages is far beyond any cluster. */
#define EKS_LIST_MAX_PAGES 1000

bool res_eks_parse_cluster_id(const char *id, char *account, size_t account_len, char *name,
                              size_t name_len)
{
    if (id == NULL || account_len < 13 || name_len == 0)
        return false;
    const char *slash = strchr(id, '/');
    if (slash == NULL || slash - id != 12 || slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
        return false;
    for (const char *p = id; p < slash; p++)
        if (*p < '0' || *p > '9')
            return false;
    size_t n = strlen(slash + 1);
    if (n >= name_len || n > 100)
        return false;
    memcpy(account, id, 12);
    account[12] = '\0';
    memcpy(name, slash + 1, n + 1);
    return true;
}

int res_eks_minor(const char *version)
{
    if (version == NULL || strncmp(version, "1.", 2) != 0)
        return -1;
    int minor = 0;
    const char *p = version + 2;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        minor = minor * 10 + (*p - '0');
        if (minor > 999)
            return -1;
    }
    return *p == '\0' ? minor : -1;
}

static void copy_str(char *dst, size_t n, const json_t *v)
{
    const char *s = json_string_value(v);
    snprintf(dst, n, "%s", s != NULL ? s : "");
}

struct describe_ctx {
    struct aws_session *s;
    const char *name;
    const struct aws_call_opts *o;
};

/* DescribeCluster's answer (res_shared_read_load_fn; also the exact call). */
static uc_status describe_cluster(void *ctx, json_t **out, struct aws_error *err)
{
    const struct describe_ctx *dc = ctx;
    const char *labels[] = {dc->name};
    return aws_rest_call(dc->s, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_CLUSTER, labels, 1, NULL, NULL,
                         dc->o, out, err);
}

uc_status res_eks_cluster_open(struct aws_client *c, struct res_keyed_read *shared,
                               const char *cluster_id, const struct aws_call_opts *o,
                               struct res_eks_cluster *out, struct aws_error *err)
{
    struct res_eks_cluster cl;
    memset(&cl, 0, sizeof cl);
    memset(out, 0, sizeof *out);
    if (!res_eks_parse_cluster_id(cluster_id, cl.account_id, sizeof cl.account_id, cl.name,
                                  sizeof cl.name))
        return aws_error_set(err, UC_INVALID, "eks", "DescribeCluster",
                             "cluster id \"%.120s\" is not <account_id>/<cluster name>",
                             cluster_id != NULL ? cluster_id : "");
    /* A cluster exists in the account only once its access role worked: settled. */
    cl.session = res_org_member_session(c, cl.account_id, true, o, err);
    if (cl.session == NULL)
        return err != NULL && err->status != UC_OK ? err->status : UC_REMOTE;
    json_t *resp = NULL;
    struct describe_ctx dc = {.s = cl.session, .name = cl.name, .o = o};
    /* shared: the key is the cluster id as given, so "<account>/<name>" spellings that differ
       only share nothing (never a wrong answer) */
    uc_status st = res_keyed_read_get(shared, cluster_id, describe_cluster, &dc, o, &resp, err);
    if (st == UC_NOTFOUND)
        st = describe_cluster(&dc, &resp, err);
    if (st != UC_OK)
        return st;
    const json_t *cj = json_object_get(resp, "cluster");
    copy_str(cl.arn, sizeof cl.arn, json_object_get(cj, "arn"));
    copy_str(cl.endpoint, sizeof cl.endpoint, json_object_get(cj, "endpoint"));
    copy_str(cl.version, sizeof cl.version, json_object_get(cj, "version"));
    copy_str(cl.status, sizeof cl.status, json_object_get(cj, "status"));
    const char *ca =
        json_string_value(json_object_get(json_object_get(cj, "certificateAuthority"), "data"));
    if (ca != NULL && ca[0] != '\0' && (cl.ca_data = strdup(ca)) == NULL)
        st = aws_error_set(err, UC_NOMEM, "eks", "DescribeCluster", "no memory");
    json_decref(resp);
    if (st == UC_OK && cl.arn[0] == '\0')
        st = aws_error_set(err, UC_DECODE, "eks", "DescribeCluster",
                           "the answer for cluster %s has no ARN", cl.name);
    if (st != UC_OK) {
        res_eks_cluster_release(&cl);
        return st;
    }
    *out = cl;
    return UC_OK;
}

void res_eks_cluster_release(struct res_eks_cluster *cl)
{
    if (cl == NULL)
        return;
    free(cl->ca_data);
    cl->ca_data = NULL;
}

struct aws_k8s *res_eks_k8s(const struct res_eks_cluster *cl, struct aws_error *err)
{
    if (cl == NULL || cl->endpoint[0] == '\0') {
        aws_error_set(err, UC_INVALID, "kubernetes", "connect",
                      "cluster %s has no API endpoint yet (status %s)", cl ? cl->name : "?",
                      cl && cl->status[0] ? cl->status : "unknown");
        return NULL;
    }
    return aws_k8s_new(cl->session, cl->name, cl->endpoint, cl->ca_data, err);
}

static uc_status nodegroup_active(const struct res_eks_cluster *cl, const char *ng,
                                  const struct aws_call_opts *o, bool *active,
                                  struct aws_error *err)
{
    json_t *resp = NULL;
    const char *labels[] = {cl->name, ng};
    uc_status st = aws_rest_call(cl->session, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_NODEGROUP, labels, 2,
                                 NULL, NULL, o, &resp, err);
    if (st != UC_OK && aws_error_is_not_found(err)) {
        *active = false; /* deleted between the list and now */
        return UC_OK;
    }
    if (st != UC_OK)
        return st;
    const char *s =
        json_string_value(json_object_get(json_object_get(resp, "nodegroup"), "status"));
    *active = s != NULL && strcmp(s, "ACTIVE") == 0;
    json_decref(resp);
    return UC_OK;
}

uc_status res_eks_has_active_nodegroup(const struct res_eks_cluster *cl,
                                       const struct aws_call_opts *o, bool *active,
                                       struct aws_error *err)
{
    struct res_pager pg;
    uc_status st = UC_OK;
    bool more = true;
    *active = false;
    res_pager_init(&pg, "eks", "ListNodegroups", "nextToken", EKS_LIST_MAX_PAGES);
    while (more && !*active) {
        json_t *q = json_object();
        json_t *resp = NULL;
        if (q == NULL) {
            st = aws_error_set(err, UC_NOMEM, "eks", "ListNodegroups", "no memory");
            break;
        }
        if ((st = res_pager_begin(&pg, q, err)) == UC_OK) {
            const char *labels[] = {cl->name};
            st = aws_rest_call(cl->session, AWS_SVC_EKS, &AWS_EKS_LIST_NODEGROUPS, labels, 1, q,
                               NULL, o, &resp, err);
        }
        json_decref(q);
        if (st != UC_OK)
            break;
        size_t i;
        json_t *ng;
        json_array_foreach(json_object_get(resp, "nodegroups"), i, ng)
        {
            if (json_is_string(ng) &&
                (st = nodegroup_active(cl, json_string_value(ng), o, active, err)) != UC_OK)
                break;
            if (*active)
                break;
        }
        if (st == UC_OK)
            st = res_pager_end(&pg, json_object_get(resp, "nextToken"), &more, err);
        json_decref(resp);
        if (st != UC_OK)
            break;
    }
    res_pager_release(&pg);
    return st;
}
