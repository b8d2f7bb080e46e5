/* cluster_access.c - EKS access entries of unicron_cluster: the access policies unicron accepts
 * (validated at plan), create-or-adopt an entry with exactly one associated policy and its scope,
 * read, delete and list.
 *
 * AWS calls and one validator; no Terraform state. Entries EKS makes itself (the node role, the
 * cluster creator) are never touched here: callers only pass the principals they manage.
 */
#include <stdio.h>
#include <string.h>

#include "aws_eks.h"
#include "res_cluster.h"
#include "res_paging.h"
#include "tf_value.h"

/* EKS cluster access policies (ListAccessPolicies, 2026; the same names as tools/localaws). */
const char *const res_access_policies[] = {
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSViewPolicy",
    "AmazonEKSSecretReaderPolicy",
    "AmazonEKSAutoNodePolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSBlockStorageClusterPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSComputeClusterPolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSLoadBalancingClusterPolicy",
    "AmazonEKSNetworkingPolicy",
    "AmazonEKSNetworkingClusterPolicy",
    "AmazonEKSHybridPolicy",
    "AmazonEKSClusterInsightsSnapshotPolicy",
    "AmazonEKSArgoCDClusterPolicy",
    "AmazonEKSArgoCDPolicy",
    "AmazonEKSACKPolicy",
    "AmazonEKSKROPolicy",
    "AmazonEMRJobPolicy",
    "AmazonSagemakerHyperpodClusterPolicy",
    "AmazonSagemakerHyperpodControllerPolicy",
    "AmazonSagemakerHyperpodSystemNamespacePolicy",
    NULL};

#define POLICY_ARN_MID ":eks::aws:cluster-access-policy/"

/* The policy name of a name or ARN; NULL when it is neither form. */
static const char *policy_name(const char *s)
{
    if (strncmp(s, "arn:", 4) != 0)
        return s;
    const char *part_end = strchr(s + 4, ':');
    if (part_end == NULL || part_end == s + 4 ||
        strncmp(part_end, POLICY_ARN_MID, strlen(POLICY_ARN_MID)) != 0)
        return NULL;
    return part_end + strlen(POLICY_ARN_MID);
}

void res_validate_access_policy(const struct tf_value *v, const struct tf_path *p,
                                const void *arg, struct tf_diags *d)
{
    (void)arg;
    const char *s = tf_value_str(v);
    if (s == NULL)
        return;
    const char *name = policy_name(s);
    for (size_t i = 0; name != NULL && res_access_policies[i]; i++)
        if (strcmp(res_access_policies[i], name) == 0)
            return;
    char list[1024];
    size_t o = 0;
    for (size_t i = 0; res_access_policies[i] && o + 40 < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
                              res_access_policies[i]);
    tf_diag_error(d, p, "Unknown EKS access policy",
                  "\"%.80s\" is not an EKS access policy. Write its name (%s) or its ARN "
                  "(arn:aws:eks::aws:cluster-access-policy/<name>).",
                  s, list);
}

const char *res_access_policy_arn(const struct res_cluster_op *op, const char *policy, char *buf,
                                  size_t n)
{
    if (strncmp(policy, "arn:", 4) == 0)
        snprintf(buf, n, "%s", policy);
    else
        snprintf(buf, n, "arn:%s" POLICY_ARN_MID "%s", op->partition, policy);
    return buf;
}

/* Paginated list of `key` strings from op rop (labels given). */
static uc_status list_all(const struct res_cluster_op *op, const struct aws_rest_op *rop,
                          const char *const *labels, size_t nl, const char *key, json_t **all,
                          struct aws_error *err)
{
    struct res_pager pg;
    uc_status st = UC_OK;
    bool more = true;
    *all = json_array();
    if (*all == NULL)
        return aws_error_set(err, UC_NOMEM, "eks", rop->name, "no memory");
    res_pager_init(&pg, "eks", rop->name, "nextToken", 1000);
    while (more) {
        json_t *q = json_object(), *out = NULL;
        if (q == NULL) {
            st = aws_error_set(err, UC_NOMEM, "eks", rop->name, "no memory");
            break;
        }
        if ((st = res_pager_begin(&pg, q, err)) == UC_OK)
            st = aws_rest_call(op->s, AWS_SVC_EKS, rop, labels, nl, q, NULL, &op->opts, &out,
                               err);
        json_decref(q);
        if (st == UC_OK) {
            json_array_extend(*all, json_object_get(out, key));
            st = res_pager_end(&pg, json_object_get(out, "nextToken"), &more, err);
        }
        json_decref(out);
        if (st != UC_OK)
            break;
    }
    res_pager_release(&pg);
    if (st != UC_OK) {
        json_decref(*all);
        *all = NULL;
    }
    return st;
}

uc_status res_access_read(const struct res_cluster_op *op, const char *principal,
                          json_t **policies, struct aws_error *err)
{
    const char *labels[] = {op->name, principal};
    *policies = NULL;
    uc_status st = list_all(op, &AWS_EKS_LIST_ASSOCIATED_ACCESS_POLICIES, labels, 2,
                            "associatedAccessPolicies", policies, err);
    if (st != UC_OK && aws_error_is(err, "ResourceNotFoundException")) {
        aws_error_clear(err);
        return UC_OK; /* no entry */
    }
    return st;
}

uc_status res_access_list(const struct res_cluster_op *op, json_t **principals,
                          struct aws_error *err)
{
    return list_all(op, &AWS_EKS_LIST_ACCESS_ENTRIES, &op->name, 1, "accessEntries", principals,
                    err);
}

uc_status res_access_delete(const struct res_cluster_op *op, const char *principal,
                            struct aws_error *err)
{
    const char *labels[] = {op->name, principal};
    uc_status st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_DELETE_ACCESS_ENTRY, labels, 2,
                                 NULL, NULL, &op->opts, NULL, err);
    if (st != UC_OK && aws_error_is(err, "ResourceNotFoundException")) {
        aws_error_clear(err);
        st = UC_OK;
    }
    return st;
}

/* Whether associated policy p (an AssociatedAccessPolicy object) is w's, scope included. */
static bool same_policy(const json_t *p, const struct res_access_want *w)
{
    const char *arn = json_string_value(json_object_get(p, "policyArn"));
    if (arn == NULL || strcmp(arn, w->policy_arn) != 0)
        return false;
    const json_t *scope = json_object_get(p, "accessScope");
    const char *type = json_string_value(json_object_get(scope, "type"));
    size_t want_ns = json_array_size(w->namespaces);
    if (want_ns == 0)
        return type == NULL || strcmp(type, "cluster") == 0;
    if (type == NULL || strcmp(type, "namespace") != 0)
        return false;
    const json_t *have = json_object_get(scope, "namespaces");
    if (json_array_size(have) != want_ns)
        return false;
    size_t i, j;
    json_t *a, *b;
    json_array_foreach(w->namespaces, i, a) {
        bool found = false;
        json_array_foreach(have, j, b) found |= json_equal(a, b);
        if (!found)
            return false;
    }
    return true;
}

bool res_access_matches(const json_t *policies, const struct res_access_want *w)
{
    size_t i;
    json_t *p;
    json_array_foreach(policies, i, p) {
        if (same_policy(p, w))
            return true;
    }
    return false;
}

uc_status res_access_ensure(const struct res_cluster_op *op, const struct res_access_want *w,
                            struct aws_error *err)
{
    json_t *policies = NULL, *body = NULL;
    const char *labels[] = {op->name, w->principal};
    uc_status st = res_access_read(op, w->principal, &policies, err);
    if (st != UC_OK)
        goto out;
    if (policies == NULL) {
        struct aws_call_opts o = op->opts;
        o.retry_non_idempotent = true; /* a repeat answers ResourceInUse: adopted */
        body = json_pack("{s:s,s:s}", "principalArn", w->principal, "type", "STANDARD");
        st = body ? aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_CREATE_ACCESS_ENTRY, &op->name, 1,
                                  NULL, body, &o, NULL, err)
                  : aws_error_set(err, UC_NOMEM, "eks", "CreateAccessEntry", "no memory");
        if (st != UC_OK && aws_error_is(err, "ResourceInUseException")) {
            aws_error_clear(err);
            st = UC_OK;
        }
        if (st != UC_OK)
            goto out;
    }
    bool have = false;
    size_t i;
    json_t *p;
    json_array_foreach(policies, i, p) {
        const char *arn = json_string_value(json_object_get(p, "policyArn"));
        if (same_policy(p, w)) {
            have = true;
            continue;
        }
        if (arn == NULL || strcmp(arn, w->policy_arn) == 0)
            continue; /* same policy, other scope: AssociateAccessPolicy replaces the scope */
        const char *l3[] = {op->name, w->principal, arn};
        st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_DISASSOCIATE_ACCESS_POLICY, l3, 3, NULL,
                           NULL, &op->opts, NULL, err);
        if (st != UC_OK && !aws_error_is(err, "ResourceNotFoundException"))
            goto out;
        aws_error_clear(err);
        st = UC_OK;
    }
    if (!have) {
        json_decref(body);
        body = json_array_size(w->namespaces) > 0
                   ? json_pack("{s:s,s:{s:s,s:O}}", "policyArn", w->policy_arn, "accessScope",
                               "type", "namespace", "namespaces", w->namespaces)
                   : json_pack("{s:s,s:{s:s}}", "policyArn", w->policy_arn, "accessScope",
                               "type", "cluster");
        struct aws_call_opts o = op->opts;
        o.retry_non_idempotent = true; /* associating the same policy again changes nothing */
        st = body ? aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_ASSOCIATE_ACCESS_POLICY, labels, 2,
                                  NULL, body, &o, NULL, err)
                  : aws_error_set(err, UC_NOMEM, "eks", "AssociateAccessPolicy", "no memory");
    }
out:
    json_decref(policies);
    json_decref(body);
    return st;
}
