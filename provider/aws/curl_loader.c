/* curl_loader.c - loads libcurl when the first HTTP request needs it (dlopen + dlsym into the
 * typed table of aws_curl.h) and runs curl_global_init once for the process.
 *
 * It must not be linked against libcurl or call a curl_* function by name: the point is that a
 * provider process that never makes an HTTP call never maps libcurl and its dependencies. The
 * library is never closed (libcurl and its TLS stack do not support unloading).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

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

static void curl_load_once(void)
{
    if (aws_curl_open(AWS_CURL_SONAME, &curl_table, &curl_load_err) != UC_OK)
        return;
    CURLcode rc = curl_table.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        aws_error_set(&curl_load_err, UC_TRANSPORT, "transport", "load",
                      "%s: curl_global_init failed: %s", AWS_CURL_SONAME,
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
