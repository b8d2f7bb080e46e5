/* send.c - aws_send, the one request loop every AWS call goes through, as phases that each
 * have their own function and state (aws_internal.h): target (URL), turn (cancel, deadline,
 * adaptive rate limit), credentials, signing (headers, SigV4 or bearer), exchange (transport and
 * what the answer means), recovery (clock skew, expired credentials) and backoff (retry quota,
 * jittered wait).
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
static void scrub_answer(struct aws_error *err, const struct aws_http_request *rq,
                         const struct aws_credentials *creds, const struct aws_sigv4_result *sig,
                         const char *bearer)
{
    /* the whole Authorization line first, so an echo of it shows as one [REDACTED] */
    aws_error_redact(err, aws_headers_get(&rq->headers, "Authorization"));
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

/* ---- call and attempt state ---------------------------------------------------------------- */

void aws_send_call_init(struct aws_send_call *sc, struct aws_client *c, const struct aws_req *r,
                        const struct aws_call_opts *o)
{
    memset(sc, 0, sizeof(*sc));
    sc->c = c;
    sc->r = r;
    sc->o = o;
    sc->cancel = o ? o->cancel : NULL;
    sc->deadline = o ? o->deadline_ms : 0;
    sc->service = r->service_name ? r->service_name : aws_service_name(r->svc);
    sc->may_retry_unknown = r->idempotent || (o && o->retry_non_idempotent);
    uc_buf_init(&sc->url);
}

void aws_send_call_release(struct aws_send_call *sc)
{
    uc_buf_release(&sc->url);
}

void aws_send_attempt_init(struct aws_send_attempt *a)
{
    memset(a, 0, sizeof(*a));
    aws_headers_init(&a->rq.headers);
    aws_sigv4_result_init(&a->sig);
}

void aws_send_attempt_release(struct aws_send_attempt *a)
{
    aws_credentials_unref(a->creds);
    a->creds = NULL;
    aws_sigv4_result_release(&a->sig);
    aws_headers_release(&a->rq.headers);
}

/* ---- phase 1: target ------------------------------------------------------------------------ */

uc_status aws_send_target(struct aws_send_call *sc, struct aws_error *err)
{
    const struct aws_req *r = sc->r;
    uc_status st;
    if (!r->base_url && (st = aws_client_resolve_locked_once(sc->c, err)) != UC_OK)
        return st;
    sc->ep = r->base_url ? NULL : &sc->c->ep[r->svc];
    uc_buf_puts(&sc->url, r->base_url ? r->base_url : sc->ep->url);
    while (sc->url.len > 0 && sc->url.data[sc->url.len - 1] == '/')
        sc->url.data[--sc->url.len] = '\0';
    uc_buf_puts(&sc->url, r->path);
    if (r->query && *r->query) {
        uc_buf_putc(&sc->url, '?');
        uc_buf_puts(&sc->url, r->query);
    }
    if (sc->url.err != UC_OK || aws_url_parse(uc_buf_str(&sc->url), &sc->u) != UC_OK)
        return aws_error_set(err, UC_INVALID, sc->service, r->operation, "bad request URL");
    aws_client_uuid(sc->c, sc->invocation);
    return UC_OK;
}

/* ---- phase 2: turn -------------------------------------------------------------------------- */

uc_status aws_send_turn(struct aws_send_call *sc, struct aws_send_attempt *a,
                        struct aws_error *err)
{
    struct aws_client *c = sc->c;
    const char *op = sc->r->operation;
    if (uc_cancel_is_set(sc->cancel))
        return aws_error_set(err, UC_CANCELED, sc->service, op, "canceled");
    uint64_t now = aws_clock_mono_ms(&c->clock);
    if (sc->deadline && now >= sc->deadline)
        return aws_error_set(err, UC_TIMEOUT, sc->service, op,
                             "deadline reached before the request could be sent%s%s",
                             a->n > 1 ? "; last error: " : "", a->n > 1 ? sc->last_msg : "");
    if (c->mode == AWS_RETRY_ADAPTIVE) {
        uint64_t wait;
        while ((wait = aws_rate_limiter_acquire(&c->limiter, (double)now / 1000.0)) > 0) {
            if (sc->deadline && now + wait >= sc->deadline)
                return aws_error_set(err, UC_TIMEOUT, sc->service, op,
                                     "deadline reached while rate limited after throttling");
            if (aws_clock_sleep_ms(&c->clock, sc->cancel, wait) != UC_OK)
                return aws_error_set(err, UC_CANCELED, sc->service, op, "canceled");
            now = aws_clock_mono_ms(&c->clock);
        }
    }
    a->now = now;
    return UC_OK;
}

/* ---- phase 3: credentials ------------------------------------------------------------------- */

uc_status aws_send_credentials(struct aws_send_call *sc, struct aws_send_attempt *a,
                               struct aws_error *err)
{
    const struct aws_req *r = sc->r;
    aws_credentials_unref(a->creds);
    a->creds = NULL;
    if (r->unsigned_request || r->bearer)
        return UC_OK;
    struct aws_error cerr;
    aws_error_clear(&cerr);
    uc_status st = aws_creds_cache_get(r->creds, sc->c, sc->o, &a->creds, &cerr);
    if (st != UC_OK) {
        *err = cerr;
        if (!err->operation[0])
            snprintf(err->operation, sizeof(err->operation), "%s", r->operation);
    }
    return st;
}

/* ---- phase 4: sign -------------------------------------------------------------------------- */

uc_status aws_send_sign(struct aws_send_call *sc, struct aws_send_attempt *a,
                        struct aws_error *err)
{
    struct aws_client *c = sc->c;
    const struct aws_req *r = sc->r;
    struct aws_headers *h = &a->rq.headers;
    aws_headers_release(h);
    aws_headers_init(h);
    char sdkreq[64];
    snprintf(sdkreq, sizeof(sdkreq), "attempt=%d; max=%d", a->n, c->max_attempts);
    uc_status st = aws_headers_add(h, "Host", sc->u.host);
    if (st == UC_OK && r->content_type)
        st = aws_headers_add(h, "Content-Type", r->content_type);
    if (st == UC_OK && r->target)
        st = aws_headers_add(h, "X-Amz-Target", r->target);
    if (st == UC_OK && r->accept)
        st = aws_headers_add(h, "Accept", r->accept);
    if (st == UC_OK && !r->bearer) {
        st = aws_headers_add(h, "amz-sdk-invocation-id", sc->invocation);
        if (st == UC_OK)
            st = aws_headers_add(h, "amz-sdk-request", sdkreq);
    }
    if (st == UC_OK)
        st = aws_headers_add(h, "User-Agent", USER_AGENT);
    if (st == UC_OK && r->bearer) {
        struct uc_buf ab;
        uc_buf_init(&ab);
        uc_buf_printf(&ab, "Bearer %s", r->bearer);
        st = ab.err == UC_OK ? aws_headers_add(h, "Authorization", uc_buf_str(&ab)) : ab.err;
        aws_buf_wipe(&ab);
        uc_buf_release(&ab);
    }
    if (st == UC_OK && a->creds) {
        const struct aws_credentials *k = a->creds;
        struct aws_sigv4_params sp = {
            .method = r->method,
            .path = sc->u.path,
            .query = sc->u.query,
            .body = r->body,
            .body_len = r->body_len,
            .region = sc->ep ? sc->ep->signing_region : c->region,
            .service = aws_service_name(r->svc),
            .time = aws_client_now_ms(c) / 1000,
            .creds = {k->access_key_id, k->secret_access_key, k->session_token},
            .normalize_path = true,
            .sign_body = true,
        };
        st = aws_sigv4_sign_headers(&sp, h, &a->sig);
    }
    if (st != UC_OK)
        return aws_error_set(err, st, sc->service, r->operation, "cannot build request: %s",
                             uc_status_text(st));
    a->rq.method = r->method;
    a->rq.url = uc_buf_str(&sc->url);
    a->rq.body = r->body;
    a->rq.body_len = r->body_len;
    a->rq.ca_pem = r->ca_pem;
    a->rq.ca_pem_len = r->ca_pem_len;
    a->rq.connect_timeout_ms = c->connect_timeout_ms;
    a->rq.timeout_ms = c->attempt_timeout_ms;
    if (sc->deadline) {
        uint64_t left = sc->deadline > a->now ? sc->deadline - a->now : 1;
        if (left < a->rq.timeout_ms)
            a->rq.timeout_ms = left;
        if (left < a->rq.connect_timeout_ms)
            a->rq.connect_timeout_ms = left;
    }
    return UC_OK;
}

/* ---- phase 5: exchange ---------------------------------------------------------------------- */

/* A 2xx answer: the request id, quota refund and rate update, the caller's decode hook, then
 * the scrubbed fields are logged. */
static uc_status answer_ok(struct aws_send_call *sc, struct aws_send_attempt *a,
                           struct aws_http_response *resp, struct aws_error *err)
{
    struct aws_client *c = sc->c;
    const struct aws_req *r = sc->r;
    const char *h = aws_headers_get(&resp->headers, "x-amzn-RequestId");
    if (!h)
        h = aws_headers_get(&resp->headers, "x-amz-request-id");
    if (!h)
        h = aws_headers_get(&resp->headers, "Audit-Id");
    err->http_status = (int)resp->status;
    err->attempts = a->n;
    if (h)
        snprintf(err->request_id, sizeof(err->request_id), "%s", h);
    aws_retry_quota_success(&c->quota, sc->taken);
    if (c->mode == AWS_RETRY_ADAPTIVE)
        aws_rate_limiter_update(&c->limiter, (double)aws_clock_mono_ms(&c->clock) / 1000.0,
                                false);
    uc_status st = r->decode ? r->decode(r->decode_ctx, resp, err) : UC_OK;
    scrub_answer(err, &a->rq, a->creds, &a->sig, r->bearer);
    log_attempt(sc->service, r, &sc->u, resp->status, a->dur_ms, err->request_id, a->n, NULL);
    return st;
}

uc_status aws_send_exchange(struct aws_send_call *sc, struct aws_send_attempt *a,
                            struct aws_http_response *resp, struct aws_error *err, bool *done)
{
    struct aws_client *c = sc->c;
    const struct aws_req *r = sc->r;
    *done = true;
    a->cls = AWS_ERRC_NONE;
    aws_http_response_reset(resp);
    uint64_t t0 = aws_clock_mono_ms(&c->clock);
    uc_status st = c->transport->send(c->transport, &a->rq, sc->cancel, resp);
    a->dur_ms = aws_clock_mono_ms(&c->clock) - t0;
    if (st == UC_CANCELED)
        return aws_error_set(err, UC_CANCELED, sc->service, r->operation, "canceled");
    if (st == UC_OK && resp->status >= 200 && resp->status < 300)
        return answer_ok(sc, a, resp, err);
    if (st == UC_OK) {
        aws_parse_error(r->proto, resp, err);
        err->status = UC_REMOTE;
        scrub_answer(err, &a->rq, a->creds, &a->sig, r->bearer);
        st = UC_REMOTE;
        a->cls = aws_retry_classify(resp->status, err->code, AWS_NET_NONE);
    } else if (st == UC_TRANSPORT && resp->net == AWS_NET_UNAVAILABLE) {
        /* No HTTP at all (libcurl cannot be loaded): the loader's message, as is. */
        aws_error_set(err, UC_TRANSPORT, "transport", "load", "%s", resp->net_message);
        err->http_status = 0;
        err->code[0] = '\0';
        err->request_id[0] = '\0';
        a->cls = aws_retry_classify(0, NULL, resp->net);
    } else if (st == UC_TRANSPORT) {
        aws_error_set(err, UC_TRANSPORT, sc->service, r->operation, "%s %s: %s", r->method,
                      sc->u.host, resp->net_message[0] ? resp->net_message : "transport error");
        err->http_status = 0;
        err->code[0] = '\0';
        err->request_id[0] = '\0';
        a->cls = aws_retry_classify(0, NULL, resp->net);
    } else if (st == UC_RANGE) {
        /* Too big to hold (or a gzip bomb): the same answer again would be too, no retry. */
        aws_error_set(err, UC_RANGE, sc->service, r->operation, "%s %s: %s", r->method,
                      sc->u.host,
                      resp->net_message[0] ? resp->net_message
                                           : "response body exceeds the size limit");
        err->http_status = (int)resp->status;
        err->code[0] = '\0';
        err->request_id[0] = '\0';
        return UC_RANGE;
    } else {
        return aws_error_set(err, st, sc->service, r->operation, "%s", uc_status_text(st));
    }
    *done = false;
    log_attempt(sc->service, r, &sc->u, resp->status, a->dur_ms, err->request_id, a->n,
                err->code);
    snprintf(sc->last_msg, sizeof(sc->last_msg), "%.200s", err->message);
    if (c->mode == AWS_RETRY_ADAPTIVE)
        aws_rate_limiter_update(&c->limiter, (double)aws_clock_mono_ms(&c->clock) / 1000.0,
                                a->cls == AWS_ERRC_THROTTLE);
    return st;
}

/* ---- phase 6: recover ----------------------------------------------------------------------- */

bool aws_send_recover(struct aws_send_call *sc, struct aws_send_attempt *a, uc_status st,
                      const struct aws_http_response *resp, const struct aws_error *err)
{
    struct aws_client *c = sc->c;
    const char *code = err->code;
    if (st != UC_REMOTE)
        return false;
    /* Clock skew: learn the server's time from Date and retry at once (it was refused). */
    int64_t server_ms;
    if (!sc->skew_retried && is_skew_code(code) &&
        parse_http_date(aws_headers_get(&resp->headers, "Date"), &server_ms)) {
        int64_t diff = server_ms - aws_clock_wall_ms(&c->clock);
        if (diff > 4 * 60 * 1000 || diff < -4 * 60 * 1000) {
            atomic_store(&c->skew_ms, diff);
            sc->skew_retried = true;
            uc_log(UC_LOG_WARN, LOG_MODULE, "clock skew detected, correcting", "service",
                   sc->service, NULL);
            return true;
        }
    }
    /* Expired temporary credentials: drop the cache and retry once with fresh ones. */
    if (!sc->expired_retried && a->creds && sc->r->creds &&
        (strcmp(code, "ExpiredToken") == 0 || strcmp(code, "ExpiredTokenException") == 0)) {
        aws_creds_cache_invalidate(sc->r->creds, a->creds);
        sc->expired_retried = true;
        return true;
    }
    return false;
}

/* ---- phase 7: backoff ----------------------------------------------------------------------- */

bool aws_send_backoff(struct aws_send_call *sc, struct aws_send_attempt *a, uc_status *st,
                      const struct aws_http_response *resp, struct aws_error *err)
{
    struct aws_client *c = sc->c;
    enum aws_error_class cls = a->cls;
    bool retryable = cls == AWS_ERRC_THROTTLE || cls == AWS_ERRC_NOT_SENT ||
                     (cls == AWS_ERRC_TRANSIENT && sc->may_retry_unknown);
    if (!retryable || a->n >= c->max_attempts)
        return false;
    int cost = 0;
    if (!aws_retry_quota_acquire(&c->quota, cls, &cost)) {
        uc_log(UC_LOG_DEBUG, LOG_MODULE, "retry quota exhausted, not retrying", "service",
               sc->service, "operation", sc->r->operation, NULL);
        return false;
    }
    sc->taken += cost;
    uint64_t delay =
        aws_retry_backoff_ms((unsigned)a->n, cls == AWS_ERRC_THROTTLE, aws_client_rand(c),
                             *st == UC_REMOTE ? aws_retry_after_hint_ms(&resp->headers) : 0);
    uint64_t now = aws_clock_mono_ms(&c->clock);
    if (sc->deadline && now + delay >= sc->deadline) {
        size_t ml = strlen(err->message);
        if (ml + 40 < sizeof(err->message))
            snprintf(err->message + ml, sizeof(err->message) - ml,
                     " (deadline reached after %d attempts)", a->n);
        *st = UC_TIMEOUT;
        return false;
    }
    if (aws_clock_sleep_ms(&c->clock, sc->cancel, delay) == UC_CANCELED) {
        *st = aws_error_set(err, UC_CANCELED, sc->service, sc->r->operation,
                            "canceled while waiting to retry");
        return false;
    }
    return true;
}

/* ---- the loop ------------------------------------------------------------------------------- */

uc_status aws_send(struct aws_client *c, const struct aws_req *r, const struct aws_call_opts *o,
                   struct aws_http_response *resp, struct aws_error *err)
{
    struct aws_error scratch; /* answers are scrubbed and logged through err even when NULL */
    if (!err)
        err = &scratch;
    struct aws_send_call sc;
    struct aws_send_attempt a;
    aws_send_call_init(&sc, c, r, o);
    aws_send_attempt_init(&a);
    aws_error_clear(err);
    aws_error_set(err, UC_OK, sc.service, r->operation, NULL);
    uc_status st = aws_send_target(&sc, err);
    while (st == UC_OK) {
        a.n++;
        bool done = true;
        if ((st = aws_send_turn(&sc, &a, err)) != UC_OK ||
            (st = aws_send_credentials(&sc, &a, err)) != UC_OK ||
            (st = aws_send_sign(&sc, &a, err)) != UC_OK)
            break;
        st = aws_send_exchange(&sc, &a, resp, err, &done);
        if (done)
            break;
        if (aws_send_recover(&sc, &a, st, resp, err)) {
            a.n--; /* refused before it was looked at: does not count as an attempt */
            st = UC_OK;
            continue;
        }
        if (!aws_send_backoff(&sc, &a, &st, resp, err))
            break;
        st = UC_OK;
    }
    int attempts = a.n;
    aws_send_attempt_release(&a);
    aws_send_call_release(&sc);
    return st == UC_OK ? st : fail_with(err, st, attempts);
}
