/* cluster_eks.c - the control plane of unicron_cluster against EKS and IAM: its two IAM roles,
 * CreateCluster with a deterministic clientRequestToken (adopting a cluster of that name),
 * waits for ACTIVE / gone / an update, UpdateClusterConfig, EKS tags, and the IAM OIDC provider.
 *
 * AWS calls only: results and struct aws_error, never diagnostics or Terraform values.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "aws_eks.h"
#include "aws_waiter.h"
#include "res_cluster.h"
#include "res_iam_role.h"
#include "res_keyed_read.h"
#include "res_provider.h"

#define PROPAGATION_WAIT_MS (2 * 60 * 1000) /* IAM role propagation answers of CreateCluster */

void res_sha256_hex(const char *s, char *out, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    out[0] = '\0';
    if (EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) != 1)
        return;
    for (unsigned int i = 0; i < len && 2 * i + 2 < n; i++)
        snprintf(out + 2 * i, n - 2 * i, "%02x", md[i]);
}

const char *res_cluster_role_name(const char *cluster, bool node, char *buf, size_t n)
{
    const char *suffix = node ? "node" : "cluster";
    size_t room = 64 - strlen("unicron--") - strlen(suffix);
    if (strlen(cluster) <= room) {
        snprintf(buf, n, "unicron-%s-%s", cluster, suffix);
    } else {
        char h[65];
        res_sha256_hex(cluster, h, sizeof h);
        snprintf(buf, n, "unicron-%.*s-%.8s-%s", (int)(room - 9), cluster, h, suffix);
    }
    return buf;
}

static const char *trust_for(const char *service)
{
    return strcmp(service, "eks") == 0
               ? "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
                 "{\"Service\":\"eks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"
               : "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
                 "{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
}

uc_status res_cluster_ensure_roles(const struct res_cluster_op *op, const json_t *tags,
                                   char *cluster_arn, char *node_arn, struct aws_error *err)
{
    char name[96], p1[128], p2[128], p3[128], p4[128];
    const char *part = op->partition;
    snprintf(p1, sizeof p1, "arn:%s:iam::aws:policy/AmazonEKSClusterPolicy", part);
    snprintf(p2, sizeof p2, "arn:%s:iam::aws:policy/AmazonEKSWorkerNodePolicy", part);
    snprintf(p3, sizeof p3, "arn:%s:iam::aws:policy/AmazonEKS_CNI_Policy", part);
    snprintf(p4, sizeof p4, "arn:%s:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", part);
    const char *const node_more[] = {p3, p4, NULL};
    struct res_iam_role_spec spec = {
        .name = res_cluster_role_name(op->name, false, name, sizeof name),
        .trust_policy = trust_for("eks"),
        .policy_arn = p1,
        .tags = tags,
        .description = "unicron_cluster control plane role",
    };
    uc_status st = res_iam_role_ensure(op->s, &spec, &op->opts, cluster_arn, 512, NULL, err);
    if (st != UC_OK)
        return st;
    spec.name = res_cluster_role_name(op->name, true, name, sizeof name);
    spec.trust_policy = trust_for("ec2");
    spec.policy_arn = p2;
    spec.more_policy_arns = node_more;
    spec.description = "unicron_cluster node role";
    return res_iam_role_ensure(op->s, &spec, &op->opts, node_arn, 512, NULL, err);
}

uc_status res_cluster_delete_roles(const struct res_cluster_op *op, struct aws_error *err)
{
    char name[96];
    uc_status st = res_iam_role_delete(op->s, res_cluster_role_name(op->name, true, name,
                                                                     sizeof name),
                                       &op->opts, err);
    if (st != UC_OK)
        return st;
    return res_iam_role_delete(op->s, res_cluster_role_name(op->name, false, name, sizeof name),
                               &op->opts, err);
}

bool res_cluster_id(const char *account, const char *name, char *buf, size_t n)
{
    int len = snprintf(buf, n, "%s/%s", account != NULL ? account : "", name != NULL ? name : "");
    return len >= 0 && (size_t)len < n;
}

uc_status res_cluster_describe(const struct res_cluster_op *op, json_t **cluster,
                               struct aws_error *err)
{
    json_t *out = NULL;
    *cluster = NULL;
    /* The answer goes to the process's shared DescribeCluster of the add-on reads: a refresh
       reads the cluster before its add-ons, which then need no call of their own. */
    struct res_keyed_read *shared = op->provider != NULL ? op->provider->eks_clusters : NULL;
    char key[RES_CLUSTER_ID_MAX];
    if (!res_cluster_id(op->account_id, op->name, key, sizeof key))
        shared = NULL;
    uint64_t gen = res_keyed_read_generation(shared, key);
    uc_status st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_CLUSTER, &op->name, 1,
                                 NULL, NULL, &op->opts, &out, err);
    if (st != UC_OK) {
        if (aws_error_is(err, "ResourceNotFoundException")) {
            aws_error_clear(err);
            return UC_OK;
        }
        return st;
    }
    json_t *c = json_object_get(out, "cluster");
    if (!json_is_object(c)) {
        json_decref(out);
        return aws_error_set(err, UC_DECODE, "eks", "DescribeCluster",
                             "the answer has no cluster object");
    }
    *cluster = json_incref(c);
    res_keyed_read_offer(shared, key, gen, out);
    json_decref(out);
    return UC_OK;
}

/* --- waits ------------------------------------------------------------------------------------ */

struct cluster_poll {
    const struct res_cluster_op *op;
    json_t *last; /* owned */
    bool want_gone;
};

static uc_status poll_cluster(void *ctx, const struct aws_call_opts *o, char *status, size_t n,
                              enum aws_wait_result *result, struct aws_error *err)
{
    struct cluster_poll *p = ctx;
    json_t *c = NULL;
    (void)o;
    uc_status st = res_cluster_describe(p->op, &c, err);
    if (st != UC_OK)
        return st;
    json_decref(p->last);
    p->last = c;
    if (c == NULL) {
        snprintf(status, n, "gone");
        *result = p->want_gone ? AWS_WAIT_SUCCESS : AWS_WAIT_FAILURE;
        return UC_OK;
    }
    const char *s = json_string_value(json_object_get(c, "status"));
    snprintf(status, n, "%s", s ? s : "");
    return UC_OK;
}

uc_status res_cluster_wait_active(const struct res_cluster_op *op, json_t **cluster,
                                  struct aws_error *err)
{
    static const char *const ok[] = {"ACTIVE", NULL};
    static const char *const bad[] = {"FAILED", "DELETING", NULL};
    char what[160];
    struct cluster_poll p = {.op = op};
    snprintf(what, sizeof what, "EKS cluster %s to become ACTIVE", op->name);
    struct aws_waiter w = {.description = what, .poll = poll_cluster, .ctx = &p, .success = ok,
                           .failure = bad, .min_delay_ms = 1000, .max_delay_ms = 30000};
    uc_status st = aws_wait(op->client, &w, &op->opts, NULL, 0, err);
    if (st != UC_OK && err->operation[0] == '\0')
        snprintf(err->operation, sizeof err->operation, "DescribeCluster");
    if (cluster != NULL)
        *cluster = st == UC_OK ? json_incref(p.last) : NULL;
    json_decref(p.last);
    return st;
}

uc_status res_cluster_delete(const struct res_cluster_op *op, struct aws_error *err)
{
    uc_status st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_DELETE_CLUSTER, &op->name, 1, NULL,
                                 NULL, &op->opts, NULL, err);
    if (st != UC_OK) {
        if (aws_error_is(err, "ResourceNotFoundException")) {
            aws_error_clear(err);
            return UC_OK;
        }
        return st;
    }
    static const char *const bad[] = {"ACTIVE", "FAILED", NULL};
    char what[160];
    struct cluster_poll p = {.op = op, .want_gone = true};
    snprintf(what, sizeof what, "EKS cluster %s to be deleted", op->name);
    struct aws_waiter w = {.description = what, .poll = poll_cluster, .ctx = &p, .failure = bad,
                           .min_delay_ms = 1000, .max_delay_ms = 30000};
    st = aws_wait(op->client, &w, &op->opts, NULL, 0, err);
    if (st != UC_OK && err->operation[0] == '\0')
        snprintf(err->operation, sizeof err->operation, "DeleteCluster");
    json_decref(p.last);
    return st;
}

struct update_poll {
    const struct res_cluster_op *op;
    const char *id;
    const char *nodegroup;
    char errors[512];
};

static uc_status poll_update(void *ctx, const struct aws_call_opts *o, char *status, size_t n,
                             enum aws_wait_result *result, struct aws_error *err)
{
    struct update_poll *p = ctx;
    const char *labels[] = {p->op->name, p->id};
    json_t *q = p->nodegroup ? json_pack("{s:s}", "nodegroupName", p->nodegroup) : NULL;
    json_t *out = NULL;
    (void)result;
    uc_status st = aws_rest_call(p->op->s, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_UPDATE, labels, 2, q,
                                 NULL, o, &out, err);
    json_decref(q);
    if (st != UC_OK)
        return st;
    json_t *u = json_object_get(out, "update");
    const char *s = json_string_value(json_object_get(u, "status"));
    snprintf(status, n, "%s", s ? s : "");
    size_t i, k = 0;
    json_t *e;
    p->errors[0] = '\0';
    json_array_foreach(json_object_get(u, "errors"), i, e) {
        const char *code = json_string_value(json_object_get(e, "errorCode"));
        const char *msg = json_string_value(json_object_get(e, "errorMessage"));
        if (k < sizeof p->errors)
            k += (size_t)snprintf(p->errors + k, sizeof p->errors - k, "%s%s: %s",
                                  k ? "; " : "", code ? code : "?", msg ? msg : "");
    }
    json_decref(out);
    return UC_OK;
}

uc_status res_cluster_wait_update(const struct res_cluster_op *op, const char *nodegroup,
                                  const json_t *answer, struct aws_error *err)
{
    static const char *const ok[] = {"Successful", NULL};
    static const char *const bad[] = {"Failed", "Cancelled", NULL};
    const json_t *u = json_object_get(answer, "update");
    const char *id = json_string_value(json_object_get(u, "id"));
    const char *type = json_string_value(json_object_get(u, "type"));
    char what[256];
    if (id == NULL)
        return aws_error_set(err, UC_DECODE, "eks", "DescribeUpdate",
                             "the update answer has no id");
    struct update_poll p = {.op = op, .id = id, .nodegroup = nodegroup};
    snprintf(what, sizeof what, "EKS %s update %s of %s%s%s to succeed", type ? type : "", id,
             nodegroup ? "node group " : "cluster ", nodegroup ? nodegroup : op->name, "");
    struct aws_waiter w = {.description = what, .poll = poll_update, .ctx = &p, .success = ok,
                           .failure = bad, .min_delay_ms = 1000, .max_delay_ms = 30000};
    uc_status st = aws_wait(op->client, &w, &op->opts, NULL, 0, err);
    if (st != UC_OK) {
        if (err->operation[0] == '\0' || strcmp(err->operation, "wait") == 0)
            snprintf(err->operation, sizeof err->operation, "DescribeUpdate");
        if (st == UC_REMOTE && p.errors[0]) {
            size_t l = strlen(err->message);
            snprintf(err->message + l, sizeof err->message - l, " (%s)", p.errors);
        }
    }
    return st;
}

uc_status res_cluster_update_config(const struct res_cluster_op *op, json_t *body,
                                    struct aws_error *err)
{
    json_t *out = NULL;
    uc_status st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_UPDATE_CLUSTER_CONFIG, &op->name, 1,
                                 NULL, body, &op->opts, &out, err);
    if (st == UC_OK)
        st = res_cluster_wait_update(op, NULL, out, err);
    json_decref(out);
    return st;
}

/* --- create ---------------------------------------------------------------------------------- */

/* The clientRequestToken of the cluster: a UUID-shaped hash of account and name, so that the
 * CreateCluster of an interrupted apply, repeated, never makes a second cluster. */
static void create_token(const struct res_cluster_op *op, char *out, size_t n)
{
    char key[256], h[65];
    snprintf(key, sizeof key, "unicron_cluster/%s/%s", op->account_id, op->name);
    res_sha256_hex(key, h, sizeof h);
    snprintf(out, n, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

static bool is_propagation(const struct aws_error *err)
{
    static const char *const texts[] = {"does not exist", "cannot be assumed", "Error in role",
                                        "trusted entity", "role params", NULL};
    if (!aws_error_is(err, "InvalidParameterException"))
        return false;
    for (size_t i = 0; texts[i]; i++)
        if (strstr(err->message, texts[i]) != NULL)
            return true;
    return false;
}

uc_status res_cluster_create(const struct res_cluster_op *op, json_t *body, json_t **cluster,
                             struct aws_error *err)
{
    char token[64];
    const struct aws_client *c = aws_session_client(op->s);
    uint64_t until = aws_client_mono_ms(c) + PROPAGATION_WAIT_MS;
    uint64_t delay = 1000;
    struct aws_call_opts o = op->opts;
    *cluster = NULL;
    uc_status st = res_cluster_describe(op, cluster, err);
    if (st != UC_OK || *cluster != NULL)
        return st; /* adopt the cluster of that name */
    create_token(op, token, sizeof token);
    json_object_set_new(body, "clientRequestToken", json_string(token));
    o.retry_non_idempotent = true; /* the token makes a repeat safe */
    for (;;) {
        json_t *out = NULL;
        st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_CREATE_CLUSTER, NULL, 0, NULL, body, &o,
                           &out, err);
        if (st == UC_OK) {
            *cluster = json_incref(json_object_get(out, "cluster"));
            json_decref(out);
            if (*cluster == NULL)
                return aws_error_set(err, UC_DECODE, "eks", "CreateCluster",
                                     "the answer has no cluster object");
            return UC_OK;
        }
        if (aws_error_is(err, "ResourceInUseException")) {
            /* made meanwhile (a retried request whose first answer was lost): adopt */
            struct aws_error e2;
            aws_error_clear(&e2);
            if (res_cluster_describe(op, cluster, &e2) == UC_OK && *cluster != NULL) {
                aws_error_clear(err);
                return UC_OK;
            }
            return st;
        }
        uint64_t now = aws_client_mono_ms(c);
        if (!is_propagation(err) || now + delay >= until ||
            (o.deadline_ms && now + delay >= o.deadline_ms))
            return st;
        if (aws_client_sleep_ms(c, o.cancel, delay) != UC_OK)
            return aws_error_set(err, UC_CANCELED, "eks", "CreateCluster",
                                 "canceled while waiting for the cluster role to propagate");
        if (delay < 8000)
            delay *= 2;
    }
}

/* --- tags ------------------------------------------------------------------------------------ */

uc_status res_cluster_set_tags(const struct res_cluster_op *op, const char *arn,
                               const json_t *want, const char *keep, struct aws_error *err)
{
    json_t *out = NULL, *add = json_object(), *drop = json_array(), *q = NULL, *b = NULL;
    uc_status st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_LIST_TAGS_FOR_RESOURCE, &arn, 1,
                                 NULL, NULL, &op->opts, &out, err);
    if (st != UC_OK)
        goto out;
    if (add == NULL || drop == NULL) {
        st = aws_error_set(err, UC_NOMEM, "eks", "TagResource", "no memory");
        goto out;
    }
    json_t *have = json_object_get(out, "tags");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v) {
        const char *h = json_string_value(json_object_get(have, k));
        if (json_is_string(v) && (h == NULL || strcmp(h, json_string_value(v)) != 0))
            json_object_set(add, k, v);
    }
    json_object_foreach(have, k, v) {
        if (json_object_get(want, k) == NULL && (keep == NULL || strcmp(k, keep) != 0) &&
            !res_provider_tag_ignored(op->provider, k))
            json_array_append_new(drop, json_string(k));
    }
    if (json_object_size(add) > 0) {
        b = json_pack("{s:O}", "tags", add);
        st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_TAG_RESOURCE, &arn, 1, NULL, b,
                           &op->opts, NULL, err);
        if (st != UC_OK)
            goto out;
    }
    if (json_array_size(drop) > 0) {
        q = json_pack("{s:O}", "tagKeys", drop);
        st = aws_rest_call(op->s, AWS_SVC_EKS, &AWS_EKS_UNTAG_RESOURCE, &arn, 1, q, NULL,
                           &op->opts, NULL, err);
    }
out:
    json_decref(out);
    json_decref(add);
    json_decref(drop);
    json_decref(q);
    json_decref(b);
    return st;
}

/* --- OIDC provider --------------------------------------------------------------------------- */

void res_cluster_oidc_arn(const struct res_cluster_op *op, const char *issuer, char *arn,
                          size_t n)
{
    const char *host = issuer;
    if (strncmp(host, "https://", 8) == 0)
        host += 8;
    snprintf(arn, n, "arn:%s:iam::%s:oidc-provider/%s", op->partition, op->account_id, host);
}

uc_status res_cluster_oidc_exists(const struct res_cluster_op *op, const char *issuer,
                                  bool *exists, struct aws_error *err)
{
    char arn[512];
    res_cluster_oidc_arn(op, issuer, arn, sizeof arn);
    json_t *in = json_pack("{s:s}", "OpenIDConnectProviderArn", arn);
    *exists = false;
    uc_status st = in ? aws_query_call(op->s, AWS_SVC_IAM, "GetOpenIDConnectProvider", in,
                                       &op->opts, NULL, err)
                      : aws_error_set(err, UC_NOMEM, "iam", "GetOpenIDConnectProvider",
                                      "no memory");
    json_decref(in);
    if (st == UC_OK)
        *exists = true;
    else if (aws_error_is(err, "NoSuchEntity")) {
        aws_error_clear(err);
        st = UC_OK;
    }
    return st;
}

uc_status res_cluster_oidc_ensure(const struct res_cluster_op *op, const char *issuer,
                                  const json_t *tags, char *arn, size_t n,
                                  struct aws_error *err)
{
    bool exists = false;
    res_cluster_oidc_arn(op, issuer, arn, n);
    uc_status st = res_cluster_oidc_exists(op, issuer, &exists, err);
    if (st != UC_OK || exists)
        return st;
    json_t *taglist = json_array();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)tags, k, v) {
        if (json_is_string(v))
            json_array_append_new(taglist, json_pack("{s:s,s:O}", "Key", k, "Value", v));
    }
    json_t *in = json_pack("{s:s,s:[s]}", "Url", issuer, "ClientIDList", "sts.amazonaws.com");
    if (in != NULL && json_array_size(taglist) > 0)
        json_object_set(in, "Tags", taglist);
    json_t *out = NULL;
    struct aws_call_opts o = op->opts;
    o.retry_non_idempotent = true; /* a repeat answers EntityAlreadyExists: adopted below */
    st = in ? aws_query_call(op->s, AWS_SVC_IAM, "CreateOpenIDConnectProvider", in, &o, &out, err)
            : aws_error_set(err, UC_NOMEM, "iam", "CreateOpenIDConnectProvider", "no memory");
    if (st == UC_OK) {
        const char *a = json_string_value(json_object_get(out, "OpenIDConnectProviderArn"));
        if (a != NULL)
            snprintf(arn, n, "%s", a);
    } else if (aws_error_is(err, "EntityAlreadyExists")) {
        aws_error_clear(err);
        st = UC_OK;
    }
    json_decref(in);
    json_decref(out);
    json_decref(taglist);
    return st;
}

uc_status res_cluster_oidc_delete(const struct res_cluster_op *op, const char *issuer,
                                  struct aws_error *err)
{
    char arn[512];
    res_cluster_oidc_arn(op, issuer, arn, sizeof arn);
    json_t *in = json_pack("{s:s}", "OpenIDConnectProviderArn", arn);
    uc_status st = in ? aws_query_call(op->s, AWS_SVC_IAM, "DeleteOpenIDConnectProvider", in,
                                       &op->opts, NULL, err)
                      : aws_error_set(err, UC_NOMEM, "iam", "DeleteOpenIDConnectProvider",
                                      "no memory");
    json_decref(in);
    if (st != UC_OK && aws_error_is(err, "NoSuchEntity")) {
        aws_error_clear(err);
        st = UC_OK;
    }
    return st;
}
