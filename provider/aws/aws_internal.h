/* aws_internal.h - declarations shared by the files of the AWS client layer (provider/aws/).
 *
 * Not a public header: resources and the host use include/aws_*.h only. Holds the client and
 * session structs, the credential provider interface, the shared-file (INI) model, endpoint
 * resolution and the one request loop every protocol goes through.
 */
#ifndef AWS_INTERNAL_H
#define AWS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "aws_client.h"
#include "aws_config.h"
#include "aws_creds.h"
#include "aws_error.h"
#include "aws_http.h"
#include "aws_retry.h"
#include "aws_sigv4.h"

#define LOG_MODULE "aws"

/* ---- shared config / credentials files -------------------------------------------------- */

struct aws_ini_kv {
    char *key;
    char *value;
};

/* What a section of the shared files is: a profile ("[profile x]", "[default]", "[x]" in the
 * credentials file), "[sso-session x]" or "[services x]" (endpoint_url per service). */
enum aws_ini_section { AWS_INI_PROFILE = 0, AWS_INI_SSO_SESSION, AWS_INI_SERVICES };

struct aws_profile {
    enum aws_ini_section kind;
    char *name;
    struct aws_ini_kv *kv;
    size_t n, cap;
};

/* Sections merged from the config files ("[profile x]", "[default]", "[sso-session x]",
 * "[services x]") and the credentials files ("[x]"); a key in a credentials file wins over the
 * same key in a config file, a later file over an earlier one. A key with an empty value
 * followed by indented lines holds nested sub-properties, stored as "key.sub". */
struct aws_profiles {
    struct aws_profile *p;
    size_t n, cap;
};

void aws_profiles_init(struct aws_profiles *ps);
void aws_profiles_release(struct aws_profiles *ps);
/* Parses one file's text. is_config selects the section naming rule. Bounded, never fails on
 * bad lines (they are skipped); UC_NOMEM only. */
uc_status aws_profiles_parse(struct aws_profiles *ps, const char *text, size_t len,
                             bool is_config);
/* Reads and parses a file (at most 1 MiB); a missing file is UC_NOTFOUND (not an error for the
 * default paths). "~/" is expanded with $HOME. */
uc_status aws_profiles_load_file(struct aws_profiles *ps, const char *path, bool is_config);
/* The profile called name (borrowed; NULL when absent). */
const struct aws_profile *aws_profiles_find(const struct aws_profiles *ps, const char *name);
/* The section of that kind and name (borrowed; NULL when absent). */
const struct aws_profile *aws_profiles_find_section(const struct aws_profiles *ps,
                                                   enum aws_ini_section kind, const char *name);
const char *aws_profile_get(const struct aws_profile *p, const char *key);

/* ---- credential providers ------------------------------------------------------------------ */

struct aws_client;

/* A source of credentials. fetch() returns UC_NOTFOUND when the source is not configured (the
 * chain goes on), UC_OK with *out (one reference), or an error with err filled. */
struct aws_provider {
    const char *name;
    uc_status (*fetch)(struct aws_provider *p, struct aws_client *c, const struct aws_call_opts *o,
                       struct aws_credentials **out, struct aws_error *err);
    void (*destroy)(struct aws_provider *p);
};

void aws_provider_free(struct aws_provider *p);

/* Caches one provider's credentials and refreshes them before expiry; one refresh at a time.
 * The fetch runs outside mu (fetching is set meanwhile); other callers wait on cv, each with its
 * own cancel token and deadline, and reuse the result. */
struct aws_creds_cache {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC; broadcast when a fetch ends */
    bool fetching;     /* a thread is in prov->fetch */
    struct aws_credentials *cur;
    struct aws_provider *prov; /* owned */
};

void aws_creds_cache_init(struct aws_creds_cache *cc, struct aws_provider *prov);
void aws_creds_cache_release(struct aws_creds_cache *cc);
/* Fresh credentials (one reference in *out) from the cache, fetching them when needed. A
 * caller that finds another thread fetching waits for it, but returns UC_CANCELED when its own
 * o->cancel fires and UC_TIMEOUT at its own o->deadline_ms (client clock); the fetch goes on
 * and caches its result for others. o may be NULL. Thread-safe; release no cache in use. */
uc_status aws_creds_cache_get(struct aws_creds_cache *cc, struct aws_client *c,
                              const struct aws_call_opts *o, struct aws_credentials **out,
                              struct aws_error *err);
/* Drops the cached value (after ExpiredToken) so the next get fetches. */
void aws_creds_cache_invalidate(struct aws_creds_cache *cc, const struct aws_credentials *bad);

/* Refresh this long before expiry (JS v3 uses 5 minutes). */
#define AWS_CREDS_REFRESH_MS (5 * 60 * 1000)

struct aws_provider *aws_provider_static_new(const char *ak, const char *sk, const char *token,
                                             const char *source);
/* Assume role_arn with the credentials of source (a cache it owns when own_source). The STS
 * call goes through the client's STS endpoint. access_denied_wait_ms > 0 retries AccessDenied
 * that long after the first one (a fetch whose opts set access_denied_wait_ms waits that long
 * instead); 0 never retries it, whatever the opts say. */
struct aws_provider *aws_provider_assume_role_new(struct aws_creds_cache *source, bool own_source,
                                                  const struct aws_assume_role_params *params,
                                                  uint64_t access_denied_wait_ms);
struct aws_provider *aws_provider_web_identity_new(const char *role_arn, const char *token_file,
                                                   const char *session_name);
struct aws_provider *aws_provider_process_new(const char *command, const char *profile);
struct aws_provider *aws_provider_container_new(void);
struct aws_provider *aws_provider_imds_new(void);
/* IAM Identity Center (SSO) role credentials for a profile (credentials_sso.c): the access
 * token from the AWS CLI's cache (~/.aws/sso/cache, keyed by session_name, or by start_url for
 * a legacy profile without sso_session), refreshed through SSO OIDC near its expiry when the
 * cache holds a refresh token, then the portal's GetRoleCredentials. All strings are copied;
 * session_name may be NULL. NULL when out of memory. */
struct aws_provider *aws_provider_sso_new(const char *profile, const char *session_name,
                                          const char *start_url, const char *sso_region,
                                          const char *account_id, const char *role_name);
/* Reads a file of at most max bytes into *out (malloc'd, NUL-terminated, trailing newlines and
 * spaces cut; the caller wipes and frees it). UC_NOTFOUND when missing, UC_RANGE when larger,
 * UC_IO otherwise. For token files: nothing is logged. */
uc_status aws_read_small_file(const char *path, size_t max, char **out);
/* An unsigned HTTP request through the client's transport (credential endpoints): Host plus
 * extra headers, body (NULL = none) as given, timeout_ms for connect and transfer. resp is
 * the caller's. Never logs headers or bodies. */
uc_status aws_http_plain(struct aws_client *c, const char *method, const char *url,
                         const struct aws_headers *extra, const char *body, uint64_t timeout_ms,
                         const struct aws_call_opts *o, struct aws_http_response *resp);
/* The default chain of the client (DESIGN §3 / aws-apis.md §10), credentials_chain.c. */
struct aws_provider *aws_provider_chain_new(void);
/* credentials_profile.c: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN as a
 * static provider (*out owned by the caller); UC_NOTFOUND when unset, an error when only one
 * half of the key pair is set. */
uc_status aws_provider_from_env(struct aws_provider **out, struct aws_error *err);
/* credentials_profile.c: the provider the named profile of c's shared files describes
 * (role_arn with web_identity_token_file, source_profile or credential_source; static keys;
 * credential_process). UC_NOTFOUND when the profile does not exist or holds no credentials;
 * an error for a contradictory or looping profile. *out owned by the caller. */
uc_status aws_provider_from_profile(struct aws_client *c, const char *name,
                                    struct aws_provider **out, struct aws_error *err);

/* ---- the client ------------------------------------------------------------------------- */

struct aws_endpoint {
    char url[512];           /* base URL without trailing '/' */
    char signing_region[64];
    bool custom;
};

struct aws_session {
    struct aws_client *client;
    char account_id[16]; /* "" for the provider's own session */
    struct aws_creds_cache cache;
};

struct aws_client {
    /* copied configuration */
    char *region_cfg, *profile_cfg, *access_key, *secret_key, *token;
    char **config_files, **cred_files;
    size_t n_config_files, n_cred_files;
    char *wi_role_arn, *wi_token_file, *wi_session_name;
    char *endpoints_cfg[AWS_SVC_COUNT];
    char *account_role;
    int max_attempts;            /* settled by resolve unless attempts_explicit */
    enum aws_retry_mode mode;    /* settled by resolve unless mode_explicit */
    bool attempts_explicit;      /* max_retries in the provider block */
    bool mode_explicit;          /* retry_mode in the provider block */
    uint64_t account_role_wait_ms, connect_timeout_ms, attempt_timeout_ms;
    struct aws_transport *transport;
    bool own_transport;
    struct aws_clock clock;

    /* resolved lazily, under mu */
    pthread_mutex_t mu;
    bool resolved;
    char region[64];
    char partition[16];
    char profile[128];
    bool profile_explicit;
    struct aws_profiles profiles;
    struct aws_endpoint ep[AWS_SVC_COUNT];

    struct aws_session base;
    struct aws_session **accounts; /* under mu */
    size_t n_accounts, cap_accounts;

    struct aws_retry_quota quota;
    struct aws_rate_limiter limiter;
    atomic_llong skew_ms; /* server time - local time, learnt from clock-skew errors */
    pthread_mutex_t rng_mu;
    uint64_t rng;
};

/* Lazily reads env + shared files and resolves region/endpoints. Thread-safe. */
uc_status aws_client_resolve_locked_once(struct aws_client *c, struct aws_error *err);
/* A uniform random double in [0,1) from the client's generator. */
double aws_client_rand(struct aws_client *c);
/* 36-character UUID v4 text into out[37]. */
void aws_client_uuid(struct aws_client *c, char out[37]);
/* Wall clock corrected by the learnt skew, in ms. */
int64_t aws_client_now_ms(struct aws_client *c);
/* Environment lookup: NULL when unset or empty. */
const char *aws_env(const char *name);
/* A copy of s, or NULL when s is NULL or empty; sets *fail (never clears it) when out of memory,
 * so a run of copies is checked once. The caller frees the copy. */
char *aws_strdup_opt(const char *s, bool *fail);
/* Zeroes the bytes written to b (a body or header that held a secret); b is still the caller's
 * to release. Accepts an empty or released buffer. */
void aws_buf_wipe(struct uc_buf *b);

/* ---- one request through the whole pipeline ----------------------------------------------- */

enum aws_protocol { AWS_PROTO_JSON, AWS_PROTO_QUERY, AWS_PROTO_REST, AWS_PROTO_PLAIN };

struct aws_req {
    enum aws_service svc;
    enum aws_protocol proto;
    const char *operation;     /* for errors and logs */
    const char *method;
    const char *path;          /* wire path, starts with '/' */
    const char *query;         /* wire query or NULL */
    const char *content_type;  /* NULL = no body header */
    const char *target;        /* X-Amz-Target or NULL */
    const char *body;
    size_t body_len;
    bool idempotent;
    bool unsigned_request;     /* AssumeRoleWithWebIdentity */
    struct aws_creds_cache *creds; /* NULL only when unsigned_request or bearer */
    /* Kubernetes API: absolute base URL instead of the service endpoint, a bearer token instead
     * of SigV4, the cluster CA, and a service name for errors/logs. */
    const char *base_url;
    const char *bearer;
    const char *accept;
    const char *ca_pem;
    size_t ca_pem_len;
    const char *service_name;
    /* Optional: turns a 2xx answer into the caller's result (decode_ctx) before aws_send
     * returns. What it writes into err (a parse error, a request id from the body) is scrubbed
     * of the request's secrets like every other field taken from an answer. Never retried. */
    uc_status (*decode)(void *decode_ctx, const struct aws_http_response *resp,
                        struct aws_error *err);
    void *decode_ctx;
};

/* Sends r with retries. On UC_OK resp holds a 2xx response (and r->decode has run). On failure
 * err is filled (the protocol's error shape parsed) and resp holds the last response. Every
 * field err takes from an answer (code, message, request id) and every logged one has the
 * request's access key id, secret, session token, signature and bearer token redacted. */
uc_status aws_send(struct aws_client *c, const struct aws_req *r, const struct aws_call_opts *o,
                   struct aws_http_response *resp, struct aws_error *err);

/* ---- the phases of aws_send (send.c) --------------------------------------------------------
 *
 * aws_send is a loop over these; each has its own function and state so it can be tested alone
 * on the fake transport (tests/unit/test_aws_send.c):
 *
 *   target once, then per attempt: turn -> credentials -> sign -> exchange
 *     -> done (2xx decoded, or a final error) | recover (retry at once, not counted)
 *     | backoff (wait and go again, or stop with the last error)
 *
 * A phase that fails fills err and returns its status; aws_send then stops with it. */

/* One call's state across its attempts. Filled by aws_send_call_init and aws_send_target. */
struct aws_send_call {
    struct aws_client *c;
    const struct aws_req *r;
    const struct aws_call_opts *o; /* may be NULL */
    const struct uc_cancel *cancel;
    uint64_t deadline;             /* client monotonic ms; 0 = none */
    const char *service;           /* for errors and logs */
    bool may_retry_unknown;        /* idempotent, or the caller allows retrying unknown outcomes */
    const struct aws_endpoint *ep; /* NULL with r->base_url */
    struct uc_buf url;             /* the whole request URL */
    struct aws_url u;              /* its parts */
    char invocation[37];           /* amz-sdk-invocation-id, the same on every attempt */
    int taken;                     /* retry quota taken so far (refunded on success) */
    bool skew_retried, expired_retried;
    char last_msg[256];            /* the last failure, for a deadline message */
};

/* One attempt; the same struct is reused for the next attempt of the call. */
struct aws_send_attempt {
    int n;                         /* 1-based attempt number */
    uint64_t now;                  /* client monotonic ms when it may go (after rate limiting) */
    struct aws_credentials *creds; /* one reference; NULL when unsigned or bearer */
    struct aws_http_request rq;    /* what goes to the transport; rq.headers owned */
    struct aws_sigv4_result sig;   /* of the last signing; answers are scrubbed of its signature */
    uint64_t dur_ms;               /* of the exchange */
    enum aws_error_class cls;      /* of a failed exchange */
};

void aws_send_call_init(struct aws_send_call *sc, struct aws_client *c, const struct aws_req *r,
                        const struct aws_call_opts *o);
void aws_send_call_release(struct aws_send_call *sc);
void aws_send_attempt_init(struct aws_send_attempt *a);
void aws_send_attempt_release(struct aws_send_attempt *a);

/* 1. target: resolves the client (unless r->base_url), joins base URL (trailing '/' dropped),
 * path and query, splits it, makes the invocation id. UC_INVALID "bad request URL". */
uc_status aws_send_target(struct aws_send_call *sc, struct aws_error *err);
/* 2. turn: UC_CANCELED when cancel fired, UC_TIMEOUT at the deadline (with the last failure);
 * in adaptive mode waits for a send token (cancellable, bounded by the deadline). Sets a->now. */
uc_status aws_send_turn(struct aws_send_call *sc, struct aws_send_attempt *a,
                        struct aws_error *err);
/* 3. credentials: a->creds from the request's cache (none for unsigned or bearer requests);
 * the cache's error as is (operation filled when empty). */
uc_status aws_send_credentials(struct aws_send_call *sc, struct aws_send_attempt *a,
                               struct aws_error *err);
/* 4. sign: a->rq for attempt a->n: Host, Content-Type, X-Amz-Target, Accept,
 * amz-sdk-invocation-id / amz-sdk-request (not with a bearer), User-Agent, then Bearer or SigV4
 * (endpoint's signing region; base_url -> client region); timeouts cut to the deadline. */
uc_status aws_send_sign(struct aws_send_call *sc, struct aws_send_attempt *a,
                        struct aws_error *err);
/* 5. exchange: the transport, then what the answer means. *done: the call ends with the return
 * value (2xx: request id, quota refund, r->decode, scrubbed, logged; cancel, a too-big body,
 * other errors). Not done: UC_REMOTE (error shape parsed and scrubbed) or UC_TRANSPORT, with
 * a->cls set, logged, remembered for a deadline message. */
uc_status aws_send_exchange(struct aws_send_call *sc, struct aws_send_attempt *a,
                            struct aws_http_response *resp, struct aws_error *err, bool *done);
/* 6. recover: true to retry at once, not counted as an attempt: a clock-skew code with a Date
 * more than 4 minutes off (the client's skew learnt), or ExpiredToken (the cached credentials
 * dropped); each at most once per call. */
bool aws_send_recover(struct aws_send_call *sc, struct aws_send_attempt *a, uc_status st,
                      const struct aws_http_response *resp, const struct aws_error *err);
/* 7. backoff: true after waiting for the next attempt; false to stop with *st: not retryable
 * (fatal, or an unknown outcome of a non-idempotent call), attempts used up, retry quota empty,
 * the wait would pass the deadline (*st UC_TIMEOUT, message says so) or cancel fired. */
bool aws_send_backoff(struct aws_send_call *sc, struct aws_send_attempt *a, uc_status *st,
                      const struct aws_http_response *resp, struct aws_error *err);

/* Protocol parts (protocol.c / xml.c). */
void aws_parse_error(enum aws_protocol proto, const struct aws_http_response *resp,
                     struct aws_error *err);
uc_status aws_query_encode(struct uc_buf *b, const char *operation, const char *version,
                           const json_t *input);
/* Converts a Query XML success body to JSON (see aws_query_call). *request_id gets the id. */
uc_status aws_query_xml_to_json(const char *xml, size_t len, const char *operation,
                                json_t **out, char *request_id, size_t rid_len);
/* Parses an XML error body into err (code, message, request id). */
void aws_query_xml_error(const char *xml, size_t len, struct aws_error *err);

/* awsQuery call with an explicit credentials cache (NULL + unsigned_request for web identity). */
uc_status aws_query_call_with(struct aws_client *c, struct aws_creds_cache *cc,
                              enum aws_service svc, const char *operation, const json_t *input,
                              bool unsigned_request, const struct aws_call_opts *o, json_t **out,
                              struct aws_error *err);

/* STS AssumeRole / AssumeRoleWithWebIdentity through cache (NULL + unsigned for web identity). */
uc_status aws_sts_assume_role_with(struct aws_client *c, struct aws_creds_cache *source,
                                   const struct aws_assume_role_params *p,
                                   const char *web_identity_token, const struct aws_call_opts *o,
                                   struct aws_credentials **out, struct aws_error *err);

/* iso8601.c: parses ISO-8601 "2026-01-02T03:04:05[.fff](Z|+hh:mm)" to epoch ms; UC_DECODE
 * when bad. */
uc_status aws_parse_iso8601_ms(const char *s, int64_t *out);

/* Credentials from a JSON document with AccessKeyId / SecretAccessKey / (Token|SessionToken) /
 * Expiration (container, IMDS, credential_process). */
uc_status aws_creds_from_json(const json_t *j, const char *source, struct aws_credentials **out,
                              struct aws_error *err);

/* Is the call idempotent by its name (Get*, List*, Describe*, and known safe mutations)? */
bool aws_operation_idempotent(const char *operation);

/* Partition of a region ("aws", "aws-cn", "aws-us-gov"). */
const char *aws_partition_of(const char *region);
/* Fills c->ep[] from config, env and region. */
uc_status aws_endpoints_resolve(struct aws_client *c, struct aws_error *err);
/* The endpoint URL configured outside the provider block for one service, in the SDKs' order:
 * AWS_ENDPOINT_URL_<env_suffix_name>, AWS_ENDPOINT_URL, "<services_key>.endpoint_url" in the
 * profile's services section, the profile's endpoint_url; NULL when none is set or
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls is true. *what names
 * the source for messages (static or thread-local text). Call with the profiles loaded (under
 * the client's resolve). The URL is borrowed from the environment or the profiles. */
const char *aws_endpoint_configured(struct aws_client *c, const char *env_suffix_name,
                                    const char *services_key, const char **what);

#endif
