/* send.c - aws_send, the one request loop every AWS call goes through: credentials, headers
 * and SigV4 (or a bearer token), transport, error shape, then retry with backoff, quota, adaptive
 * rate limiting, clock-skew correction and one refresh of expired credentials.
 *
 * It knows no protocol's body (calls.c does), never logs a secret (bodies, query strings,
 * Authorization, tokens) and every wait wakes on cancel or stops at the deadline.
 */
#include <stdio.h>
#include <string.h>

#include "aws_internal.h"
#include "aws_sigv4.h"
#include "uc_log.h"

#define USER_AGENT "terraform-provider-unicron/0.1 unicron-aws-client"


static bool is_skew_code(const char *code)
{
    static const char *const codes[] = {"RequestTimeTooSkewed", "RequestExpired",
                                        "InvalidSignatureException", "SignatureDoesNotMatch",
                                        "RequestInTheFuture", "AuthFailure", NULL};
    for (size_t i = 0; codes[i]; i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

/* RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") to epoch ms; false when malformed. */
static bool parse_http_date(const char *s, int64_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4] = "";
    int d, y, h, mi, se;
    if (!s || sscanf(s, "%*3s, %2d %3s %4d %2d:%2d:%2d GMT", &d, mon, &y, &h, &mi, &se) != 6)
        return false;
    const char *m = strstr(months, mon);
    if (!m || mon[0] == '\0' || (m - months) % 3)
        return false;
    char iso[32];
    snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, (int)((m - months) / 3) + 1,
             d, h, mi, se);
    return aws_parse_iso8601_ms(iso, out) == UC_OK;
}

static void log_attempt(const char *service, const struct aws_req *r, const struct aws_url *u,
                        long status, uint64_t dur, const char *rid, int attempt, const char *code)
{
    if (!uc_log_enabled(UC_LOG_DEBUG))
        return;
    char st[16], du[24], at[16];
    snprintf(st, sizeof(st), "%ld", status);
    snprintf(du, sizeof(du), "%llu", (unsigned long long)dur);
    snprintf(at, sizeof(at), "%d", attempt);
    uc_log(UC_LOG_DEBUG, LOG_MODULE, "http request", "service", service, "operation",
           r->operation, "method", r->method, "host", u->host, "path", u->path, "status", st,
           "duration_ms", du, "request_id", rid && *rid ? rid : NULL, "attempt", at, "error_code",
           code && *code ? code : NULL, NULL);
}

/* Every text an answer put into err (code, message, request id) loses what the request carried:
 * a proxy or a misconfigured endpoint may echo the request, headers and all, and
 * SignatureDoesNotMatch quotes the canonical request (session token included). */
static void scrub_answer(struct aws_error *err, const struct aws_credentials *creds,
                         const struct aws_sigv4_result *sig, const char *bearer)
{
    if (creds) {
        aws_error_redact(err, creds->access_key_id);
        aws_error_redact(err, creds->secret_access_key);
        aws_error_redact(err, creds->session_token);
    }
    aws_error_redact(err, sig->signature);
    aws_error_redact(err, bearer);
}

static uc_status fail_with(struct aws_error *err, uc_status st, int attempts)
{
    if (err) {
        err->status = st;
        err->attempts = attempts;
    }
    return st;
}

uc_status aws_send(struct aws_client *c, const struct aws_req *r, const struct aws_call_opts *o,
                   struct aws_http_response *resp, struct aws_error *err)
{
    const char *service = r->service_name ? r->service_name : aws_service_name(r->svc);
    struct aws_error scratch; /* answers are scrubbed and logged through err even when NULL */
    if (!err)
        err = &scratch;
    aws_error_clear(err);
    aws_error_set(err, UC_OK, service, r->operation, NULL);
    const struct uc_cancel *cancel = o ? o->cancel : NULL;
    uint64_t deadline = o ? o->deadline_ms : 0;
    bool may_retry_unknown = r->idempotent || (o && o->retry_non_idempotent);
    struct uc_buf url;
    struct aws_url u;
    struct aws_http_request rq;
    struct aws_sigv4_result sig;
    uc_buf_init(&url);
    aws_headers_init(&rq.headers);
    aws_sigv4_result_init(&sig);
    uc_status st = UC_OK;
    int attempt = 0, taken = 0;
    bool skew_retried = false, expired_retried = false;
    char invocation[37], last_msg[256] = "";
    struct aws_credentials *creds = NULL;

    if (!r->base_url && (st = aws_client_resolve_locked_once(c, err)) != UC_OK)
        goto out;
    const struct aws_endpoint *ep = r->base_url ? NULL : &c->ep[r->svc];
    uc_buf_puts(&url, r->base_url ? r->base_url : ep->url);
    while (url.len > 0 && url.data[url.len - 1] == '/')
        url.data[--url.len] = '\0';
    uc_buf_puts(&url, r->path);
    if (r->query && *r->query) {
        uc_buf_putc(&url, '?');
        uc_buf_puts(&url, r->query);
    }
    if (url.err != UC_OK || aws_url_parse(uc_buf_str(&url), &u) != UC_OK) {
        st = aws_error_set(err, UC_INVALID, service, r->operation, "bad request URL");
        goto out;
    }
    aws_client_uuid(c, invocation);

    for (attempt = 1; attempt <= c->max_attempts; attempt++) {
        if (uc_cancel_is_set(cancel)) {
            st = aws_error_set(err, UC_CANCELED, service, r->operation, "canceled");
            goto out;
        }
        uint64_t now = aws_clock_mono_ms(&c->clock);
        if (deadline && now >= deadline) {
            st = aws_error_set(err, UC_TIMEOUT, service, r->operation,
                               "deadline reached before the request could be sent%s%s",
                               attempt > 1 ? "; last error: " : "", attempt > 1 ? last_msg : "");
            goto out;
        }
        if (c->mode == AWS_RETRY_ADAPTIVE) {
            uint64_t wait;
            while ((wait = aws_rate_limiter_acquire(&c->limiter, (double)now / 1000.0)) > 0) {
                if (deadline && now + wait >= deadline) {
                    st = aws_error_set(err, UC_TIMEOUT, service, r->operation,
                                       "deadline reached while rate limited after throttling");
                    goto out;
                }
                if (aws_clock_sleep_ms(&c->clock, cancel, wait) != UC_OK) {
                    st = aws_error_set(err, UC_CANCELED, service, r->operation, "canceled");
                    goto out;
                }
                now = aws_clock_mono_ms(&c->clock);
            }
        }
        /* credentials */
        aws_credentials_unref(creds);
        creds = NULL;
        if (!r->unsigned_request && !r->bearer) {
            struct aws_error cerr;
            aws_error_clear(&cerr);
            st = aws_creds_cache_get(r->creds, c, o, &creds, &cerr);
            if (st != UC_OK) {
                if (err) {
                    *err = cerr;
                    if (!err->operation[0])
                        snprintf(err->operation, sizeof(err->operation), "%s", r->operation);
                }
                goto out;
            }
        }
        /* headers and signature */
        aws_headers_release(&rq.headers);
        aws_headers_init(&rq.headers);
        char sdkreq[64];
        snprintf(sdkreq, sizeof(sdkreq), "attempt=%d; max=%d", attempt, c->max_attempts);
        st = aws_headers_add(&rq.headers, "Host", u.host);
        if (st == UC_OK && r->content_type)
            st = aws_headers_add(&rq.headers, "Content-Type", r->content_type);
        if (st == UC_OK && r->target)
            st = aws_headers_add(&rq.headers, "X-Amz-Target", r->target);
        if (st == UC_OK && r->accept)
            st = aws_headers_add(&rq.headers, "Accept", r->accept);
        if (st == UC_OK && !r->bearer) {
            st = aws_headers_add(&rq.headers, "amz-sdk-invocation-id", invocation);
            if (st == UC_OK)
                st = aws_headers_add(&rq.headers, "amz-sdk-request", sdkreq);
        }
        if (st == UC_OK)
            st = aws_headers_add(&rq.headers, "User-Agent", USER_AGENT);
        if (st == UC_OK && r->bearer) {
            struct uc_buf ab;
            uc_buf_init(&ab);
            uc_buf_printf(&ab, "Bearer %s", r->bearer);
            st = ab.err == UC_OK ? aws_headers_add(&rq.headers, "Authorization", uc_buf_str(&ab))
                                 : ab.err;
            aws_buf_wipe(&ab);
            uc_buf_release(&ab);
        }
        if (st == UC_OK && creds) {
            struct aws_sigv4_params sp = {
                .method = r->method,
                .path = u.path,
                .query = u.query,
                .body = r->body,
                .body_len = r->body_len,
                .region = ep ? ep->signing_region : c->region,
                .service = aws_service_name(r->svc),
                .time = aws_client_now_ms(c) / 1000,
                .creds = {creds->access_key_id, creds->secret_access_key, creds->session_token},
                .normalize_path = true,
                .sign_body = true,
            };
            st = aws_sigv4_sign_headers(&sp, &rq.headers, &sig);
        }
        if (st != UC_OK) {
            st = aws_error_set(err, st, service, r->operation, "cannot build request: %s",
                               uc_status_text(st));
            goto out;
        }
        rq.method = r->method;
        rq.url = uc_buf_str(&url);
        rq.body = r->body;
        rq.body_len = r->body_len;
        rq.ca_pem = r->ca_pem;
        rq.ca_pem_len = r->ca_pem_len;
        rq.connect_timeout_ms = c->connect_timeout_ms;
        rq.timeout_ms = c->attempt_timeout_ms;
        if (deadline) {
            uint64_t left = deadline > now ? deadline - now : 1;
            if (left < rq.timeout_ms)
                rq.timeout_ms = left;
            if (left < rq.connect_timeout_ms)
                rq.connect_timeout_ms = left;
        }
        aws_http_response_reset(resp);
        uint64_t t0 = aws_clock_mono_ms(&c->clock);
        st = c->transport->send(c->transport, &rq, cancel, resp);
        uint64_t dur = aws_clock_mono_ms(&c->clock) - t0;
        if (st == UC_CANCELED) {
            st = aws_error_set(err, UC_CANCELED, service, r->operation, "canceled");
            goto out;
        }
        enum aws_error_class cls;
        if (st == UC_OK) {
            if (resp->status >= 200 && resp->status < 300) {
                const char *h = aws_headers_get(&resp->headers, "x-amzn-RequestId");
                if (!h)
                    h = aws_headers_get(&resp->headers, "x-amz-request-id");
                if (!h)
                    h = aws_headers_get(&resp->headers, "Audit-Id");
                err->http_status = (int)resp->status;
                err->attempts = attempt;
                if (h)
                    snprintf(err->request_id, sizeof(err->request_id), "%s", h);
                aws_retry_quota_success(&c->quota, taken);
                if (c->mode == AWS_RETRY_ADAPTIVE)
                    aws_rate_limiter_update(&c->limiter,
                                            (double)aws_clock_mono_ms(&c->clock) / 1000.0, false);
                st = r->decode ? r->decode(r->decode_ctx, resp, err) : UC_OK;
                scrub_answer(err, creds, &sig, r->bearer);
                log_attempt(service, r, &u, resp->status, dur, err->request_id, attempt, NULL);
                goto out;
            }
            aws_parse_error(r->proto, resp, err);
            err->status = UC_REMOTE;
            scrub_answer(err, creds, &sig, r->bearer);
            st = UC_REMOTE;
            cls = aws_retry_classify(resp->status, err ? err->code : NULL, AWS_NET_NONE);
        } else if (st == UC_TRANSPORT && resp->net == AWS_NET_UNAVAILABLE) {
            /* No HTTP at all (libcurl cannot be loaded): the loader's message, as is. */
            aws_error_set(err, UC_TRANSPORT, "transport", "load", "%s", resp->net_message);
            if (err) {
                err->http_status = 0;
                err->code[0] = '\0';
                err->request_id[0] = '\0';
            }
            cls = aws_retry_classify(0, NULL, resp->net);
        } else if (st == UC_TRANSPORT) {
            aws_error_set(err, UC_TRANSPORT, service, r->operation, "%s %s: %s", r->method,
                          u.host, resp->net_message[0] ? resp->net_message : "transport error");
            if (err) {
                err->http_status = 0;
                err->code[0] = '\0';
                err->request_id[0] = '\0';
            }
            cls = aws_retry_classify(0, NULL, resp->net);
        } else {
            aws_error_set(err, st, service, r->operation, "%s", uc_status_text(st));
            goto out;
        }
        const char *code = err ? err->code : "";
        log_attempt(service, r, &u, resp->status, dur, err ? err->request_id : NULL, attempt,
                    code);
        snprintf(last_msg, sizeof(last_msg), "%.200s", err && err->message[0] ? err->message : "");
        if (c->mode == AWS_RETRY_ADAPTIVE)
            aws_rate_limiter_update(&c->limiter, (double)aws_clock_mono_ms(&c->clock) / 1000.0,
                                    cls == AWS_ERRC_THROTTLE);
        /* Clock skew: learn the server's time from Date and retry at once (it was refused). */
        int64_t server_ms;
        if (st == UC_REMOTE && !skew_retried && is_skew_code(code) &&
            parse_http_date(aws_headers_get(&resp->headers, "Date"), &server_ms)) {
            int64_t diff = server_ms - aws_clock_wall_ms(&c->clock);
            if (diff > 4 * 60 * 1000 || diff < -4 * 60 * 1000) {
                atomic_store(&c->skew_ms, diff);
                skew_retried = true;
                uc_log(UC_LOG_WARN, LOG_MODULE, "clock skew detected, correcting", "service",
                       service, NULL);
                attempt--; /* does not count as an attempt */
                continue;
            }
        }
        /* Expired temporary credentials: drop the cache and retry once with fresh ones. */
        if (st == UC_REMOTE && !expired_retried && creds && r->creds &&
            (strcmp(code, "ExpiredToken") == 0 || strcmp(code, "ExpiredTokenException") == 0)) {
            aws_creds_cache_invalidate(r->creds, creds);
            expired_retried = true;
            attempt--;
            continue;
        }
        bool retryable = cls == AWS_ERRC_THROTTLE || cls == AWS_ERRC_NOT_SENT ||
                         (cls == AWS_ERRC_TRANSIENT && may_retry_unknown);
        if (!retryable || attempt >= c->max_attempts)
            break;
        int cost = 0;
        if (!aws_retry_quota_acquire(&c->quota, cls, &cost)) {
            uc_log(UC_LOG_DEBUG, LOG_MODULE, "retry quota exhausted, not retrying", "service",
                   service, "operation", r->operation, NULL);
            break;
        }
        taken += cost;
        uint64_t delay =
            aws_retry_backoff_ms((unsigned)attempt, cls == AWS_ERRC_THROTTLE, aws_client_rand(c),
                                 st == UC_REMOTE ? aws_retry_after_hint_ms(&resp->headers) : 0);
        now = aws_clock_mono_ms(&c->clock);
        if (deadline && now + delay >= deadline) {
            size_t ml = err ? strlen(err->message) : 0;
            if (err && ml + 40 < sizeof(err->message))
                snprintf(err->message + ml, sizeof(err->message) - ml,
                         " (deadline reached after %d attempts)", attempt);
            st = UC_TIMEOUT;
            break;
        }
        if (aws_clock_sleep_ms(&c->clock, cancel, delay) == UC_CANCELED) {
            st = aws_error_set(err, UC_CANCELED, service, r->operation,
                               "canceled while waiting to retry");
            goto out;
        }
    }
    if (attempt > c->max_attempts)
        attempt = c->max_attempts;
out:
    aws_credentials_unref(creds);
    aws_sigv4_result_release(&sig);
    aws_headers_release(&rq.headers);
    uc_buf_release(&url);
    return st == UC_OK ? st : fail_with(err, st, attempt);
}
