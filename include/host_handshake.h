/* host_handshake.h - the pure parts of go-plugin's launch contract: magic cookie, protocol
 * negotiation, socket path, and the one handshake line on stdout.
 *
 * Nothing here touches the environment, the network or stdout: callers pass the strings they
 * read and print what they get back, so every rule is unit tested
 * (tests/unit/test_host_handshake.c). All functions are pure and thread-safe.
 */
#ifndef HOST_HANDSHAKE_H
#define HOST_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uc_buf.h"
#include "uc_status.h"

#define HOST_COOKIE_KEY   "TF_PLUGIN_MAGIC_COOKIE"
#define HOST_COOKIE_VALUE "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

/* Protocol versions this provider serves, highest first. */
#define HOST_PROTO_MAX 6
#define HOST_PROTO_MIN 5

/* True when value (may be NULL) is exactly Terraform's magic cookie. */
bool host_cookie_ok(const char *value);

/* Parses a PLUGIN_PROTOCOL_VERSIONS value ("5,6", "6,5", " 6 ") as a set: bit v of *set is
 * set for each version v in 1..31. Empty items are skipped; anything else that is not a decimal
 * number in 1..31 is UC_DECODE (and *set is 0). s may be NULL or "" (empty set, UC_OK). */
uc_status host_parse_versions(const char *s, uint32_t *set);

/* Chooses the protocol version to announce, as go-plugin servers do: the highest served version
 * that the client offers; with no offer (offered NULL or empty) the highest served; with no
 * common version the lowest served (the client then reports the mismatch). override is the value
 * of UNICRON_PLUGIN_PROTOCOL (NULL or "" = serve 5 and 6; "5" or "6" = serve only that).
 * Returns UC_OK with *version, or UC_DECODE with *err (static text) for a malformed offer or
 * override. */
uc_status host_negotiate(const char *offered, const char *override, int *version, const char **err);

/* Builds an absolute unix socket path "<dir>/plugin<pid>-<tag>" in out (cap bytes) from
 * PLUGIN_UNIX_SOCKET_DIR (socket_dir), else TMPDIR (tmpdir), else "/tmp"; a relative directory
 * is resolved against cwd (may be NULL = "/"). tag is any short distinguishing number (random).
 * UC_RANGE when the result would not fit sun_path (107 bytes) or cap. */
uc_status host_socket_path(char *out, size_t cap, const char *socket_dir, const char *tmpdir,
                           const char *cwd, long pid, uint32_t tag);

/* Appends "1|<version>|unix|<path>|grpc|<cert>\n" to out, where <cert> is the standard base64 of
 * the DER certificate WITHOUT '=' padding (Go's RawStdEncoding), or empty when der is NULL
 * (plaintext). UC_INVALID for a path containing '|' or a newline. */
uc_status host_handshake_line(struct uc_buf *out, int version, const char *socket_path,
                              const unsigned char *der, size_t der_len);

/* The unpadded standard base64 of n bytes, appended to out (used by the handshake line). */
uc_status host_base64_raw(struct uc_buf *out, const unsigned char *p, size_t n);

#endif
