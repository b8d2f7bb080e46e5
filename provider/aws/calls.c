/* calls.c - the per-protocol calls on top of aws_send: awsJson1_1 (Organizations), awsQuery
 * (STS, IAM) and restJson1 (EKS: path labels, query string, clientRequestToken). Each builds a
 * struct aws_req from its input and turns the success body into JSON.
 *
 * It must not sign, send, retry or parse error shapes (send.c, protocol.c do those), and wipes
 * request bodies that may hold a token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_internal.h"


/* What a JSON-answering call decodes its 2xx body into (the aws_req decode hook). */
struct json_answer {
    const char *service, *op;
    json_t **out; /* NULL: the caller wants no body */
};

static uc_status decode_json_answer(void *ctx, const struct aws_http_response *resp,
                                    struct aws_error *err)
{
    struct json_answer *a = ctx;
    if (!a->out)
        return UC_OK;
    if (resp->body.len == 0) {
        *a->out = json_object();
        return *a->out ? UC_OK : aws_error_set(err, UC_NOMEM, a->service, a->op, "out of memory");
    }
    json_error_t jerr;
    *a->out = json_loadb(resp->body.data, resp->body.len, 0, &jerr);
    if (!*a->out)
        return aws_error_set(err, UC_DECODE, a->service, a->op, "response is not JSON: %s",
                             jerr.text);
    return UC_OK;
}

/* The Query protocol's XML answer as JSON, and the RequestId it carries. */
struct query_answer {
    const char *service, *op;
    json_t *j;
};

static uc_status decode_query_answer(void *ctx, const struct aws_http_response *resp,
                                     struct aws_error *err)
{
    struct query_answer *a = ctx;
    char rid[128];
    uc_status st =
        aws_query_xml_to_json(resp->body.data, resp->body.len, a->op, &a->j, rid, sizeof(rid));
    if (st != UC_OK)
        return aws_error_set(err, st, a->service, a->op, "response is not the expected XML");
    if (rid[0])
        snprintf(err->request_id, sizeof(err->request_id), "%s", rid);
    return UC_OK;
}

/* awsJson1_1 and awsQuery requests share one shape: a POST of the encoded input to "/", retried
 * on transient errors when the operation's name says it is idempotent. The caller adds what
 * differs (X-Amz-Target, unsigned). */
static struct aws_req rpc_post(enum aws_service svc, enum aws_protocol proto,
                               const char *operation, const char *content_type, const char *body,
                               size_t body_len, struct aws_creds_cache *creds)
{
    return (struct aws_req){
        .svc = svc,
        .proto = proto,
        .operation = operation,
        .method = "POST",
        .path = "/",
        .content_type = content_type,
        .body = body,
        .body_len = body_len,
        .idempotent = aws_operation_idempotent(operation),
        .creds = creds,
    };
}

uc_status aws_json_call(struct aws_session *s, enum aws_service svc, const char *operation,
                        const json_t *input, const struct aws_call_opts *o, json_t **out,
                        struct aws_error *err)
{
    if (out)
        *out = NULL;
    aws_error_clear(err);
    if (!s || svc != AWS_SVC_ORGANIZATIONS || !operation || (input && !json_is_object(input)))
        return aws_error_set(err, UC_INVALID, aws_service_name(svc), operation,
                             "awsJson1_1 calls are for Organizations with an object input");
    char target[160];
    snprintf(target, sizeof(target), "AWSOrganizationsV20161128.%s", operation);
    char *body = input ? json_dumps(input, JSON_COMPACT) : strdup("{}");
    if (!body)
        return aws_error_set(err, UC_NOMEM, "organizations", operation, "out of memory");
    struct aws_req r = rpc_post(svc, AWS_PROTO_JSON, operation, "application/x-amz-json-1.1",
                                body, strlen(body), &s->cache);
    r.target = target;
    struct json_answer ans = {"organizations", operation, out};
    r.decode = decode_json_answer;
    r.decode_ctx = &ans;
    struct aws_http_response resp;
    aws_http_response_init(&resp);
    uc_status st = aws_send(s->client, &r, o, &resp, err);
    aws_http_response_release(&resp);
    free(body);
    return st;
}

uc_status aws_query_call_with(struct aws_client *c, struct aws_creds_cache *cc,
                              enum aws_service svc, const char *operation, const json_t *input,
                              bool unsigned_request, const struct aws_call_opts *o, json_t **out,
                              struct aws_error *err)
{
    if (out)
        *out = NULL;
    const char *version = svc == AWS_SVC_STS ? "2011-06-15" : svc == AWS_SVC_IAM ? "2010-05-08"
                                                                                 : NULL;
    if (!version || !operation)
        return aws_error_set(err, UC_INVALID, aws_service_name(svc), operation,
                             "awsQuery calls are for STS and IAM");
    struct uc_buf body;
    uc_buf_init(&body);
    struct aws_http_response resp;
    aws_http_response_init(&resp);
    json_t *j = NULL;
    uc_status st = aws_query_encode(&body, operation, version, input);
    if (st != UC_OK) {
        st = aws_error_set(err, st, aws_service_name(svc), operation,
                           "cannot encode the input: %s", uc_status_text(st));
        goto out;
    }
    struct aws_req r = rpc_post(svc, AWS_PROTO_QUERY, operation,
                                "application/x-www-form-urlencoded; charset=utf-8", body.data,
                                body.len, cc);
    r.unsigned_request = unsigned_request;
    struct query_answer ans = {aws_service_name(svc), operation, NULL};
    r.decode = decode_query_answer;
    r.decode_ctx = &ans;
    st = aws_send(c, &r, o, &resp, err);
    j = ans.j;
    if (st != UC_OK)
        goto out;
    if (out) {
        *out = j;
        j = NULL;
    }
out:
    json_decref(j);
    aws_buf_wipe(&body); /* may hold a web identity token */
    uc_buf_release(&body);
    aws_http_response_release(&resp);
    return st;
}

uc_status aws_query_call(struct aws_session *s, enum aws_service svc, const char *operation,
                         const json_t *input, const struct aws_call_opts *o, json_t **out,
                         struct aws_error *err)
{
    aws_error_clear(err);
    if (out)
        *out = NULL;
    if (!s || (input && !json_is_object(input)))
        return aws_error_set(err, UC_INVALID, aws_service_name(svc), operation,
                             "awsQuery input must be a JSON object");
    bool unsig = operation && (strcmp(operation, "AssumeRoleWithWebIdentity") == 0 ||
                               strcmp(operation, "AssumeRoleWithSAML") == 0);
    return aws_query_call_with(s->client, unsig ? NULL : &s->cache, svc, operation, input, unsig,
                               o, out, err);
}

/* Expands "/clusters/{name}/addons/{addonName}" with percent-encoded labels. */
static uc_status expand_path(const char *tmpl, const char *const *labels, size_t n,
                             struct uc_buf *b)
{
    size_t used = 0;
    for (const char *p = tmpl; *p; p++) {
        if (*p != '{') {
            uc_buf_putc(b, *p);
            continue;
        }
        const char *close = strchr(p, '}');
        if (!close || used >= n || !labels[used] || !*labels[used])
            return UC_INVALID;
        aws_uri_encode(b, labels[used], strlen(labels[used]), false);
        used++;
        p = close;
    }
    if (used != n)
        return UC_INVALID;
    return b->err;
}

static uc_status put_query_value(struct uc_buf *b, const char *k, const json_t *v)
{
    char tmp[64];
    const char *s = NULL;
    size_t sl = 0;
    switch (json_typeof(v)) {
    case JSON_STRING:
        s = json_string_value(v);
        sl = json_string_length(v);
        break;
    case JSON_INTEGER:
        snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = tmp;
        sl = strlen(tmp);
        break;
    case JSON_TRUE:
        s = "true";
        sl = 4;
        break;
    case JSON_FALSE:
        s = "false";
        sl = 5;
        break;
    case JSON_NULL:
        return UC_OK;
    default:
        return UC_INVALID;
    }
    if (b->len)
        uc_buf_putc(b, '&');
    aws_uri_encode(b, k, strlen(k), false);
    uc_buf_putc(b, '=');
    aws_uri_encode(b, s, sl, false);
    return b->err;
}

static uc_status encode_query(const json_t *q, struct uc_buf *b)
{
    if (!q)
        return UC_OK;
    if (!json_is_object(q))
        return UC_INVALID;
    const char *k;
    const json_t *v;
    json_object_foreach ((json_t *)q, k, v) {
        uc_status st = UC_OK;
        if (json_is_array(v)) {
            size_t i;
            const json_t *e;
            json_array_foreach (v, i, e) {
                if ((st = put_query_value(b, k, e)) != UC_OK)
                    return st;
            }
        } else if ((st = put_query_value(b, k, v)) != UC_OK) {
            return st;
        }
    }
    return b->err;
}

uc_status aws_rest_call(struct aws_session *s, enum aws_service svc,
                        const struct aws_rest_op *op, const char *const *labels, size_t nlabels,
                        const json_t *query, const json_t *body, const struct aws_call_opts *o,
                        json_t **out, struct aws_error *err)
{
    aws_error_clear(err);
    if (out)
        *out = NULL;
    const char *name = op ? op->name : "rest";
    if (!s || !op || svc != AWS_SVC_EKS || (body && !json_is_object(body)))
        return aws_error_set(err, UC_INVALID, aws_service_name(svc), name,
                             "restJson1 calls are for EKS with an object body");
    struct uc_buf path, qs;
    uc_buf_init(&path);
    uc_buf_init(&qs);
    char *payload = NULL;
    json_t *copy = NULL;
    struct aws_http_response resp;
    aws_http_response_init(&resp);
    uc_status st = expand_path(op->path, labels, nlabels, &path);
    if (st != UC_OK) {
        st = aws_error_set(err, UC_INVALID, "eks", name,
                           "path %s needs %zu non-empty labels", op->path, nlabels);
        goto out;
    }
    if ((st = encode_query(query, &qs)) != UC_OK) {
        st = aws_error_set(err, UC_INVALID, "eks", name,
                           "query members must be strings, numbers, booleans or lists of them");
        goto out;
    }
    bool has_body = body || strcmp(op->method, "POST") == 0 || strcmp(op->method, "PUT") == 0;
    if (op->client_token && has_body &&
        !json_string_value(json_object_get(body, "clientRequestToken"))) {
        /* One token per call, the same on every attempt: retries cannot create twice. */
        copy = body ? json_copy((json_t *)body) : json_object();
        char uuid[37];
        aws_client_uuid(s->client, uuid);
        if (!copy || json_object_set_new(copy, "clientRequestToken", json_string(uuid)) != 0) {
            st = aws_error_set(err, UC_NOMEM, "eks", name, "out of memory");
            goto out;
        }
        body = copy;
    }
    if (has_body) {
        payload = body ? json_dumps(body, JSON_COMPACT) : strdup("{}");
        if (!payload) {
            st = aws_error_set(err, UC_NOMEM, "eks", name, "out of memory");
            goto out;
        }
    }
    bool idem = strcmp(op->method, "GET") == 0 || strcmp(op->method, "DELETE") == 0 ||
                op->client_token || aws_operation_idempotent(op->name);
    struct aws_req r = {
        .svc = svc,
        .proto = AWS_PROTO_REST,
        .operation = name,
        .method = op->method,
        .path = uc_buf_str(&path),
        .query = qs.len ? uc_buf_str(&qs) : NULL,
        .content_type = payload ? "application/json" : NULL,
        .body = payload,
        .body_len = payload ? strlen(payload) : 0,
        .idempotent = idem,
        .creds = &s->cache,
    };
    struct json_answer ans = {"eks", name, out};
    r.decode = decode_json_answer;
    r.decode_ctx = &ans;
    st = aws_send(s->client, &r, o, &resp, err);
out:
    json_decref(copy);
    free(payload);
    uc_buf_release(&path);
    uc_buf_release(&qs);
    aws_http_response_release(&resp);
    return st;
}
