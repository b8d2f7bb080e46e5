/* eks_token.c - `aws eks get-token` for the end-to-end tests, made by the provider's own EKS
 * token code (aws_eks_token_presign), so that a test can follow a kubeconfig's exec section
 * without the AWS CLI. Takes the get-token arguments (--cluster-name, --region; --output and
 * --role-arn are not handled here: the caller passes the credentials of the account in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN) and prints an ExecCredential.
 * Test tool only: it is never installed and never logs the credentials.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_creds.h"
#include "aws_eks.h"
#include "uc_status.h"

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static int usage(void)
{
    fputs("usage: unicron-eks-token [eks get-token] --cluster-name NAME [--region REGION] "
          "[--output json]\n(credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / "
          "AWS_SESSION_TOKEN; STS URL from AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL)\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    const char *cluster = NULL, *region = env_or("AWS_REGION", env_or("AWS_DEFAULT_REGION", NULL));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "eks") == 0 || strcmp(argv[i], "get-token") == 0)
            continue;
        if (i + 1 >= argc)
            return usage();
        if (strcmp(argv[i], "--cluster-name") == 0)
            cluster = argv[++i];
        else if (strcmp(argv[i], "--region") == 0)
            region = argv[++i];
        else if (strcmp(argv[i], "--output") == 0)
            i++;
        else
            return usage();
    }
    if (cluster == NULL || region == NULL)
        return usage();

    int rc = 1;
    char *token = NULL, *text = NULL, sts_default[128], expires[32];
    json_t *doc = NULL;
    struct aws_credentials *creds =
        aws_credentials_new(getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"),
                            getenv("AWS_SESSION_TOKEN"), 0, "environment");
    if (creds == NULL) {
        fputs("unicron-eks-token: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are needed\n",
              stderr);
        goto out;
    }
    snprintf(sts_default, sizeof sts_default, "https://sts.%s.amazonaws.com", region);
    const char *sts_url = env_or("AWS_ENDPOINT_URL_STS", env_or("AWS_ENDPOINT_URL", sts_default));
    time_t now = time(NULL);
    uc_status st = aws_eks_token_presign(creds, sts_url, region, cluster, (int64_t)now, &token);
    if (st != UC_OK) {
        fprintf(stderr, "unicron-eks-token: %s\n", uc_status_text(st));
        goto out;
    }
    time_t exp = now + AWS_EKS_TOKEN_LIFETIME_MS / 1000;
    struct tm tm;
    if (gmtime_r(&exp, &tm) == NULL ||
        strftime(expires, sizeof expires, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        goto out;
    doc = json_pack("{s:s, s:s, s:{}, s:{s:s, s:s}}", "kind", "ExecCredential", "apiVersion",
                    "client.authentication.k8s.io/v1beta1", "spec", "status",
                    "expirationTimestamp", expires, "token", token);
    if (doc == NULL || (text = json_dumps(doc, JSON_COMPACT)) == NULL)
        goto out;
    puts(text);
    rc = 0;
out:
    free(text);
    json_decref(doc);
    free(token);
    aws_credentials_unref(creds);
    return rc;
}
