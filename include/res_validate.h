/* res_validate.h - reusable plan-time validators for attribute tables (tf_validate_fn) and the
 * pure predicates and parsers behind them.
 *
 * Every validator is a tf_validate_fn: the engine calls it with a known, non-null value of the
 * attribute. A string validator also accepts a list, set or map of strings and checks each
 * known element (list elements get an index step, map elements a key step; a set element is
 * reported on the set attribute itself). Diagnostics say what is wrong and what is expected.
 * All functions are pure and thread-safe; `arg` tables are static const data of the caller.
 */
#ifndef RES_VALIDATE_H
#define RES_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tf_diag.h"
#include "tf_path.h"
#include "tf_schema.h"
#include "tf_value.h"
#include "uc_arena.h"
#include "uc_status.h"

/* arg of res_validate_int_range: inclusive bounds. */
struct res_int_range {
    int64_t min;
    int64_t max;
};

/* arg of res_validate_duration (optional; NULL = any positive duration): inclusive bounds in
 * nanoseconds, 0 = no bound on that side. */
struct res_duration_range {
    int64_t min_ns;
    int64_t max_ns;
};

/* --- validators (tf_validate_fn) --------------------------------------------------------- */

/* Tenant name: 2-32 characters of lowercase letters, digits and hyphens, starting with a letter,
 * ending with a letter or digit, no "--". (The name becomes part of account names, e-mail
 * addresses, IAM role names and cluster names; 32 keeps all of those within AWS's limits.) */
void res_validate_slug(const struct tf_value *v, const struct tf_path *p, const void *arg,
                       struct tf_diags *d);
/* An e-mail address AWS Organizations accepts: 6-64 characters, local@domain.tld. */
void res_validate_email(const struct tf_value *v, const struct tf_path *p, const void *arg,
                        struct tf_diags *d);
/* An e-mail template: contains {tenant}, may contain {environment}, no other {placeholder},
 * and yields a valid e-mail after substitution. */
void res_validate_email_template(const struct tf_value *v, const struct tf_path *p,
                                 const void *arg, struct tf_diags *d);
/* IAM principal ARN: arn:<aws|aws-cn|aws-us-gov>:iam::<12 digits>:root | role/[path/]name |
 * user/[path/]name. */
void res_validate_iam_principal_arn(const struct tf_value *v, const struct tf_path *p,
                                    const void *arg, struct tf_diags *d);
/* IAM role ARN only (arn:...:iam::<12 digits>:role/[path/]name). */
void res_validate_iam_role_arn(const struct tf_value *v, const struct tf_path *p,
                               const void *arg, struct tf_diags *d);
/* IAM policy ARN: AWS managed (arn:aws:iam::aws:policy/...) or customer managed
 * (arn:aws:iam::<12 digits>:policy/[path/]name). */
void res_validate_iam_policy_arn(const struct tf_value *v, const struct tf_path *p,
                                 const void *arg, struct tf_diags *d);
/* Organizations parent: a root id (r-xxxx) or an OU id (ou-xxxx-xxxxxxxx). */
void res_validate_parent_id(const struct tf_value *v, const struct tf_path *p, const void *arg,
                            struct tf_diags *d);
/* 12-digit AWS account id. */
void res_validate_account_id(const struct tf_value *v, const struct tf_path *p, const void *arg,
                             struct tf_diags *d);
/* IPv4 or IPv6 CIDR block in network form (no host bits set). */
void res_validate_cidr(const struct tf_value *v, const struct tf_path *p, const void *arg,
                       struct tf_diags *d);
/* "1.NN" within the Kubernetes versions EKS supports (res_catalog.h). */
void res_validate_k8s_version(const struct tf_value *v, const struct tf_path *p,
                              const void *arg, struct tf_diags *d);
/* One of a NULL-terminated `const char *const[]` passed as arg (case-sensitive; a case-only
 * mismatch is suggested). */
void res_validate_enum(const struct tf_value *v, const struct tf_path *p, const void *arg,
                       struct tf_diags *d);
/* A component of the add-on catalog; otherwise lists the closest names. */
void res_validate_catalog_name(const struct tf_value *v, const struct tf_path *p,
                               const void *arg, struct tf_diags *d);
/* A positive Go duration string ("30s", "2h45m", "1.5h", "500ms"); arg: optional
 * struct res_duration_range. */
void res_validate_duration(const struct tf_value *v, const struct tf_path *p, const void *arg,
                           struct tf_diags *d);
/* A JSON object (at most 256 KiB, no duplicate keys). */
void res_validate_json_object(const struct tf_value *v, const struct tf_path *p,
                              const void *arg, struct tf_diags *d);
/* EKS cluster name: 1-100 characters, [0-9A-Za-z][A-Za-z0-9_-]*. */
void res_validate_eks_cluster_name(const struct tf_value *v, const struct tf_path *p,
                                   const void *arg, struct tf_diags *d);
/* EKS node group name: 1-63 characters, same character rule. */
void res_validate_eks_nodegroup_name(const struct tf_value *v, const struct tf_path *p,
                                     const void *arg, struct tf_diags *d);
/* IAM role name: 1-64 characters of letters, digits and + = , . @ _ -. */
void res_validate_iam_role_name(const struct tf_value *v, const struct tf_path *p,
                                const void *arg, struct tf_diags *d);
/* STS role session name: 2-64 characters of the same set. */
void res_validate_session_name(const struct tf_value *v, const struct tf_path *p,
                               const void *arg, struct tf_diags *d);
/* STS external id: 2-1224 characters of letters, digits and + = , . @ : / _ -. */
void res_validate_external_id(const struct tf_value *v, const struct tf_path *p,
                              const void *arg, struct tf_diags *d);
/* AWS region name such as us-east-1, eu-central-2, us-gov-west-1. */
void res_validate_region(const struct tf_value *v, const struct tf_path *p, const void *arg,
                         struct tf_diags *d);
/* An absolute http:// or https:// URL with a host (parsed with libcurl's URL API). */
void res_validate_url(const struct tf_value *v, const struct tf_path *p, const void *arg,
                      struct tf_diags *d);
/* A whole number within the struct res_int_range passed as arg. */
void res_validate_int_range(const struct tf_value *v, const struct tf_path *p, const void *arg,
                            struct tf_diags *d);
/* A map of AWS tags: keys 1-128 characters, values at most 256 (characters are Unicode code
 * points, as AWS counts them), no NUL in a value, no "aws:" prefix, and no "unicron:" prefix
 * (those tags are the provider's own). */
void res_validate_tags(const struct tf_value *v, const struct tf_path *p, const void *arg,
                       struct tf_diags *d);
/* A tag value on its own (cost_center, owner): 1-256 characters, no NUL. */
void res_validate_tag_value(const struct tf_value *v, const struct tf_path *p, const void *arg,
                            struct tf_diags *d);
/* A map of Kubernetes labels (qualified-name keys, values of at most 63 characters). */
void res_validate_k8s_labels(const struct tf_value *v, const struct tf_path *p, const void *arg,
                             struct tf_diags *d);
/* A Kubernetes qualified name ([prefix/]name), used for taint keys. */
void res_validate_k8s_qualified_name(const struct tf_value *v, const struct tf_path *p,
                                     const void *arg, struct tf_diags *d);
/* A Kubernetes label value (taint values): empty or at most 63 characters, alphanumeric at
 * both ends, [-_.A-Za-z0-9] inside. */
void res_validate_k8s_label_value(const struct tf_value *v, const struct tf_path *p,
                                  const void *arg, struct tf_diags *d);
/* A Kubernetes namespace name (RFC 1123 label: 1-63 characters, [a-z0-9-], alphanumeric ends). */
void res_validate_k8s_namespace(const struct tf_value *v, const struct tf_path *p,
                                const void *arg, struct tf_diags *d);
/* The id of a unicron_cluster: "<12-digit account id>/<EKS cluster name>". */
void res_validate_cluster_id(const struct tf_value *v, const struct tf_path *p, const void *arg,
                             struct tf_diags *d);
/* VPC subnet id (subnet-<8 or 17 hex digits>) and security group id (sg-...). */
void res_validate_subnet_id(const struct tf_value *v, const struct tf_path *p, const void *arg,
                            struct tf_diags *d);
void res_validate_security_group_id(const struct tf_value *v, const struct tf_path *p,
                                    const void *arg, struct tf_diags *d);
/* A version label such as "v1.19.0-eksbuild.1" or "2.5.2": 1-128 of [A-Za-z0-9.+_-]. */
void res_validate_version_label(const struct tf_value *v, const struct tf_path *p,
                                const void *arg, struct tf_diags *d);
/* An EC2 instance type such as m6i.large or g5.12xlarge ("family.size"). */
void res_validate_instance_type(const struct tf_value *v, const struct tf_path *p,
                                const void *arg, struct tf_diags *d);

/* --- predicates and parsers --------------------------------------------------------------- */

bool res_is_slug(const char *s);
bool res_is_email(const char *s);
bool res_is_account_id(const char *s);

/* Parses a Go duration string (time.ParseDuration syntax: optional sign, then one or more
 * <decimal number><unit> with units ns, us, µs, ms, s, m, h; "0" alone is 0). UC_INVALID on a
 * syntax error (with *why a static text), UC_RANGE on overflow of int64 nanoseconds. */
uc_status res_parse_duration(const char *s, int64_t *ns, const char **why);

/* Parses "1.NN" into the minor NN (no range check). false when s is not of that form. */
bool res_parse_k8s_version(const char *s, int *minor);

/* Substitutes {tenant} and {environment} in tmpl (arena string; NULL when out of memory).
 * environment may be NULL to leave {environment} as is. */
char *res_expand_email_template(struct uc_arena *a, const char *tmpl, const char *tenant,
                                const char *environment);

/* Levenshtein distance of two strings (each capped at 64 bytes). */
size_t res_edit_distance(const char *a, const char *b);

#endif
