/* config.c - defaults and small parsers of struct aws_config.
 *
 * Plain value handling; it must not read the environment or files (that happens lazily in the
 * client on the first call).
 */
#include "aws_config.h"

#include <string.h>
#include <strings.h>

void aws_config_init(struct aws_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_retries = -1;
}

uc_status aws_retry_mode_parse(const char *s, enum aws_retry_mode *out)
{
    if (!s || !*s || strcasecmp(s, "standard") == 0) {
        *out = AWS_RETRY_STANDARD;
        return UC_OK;
    }
    if (strcasecmp(s, "adaptive") == 0) {
        *out = AWS_RETRY_ADAPTIVE;
        return UC_OK;
    }
    return UC_INVALID;
}

const char *aws_service_name(enum aws_service svc)
{
    switch (svc) {
    case AWS_SVC_ORGANIZATIONS:
        return "organizations";
    case AWS_SVC_STS:
        return "sts";
    case AWS_SVC_IAM:
        return "iam";
    case AWS_SVC_EKS:
        return "eks";
    default:
        return "unknown";
    }
}
