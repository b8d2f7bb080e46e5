/* answer.c - required members of an AWS answer (aws_answer.h): a path lookup over jansson
 * values and the one "MalformedResponse" error every client and resource reports for a missing
 * or mistyped member.
 *
 * Reads borrowed values only; never allocates, logs or calls AWS.
 */
#include "aws_answer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const json_t *aws_answer_find(const json_t *answer, const char *path)
{
    const json_t *cur = answer;
    const char *p = path;
    while (cur != NULL && p != NULL && *p) {
        size_t n = strcspn(p, ".[");
        if (n > 0) {
            char key[128];
            if (n >= sizeof key || !json_is_object(cur))
                return NULL;
            memcpy(key, p, n);
            key[n] = '\0';
            cur = json_object_get(cur, key);
            p += n;
        }
        while (cur != NULL && *p == '[') {
            char *end = NULL;
            unsigned long i = strtoul(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || !json_is_array(cur))
                return NULL;
            cur = json_array_get(cur, i);
            p = end + 1;
        }
        if (*p == '.')
            p++;
        else if (*p != '\0')
            return NULL;
    }
    return json_is_null(cur) ? NULL : cur;
}

static bool has_type(const json_t *v, json_type type)
{
    switch (type) {
    case JSON_INTEGER:
        return json_is_integer(v);
    case JSON_REAL:
        return json_is_number(v);
    case JSON_TRUE:
    case JSON_FALSE:
        return json_is_boolean(v);
    default:
        return json_typeof(v) == type;
    }
}

static void malformed(struct aws_error *err, const char *service, const char *operation,
                      const char *path, const char *what)
{
    if (err == NULL)
        return;
    aws_error_set(err, UC_DECODE, service, operation, "%s answer %s %s",
                  operation ? operation : "the", what, path);
    snprintf(err->code, sizeof err->code, "%s", AWS_MALFORMED_RESPONSE);
}

const json_t *aws_answer_require(const json_t *answer, json_type type, const char *service,
                                 const char *operation, const char *path, struct aws_error *err)
{
    const json_t *v = aws_answer_find(answer, path);
    if (v == NULL) {
        malformed(err, service, operation, path, "lacks");
        return NULL;
    }
    if (!has_type(v, type)) {
        malformed(err, service, operation, path, "has a wrong-typed");
        return NULL;
    }
    return v;
}

const char *aws_answer_string(const json_t *answer, const char *service, const char *operation,
                              const char *path, struct aws_error *err)
{
    const json_t *v = aws_answer_require(answer, JSON_STRING, service, operation, path, err);
    if (v == NULL)
        return NULL;
    if (json_string_length(v) == 0) {
        malformed(err, service, operation, path, "lacks");
        return NULL;
    }
    return json_string_value(v);
}
