/* aws_curl.h - libcurl loaded on first use: a typed table of exactly the libcurl functions the
 * real transport (provider/aws/http_curl.c) calls, filled with dlopen("libcurl.so.4") + dlsym.
 * The release build (CMake UNICRON_RELEASE_STATIC, which defines AWS_CURL_STATIC) links a
 * minimal static libcurl instead and fills the same table with the linked functions, so the
 * released binary never looks libcurl up on the system.
 *
 * The provider binary does not link libcurl: its ~30 dependent libraries (libldap, GnuTLS, krb5,
 * SASL, ...) cost about 6 ms at every process start, and most provider processes never make an
 * HTTP call (docs/internals/aws-client.md). Only http_curl.c and tests include this header;
 * everything else talks to a struct aws_transport (aws_http.h). Compile-time types and constants
 * still come from <curl/curl.h>.
 */
#ifndef AWS_CURL_H
#define AWS_CURL_H

#include <curl/curl.h>

#include "aws_error.h"
#include "uc_status.h"

/* The shared object loaded at run time (Debian's libcurl4 / libcurl4-openssl-dev). */
#define AWS_CURL_SONAME "libcurl.so.4"

/* Every libcurl function the transport uses, as X(symbol, member). A new call in http_curl.c
 * needs a row here; the table is the whole of what is looked up. */
#define AWS_CURL_FUNCTIONS(X)                                                                      \
    X(curl_global_init, global_init)                                                               \
    X(curl_easy_init, easy_init)                                                                   \
    X(curl_easy_setopt, easy_setopt)                                                               \
    X(curl_easy_perform, easy_perform)                                                             \
    X(curl_easy_getinfo, easy_getinfo)                                                             \
    X(curl_easy_strerror, easy_strerror)                                                           \
    X(curl_easy_cleanup, easy_cleanup)                                                             \
    X(curl_easy_reset, easy_reset)                                                                 \
    X(curl_slist_append, slist_append)                                                             \
    X(curl_slist_free_all, slist_free_all)                                                         \
    X(curl_share_init, share_init)                                                                 \
    X(curl_share_setopt, share_setopt)                                                             \
    X(curl_share_cleanup, share_cleanup)

/* One pointer per function. Each member's type is taken from the declaration in <curl/curl.h>
 * (__typeof__), so the table cannot disagree with the headers the code was compiled against. */
struct aws_curl {
#define AWS_CURL_MEMBER_(sym, member) __typeof__(sym) *member;
    AWS_CURL_FUNCTIONS(AWS_CURL_MEMBER_)
#undef AWS_CURL_MEMBER_
    /* CA bundle for requests that name none (no AWS_CA_BUNDLE, no per-request CA): NULL when
     * libcurl's own default is right (the system's libcurl knows its distribution's path); in
     * the static release, the first readable of $SSL_CERT_FILE and the bundle paths of the
     * common distributions, probed once. Borrowed, lives until exit. */
    const char *default_ca_file;
};

/* The process's table: the first call loads AWS_CURL_SONAME and runs curl_global_init, once per
 * process (pthread_once; safe from any thread, later callers wait for the first). Returns a
 * borrowed table that lives until exit (the library is never unloaded), or NULL when loading or
 * curl_global_init failed: then err (may be NULL) gets status UC_TRANSPORT, service "transport",
 * operation "load" and a message naming the library and dlerror()'s text. A failure is final:
 * every later call reports the same error without trying again. Never aborts. */
const struct aws_curl *aws_curl_get(struct aws_error *err);

/* Loads soname (RTLD_NOW | RTLD_LOCAL) and fills *out with every AWS_CURL_FUNCTIONS symbol;
 * no curl_global_init and no once. For aws_curl_get and tests. On success the library stays
 * loaded for the life of the process. On failure *out is zeroed, the library is closed again
 * and err (may be NULL) is filled as for aws_curl_get (a missing symbol is named). Returns
 * UC_OK or UC_TRANSPORT. Thread-safe. */
uc_status aws_curl_open(const char *soname, struct aws_curl *out, struct aws_error *err);

#endif
