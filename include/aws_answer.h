/* aws_answer.h - required members of an AWS answer: fetch one or fail with an error that names
 * the operation and the member.
 *
 * Every service client and resource reads what an answer must carry (CreateAccount's
 * CreateAccountStatus.Id, AssumeRole's Credentials, GetRole's Role.Arn, DescribeCluster's
 * cluster.status, ...) through these, so an answer like `200 {}` is an immediate, precise error
 * instead of an empty id polled until a timeout. Pure functions over borrowed jansson values; no
 * allocation.
 */
#ifndef AWS_ANSWER_H
#define AWS_ANSWER_H

#include <jansson.h>

#include "aws_error.h"

/* The code of the error these functions fill. */
#define AWS_MALFORMED_RESPONSE "MalformedResponse"

/* The member at path in answer: dot-separated object members, a "[n]" suffix picking an array
 * element ("Parents[0].Id", "Credentials.AccessKeyId"). Borrowed; NULL when absent or JSON null.
 * Touches no error. */
const json_t *aws_answer_find(const json_t *answer, const char *path);

/* The member at path when it has the JSON type type (JSON_OBJECT, JSON_ARRAY, JSON_STRING,
 * JSON_INTEGER, JSON_REAL: a number of either kind, JSON_TRUE: a boolean). Else NULL and err
 * gets status UC_DECODE, code "MalformedResponse", the service and operation, and the message
 * "<operation> answer lacks <path>" (or "... has a wrong-typed <path>"); err's HTTP status
 * and request id stay (they identify the answer). err may be NULL. */
const json_t *aws_answer_require(const json_t *answer, json_type type, const char *service,
                                 const char *operation, const char *path, struct aws_error *err);

/* The non-empty string at path (borrowed), else NULL with err filled as above ("lacks" also for
 * ""). */
const char *aws_answer_string(const json_t *answer, const char *service, const char *operation,
                              const char *path, struct aws_error *err);

#endif
