/* log.c - hclog-compatible JSON log lines on stderr, with secret redaction by field name.
 * It formats and writes; it must not decide what is worth logging (callers do) nor buffer lines
 * across calls (Terraform reads stderr line by line, concurrently from many threads).
 */
#include "uc_log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_level = UC_LOG_OFF;
static _Atomic int log_fd = 2;

static const char *const level_names[] = {
    [UC_LOG_TRACE] = "trace", [UC_LOG_DEBUG] = "debug", [UC_LOG_INFO] = "info",
    [UC_LOG_WARN] = "warn",   [UC_LOG_ERROR] = "error", [UC_LOG_OFF] = "off",
};

enum uc_log_level uc_log_parse_level(const char *name)
{
    if (!name || !*name)
        return UC_LOG_OFF;
    for (int l = UC_LOG_TRACE; l <= UC_LOG_OFF; l++)
        if (strcasecmp(name, level_names[l]) == 0)
            return (enum uc_log_level)l;
    if (strcasecmp(name, "json") == 0)
        return UC_LOG_TRACE;
    /* Terraform treats any other non-empty TF_LOG value as TRACE. */
    return UC_LOG_TRACE;
}

void uc_log_init_from_env(void)
{
    const char *v = getenv("TF_LOG_PROVIDER");
    if (!v || !*v)
        v = getenv("TF_LOG");
    uc_log_set_level(uc_log_parse_level(v));
}

void uc_log_set_level(enum uc_log_level level)
{
    atomic_store(&log_level, (int)level);
}

enum uc_log_level uc_log_get_level(void)
{
    return (enum uc_log_level)atomic_load(&log_level);
}

bool uc_log_enabled(enum uc_log_level level)
{
    int cur = atomic_load(&log_level);
    return (int)level >= cur && cur != UC_LOG_OFF && level != UC_LOG_OFF;
}

void uc_log_set_fd(int fd)
{
    atomic_store(&log_fd, fd);
}

bool uc_log_key_is_secret(const char *key)
{
    static const char *const needles[] = {
        "authorization", "secret", "token", "password", "session", "cookie", "credential_process"};
    if (!key)
        return false;
    for (size_t i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
        if (strcasestr(key, needles[i]))
            return true;
    return false;
}

static void timestamp(char *out, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t len = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + len, n - len, ".%06ldZ", ts.tv_nsec / 1000);
}

static void write_line(json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s)
        return;
    size_t n = strlen(s);
    char *line = malloc(n + 2);
    if (line) {
        memcpy(line, s, n);
        line[n] = '\n';
        ssize_t w = write(atomic_load(&log_fd), line, n + 1);
        (void)w; /* nothing sensible to do when stderr is gone */
        free(line);
    }
    free(s);
}

static json_t *line_new(enum uc_log_level level, const char *module, const char *msg)
{
    char ts[40];
    timestamp(ts, sizeof(ts));
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    json_object_set_new(obj, "@level", json_string(level_names[level]));
    json_object_set_new(obj, "@message", json_string(msg ? msg : ""));
    json_object_set_new(obj, "@module", json_string(module && *module ? module : "unicron"));
    json_object_set_new(obj, "@timestamp", json_string(ts));
    return obj;
}

void uc_log(enum uc_log_level level, const char *module, const char *msg, ...)
{
    if (!uc_log_enabled(level))
        return;
    json_t *obj = line_new(level, module, msg);
    if (!obj)
        return;
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *key = va_arg(ap, const char *);
        if (!key)
            break;
        const char *val = va_arg(ap, const char *);
        json_t *jv;
        if (uc_log_key_is_secret(key))
            jv = json_string("[REDACTED]");
        else if (!val)
            jv = json_null();
        else
            jv = json_string(val);
        if (!jv) /* not valid UTF-8: keep the line, mark the value */
            jv = json_string("<invalid utf-8>");
        json_object_set_new(obj, key, jv);
    }
    va_end(ap);
    write_line(obj);
    json_decref(obj);
}

void uc_logf(enum uc_log_level level, const char *module, const char *fmt, ...)
{
    if (!uc_log_enabled(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *obj = line_new(level, module, msg);
    if (!obj)
        return;
    write_line(obj);
    json_decref(obj);
}
