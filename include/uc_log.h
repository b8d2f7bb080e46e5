/* uc_log.h - leveled logging as hclog JSON lines on stderr (what Terraform reads from providers).
 *
 * Every layer logs through this; the plugin host chooses the level once at start from
 * TF_LOG_PROVIDER / TF_LOG. Fields are NULL-terminated key/value string pairs. Values of keys that
 * name secrets (see uc_log_key_is_secret) are replaced by "[REDACTED]" before they are written,
 * but callers must still never pass a secret on purpose. Thread-safe: one line is written with a
 * single write(2).
 */
#ifndef UC_LOG_H
#define UC_LOG_H

#include <stdbool.h>

enum uc_log_level {
    UC_LOG_TRACE = 1,
    UC_LOG_DEBUG,
    UC_LOG_INFO,
    UC_LOG_WARN,
    UC_LOG_ERROR,
    UC_LOG_OFF
};

/* Sets the level from TF_LOG_PROVIDER, else TF_LOG (TRACE, DEBUG, INFO, WARN, ERROR, OFF,
 * JSON = TRACE; anything else non-empty = TRACE as Terraform does; unset = OFF). */
void uc_log_init_from_env(void);

void uc_log_set_level(enum uc_log_level level);
enum uc_log_level uc_log_get_level(void);
bool uc_log_enabled(enum uc_log_level level);

/* Parses a level name (case-insensitive); returns UC_LOG_OFF for NULL / "" / unknown. */
enum uc_log_level uc_log_parse_level(const char *name);

/* Where lines go: by default stderr (fd 2). Tests may redirect to another fd. */
void uc_log_set_fd(int fd);

/* Logs msg with key/value string pairs, terminated by NULL:
 *     uc_log(UC_LOG_DEBUG, "aws", "request", "host", host, "status", "200", NULL);
 * NULL values are written as JSON null. */
void uc_log(enum uc_log_level level, const char *module, const char *msg, ...)
    __attribute__((sentinel));

/* printf-style message without fields. */
void uc_logf(enum uc_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True for keys whose values are secrets: authorization, *secret*, *token*, *password*,
 * *session*, x-amz-security-token, cookie (case-insensitive). */
bool uc_log_key_is_secret(const char *key);

#endif
