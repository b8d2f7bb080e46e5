/* test_aws_localaws.c - the AWS client against tools/localaws (real HTTP, real SigV4 checks):
 * STS GetCallerIdentity, Organizations DescribeOrganization / CreateAccount flow / ListAccounts,
 * AssumeRole into the new account, IAM CreateRole / GetRole, EKS CreateCluster / DescribeCluster,
 * and a Kubernetes GET over TLS with the cluster CA and the EKS token.
 *
 * Starts `python3 tools/localaws/localaws.py --port 0` itself and stops it (by pid) at the end.
 * Exits 77 (ctest SKIP_RETURN_CODE) when python3 or localaws is missing or does not start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws_client.h"
#include "aws_eks.h"
#include "aws_k8s.h"
#include "aws_waiter.h"
#include "uc_log.h"

#include "../unit/test_aws_config.h"

#ifndef UNICRON_SOURCE_DIR
#define UNICRON_SOURCE_DIR "."
#endif

extern char **environ;

static pid_t server_pid = -1;
static char base_url[256];
static struct aws_client *client;
static char new_account[16];

/* Starts localaws on a free port and reads its "ready" line (10 s at most). */
static int start_localaws(void)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/tools/localaws/localaws.py", UNICRON_SOURCE_DIR);
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "skip: %s not found\n", script);
        return -1;
    }
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char *argv[] = {"python3", script, "--port", "0", "--async-delay-ms", "200", NULL};
    int rc = posix_spawnp(&server_pid, "python3", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        fprintf(stderr, "skip: cannot run python3: %s\n", strerror(rc));
        server_pid = -1;
        close(fds[0]);
        return -1;
    }
    char line[256];
    size_t n = 0;
    for (int waited = 0; waited < 100 && n < sizeof(line) - 1;) {
        struct pollfd p = {fds[0], POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) {
            waited++;
            continue;
        }
        ssize_t r = read(fds[0], line + n, 1);
        if (r <= 0)
            break;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    close(fds[0]);
    const char *pfx = "localaws ready on ";
    if (strncmp(line, pfx, strlen(pfx)) != 0) {
        fprintf(stderr, "skip: localaws did not start (got \"%s\")\n", line);
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = -1;
        return -1;
    }
    snprintf(base_url, sizeof(base_url), "%s", line + strlen(pfx));
    return 0;
}

static void stop_localaws(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = -1;
    }
}

static struct aws_call_opts opts(unsigned seconds)
{
    struct aws_call_opts o = {.deadline_ms = uc_clock_monotonic_ms() + seconds * 1000ull};
    return o;
}

static void check(uc_status st, const struct aws_error *err)
{
    if (st != UC_OK) {
        char buf[1400];
        fail_msg("%s", aws_error_format(err, buf, sizeof(buf)));
    }
}

static void test_caller_identity(void **state)
{
    (void)state;
    struct aws_caller_identity id;
    struct aws_error err;
    struct aws_call_opts o = opts(20);
    check(aws_sts_get_caller_identity(aws_client_session(client), &o, &id, &err), &err);
    assert_int_equal(strlen(id.account), 12);
    assert_non_null(strstr(id.arn, id.account));
}

struct poll_ctx_t {
    struct aws_session *s;
    const char *id;
};

static uc_status poll_fn(void *ctx, const struct aws_call_opts *po, char *status, size_t n,
                  enum aws_wait_result *res, struct aws_error *perr)
{
    (void)res;
    struct poll_ctx_t *pc = ctx;
    json_t *in = json_pack("{s:s}", "CreateAccountRequestId", pc->id), *out = NULL;
    uc_status st =
        aws_json_call(pc->s, AWS_SVC_ORGANIZATIONS, "DescribeCreateAccountStatus", in, po, &out,
                      perr);
    json_decref(in);
    if (st != UC_OK)
        return st;
    json_t *cas = json_object_get(out, "CreateAccountStatus");
    snprintf(status, n, "%s", json_string_value(json_object_get(cas, "State")));
    const char *acct = json_string_value(json_object_get(cas, "AccountId"));
    if (acct)
        snprintf(new_account, sizeof(new_account), "%s", acct);
    json_decref(out);
    return UC_OK;
}

static void test_organizations_create_account(void **state)
{
    (void)state;
    struct aws_error err;
    struct aws_call_opts o = opts(60);
    struct aws_session *s = aws_client_session(client);
    json_t *out = NULL;
    check(aws_json_call(s, AWS_SVC_ORGANIZATIONS, "DescribeOrganization", NULL, &o, &out, &err),
          &err);
    assert_non_null(json_string_value(json_object_get(json_object_get(out, "Organization"),
                                                      "Id")));
    json_decref(out);
    char email[96];
    snprintf(email, sizeof(email), "it-%d@example.com", (int)getpid());
    json_t *in = json_pack("{s:s, s:s}", "Email", email, "AccountName", "integration");
    check(aws_json_call(s, AWS_SVC_ORGANIZATIONS, "CreateAccount", in, &o, &out, &err), &err);
    json_decref(in);
    const char *req = json_string_value(
        json_object_get(json_object_get(out, "CreateAccountStatus"), "Id"));
    assert_non_null(req);
    char req_id[64];
    snprintf(req_id, sizeof(req_id), "%s", req);
    json_decref(out);
    /* poll DescribeCreateAccountStatus with the waiter */
    struct poll_ctx_t pc = {s, req_id};
    struct aws_waiter w = {"CreateAccount to finish", poll_fn, &pc,
                           (const char *const[]){"SUCCEEDED", NULL},
                           (const char *const[]){"FAILED", NULL}, 100, 1000};
    char last[64];
    check(aws_wait(client, &w, &o, last, sizeof(last), &err), &err);
    assert_string_equal(last, "SUCCEEDED");
    assert_int_equal(strlen(new_account), 12);
    /* ListAccounts, all pages */
    int found = 0;
    char token[512] = "";
    do {
        json_t *li = token[0] ? json_pack("{s:s, s:i}", "NextToken", token, "MaxResults", 1)
                              : json_pack("{s:i}", "MaxResults", 1);
        check(aws_json_call(s, AWS_SVC_ORGANIZATIONS, "ListAccounts", li, &o, &out, &err), &err);
        json_decref(li);
        size_t i;
        json_t *a;
        json_array_foreach (json_object_get(out, "Accounts"), i, a)
            found |= strcmp(json_string_value(json_object_get(a, "Id")), new_account) == 0;
        const char *nt = json_string_value(json_object_get(out, "NextToken"));
        snprintf(token, sizeof(token), "%s", nt ? nt : "");
        json_decref(out);
    } while (token[0]);
    assert_true(found);
}

static const char trust_eks[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
    "\"eks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";

static void test_cross_account_iam_eks_k8s(void **state)
{
    (void)state;
    assert_int_equal(strlen(new_account), 12);
    struct aws_error err;
    struct aws_call_opts o = opts(90);
    struct aws_session *acct = aws_client_account_session(client, new_account, &err);
    assert_non_null(acct);
    /* AssumeRole into the new account (AccessDenied until the role propagates is retried). */
    struct aws_caller_identity id;
    check(aws_sts_get_caller_identity(acct, &o, &id, &err), &err);
    assert_string_equal(id.account, new_account);
    assert_non_null(strstr(id.arn, "assumed-role/OrganizationAccountAccessRole"));

    /* IAM CreateRole / GetRole; the policy document comes back decoded. */
    json_t *in = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "RoleName", "it-cluster",
                           "AssumeRolePolicyDocument", trust_eks, "Tags", "Key", "owner", "Value",
                           "it");
    json_t *out = NULL;
    check(aws_query_call(acct, AWS_SVC_IAM, "CreateRole", in, &o, &out, &err), &err);
    json_decref(in);
    json_decref(out);
    in = json_pack("{s:s}", "RoleName", "it-cluster");
    check(aws_query_call(acct, AWS_SVC_IAM, "GetRole", in, &o, &out, &err), &err);
    json_decref(in);
    json_t *role = json_object_get(out, "Role");
    const char *doc = json_string_value(json_object_get(role, "AssumeRolePolicyDocument"));
    assert_non_null(doc);
    json_t *pd = json_loads(doc, 0, NULL);
    assert_non_null(pd);
    json_decref(pd);
    char role_arn[256];
    snprintf(role_arn, sizeof(role_arn), "%s", json_string_value(json_object_get(role, "Arn")));
    json_decref(out);
    /* An IAM error in its XML shape */
    in = json_pack("{s:s}", "RoleName", "does-not-exist");
    assert_int_equal(aws_query_call(acct, AWS_SVC_IAM, "GetRole", in, &o, &out, &err),
                     UC_REMOTE);
    assert_string_equal(err.code, "NoSuchEntity");
    json_decref(in);

    /* EKS CreateCluster -> ACTIVE */
    json_t *body = json_pack("{s:s, s:s, s:{s:[s,s]}}", "name", "it-demo", "roleArn", role_arn,
                             "resourcesVpcConfig", "subnetIds", "subnet-0a1b2c3d4e5f60718",
                             "subnet-0f1e2d3c4b5a60718");
    check(aws_rest_call(acct, AWS_SVC_EKS, &AWS_EKS_CREATE_CLUSTER, NULL, 0, NULL, body, &o, &out,
                        &err),
          &err);
    json_decref(body);
    json_decref(out);
    const char *name = "it-demo";
    json_t *cluster = NULL;
    for (int i = 0; i < 100; i++) {
        check(aws_rest_call(acct, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_CLUSTER, &name, 1, NULL, NULL,
                            &o, &out, &err),
              &err);
        const char *stt =
            json_string_value(json_object_get(json_object_get(out, "cluster"), "status"));
        if (stt && strcmp(stt, "ACTIVE") == 0) {
            cluster = out;
            break;
        }
        json_decref(out);
        usleep(100 * 1000);
    }
    assert_non_null(cluster);
    json_t *cl = json_object_get(cluster, "cluster");
    const char *endpoint = json_string_value(json_object_get(cl, "endpoint"));
    const char *ca =
        json_string_value(json_object_get(json_object_get(cl, "certificateAuthority"), "data"));
    assert_non_null(endpoint);
    assert_non_null(ca);
    /* A percent-encoded ARN label: signed double-encoded, verified strictly by localaws. */
    const char *arn = json_string_value(json_object_get(cl, "arn"));
    assert_non_null(arn);
    json_t *tags = json_pack("{s:{s:s}}", "tags", "team", "ml");
    check(aws_rest_call(acct, AWS_SVC_EKS, &AWS_EKS_TAG_RESOURCE, &arn, 1, NULL, tags, &o, &out,
                        &err),
          &err);
    json_decref(tags);
    json_decref(out);
    check(aws_rest_call(acct, AWS_SVC_EKS, &AWS_EKS_LIST_TAGS_FOR_RESOURCE, &arn, 1, NULL, NULL,
                        &o, &out, &err),
          &err);
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "tags"), "team")),
                        "ml");
    json_decref(out);
    /* EKS error shape: unknown cluster */
    const char *missing = "nope";
    assert_int_equal(aws_rest_call(acct, AWS_SVC_EKS, &AWS_EKS_DESCRIBE_CLUSTER, &missing, 1,
                                   NULL, NULL, &o, &out, &err),
                     UC_REMOTE);
    assert_string_equal(err.code, "ResourceNotFoundException");

    /* Kubernetes API over TLS with the cluster CA and the EKS token of the account session. */
    struct aws_k8s *k = aws_k8s_new(acct, "it-demo", endpoint, ca, &err);
    assert_non_null(k);
    long code = 0;
    check(aws_k8s_request(k, "GET", "/api/v1/namespaces", NULL, NULL, NULL, &o, &code, &out,
                          &err),
          &err);
    assert_int_equal(code, 200);
    json_decref(out);
    assert_int_equal(aws_k8s_request(k, "GET", "/api/v1/namespaces/does-not-exist", NULL, NULL,
                                     NULL, &o, &code, &out, &err),
                     UC_REMOTE);
    assert_int_equal(code, 404);
    assert_string_equal(err.code, "NotFound");
    json_decref(out);
    aws_k8s_free(k);
    json_decref(cluster);
}

int main(void)
{
    uc_log_init_from_env();
    if (start_localaws() != 0)
        return 77;
    struct aws_config cfg;
    test_aws_config_init(&cfg, "us-east-1", "test", "test");
    for (int s = 0; s < AWS_SVC_COUNT; s++)
        cfg.endpoints[s] = base_url;
    cfg.max_retries = 5;
    cfg.account_role_wait_ms = 30000;
    struct aws_error err;
    client = aws_client_new(&cfg, &err);
    if (!client) {
        stop_localaws();
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caller_identity),
        cmocka_unit_test(test_organizations_create_account),
        cmocka_unit_test(test_cross_account_iam_eks_k8s),
    };
    int rc = cmocka_run_group_tests_name("aws_localaws", tests, NULL, NULL);
    aws_client_free(client);
    stop_localaws();
    return rc;
}
