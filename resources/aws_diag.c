/* aws_diag.c - one failed AWS call -> one Terraform diagnostic (operation, AWS code, message,
 * request id, and what was being worked on).
 *
 * Formatting only: it must not call AWS, keep state, or print anything itself.
 */
#include "res_aws_diag.h"

#include <stdio.h>
#include <string.h>

const char *res_aws_diag_summary(const struct aws_error *err, char *buf, size_t n)
{
    if (buf == NULL || n == 0)
        return buf;
    const char *op = err != NULL && err->operation[0] ? err->operation : "call";
    if (err != NULL && err->status == UC_CANCELED)
        snprintf(buf, n, "Interrupted during AWS %s", op);
    else if (err != NULL && err->status == UC_TIMEOUT)
        snprintf(buf, n, "Timed out during AWS %s", op);
    else if (err != NULL && err->code[0])
        snprintf(buf, n, "AWS %s failed: %s", op, err->code);
    else
        snprintf(buf, n, "AWS %s failed", op);
    return buf;
}

void res_aws_diag(struct tf_diags *d, const struct tf_path *path, const char *where,
                  const struct aws_error *err)
{
    char summary[256];
    char line[1600];
    struct aws_error none;
    if (err == NULL) {
        aws_error_clear(&none);
        err = &none;
    }
    res_aws_diag_summary(err, summary, sizeof summary);
    aws_error_format(err, line, sizeof line);
    const char *w = where != NULL && where[0] ? where : NULL;
    if (err->status == UC_CANCELED)
        tf_diag_error(d, path, summary,
                      "%s%sThe provider was asked to stop (Ctrl-C or StopProvider) during AWS "
                      "%s%s%s%s. What was done so far is saved in the state; apply again to "
                      "finish.",
                      w ? w : "", w ? ": " : "", err->operation[0] ? err->operation : "call",
                      err->message[0] ? " (" : "", err->message, err->message[0] ? ")" : "");
    else if (err->status == UC_TIMEOUT)
        tf_diag_error(d, path, summary,
                      "%s%s%s. The operation's timeout ran out; raise it in the timeouts block "
                      "if AWS is slow. What was done so far is saved in the state.",
                      w ? w : "", w ? ": " : "", line);
    else
        tf_diag_error(d, path, summary, "%s%s%s", w ? w : "", w ? ": " : "", line);
}
