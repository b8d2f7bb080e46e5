/* res_aws_diag.h - turns a failed AWS call (struct aws_error) into the Terraform diagnostic users
 * see: the operation, the AWS error code and message, and where it happened (an environment, an
 * account, an attribute path).
 *
 * Pure formatting: no AWS calls, no state. The diagnostics list decides the lifetime of the text
 * (it copies everything into its arena), so callers may pass temporaries.
 */
#ifndef RES_AWS_DIAG_H
#define RES_AWS_DIAG_H

#include "aws_error.h"
#include "tf_diag.h"
#include "tf_path.h"

/* Appends one error diagnostic for err. path may be NULL (the whole resource). where says what
 * was being worked on, e.g. "environment \"dev\" (account 123456789012)"; may be NULL. The
 * summary names the operation ("AWS CreateAccount failed"), the detail the AWS code, message,
 * request id and where; a cancellation (StopProvider) or a deadline reads as such, saying what
 * was being waited for. */
void res_aws_diag(struct tf_diags *d, const struct tf_path *path, const char *where,
                  const struct aws_error *err);

/* The summary res_aws_diag uses for err, into buf (always NUL-terminated). Returns buf. */
const char *res_aws_diag_summary(const struct aws_error *err, char *buf, size_t n);

#endif
