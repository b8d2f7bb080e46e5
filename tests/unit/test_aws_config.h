/* test_aws_config.h - the configuration every AWS client test starts from: a region, static keys
 * and shared config / credentials files that do not exist, so nothing of the machine running the
 * tests (~/.aws, AWS_CONFIG_FILE, AWS_PROFILE's files) leaks in. Header-only, for the unit tests
 * and tests/integration; the caller adds endpoints, transport, clock and the rest.
 */
#ifndef TEST_AWS_CONFIG_H
#define TEST_AWS_CONFIG_H

#include "aws_config.h"

static inline void test_aws_config_init(struct aws_config *cfg, const char *region,
                                        const char *access_key, const char *secret_key)
{
    static const char *const none[] = {"/nonexistent"};
    aws_config_init(cfg);
    cfg->region = region;
    cfg->access_key = access_key;
    cfg->secret_key = secret_key;
    cfg->shared_config_files = none;
    cfg->n_shared_config_files = 1;
    cfg->shared_credentials_files = none;
    cfg->n_shared_credentials_files = 1;
}

#endif
