/* sts.c - typed STS helpers over the awsQuery call: AssumeRole, AssumeRoleWithWebIdentity
 * (unsigned) and GetCallerIdentity.
 *
 * Turns the XML-derived JSON into credentials. It must never log the returned secret key, the
 * session token or the web identity token.
 */
#include <stdio.h>
#include <string.h>

#include "aws_answer.h"
#include "aws_internal.h"

uc_status aws_sts_assume_role_with(struct aws_client *c, struct aws_creds_cache *source,
                                   const struct aws_assume_role_params *p,
                                   const char *web_identity_token, const struct aws_call_opts *o,
                                   struct aws_credentials **out, struct aws_error *err)
{
    *out = NULL;
    const char *op = web_identity_token ? "AssumeRoleWithWebIdentity" : "AssumeRole";
    if (!p || !p->role_arn || !*p->role_arn)
        return aws_error_set(err, UC_INVALID, "sts", op, "role_arn is required");
    char session[65];
    if (p->session_name && *p->session_name)
        snprintf(session, sizeof(session), "%s", p->session_name);
    else
        snprintf(session, sizeof(session), "unicron-%lld",
                 (long long)(aws_client_now_ms(c) / 1000));
    json_t *in = json_pack("{s:s, s:s}", "RoleArn", p->role_arn, "RoleSessionName", session);
    json_t *res = NULL;
    uc_status st = UC_OK;
    if (!in)
        return aws_error_set(err, UC_NOMEM, "sts", op, "out of memory");
    if (p->duration_seconds > 0)
        json_object_set_new(in, "DurationSeconds", json_integer(p->duration_seconds));
    if (p->external_id && *p->external_id)
        json_object_set_new(in, "ExternalId", json_string(p->external_id));
    if (web_identity_token)
        json_object_set_new(in, "WebIdentityToken", json_string(web_identity_token));
    if (p->policy && *p->policy)
        json_object_set_new(in, "Policy", json_string(p->policy));
    if (p->source_identity && *p->source_identity)
        json_object_set_new(in, "SourceIdentity", json_string(p->source_identity));
    if (p->n_policy_arns) {
        json_t *arns = json_array();
        for (size_t i = 0; arns && i < p->n_policy_arns; i++)
            json_array_append_new(arns, json_pack("{s:s}", "arn", p->policy_arns[i]));
        json_object_set_new(in, "PolicyArns", arns);
    }
    if (p->n_tags) {
        json_t *tags = json_array();
        for (size_t i = 0; tags && i < p->n_tags; i++)
            json_array_append_new(tags, json_pack("{s:s, s:s}", "Key", p->tag_keys[i], "Value",
                                                  p->tag_values[i]));
        json_object_set_new(in, "Tags", tags);
    }
    if (p->n_transitive_tag_keys) {
        json_t *keys = json_array();
        for (size_t i = 0; keys && i < p->n_transitive_tag_keys; i++)
            json_array_append_new(keys, json_string(p->transitive_tag_keys[i]));
        json_object_set_new(in, "TransitiveTagKeys", keys);
    }
    st = aws_query_call_with(c, web_identity_token ? NULL : source, AWS_SVC_STS, op, in,
                             web_identity_token != NULL, o, &res, err);
    if (st != UC_OK) {
        if (err && err->message[0] && !strstr(err->message, p->role_arn)) {
            size_t ml = strlen(err->message);
            size_t al = strlen(p->role_arn) + 8;
            if (ml + al < sizeof(err->message)) {
                memcpy(err->message + ml, " (role ", 7);
                memcpy(err->message + ml + 7, p->role_arn, al - 8);
                memcpy(err->message + ml + al - 1, ")", 2);
            }
        }
        goto out;
    }
    /* temporary credentials: all four members, or nothing usable */
    static const char *const required[] = {"Credentials.AccessKeyId", "Credentials.SecretAccessKey",
                                           "Credentials.SessionToken", "Credentials.Expiration",
                                           NULL};
    for (size_t i = 0; required[i]; i++) {
        if (!aws_answer_string(res, "sts", op, required[i], err)) {
            st = err ? err->status : UC_DECODE;
            goto out;
        }
    }
    json_t *cr = json_object_get(res, "Credentials");
    st = aws_creds_from_json(cr, web_identity_token ? "web-identity" : "assume-role", out, err);
    if (st != UC_OK)
        aws_error_set(err, st, "sts", op, "%s returned no usable Credentials", op);
out:
    /* The input holds the web identity token; the result holds the new secret. */
    json_decref(in);
    json_decref(res);
    return st;
}

uc_status aws_sts_assume_role(struct aws_session *s, const struct aws_assume_role_params *p,
                              const struct aws_call_opts *o, struct aws_credentials **out,
                              struct aws_error *err)
{
    aws_error_clear(err);
    if (!s || !out)
        return aws_error_set(err, UC_INVALID, "sts", "AssumeRole", "no session");
    return aws_sts_assume_role_with(s->client, &s->cache, p, NULL, o, out, err);
}

uc_status aws_sts_get_caller_identity(struct aws_session *s, const struct aws_call_opts *o,
                                      struct aws_caller_identity *out, struct aws_error *err)
{
    json_t *res = NULL;
    memset(out, 0, sizeof(*out));
    uc_status st = aws_query_call(s, AWS_SVC_STS, "GetCallerIdentity", NULL, o, &res, err);
    if (st != UC_OK)
        return st;
    const char *acct = aws_answer_string(res, "sts", "GetCallerIdentity", "Account", err);
    const char *arn = acct ? aws_answer_string(res, "sts", "GetCallerIdentity", "Arn", err) : NULL;
    const char *uid = json_string_value(json_object_get(res, "UserId"));
    if (!acct || !arn) {
        st = err ? err->status : UC_DECODE;
    } else {
        snprintf(out->account, sizeof(out->account), "%s", acct);
        snprintf(out->arn, sizeof(out->arn), "%s", arn);
        snprintf(out->user_id, sizeof(out->user_id), "%s", uid ? uid : "");
    }
    json_decref(res);
    return st;
}
