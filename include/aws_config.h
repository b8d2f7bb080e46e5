/* aws_config.h - everything the AWS client is configured with (the provider block, DESIGN.md §3).
 *
 * The plugin host fills one struct aws_config from the provider block and passes it to
 * aws_client_new(), which copies every string: the config may be released right after. Filling
 * the config and creating the client do no network or file I/O; the environment, shared files
 * and credentials are read on the first call. Not thread-safe (it is a plain value).
 */
#ifndef AWS_CONFIG_H
#define AWS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "aws_http.h"

/* Services the client can call. */
enum aws_service {
    AWS_SVC_ORGANIZATIONS = 0,
    AWS_SVC_STS,
    AWS_SVC_IAM,
    AWS_SVC_EKS,
    AWS_SVC_COUNT
};

enum aws_retry_mode { AWS_RETRY_STANDARD = 0, AWS_RETRY_ADAPTIVE };

#define AWS_DEFAULT_ACCOUNT_ROLE "OrganizationAccountAccessRole"
#define AWS_DEFAULT_MAX_RETRIES 25

/* One AssumeRole. Strings and arrays are borrowed; NULL / 0 = not sent. */
struct aws_assume_role_params {
    const char *role_arn;     /* required */
    const char *session_name; /* NULL = "unicron-<epoch seconds>" */
    const char *external_id;  /* optional */
    int duration_seconds;     /* 0 = 3600 */
    const char *policy;       /* session policy (JSON text) */
    const char *const *policy_arns; /* managed session policies */
    size_t n_policy_arns;
    const char *const *tag_keys; /* session tags: tag_keys[i] = tag_values[i] */
    const char *const *tag_values;
    size_t n_tags;
    const char *const *transitive_tag_keys; /* tags that pass on to chained sessions */
    size_t n_transitive_tag_keys;
    const char *source_identity;
};

/* All strings are borrowed by the config and copied by aws_client_new; NULL or "" = unset. */
struct aws_config {
    const char *region;  /* else AWS_REGION, AWS_DEFAULT_REGION, the profile's region */
    const char *profile; /* else AWS_PROFILE, else "default" */
    const char *access_key;
    const char *secret_key;
    const char *token;
    const char *const *shared_config_files; /* else AWS_CONFIG_FILE, else ~/.aws/config */
    size_t n_shared_config_files;
    const char *const *shared_credentials_files; /* else AWS_SHARED_CREDENTIALS_FILE, else
                                                    ~/.aws/credentials */
    size_t n_shared_credentials_files;
    /* assume_role blocks, in order: the first is assumed with the base credentials, each next
     * one with the session of the one before (a role chain). */
    const struct aws_assume_role_params *assume_roles;
    size_t n_assume_roles;
    struct {
        const char *role_arn; /* unset = no block */
        const char *web_identity_token_file;
        const char *session_name;
    } assume_role_with_web_identity;
    /* endpoints {} block: base URLs (http:// allowed), indexed by enum aws_service. */
    const char *endpoints[AWS_SVC_COUNT];
    const char *account_access_role_name; /* default AWS_DEFAULT_ACCOUNT_ROLE */
    int max_retries;                      /* -1 = default 25; 0 = no retries */
    const char *retry_mode;               /* "standard" (default) or "adaptive" */

    /* How long a cross-account session retries AccessDenied from AssumeRole (a new account's
     * role is assumable only after a while). 0 = default 5 minutes. */
    uint64_t account_role_wait_ms;
    /* Per-attempt HTTP timeouts; 0 = defaults (10 s connect, 60 s total). */
    uint64_t connect_timeout_ms;
    uint64_t attempt_timeout_ms;
    /* Test seams. transport: borrowed, must outlive the client; NULL = libcurl (created by the
     * client, honouring AWS_CA_BUNDLE). clock: copied; NULL members = real clock. */
    struct aws_transport *transport;
    const struct aws_clock *clock;
    /* Tests only: seeds the jitter random generator (0 = seeded from the OS). */
    uint64_t random_seed;
};

/* Zeroes cfg and sets the defaults (max_retries -1, i.e. 25). */
void aws_config_init(struct aws_config *cfg);

/* Parses "standard" / "adaptive" (case-insensitive; NULL or "" = standard). UC_INVALID else. */
uc_status aws_retry_mode_parse(const char *s, enum aws_retry_mode *out);

/* "organizations", "sts", "iam", "eks": the SigV4 signing name. */
const char *aws_service_name(enum aws_service svc);

#endif
