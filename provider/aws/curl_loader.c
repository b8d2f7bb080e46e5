/* curl_loader.c - loads libcurl when the first HTTP request needs it (dlopen + dlsym into the
 * typed table of aws_curl.h) and runs curl_global_init once for the process.
 *
 * Dev builds must not link libcurl or call a curl_* function by name: a provider process that
 * never makes an HTTP call never maps libcurl and its dependencies; the library is never closed
 * (libcurl and its TLS stack do not support unloading). The release build (AWS_CURL_STATIC)
 * links a minimal static libcurl and fills the table with it: nothing is looked up on the system.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_curl.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static struct aws_curl curl_table;
static const struct aws_curl *curl_loaded; /* &curl_table once usable, written inside the once */
static struct aws_error curl_load_err;     /* why it is not, written inside the once */

/* dlerror() text, or a fallback when there is none (it is consumed by reading). */
static const char *dl_reason(void)
{
    const char *e = dlerror();
    return e ? e : "unknown dynamic loader error";
}

uc_status aws_curl_open(const char *soname, struct aws_curl *out, struct aws_error *err)
{
    memset(out, 0, sizeof(*out));
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return aws_error_set(err, UC_TRANSPORT, "transport", "load",
                             "cannot load %s (libcurl, needed for every HTTP call): %s", soname,
                             dl_reason());
    const char *missing = NULL;
    void *p;
    /* dlsym returns void *; POSIX guarantees it converts to a function pointer. */
#define AWS_CURL_LOOKUP_(sym, member)                                                              \
    if (!missing) {                                                                                \
        (void)dlerror();                                                                           \
        p = dlsym(lib, #sym);                                                                      \
        if (p)                                                                                     \
            out->member = (__typeof__(out->member))p;                                              \
        else                                                                                       \
            missing = #sym;                                                                        \
    }
    AWS_CURL_FUNCTIONS(AWS_CURL_LOOKUP_)
#undef AWS_CURL_LOOKUP_
    if (missing) {
        aws_error_set(err, UC_TRANSPORT, "transport", "load", "%s has no %s: %s", soname, missing,
                      dl_reason());
        memset(out, 0, sizeof(*out));
        dlclose(lib);
        return UC_TRANSPORT;
    }
    return UC_OK;
}

#ifdef AWS_CURL_STATIC
#define CURL_ORIGIN "libcurl (linked in)"

/* The CA bundle of the machine we run on: the static OpenSSL's built-in default directory is
 * Debian's (/usr/lib/ssl), which other distributions do not have. */
static const char *probe_ca_file(void)
{
    static const char *const known[] = {
        "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Alpine, Arch */
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL, Fedora, Amazon Linux */
        "/etc/pki/tls/certs/ca-bundle.crt",                  /* older RHEL / CentOS */
        "/etc/ssl/ca-bundle.pem",                            /* openSUSE, SLES */
        "/etc/ssl/cert.pem",                                 /* Alpine, others */
    };
    const char *env = getenv("SSL_CERT_FILE");
    if (env && *env && access(env, R_OK) == 0)
        return env;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (access(known[i], R_OK) == 0)
            return known[i];
    return NULL; /* then OpenSSL's defaults, which honour SSL_CERT_DIR */
}

static uc_status curl_fill(struct aws_curl *out, struct aws_error *err)
{
    (void)err;
    memset(out, 0, sizeof(*out));
#define AWS_CURL_LINK_(sym, member) out->member = sym;
    AWS_CURL_FUNCTIONS(AWS_CURL_LINK_)
#undef AWS_CURL_LINK_
    out->default_ca_file = probe_ca_file();
    return UC_OK;
}
#else
#define CURL_ORIGIN AWS_CURL_SONAME

static uc_status curl_fill(struct aws_curl *out, struct aws_error *err)
{
    return aws_curl_open(AWS_CURL_SONAME, out, err);
}
#endif

static void curl_load_once(void)
{
    if (curl_fill(&curl_table, &curl_load_err) != UC_OK)
        return;
    CURLcode rc = curl_table.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        aws_error_set(&curl_load_err, UC_TRANSPORT, "transport", "load",
                      "%s: curl_global_init failed: %s", CURL_ORIGIN,
                      curl_table.easy_strerror(rc));
        return;
    }
    curl_loaded = &curl_table;
}

const struct aws_curl *aws_curl_get(struct aws_error *err)
{
    pthread_once(&curl_once, curl_load_once);
    if (!curl_loaded && err)
        *err = curl_load_err;
    return curl_loaded;
}
