/* uc_status.h - status codes of C calls (the first of the two error channels, STYLE.md "Errors").
 *
 * A status says whether a C call worked. It is never shown to a Terraform user as such: what the
 * user sees is a diagnostic (tf_diag.h). The list is one X-macro so names and texts cannot drift.
 */
#ifndef UC_STATUS_H
#define UC_STATUS_H

#define UC_STATUS_MAP(X)                                                   \
    X(OK, "success")                                                       \
    X(NOMEM, "out of memory")                                              \
    X(IO, "input/output error")                                            \
    X(DECODE, "malformed input")                                           \
    X(INVALID, "invalid argument")                                         \
    X(RANGE, "value out of range")                                         \
    X(NOTFOUND, "not found")                                               \
    X(CANCELED, "canceled")                                                \
    X(TIMEOUT, "deadline exceeded")                                        \
    X(UNSUPPORTED, "not supported")                                        \
    X(REMOTE, "remote service returned an error")                          \
    X(TRANSPORT, "network transport error")                                \
    X(CRYPTO, "cryptographic library error")                               \
    X(INTERNAL, "internal error")

typedef enum uc_status {
#define UC_STATUS_ENUM(name, text) UC_##name,
    UC_STATUS_MAP(UC_STATUS_ENUM)
#undef UC_STATUS_ENUM
    UC_STATUS_COUNT
} uc_status;

/* Name of a status, e.g. "UC_TIMEOUT". Never NULL; static storage. */
const char *uc_status_name(uc_status st);

/* Human text of a status, e.g. "deadline exceeded". Never NULL; static storage. */
const char *uc_status_text(uc_status st);

#endif
