/* eks.c - the EKS operation table (method + path template + idempotency token) and the EKS
 * authentication token (presigned STS GetCallerIdentity URL, base64url, "k8s-aws-v1.").
 *
 * Data and pure encoding; the only I/O is resolving the session's credentials. The token is a
 * bearer secret: it is returned to the caller and never logged.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_eks.h"
#include "aws_internal.h"
#include "aws_sigv4.h"

#define OP(var, name, method, path, token)                                                        \
    const struct aws_rest_op var = {name, method, path, token}

OP(AWS_EKS_CREATE_CLUSTER, "CreateCluster", "POST", "/clusters", true);
OP(AWS_EKS_DESCRIBE_CLUSTER, "DescribeCluster", "GET", "/clusters/{name}", false);
OP(AWS_EKS_DELETE_CLUSTER, "DeleteCluster", "DELETE", "/clusters/{name}", false);
OP(AWS_EKS_LIST_CLUSTERS, "ListClusters", "GET", "/clusters", false);
OP(AWS_EKS_UPDATE_CLUSTER_VERSION, "UpdateClusterVersion", "POST", "/clusters/{name}/updates",
   true);
OP(AWS_EKS_UPDATE_CLUSTER_CONFIG, "UpdateClusterConfig", "POST", "/clusters/{name}/update-config",
   true);
OP(AWS_EKS_DESCRIBE_UPDATE, "DescribeUpdate", "GET", "/clusters/{name}/updates/{updateId}",
   false);
OP(AWS_EKS_LIST_UPDATES, "ListUpdates", "GET", "/clusters/{name}/updates", false);
OP(AWS_EKS_CREATE_NODEGROUP, "CreateNodegroup", "POST", "/clusters/{name}/node-groups", true);
OP(AWS_EKS_DESCRIBE_NODEGROUP, "DescribeNodegroup", "GET",
   "/clusters/{name}/node-groups/{nodegroupName}", false);
OP(AWS_EKS_UPDATE_NODEGROUP_CONFIG, "UpdateNodegroupConfig", "POST",
   "/clusters/{name}/node-groups/{nodegroupName}/update-config", true);
OP(AWS_EKS_UPDATE_NODEGROUP_VERSION, "UpdateNodegroupVersion", "POST",
   "/clusters/{name}/node-groups/{nodegroupName}/update-version", true);
OP(AWS_EKS_DELETE_NODEGROUP, "DeleteNodegroup", "DELETE",
   "/clusters/{name}/node-groups/{nodegroupName}", false);
OP(AWS_EKS_LIST_NODEGROUPS, "ListNodegroups", "GET", "/clusters/{name}/node-groups", false);
OP(AWS_EKS_CREATE_ADDON, "CreateAddon", "POST", "/clusters/{name}/addons", true);
OP(AWS_EKS_DESCRIBE_ADDON, "DescribeAddon", "GET", "/clusters/{name}/addons/{addonName}", false);
OP(AWS_EKS_UPDATE_ADDON, "UpdateAddon", "POST", "/clusters/{name}/addons/{addonName}/update",
   true);
OP(AWS_EKS_DELETE_ADDON, "DeleteAddon", "DELETE", "/clusters/{name}/addons/{addonName}", false);
OP(AWS_EKS_LIST_ADDONS, "ListAddons", "GET", "/clusters/{name}/addons", false);
OP(AWS_EKS_DESCRIBE_ADDON_VERSIONS, "DescribeAddonVersions", "GET", "/addons/supported-versions",
   false);
OP(AWS_EKS_TAG_RESOURCE, "TagResource", "POST", "/tags/{resourceArn}", false);
OP(AWS_EKS_UNTAG_RESOURCE, "UntagResource", "DELETE", "/tags/{resourceArn}", false);
OP(AWS_EKS_LIST_TAGS_FOR_RESOURCE, "ListTagsForResource", "GET", "/tags/{resourceArn}", false);
OP(AWS_EKS_CREATE_CAPABILITY, "CreateCapability", "POST", "/clusters/{name}/capabilities", true);
OP(AWS_EKS_DESCRIBE_CAPABILITY, "DescribeCapability", "GET",
   "/clusters/{name}/capabilities/{capabilityName}", false);
OP(AWS_EKS_LIST_CAPABILITIES, "ListCapabilities", "GET", "/clusters/{name}/capabilities", false);
OP(AWS_EKS_UPDATE_CAPABILITY, "UpdateCapability", "POST",
   "/clusters/{name}/capabilities/{capabilityName}", true);
OP(AWS_EKS_DELETE_CAPABILITY, "DeleteCapability", "DELETE",
   "/clusters/{name}/capabilities/{capabilityName}", false);
OP(AWS_EKS_CREATE_ACCESS_ENTRY, "CreateAccessEntry", "POST", "/clusters/{name}/access-entries",
   true);
OP(AWS_EKS_DESCRIBE_ACCESS_ENTRY, "DescribeAccessEntry", "GET",
   "/clusters/{name}/access-entries/{principalArn}", false);
OP(AWS_EKS_DELETE_ACCESS_ENTRY, "DeleteAccessEntry", "DELETE",
   "/clusters/{name}/access-entries/{principalArn}", false);
OP(AWS_EKS_ASSOCIATE_ACCESS_POLICY, "AssociateAccessPolicy", "POST",
   "/clusters/{name}/access-entries/{principalArn}/access-policies", false);
OP(AWS_EKS_DISASSOCIATE_ACCESS_POLICY, "DisassociateAccessPolicy", "DELETE",
   "/clusters/{name}/access-entries/{principalArn}/access-policies/{policyArn}", false);
OP(AWS_EKS_LIST_ACCESS_ENTRIES, "ListAccessEntries", "GET", "/clusters/{name}/access-entries",
   false);
OP(AWS_EKS_LIST_ASSOCIATED_ACCESS_POLICIES, "ListAssociatedAccessPolicies", "GET",
   "/clusters/{name}/access-entries/{principalArn}/access-policies", false);
OP(AWS_EKS_DESCRIBE_CLUSTER_VERSIONS, "DescribeClusterVersions", "GET", "/cluster-versions",
   false);

/* base64url without padding (RFC 4648 §5). */
static char *base64url(const char *in, size_t n)
{
    size_t cap = 4 * ((n + 2) / 3) + 1;
    unsigned char *out = malloc(cap);
    if (!out)
        return NULL;
    int len = EVP_EncodeBlock(out, (const unsigned char *)in, (int)n);
    if (len < 0) {
        free(out);
        return NULL;
    }
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (int i = 0; i < len; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
    return (char *)out;
}

uc_status aws_eks_token_presign(const struct aws_credentials *creds, const char *sts_url,
                                const char *region, const char *cluster_name, int64_t now_s,
                                char **token)
{
    *token = NULL;
    if (!creds || !sts_url || !region || !cluster_name || !*cluster_name)
        return UC_INVALID;
    struct aws_url u;
    uc_status st = aws_url_parse(sts_url, &u);
    if (st != UC_OK)
        return st;
    struct aws_headers h;
    struct aws_sigv4_result r;
    struct uc_buf url, tok;
    aws_headers_init(&h);
    aws_sigv4_result_init(&r);
    uc_buf_init(&url);
    uc_buf_init(&tok);
    /* The path of a base URL with a prefix stays; the STS path is "/". */
    size_t pl = strlen(u.path);
    while (pl > 0 && u.path[pl - 1] == '/')
        u.path[--pl] = '\0';
    char path[sizeof(u.path) + 1];
    snprintf(path, sizeof(path), "%s/", u.path);
    if ((st = aws_headers_add(&h, "Host", u.host)) != UC_OK ||
        (st = aws_headers_add(&h, "x-k8s-aws-id", cluster_name)) != UC_OK)
        goto out;
    struct aws_sigv4_params p = {
        .method = "GET",
        .path = path,
        .query = "Action=GetCallerIdentity&Version=2011-06-15",
        .region = region,
        .service = "sts",
        .time = now_s,
        .creds = {creds->access_key_id, creds->secret_access_key, creds->session_token},
        .normalize_path = true,
        .expires = 60,
    };
    if ((st = aws_sigv4_presign(&p, &h, &r)) != UC_OK)
        goto out;
    uc_buf_printf(&url, "%s://%s%s?%s", u.scheme, u.host, path, uc_buf_str(&r.signed_query));
    if ((st = url.err) != UC_OK)
        goto out;
    char *b = base64url(url.data, url.len);
    if (!b) {
        st = UC_NOMEM;
        goto out;
    }
    uc_buf_puts(&tok, "k8s-aws-v1.");
    uc_buf_puts(&tok, b);
    free(b);
    if ((st = tok.err) != UC_OK)
        goto out;
    *token = uc_buf_take(&tok, NULL);
    st = *token ? UC_OK : UC_NOMEM;
out:
    uc_buf_release(&tok);
    uc_buf_release(&url);
    aws_sigv4_result_release(&r);
    aws_headers_release(&h);
    return st;
}

uc_status aws_eks_token(struct aws_session *s, const char *cluster_name,
                        const struct aws_call_opts *o, char **token, int64_t *expires_ms,
                        struct aws_error *err)
{
    *token = NULL;
    struct aws_credentials *cr = NULL;
    uc_status st = aws_session_credentials(s, o, &cr, err);
    if (st != UC_OK)
        return st;
    struct aws_client *c = s->client;
    if ((st = aws_client_resolve_locked_once(c, err)) != UC_OK)
        goto out;
    int64_t now = aws_client_now_ms(c);
    const struct aws_endpoint *ep = &c->ep[AWS_SVC_STS];
    st = aws_eks_token_presign(cr, ep->url, ep->signing_region, cluster_name, now / 1000, token);
    if (st != UC_OK) {
        aws_error_set(err, st, "eks", "GetToken", "cannot make the EKS token for %s: %s",
                      cluster_name ? cluster_name : "", uc_status_text(st));
        goto out;
    }
    if (expires_ms)
        *expires_ms = now + AWS_EKS_TOKEN_LIFETIME_MS;
out:
    aws_credentials_unref(cr);
    return st;
}
