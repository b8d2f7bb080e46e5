/* endpoint.c - where each service lives: partition defaults, global services, STS regional or
 * legacy endpoints, and the configured overrides in the AWS SDKs' order: endpoints {},
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services section, the profile's
 * endpoint_url (the last four off with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).
 *
 * Runs once per client on the first call (it reads the environment). It must not do network
 * I/O. Against a custom endpoint requests are signed with the configured region (aws-apis §1).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aws_internal.h"

const char *aws_partition_of(const char *region)
{
    if (region && strncmp(region, "cn-", 3) == 0)
        return "aws-cn";
    if (region && strncmp(region, "us-gov-", 7) == 0)
        return "aws-us-gov";
    return "aws";
}

static const char *const env_suffix[AWS_SVC_COUNT] = {"ORGANIZATIONS", "STS", "IAM", "EKS"};

static bool truthy(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

const char *aws_endpoint_configured(struct aws_client *c, const char *env_suffix_name,
                                    const char *services_key, const char **what)
{
    const struct aws_profile *prof = aws_profiles_find(&c->profiles, c->profile);
    if (truthy(aws_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
        truthy(aws_profile_get(prof, "ignore_configured_endpoint_urls")))
        return NULL;
    static __thread char envname[64];
    snprintf(envname, sizeof(envname), "AWS_ENDPOINT_URL_%s", env_suffix_name);
    const char *url = aws_env(envname);
    *what = envname;
    if (!url) {
        url = aws_env("AWS_ENDPOINT_URL");
        *what = "AWS_ENDPOINT_URL";
    }
    const char *section = aws_profile_get(prof, "services");
    if (!url && section) {
        char key[96];
        snprintf(key, sizeof(key), "%s.endpoint_url", services_key);
        url = aws_profile_get(
            aws_profiles_find_section(&c->profiles, AWS_INI_SERVICES, section), key);
        *what = "the profile's services section";
    }
    if (!url) {
        url = aws_profile_get(prof, "endpoint_url");
        *what = "the profile's endpoint_url";
    }
    return url;
}

static bool sts_legacy_global(const char *region)
{
    static const char *const global[] = {
        "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
        "eu-central-1",   "eu-north-1", "eu-west-1",      "eu-west-2",      "eu-west-3",
        "sa-east-1",      "us-east-1",  "us-east-2",      "us-west-1",      "us-west-2",
        "aws-global",     NULL,
    };
    const char *mode = aws_env("AWS_STS_REGIONAL_ENDPOINTS");
    if (!mode || strcasecmp(mode, "legacy") != 0)
        return false;
    for (size_t i = 0; global[i]; i++)
        if (strcmp(region, global[i]) == 0)
            return true;
    return false;
}

static uc_status set_custom(struct aws_endpoint *ep, const char *url, const char *region,
                            const char *what, struct aws_error *err)
{
    struct aws_url u;
    if (aws_url_parse(url, &u) != UC_OK || u.query[0])
        return aws_error_set(err, UC_INVALID, "config", "endpoints",
                             "%s: \"%s\" is not an http(s) URL without a query", what, url);
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    if (n >= sizeof(ep->url))
        return aws_error_set(err, UC_INVALID, "config", "endpoints", "%s: URL too long", what);
    memcpy(ep->url, url, n);
    ep->url[n] = '\0';
    snprintf(ep->signing_region, sizeof(ep->signing_region), "%s", region);
    ep->custom = true;
    return UC_OK;
}

uc_status aws_endpoints_resolve(struct aws_client *c, struct aws_error *err)
{
    const char *region = c->region;
    const char *part = aws_partition_of(region);
    bool cn = strcmp(part, "aws-cn") == 0, gov = strcmp(part, "aws-us-gov") == 0;
    const char *suffix = cn ? "amazonaws.com.cn" : "amazonaws.com";
    for (int s = 0; s < AWS_SVC_COUNT; s++) {
        struct aws_endpoint *ep = &c->ep[s];
        memset(ep, 0, sizeof(*ep));
        const char *custom = c->endpoints_cfg[s];
        const char *what = "endpoints block";
        if (!custom)
            custom = aws_endpoint_configured(c, env_suffix[s], aws_service_name(s), &what);
        if (custom) {
            uc_status st = set_custom(ep, custom, region, what, err);
            if (st != UC_OK)
                return st;
            continue;
        }
        switch ((enum aws_service)s) {
        case AWS_SVC_ORGANIZATIONS: {
            const char *r = cn ? "cn-northwest-1" : gov ? "us-gov-west-1" : "us-east-1";
            snprintf(ep->url, sizeof(ep->url), "https://organizations.%s.%s", r, suffix);
            snprintf(ep->signing_region, sizeof(ep->signing_region), "%s", r);
            break;
        }
        case AWS_SVC_IAM:
            if (cn) {
                snprintf(ep->url, sizeof(ep->url), "https://iam.cn-north-1.amazonaws.com.cn");
                snprintf(ep->signing_region, sizeof(ep->signing_region), "cn-north-1");
            } else if (gov) {
                snprintf(ep->url, sizeof(ep->url), "https://iam.us-gov.amazonaws.com");
                snprintf(ep->signing_region, sizeof(ep->signing_region), "us-gov-west-1");
            } else {
                snprintf(ep->url, sizeof(ep->url), "https://iam.amazonaws.com");
                snprintf(ep->signing_region, sizeof(ep->signing_region), "us-east-1");
            }
            break;
        case AWS_SVC_STS:
            if (!cn && !gov && sts_legacy_global(region)) {
                snprintf(ep->url, sizeof(ep->url), "https://sts.amazonaws.com");
                snprintf(ep->signing_region, sizeof(ep->signing_region), "us-east-1");
            } else {
                snprintf(ep->url, sizeof(ep->url), "https://sts.%s.%s", region, suffix);
                snprintf(ep->signing_region, sizeof(ep->signing_region), "%s", region);
            }
            break;
        case AWS_SVC_EKS:
            snprintf(ep->url, sizeof(ep->url), "https://eks.%s.%s", region, suffix);
            snprintf(ep->signing_region, sizeof(ep->signing_region), "%s", region);
            break;
        default:
            break;
        }
    }
    return UC_OK;
}
