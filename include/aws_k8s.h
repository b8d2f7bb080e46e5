/* aws_k8s.h - a small client for the Kubernetes API of one EKS cluster (HTTPS JSON).
 *
 * Authenticates with the EKS token of a session (cached ~14 minutes, regenerated on expiry or a
 * 401) and trusts only the cluster's CA (base64 PEM from DescribeCluster's
 * certificateAuthority.data, loaded with CURLOPT_CAINFO_BLOB). An http:// endpoint (emulator)
 * needs no CA. Retries like the AWS calls (429 / 5xx / connection errors, idempotent verbs).
 * Thread-safe; create with aws_k8s_new, free with aws_k8s_free after the last call.
 */
#ifndef AWS_K8S_H
#define AWS_K8S_H

#include <jansson.h>

#include "aws_client.h"

struct aws_k8s;

/* session: borrowed, must outlive the client (e.g. from aws_client_account_session). endpoint:
 * https://... (or http:// for an emulator). ca_data_b64: base64 of the PEM CA; required for
 * https, ignored for http. All strings are copied. No I/O. NULL with err filled on bad input. */
struct aws_k8s *aws_k8s_new(struct aws_session *session, const char *cluster_name,
                            const char *endpoint, const char *ca_data_b64, struct aws_error *err);
void aws_k8s_free(struct aws_k8s *k);

/* One request. method: GET, POST, PUT, PATCH, DELETE. path: already-encoded API path
 * ("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/spark"). query: encoded query
 * without '?', or NULL. body: JSON (NULL = none). content_type: NULL = application/json when
 * there is a body. On a 2xx: UC_OK, *out = parsed body ({} when empty), caller owns it. On any
 * other status: UC_REMOTE, err->code = Status.reason ("NotFound", "Conflict", ...),
 * err->message = Status.message, err->http_status; *out = the Status object when out != NULL.
 * http_status may be NULL. */
uc_status aws_k8s_request(struct aws_k8s *k, const char *method, const char *path,
                          const char *query, const json_t *body, const char *content_type,
                          const struct aws_call_opts *o, long *http_status, json_t **out,
                          struct aws_error *err);

/* Server-side apply: PATCH path?fieldManager=<field_manager>&force=true with Content-Type
 * application/apply-patch+yaml and the JSON body (JSON is valid YAML). */
uc_status aws_k8s_apply(struct aws_k8s *k, const char *path, const json_t *body,
                        const char *field_manager, const struct aws_call_opts *o, json_t **out,
                        struct aws_error *err);

#endif
