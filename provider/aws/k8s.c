/* k8s.c - the Kubernetes API of one EKS cluster: bearer token from the session (cached, renewed
 * before 14 minutes or after a 401), the cluster CA as the only trust anchor, JSON in and out,
 * errors from the Status object.
 *
 * Goes through the same request loop as the AWS calls (retries, cancellation, logging). It must
 * never log the token; the CA is public data.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_eks.h"
#include "aws_internal.h"
#include "aws_k8s.h"

struct aws_k8s {
    struct aws_session *session;
    char *cluster;
    char *endpoint;
    char *ca_pem;
    size_t ca_len;
    pthread_mutex_t mu;
    char *token; /* under mu */
    int64_t token_expires_ms;
};

static uc_status decode_ca(const char *b64, char **pem, size_t *len)
{
    size_t n = strlen(b64);
    char *clean = malloc(n + 4);
    if (!clean)
        return UC_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (b64[i] != '\n' && b64[i] != '\r' && b64[i] != ' ' && b64[i] != '\t')
            clean[k++] = b64[i];
    while (k % 4)
        clean[k++] = '=';
    clean[k] = '\0';
    unsigned char *out = malloc(k / 4 * 3 + 1);
    if (!out) {
        free(clean);
        return UC_NOMEM;
    }
    int l = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)k);
    if (l < 0) {
        free(clean);
        free(out);
        return UC_DECODE;
    }
    /* EVP_DecodeBlock counts padding as zero bytes: trim them. */
    for (size_t i = k; i > 0 && clean[i - 1] == '='; i--)
        l--;
    free(clean);
    out[l] = '\0';
    if (!strstr((char *)out, "-----BEGIN CERTIFICATE-----")) {
        free(out);
        return UC_DECODE;
    }
    *pem = (char *)out;
    *len = (size_t)l;
    return UC_OK;
}

struct aws_k8s *aws_k8s_new(struct aws_session *session, const char *cluster_name,
                            const char *endpoint, const char *ca_data_b64, struct aws_error *err)
{
    aws_error_clear(err);
    struct aws_url u;
    if (!session || !cluster_name || !*cluster_name || !endpoint ||
        aws_url_parse(endpoint, &u) != UC_OK) {
        aws_error_set(err, UC_INVALID, "kubernetes", "connect",
                      "cluster name and an http(s) endpoint are required");
        return NULL;
    }
    bool https = strcmp(u.scheme, "https") == 0;
    if (https && (!ca_data_b64 || !*ca_data_b64)) {
        aws_error_set(err, UC_INVALID, "kubernetes", "connect",
                      "cluster %s: certificate authority data is required for %s",
                      cluster_name, endpoint);
        return NULL;
    }
    struct aws_k8s *k = calloc(1, sizeof(*k));
    if (!k) {
        aws_error_set(err, UC_NOMEM, "kubernetes", "connect", "out of memory");
        return NULL;
    }
    k->session = session;
    k->cluster = strdup(cluster_name);
    k->endpoint = strdup(endpoint);
    pthread_mutex_init(&k->mu, NULL);
    if (!k->cluster || !k->endpoint) {
        aws_k8s_free(k);
        aws_error_set(err, UC_NOMEM, "kubernetes", "connect", "out of memory");
        return NULL;
    }
    if (https) {
        uc_status st = decode_ca(ca_data_b64, &k->ca_pem, &k->ca_len);
        if (st != UC_OK) {
            aws_k8s_free(k);
            aws_error_set(err, st, "kubernetes", "connect",
                          "cluster %s: certificate authority data is not base64 of a PEM "
                          "certificate",
                          cluster_name);
            return NULL;
        }
    }
    return k;
}

void aws_k8s_free(struct aws_k8s *k)
{
    if (!k)
        return;
    if (k->token) {
        memset(k->token, 0, strlen(k->token));
        free(k->token);
    }
    pthread_mutex_destroy(&k->mu);
    free(k->cluster);
    free(k->endpoint);
    free(k->ca_pem);
    free(k);
}

/* A copy of a valid token (renewed when older than its lifetime or when force is set). */
static uc_status get_token(struct aws_k8s *k, bool force, const struct aws_call_opts *o,
                           char **out, struct aws_error *err)
{
    struct aws_client *c = aws_session_client(k->session);
    uc_status st = UC_OK;
    pthread_mutex_lock(&k->mu);
    int64_t now = aws_client_now_ms(c);
    if (force || !k->token || now + 30000 >= k->token_expires_ms) {
        char *t = NULL;
        int64_t exp = 0;
        st = aws_eks_token(k->session, k->cluster, o, &t, &exp, err);
        if (st == UC_OK) {
            if (k->token) {
                memset(k->token, 0, strlen(k->token));
                free(k->token);
            }
            k->token = t;
            k->token_expires_ms = exp;
        }
    }
    if (st == UC_OK) {
        *out = strdup(k->token);
        if (!*out)
            st = aws_error_set(err, UC_NOMEM, "kubernetes", "token", "out of memory");
    }
    pthread_mutex_unlock(&k->mu);
    return st;
}

/* A 2xx answer's JSON body ({} when empty), decoded inside aws_send (the aws_req hook). */
struct json_answer {
    const char *op;
    json_t *j;
};

static uc_status decode_answer(void *ctx, const struct aws_http_response *resp,
                               struct aws_error *err)
{
    struct json_answer *a = ctx;
    json_error_t jerr;
    a->j = resp->body.len ? json_loadb(resp->body.data, resp->body.len, 0, &jerr) : json_object();
    if (a->j)
        return UC_OK;
    if (!resp->body.len)
        return aws_error_set(err, UC_NOMEM, "kubernetes", a->op, "out of memory");
    return aws_error_set(err, UC_DECODE, "kubernetes", a->op, "response is not JSON: %s",
                         jerr.text);
}

uc_status aws_k8s_request(struct aws_k8s *k, const char *method, const char *path,
                          const char *query, const json_t *body, const char *content_type,
                          const struct aws_call_opts *o, long *http_status, json_t **out,
                          struct aws_error *err)
{
    if (out)
        *out = NULL;
    if (http_status)
        *http_status = 0;
    aws_error_clear(err);
    if (!k || !method || !path || path[0] != '/')
        return aws_error_set(err, UC_INVALID, "kubernetes", method, "bad request");
    char opname[64];
    snprintf(opname, sizeof(opname), "%s %.50s", method, path);
    char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && !payload)
        return aws_error_set(err, UC_NOMEM, "kubernetes", opname, "out of memory");
    struct aws_http_response resp;
    aws_http_response_init(&resp);
    char *token = NULL;
    uc_status st = UC_OK;
    bool idem = strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0 ||
                strcmp(method, "PUT") == 0 ||
                (strcmp(method, "PATCH") == 0 && content_type &&
                 strcmp(content_type, "application/apply-patch+yaml") == 0);
    for (int pass = 0; pass < 2; pass++) {
        free(token);
        token = NULL;
        st = get_token(k, pass > 0, o, &token, err);
        if (st != UC_OK)
            goto out;
        struct aws_req r = {
            .svc = AWS_SVC_EKS,
            .proto = AWS_PROTO_PLAIN,
            .operation = opname,
            .method = method,
            .path = path,
            .query = query,
            .content_type = payload ? (content_type ? content_type : "application/json") : NULL,
            .body = payload,
            .body_len = payload ? strlen(payload) : 0,
            .idempotent = idem,
            .base_url = k->endpoint,
            .bearer = token,
            .accept = "application/json",
            .ca_pem = k->ca_pem,
            .ca_pem_len = k->ca_len,
            .service_name = "kubernetes",
        };
        struct json_answer ans = {opname, NULL};
        r.decode = decode_answer;
        r.decode_ctx = &ans;
        st = aws_send(aws_session_client(k->session), &r, o, &resp, err);
        if (st == UC_OK) {
            if (out)
                *out = ans.j;
            else
                json_decref(ans.j);
        }
        if (st == UC_REMOTE && resp.status == 401 && pass == 0)
            continue; /* token expired or revoked: one fresh token */
        break;
    }
    if (http_status)
        *http_status = resp.status;
    if (st == UC_REMOTE && resp.body.len) {
        /* A Status object for the caller (reason, details); err already says what failed. */
        json_t *j = json_loadb(resp.body.data, resp.body.len, 0, NULL);
        if (out)
            *out = j;
        else
            json_decref(j);
    }
out:
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    free(payload);
    aws_http_response_release(&resp);
    return st;
}

uc_status aws_k8s_apply(struct aws_k8s *k, const char *path, const json_t *body,
                        const char *field_manager, const struct aws_call_opts *o, json_t **out,
                        struct aws_error *err)
{
    struct uc_buf q;
    uc_buf_init(&q);
    uc_buf_puts(&q, "fieldManager=");
    const char *fm = field_manager && *field_manager ? field_manager : "unicron";
    aws_uri_encode(&q, fm, strlen(fm), false);
    uc_buf_puts(&q, "&force=true");
    uc_status st = q.err;
    if (st == UC_OK)
        st = aws_k8s_request(k, "PATCH", path, uc_buf_str(&q), body,
                             "application/apply-patch+yaml", o, NULL, out, err);
    else
        aws_error_set(err, st, "kubernetes", "apply", "out of memory");
    uc_buf_release(&q);
    return st;
}
