/* aws_creds.h - one set of AWS credentials: an immutable, reference-counted value.
 *
 * A credentials value never changes after creation; a refresh makes a new one and swaps the
 * cache's pointer, so a thread signing with an old value is never disturbed. Reference counting
 * is atomic: _ref/_unref are safe from any thread. The secret fields are wiped when freed and
 * must never be logged.
 */
#ifndef AWS_CREDS_H
#define AWS_CREDS_H

#include <stdatomic.h>
#include <stdint.h>

struct aws_credentials {
    char *access_key_id;     /* owned */
    char *secret_access_key; /* owned; secret */
    char *session_token;     /* owned; secret; NULL for long-term keys */
    int64_t expiration_ms;   /* Unix epoch ms; 0 = does not expire */
    char source[48];         /* where they came from: "static", "environment", "profile:dev",
                                "assume-role", "web-identity", "process", "container", "imds" */
    atomic_int refs;
};

/* New credentials with one reference (copies the strings). NULL when out of memory or when
 * access_key_id / secret_access_key is NULL or empty. token may be NULL or "". */
struct aws_credentials *aws_credentials_new(const char *access_key_id,
                                            const char *secret_access_key,
                                            const char *session_token, int64_t expiration_ms,
                                            const char *source);

/* Adds a reference; returns c. Accepts NULL. */
struct aws_credentials *aws_credentials_ref(struct aws_credentials *c);
/* Drops a reference; the last one wipes and frees. Accepts NULL. */
void aws_credentials_unref(struct aws_credentials *c);

#endif
