/* aws_eks.h - the EKS operation table for aws_rest_call, and the EKS authentication token.
 *
 * The table is data (method + path template + idempotency token), so a resource calls e.g.
 *     aws_rest_call(s, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_CLUSTER, (const char *[]){name}, 1,
 *                   NULL, NULL, &opts, &out, &err);
 * Paths and facts: aws-apis.md §7 and §12. All functions are thread-safe.
 */
#ifndef AWS_EKS_H
#define AWS_EKS_H

#include <stdint.h>

#include "aws_client.h"

extern const struct aws_rest_op AWS_EKS_CREATE_CLUSTER;          /* POST /clusters */
extern const struct aws_rest_op AWS_EKS_DESCRIBE_CLUSTER;        /* {name} */
extern const struct aws_rest_op AWS_EKS_DELETE_CLUSTER;          /* {name} */
extern const struct aws_rest_op AWS_EKS_LIST_CLUSTERS;           /* - */
extern const struct aws_rest_op AWS_EKS_UPDATE_CLUSTER_VERSION;  /* {name} */
extern const struct aws_rest_op AWS_EKS_UPDATE_CLUSTER_CONFIG;   /* {name} */
extern const struct aws_rest_op AWS_EKS_DESCRIBE_UPDATE;         /* {name}, {updateId} */
extern const struct aws_rest_op AWS_EKS_LIST_UPDATES;            /* {name} */
extern const struct aws_rest_op AWS_EKS_CREATE_NODEGROUP;        /* {name} */
extern const struct aws_rest_op AWS_EKS_DESCRIBE_NODEGROUP;      /* {name}, {nodegroupName} */
extern const struct aws_rest_op AWS_EKS_UPDATE_NODEGROUP_CONFIG; /* {name}, {nodegroupName} */
extern const struct aws_rest_op AWS_EKS_UPDATE_NODEGROUP_VERSION; /* {name}, {nodegroupName} */
extern const struct aws_rest_op AWS_EKS_DELETE_NODEGROUP;        /* {name}, {nodegroupName} */
extern const struct aws_rest_op AWS_EKS_LIST_NODEGROUPS;         /* {name} */
extern const struct aws_rest_op AWS_EKS_CREATE_ADDON;            /* {name} */
extern const struct aws_rest_op AWS_EKS_DESCRIBE_ADDON;          /* {name}, {addonName} */
extern const struct aws_rest_op AWS_EKS_UPDATE_ADDON;            /* {name}, {addonName} */
extern const struct aws_rest_op AWS_EKS_DELETE_ADDON;            /* {name}, {addonName} */
extern const struct aws_rest_op AWS_EKS_LIST_ADDONS;             /* {name} */
extern const struct aws_rest_op AWS_EKS_DESCRIBE_ADDON_VERSIONS; /* - */
extern const struct aws_rest_op AWS_EKS_TAG_RESOURCE;            /* {resourceArn} */
extern const struct aws_rest_op AWS_EKS_UNTAG_RESOURCE;          /* {resourceArn} */
extern const struct aws_rest_op AWS_EKS_LIST_TAGS_FOR_RESOURCE;  /* {resourceArn} */
extern const struct aws_rest_op AWS_EKS_CREATE_CAPABILITY;       /* {name} */
extern const struct aws_rest_op AWS_EKS_DESCRIBE_CAPABILITY;     /* {name}, {capabilityName} */
extern const struct aws_rest_op AWS_EKS_LIST_CAPABILITIES;       /* {name} */
extern const struct aws_rest_op AWS_EKS_UPDATE_CAPABILITY;       /* {name}, {capabilityName} */
extern const struct aws_rest_op AWS_EKS_DELETE_CAPABILITY;       /* {name}, {capabilityName} */
extern const struct aws_rest_op AWS_EKS_CREATE_ACCESS_ENTRY;     /* {name} */
extern const struct aws_rest_op AWS_EKS_DESCRIBE_ACCESS_ENTRY;   /* {name}, {principalArn} */
extern const struct aws_rest_op AWS_EKS_DELETE_ACCESS_ENTRY;     /* {name}, {principalArn} */
extern const struct aws_rest_op AWS_EKS_ASSOCIATE_ACCESS_POLICY; /* {name}, {principalArn} */
extern const struct aws_rest_op AWS_EKS_DISASSOCIATE_ACCESS_POLICY; /* {name}, {principalArn},
                                                                        {policyArn} */
extern const struct aws_rest_op AWS_EKS_LIST_ACCESS_ENTRIES;     /* {name} */
extern const struct aws_rest_op AWS_EKS_LIST_ASSOCIATED_ACCESS_POLICIES; /* {name},
                                                                             {principalArn} */
extern const struct aws_rest_op AWS_EKS_DESCRIBE_CLUSTER_VERSIONS; /* - (GET /cluster-versions) */

/* Lifetime of a token as `aws eks get-token` reports it (STS accepts the URL for 15 min). */
#define AWS_EKS_TOKEN_LIFETIME_MS (14 * 60 * 1000)

/* "k8s-aws-v1." + base64url (no padding) of a presigned STS GetCallerIdentity GET URL that
 * signs the header x-k8s-aws-id: cluster_name (X-Amz-Expires 60). sts_url is the STS base URL
 * (e.g. https://sts.eu-west-1.amazonaws.com, or an emulator's), region its signing region,
 * now_s the signing time. *token is malloc'd (caller frees). Pure: no I/O. */
uc_status aws_eks_token_presign(const struct aws_credentials *creds, const char *sts_url,
                                const char *region, const char *cluster_name, int64_t now_s,
                                char **token);

/* Same with the session's credentials (resolved/refreshed as needed) and the client's STS
 * endpoint. *expires_ms (may be NULL) receives now + 14 minutes (epoch ms). */
uc_status aws_eks_token(struct aws_session *s, const char *cluster_name,
                        const struct aws_call_opts *o, char **token, int64_t *expires_ms,
                        struct aws_error *err);

#endif
