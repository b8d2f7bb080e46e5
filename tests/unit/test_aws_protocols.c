/* test_aws_protocols.c - the wire protocols through the whole client with a fake transport:
 * awsJson1_1 (Organizations), awsQuery + XML (STS, IAM), restJson1 (EKS) and the Kubernetes
 * API: request shape, signing scope, success parsing and the error shapes of aws-apis.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aws_client.h"
#include "aws_eks.h"
#include "aws_k8s.h"
#include "test_aws_fake.h"

static struct aws_client *make_client(struct fake_env *e, const char *endpoint)
{
    struct aws_config cfg;
    fake_config(e, &cfg, "eu-west-1", "AKIDEXAMPLE", "secret", 42);
    for (int s = 0; s < AWS_SVC_COUNT; s++)
        cfg.endpoints[s] = endpoint;
    struct aws_error err;
    struct aws_client *c = aws_client_new(&cfg, &err);
    assert_non_null(c);
    return c;
}

static int setup(void **state)
{
    struct fake_env *e = fake_env_new();
    assert_non_null(e);
    e->c = make_client(e, NULL);
    *state = e;
    return 0;
}

/* ---- awsJson1_1 ------------------------------------------------------------------------------ */

static void test_json_success(void **state)
{
    struct fake_env *e = *state;
    fake_push(&e->ft, 200, "x-amzn-RequestId: rid-1\nContent-Type: application/x-amz-json-1.1",
              "{\"CreateAccountStatus\":{\"Id\":\"car-abcdefgh12\",\"State\":\"IN_PROGRESS\","
              "\"RequestedTimestamp\":1767225600.5}}");
    json_t *in = json_pack("{s:s, s:s}", "Email", "a@example.com", "AccountName", "team-dev");
    json_t *out = NULL;
    struct aws_error err;
    assert_int_equal(aws_json_call(aws_client_session(e->c), AWS_SVC_ORGANIZATIONS,
                                   "CreateAccount", in, NULL, &out, &err),
                     UC_OK);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(out, "CreateAccountStatus"), "State")),
                        "IN_PROGRESS");
    assert_string_equal(err.request_id, "rid-1");
    assert_int_equal(e->ft.nreq, 1);
    struct fake_req *r = &e->ft.reqs[0];
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->url, "https://organizations.us-east-1.amazonaws.com/");
    assert_string_equal(fake_hdr(&e->ft, 0, "X-Amz-Target"),
                        "AWSOrganizationsV20161128.CreateAccount");
    assert_string_equal(fake_hdr(&e->ft, 0, "Content-Type"), "application/x-amz-json-1.1");
    assert_string_equal(fake_hdr(&e->ft, 0, "Host"), "organizations.us-east-1.amazonaws.com");
    const char *auth = fake_hdr(&e->ft, 0, "Authorization");
    assert_non_null(auth);
    /* Global service: signed in us-east-1 although the client is in eu-west-1. */
    assert_non_null(strstr(auth, "Credential=AKIDEXAMPLE/20260101/us-east-1/organizations/"));
    assert_non_null(strstr(auth, "x-amz-target"));
    json_t *sent = json_loads(r->body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(sent, "Email")), "a@example.com");
    json_decref(sent);
    json_decref(in);
    json_decref(out);
}

static void test_json_empty_body_and_errors(void **state)
{
    struct fake_env *e = *state;
    json_t *out = NULL;
    struct aws_error err;
    /* No input, empty success body -> {} */
    fake_push(&e->ft, 200, NULL, "");
    assert_int_equal(aws_json_call(aws_client_session(e->c), AWS_SVC_ORGANIZATIONS,
                                   "MoveAccount", NULL, NULL, &out, &err),
                     UC_OK);
    assert_true(json_is_object(out) && json_object_size(out) == 0);
    assert_string_equal(e->ft.reqs[0].body, "{}");
    json_decref(out);

    fake_push(&e->ft, 400, "x-amzn-RequestId: r-2",
              "{\"__type\": \"AccountNotFoundException\", \"Message\": \"You specified an account "
              "that doesn't exist.\"}");
    assert_int_equal(aws_json_call(aws_client_session(e->c), AWS_SVC_ORGANIZATIONS,
                                   "DescribeAccount", NULL, NULL, &out, &err),
                     UC_REMOTE);
    assert_null(out);
    assert_string_equal(err.code, "AccountNotFoundException");
    assert_string_equal(err.message, "You specified an account that doesn't exist.");
    assert_int_equal(err.http_status, 400);
    assert_string_equal(err.request_id, "r-2");
    assert_string_equal(err.service, "organizations");
    assert_string_equal(err.operation, "DescribeAccount");
    assert_true(aws_error_is_not_found(&err));
    char line[512];
    aws_error_format(&err, line, sizeof(line));
    assert_string_equal(line, "organizations DescribeAccount: HTTP 400 AccountNotFoundException: "
                              "You specified an account that doesn't exist. (request id r-2)");

    /* namespace#Name:url forms and lower-case message (awsJson 1.0 style) */
    fake_push(&e->ft, 400, NULL,
              "{\"__type\":\"com.amazonaws.organizations#ConstraintViolationException:http://x\","
              "\"message\":\"limit\",\"Reason\":\"ACCOUNT_NUMBER_LIMIT_EXCEEDED\"}");
    assert_int_equal(aws_json_call(aws_client_session(e->c), AWS_SVC_ORGANIZATIONS,
                                   "CreateAccount", NULL, NULL, &out, &err),
                     UC_REMOTE);
    assert_string_equal(err.code, "ConstraintViolationException");
    assert_string_equal(err.message, "limit");
    /* 500 ServiceException on a non-idempotent call: not retried */
    fake_push(&e->ft, 500, NULL, "{\"__type\":\"ServiceException\",\"Message\":\"boom\"}");
    assert_int_equal(aws_json_call(aws_client_session(e->c), AWS_SVC_ORGANIZATIONS,
                                   "CreateAccount", NULL, NULL, &out, &err),
                     UC_REMOTE);
    assert_int_equal(err.attempts, 1);
    /* Garbage success body */
    fake_push(&e->ft, 200, NULL, "{not json");
    assert_int_equal(aws_json_call(aws_client_session(e->c), AWS_SVC_ORGANIZATIONS,
                                   "ListRoots", NULL, NULL, &out, &err),
                     UC_DECODE);
    assert_null(out);
    /* Misuse */
    assert_int_equal(aws_json_call(aws_client_session(e->c), AWS_SVC_IAM, "GetRole", NULL, NULL,
                                   &out, &err),
                     UC_INVALID);
}

/* ---- awsQuery ------------------------------------------------------------------------------ */

static const char get_role_xml[] =
    "<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
    "  <GetRoleResult>\n"
    "    <Role>\n"
    "      <Path>/</Path>\n"
    "      <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B"
    "%7B%22Effect%22%3A%22Allow%22%7D%5D%7D</AssumeRolePolicyDocument>\n"
    "      <MaxSessionDuration>3600</MaxSessionDuration>\n"
    "      <RoleId>AROAEXAMPLE1234567890</RoleId>\n"
    "      <RoleName>team-admin</RoleName>\n"
    "      <Arn>arn:aws:iam::123456789012:role/team-admin</Arn>\n"
    "      <CreateDate>2026-01-02T03:04:05Z</CreateDate>\n"
    "      <Tags><member><Key>owner</Key><Value>data &amp; ml</Value></member>"
    "<member><Key>cc</Key><Value>42</Value></member></Tags>\n"
    "    </Role>\n"
    "  </GetRoleResult>\n"
    "  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>"
    "</ResponseMetadata>\n"
    "</GetRoleResponse>\n";

static void test_query_success(void **state)
{
    struct fake_env *e = *state;
    fake_push(&e->ft, 200, "Content-Type: text/xml", get_role_xml);
    json_t *in = json_pack("{s:s}", "RoleName", "team-admin");
    json_t *out = NULL;
    struct aws_error err;
    assert_int_equal(aws_query_call(aws_client_session(e->c), AWS_SVC_IAM, "GetRole", in, NULL,
                                    &out, &err),
                     UC_OK);
    json_t *role = json_object_get(out, "Role");
    assert_string_equal(json_string_value(json_object_get(role, "RoleName")), "team-admin");
    assert_string_equal(json_string_value(json_object_get(role, "MaxSessionDuration")), "3600");
    assert_string_equal(json_string_value(json_object_get(role, "AssumeRolePolicyDocument")),
                        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"}]}");
    json_t *tags = json_object_get(role, "Tags");
    assert_true(json_is_array(tags));
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 0), "Value")),
                        "data & ml");
    assert_string_equal(err.request_id, "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE");
    struct fake_req *r = &e->ft.reqs[0];
    assert_string_equal(r->url, "https://iam.amazonaws.com/");
    assert_string_equal(r->body, "Action=GetRole&Version=2010-05-08&RoleName=team-admin");
    assert_non_null(strstr(fake_hdr(&e->ft, 0, "Content-Type"), "x-www-form-urlencoded"));
    assert_non_null(strstr(fake_hdr(&e->ft, 0, "Authorization"), "/us-east-1/iam/aws4_request"));
    json_decref(in);
    json_decref(out);
}

static void test_query_encoding_and_shapes(void **state)
{
    struct fake_env *e = *state;
    /* Lists of structures, lists of strings, empty lists, numbers, booleans, nested objects. */
    fake_push(&e->ft, 200, NULL,
              "<TagRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
              "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></TagRoleResponse>");
    json_t *in = json_pack("{s:s, s:[{s:s, s:s}], s:[s, s], s:[], s:i, s:b, s:{s:s}, s:n}",
                           "RoleName", "a b/c", "Tags", "Key", "k:1", "Value", "v=2", "TagKeys",
                           "x", "y", "Empty", "MaxItems", 100, "Flag", 1, "Nested", "Child", "z",
                           "Skip");
    json_t *out = NULL;
    struct aws_error err;
    assert_int_equal(aws_query_call(aws_client_session(e->c), AWS_SVC_IAM, "TagRole", in, NULL,
                                    &out, &err),
                     UC_OK);
    assert_string_equal(e->ft.reqs[0].body,
                        "Action=TagRole&Version=2010-05-08&RoleName=a%20b%2Fc"
                        "&Tags.member.1.Key=k%3A1&Tags.member.1.Value=v%3D2"
                        "&TagKeys.member.1=x&TagKeys.member.2=y&Empty=&MaxItems=100&Flag=true"
                        "&Nested.Child=z");
    assert_true(json_is_object(out) && json_object_size(out) == 0);
    json_decref(out);
    json_decref(in);

    /* Member lists and IsTruncated/Marker pagination fields */
    fake_push(&e->ft, 200, NULL,
              "<ListAttachedRolePoliciesResponse xmlns=\"https://iam.amazonaws.com/doc/"
              "2010-05-08/\"><ListAttachedRolePoliciesResult><AttachedPolicies><member>"
              "<PolicyName>AmazonEKSClusterPolicy</PolicyName><PolicyArn>arn:aws:iam::aws:policy/"
              "AmazonEKSClusterPolicy</PolicyArn></member></AttachedPolicies><IsTruncated>true"
              "</IsTruncated><Marker>m1</Marker></ListAttachedRolePoliciesResult>"
              "<ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata>"
              "</ListAttachedRolePoliciesResponse>");
    assert_int_equal(aws_query_call(aws_client_session(e->c), AWS_SVC_IAM,
                                    "ListAttachedRolePolicies", NULL, NULL, &out, &err),
                     UC_OK);
    json_t *ap = json_object_get(out, "AttachedPolicies");
    assert_int_equal(json_array_size(ap), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ap, 0), "PolicyName")),
                        "AmazonEKSClusterPolicy");
    assert_string_equal(json_string_value(json_object_get(out, "IsTruncated")), "true");
    json_decref(out);

    /* STS answers in its own namespace and region-scoped signing */
    fake_push(&e->ft, 200, NULL,
              "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
              "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>"
              "<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>"
              "</GetCallerIdentityResult><ResponseMetadata><RequestId>r3</RequestId>"
              "</ResponseMetadata></GetCallerIdentityResponse>");
    struct aws_caller_identity id;
    assert_int_equal(aws_sts_get_caller_identity(aws_client_session(e->c), NULL, &id, &err),
                     UC_OK);
    assert_string_equal(id.account, "123456789012");
    assert_string_equal(id.arn, "arn:aws:iam::123456789012:user/alice");
    int last = e->ft.nreq - 1;
    assert_string_equal(e->ft.reqs[last].url, "https://sts.eu-west-1.amazonaws.com/");
    assert_non_null(strstr(fake_hdr(&e->ft, last, "Authorization"), "/eu-west-1/sts/"));
}

static void test_query_errors(void **state)
{
    struct fake_env *e = *state;
    json_t *out = NULL;
    struct aws_error err;
    fake_push(&e->ft, 404, "Content-Type: text/xml",
              "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
              "  <Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name "
              "x cannot be found.</Message></Error>\n"
              "  <RequestId>4e3b1a2c-EXAMPLE</RequestId>\n"
              "</ErrorResponse>");
    assert_int_equal(aws_query_call(aws_client_session(e->c), AWS_SVC_IAM, "GetRole", NULL, NULL,
                                    &out, &err),
                     UC_REMOTE);
    assert_string_equal(err.code, "NoSuchEntity");
    assert_string_equal(err.message, "The role with name x cannot be found.");
    assert_string_equal(err.request_id, "4e3b1a2c-EXAMPLE");
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.service, "iam");
    assert_true(aws_error_is_not_found(&err));
    assert_int_equal(err.attempts, 1);

    fake_push(&e->ft, 409, NULL,
              "<ErrorResponse><Error><Type>Sender</Type><Code>DeleteConflict</Code><Message>"
              "Cannot delete entity, must detach all policies first.</Message></Error>"
              "<RequestId>r</RequestId></ErrorResponse>");
    assert_int_equal(aws_query_call(aws_client_session(e->c), AWS_SVC_IAM, "DeleteRole", NULL,
                                    NULL, &out, &err),
                     UC_REMOTE);
    assert_true(aws_error_is(&err, "DeleteConflict"));
    assert_false(aws_error_is_not_found(&err));

    /* Unparseable error body: the status still gives a code, the body an excerpt */
    fake_push(&e->ft, 403, NULL, "<html>denied</html");
    assert_int_equal(aws_query_call(aws_client_session(e->c), AWS_SVC_IAM, "GetRole", NULL, NULL,
                                    &out, &err),
                     UC_REMOTE);
    assert_string_equal(err.code, "Forbidden");
    assert_non_null(strstr(err.message, "HTTP 403"));

    /* Malformed XML success */
    fake_push(&e->ft, 200, NULL, "<GetRoleResponse><GetRoleResult>");
    assert_int_equal(aws_query_call(aws_client_session(e->c), AWS_SVC_IAM, "GetRole", NULL, NULL,
                                    &out, &err),
                     UC_DECODE);
    /* A billion-laughs style document must not expand entities. */
    fake_push(&e->ft, 200, NULL,
              "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">"
              "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
              "<GetRoleResponse><GetRoleResult><Role><RoleName>&b;</RoleName></Role>"
              "</GetRoleResult></GetRoleResponse>");
    uc_status st = aws_query_call(aws_client_session(e->c), AWS_SVC_IAM, "GetRole", NULL, NULL,
                                  &out, &err);
    assert_true(st == UC_OK || st == UC_DECODE);
    json_decref(out);
}

static void test_web_identity_unsigned(void **state)
{
    struct fake_env *e = *state;
    fake_push(&e->ft, 200, NULL,
              "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/"
              "2011-06-15/\"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAX"
              "</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
              "<Expiration>2026-01-01T01:00:00Z</Expiration></Credentials>"
              "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>");
    json_t *in = json_pack("{s:s, s:s, s:s}", "RoleArn", "arn:aws:iam::1:role/r",
                           "RoleSessionName", "s", "WebIdentityToken", "eyJ");
    json_t *out = NULL;
    struct aws_error err;
    assert_int_equal(aws_query_call(aws_client_session(e->c), AWS_SVC_STS,
                                    "AssumeRoleWithWebIdentity", in, NULL, &out, &err),
                     UC_OK);
    assert_null(fake_hdr(&e->ft, 0, "Authorization"));
    assert_null(fake_hdr(&e->ft, 0, "X-Amz-Security-Token"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "Credentials"),
                                                          "AccessKeyId")),
                        "ASIAX");
    json_decref(in);
    json_decref(out);
}

/* ---- restJson1 ------------------------------------------------------------------------------- */

static void test_rest_labels_and_query(void **state)
{
    struct fake_env *e = *state;
    json_t *out = NULL;
    struct aws_error err;
    fake_push(&e->ft, 200, NULL, "{\"tags\":{\"team\":\"ml\"}}");
    const char *arn = "arn:aws:eks:eu-west-1:123456789012:cluster/demo";
    assert_int_equal(aws_rest_call(aws_client_session(e->c), AWS_SVC_EKS,
                                   &AWS_EKS_LIST_TAGS_FOR_RESOURCE, &arn, 1, NULL, NULL, NULL,
                                   &out, &err),
                     UC_OK);
    assert_string_equal(e->ft.reqs[0].url, "https://eks.eu-west-1.amazonaws.com/tags/"
                                           "arn%3Aaws%3Aeks%3Aeu-west-1%3A123456789012%3Acluster"
                                           "%2Fdemo");
    assert_string_equal(e->ft.reqs[0].method, "GET");
    assert_null(fake_hdr(&e->ft, 0, "Content-Type"));
    assert_non_null(strstr(fake_hdr(&e->ft, 0, "Authorization"), "/eu-west-1/eks/"));
    json_decref(out);

    fake_push(&e->ft, 200, NULL, "{}");
    json_t *q = json_pack("{s:[s,s]}", "tagKeys", "a", "b c");
    assert_int_equal(aws_rest_call(aws_client_session(e->c), AWS_SVC_EKS, &AWS_EKS_UNTAG_RESOURCE,
                                   &arn, 1, q, NULL, NULL, NULL, &err),
                     UC_OK);
    assert_non_null(strstr(e->ft.reqs[1].url, "?tagKeys=a&tagKeys=b%20c"));
    assert_string_equal(e->ft.reqs[1].method, "DELETE");
    json_decref(q);

    /* Wrong label count is a caller error, caught before any request */
    assert_int_equal(aws_rest_call(aws_client_session(e->c), AWS_SVC_EKS,
                                   &AWS_EKS_DESCRIBE_ADDON, &arn, 1, NULL, NULL, NULL, &out,
                                   &err),
                     UC_INVALID);
    assert_int_equal(e->ft.nreq, 2);
}

static void test_rest_client_token_and_errors(void **state)
{
    struct fake_env *e = *state;
    json_t *out = NULL;
    struct aws_error err;
    /* 503 then success: a create with a client token is retried, with the same token. */
    fake_push(&e->ft, 503, "x-amzn-ErrorType: ServiceUnavailableException",
              "{\"message\":\"try later\"}");
    fake_push(&e->ft, 200, NULL, "{\"cluster\":{\"name\":\"demo\",\"status\":\"CREATING\"}}");
    json_t *body = json_pack("{s:s, s:s}", "name", "demo", "roleArn", "arn:aws:iam::1:role/r");
    assert_int_equal(aws_rest_call(aws_client_session(e->c), AWS_SVC_EKS,
                                   &AWS_EKS_CREATE_CLUSTER, NULL, 0, NULL, body, NULL, &out,
                                   &err),
                     UC_OK);
    assert_int_equal(e->ft.nreq, 2);
    json_t *b0 = json_loads(e->ft.reqs[0].body, 0, NULL);
    json_t *b1 = json_loads(e->ft.reqs[1].body, 0, NULL);
    const char *t0 = json_string_value(json_object_get(b0, "clientRequestToken"));
    assert_non_null(t0);
    assert_int_equal(strlen(t0), 36);
    assert_string_equal(t0, json_string_value(json_object_get(b1, "clientRequestToken")));
    assert_null(json_object_get(body, "clientRequestToken")); /* caller's input untouched */
    assert_string_equal(fake_hdr(&e->ft, 0, "amz-sdk-invocation-id"),
                        fake_hdr(&e->ft, 1, "amz-sdk-invocation-id"));
    assert_string_equal(fake_hdr(&e->ft, 1, "amz-sdk-request"), "attempt=2; max=26");
    assert_string_equal(fake_hdr(&e->ft, 0, "Content-Type"), "application/json");
    json_decref(b0);
    json_decref(b1);
    json_decref(body);
    json_decref(out);

    const char *name = "demo";
    fake_push(&e->ft, 404,
              "x-amzn-ErrorType: ResourceNotFoundException:http://internal.amazon.com/\n"
              "x-amzn-RequestId: eks-rid",
              "{\"message\":\"No cluster found for name: demo.\"}");
    assert_int_equal(aws_rest_call(aws_client_session(e->c), AWS_SVC_EKS,
                                   &AWS_EKS_DESCRIBE_CLUSTER, &name, 1, NULL, NULL, NULL, &out,
                                   &err),
                     UC_REMOTE);
    assert_string_equal(err.code, "ResourceNotFoundException");
    assert_string_equal(err.message, "No cluster found for name: demo.");
    assert_string_equal(err.request_id, "eks-rid");
    assert_int_equal(err.http_status, 404);

    /* Body-only error name (__type), 409 not retried */
    fake_push(&e->ft, 409, NULL,
              "{\"__type\":\"ResourceInUseException\",\"message\":\"Cluster has nodegroups "
              "attached\",\"clusterName\":\"demo\"}");
    int before = e->ft.nreq;
    assert_int_equal(aws_rest_call(aws_client_session(e->c), AWS_SVC_EKS,
                                   &AWS_EKS_DELETE_CLUSTER, &name, 1, NULL, NULL, NULL, &out,
                                   &err),
                     UC_REMOTE);
    assert_string_equal(err.code, "ResourceInUseException");
    assert_int_equal(e->ft.nreq, before + 1);
}

/* ---- custom endpoint: emulator style ------------------------------------------------------- */

static void test_custom_endpoint(void **state)
{
    struct fake_env *e = *state;
    aws_client_free(e->c);
    e->c = make_client(e, "http://127.0.0.1:4599/");
    fake_push(&e->ft, 200, NULL, "{}");
    json_t *out = NULL;
    struct aws_error err;
    assert_int_equal(aws_json_call(aws_client_session(e->c), AWS_SVC_ORGANIZATIONS,
                                   "DescribeOrganization", NULL, NULL, &out, &err),
                     UC_OK);
    assert_string_equal(e->ft.reqs[0].url, "http://127.0.0.1:4599/");
    assert_string_equal(fake_hdr(&e->ft, 0, "Host"), "127.0.0.1:4599");
    /* Custom endpoint: signed with the configured region, even for a global service. */
    assert_non_null(strstr(fake_hdr(&e->ft, 0, "Authorization"),
                           "/20260101/eu-west-1/organizations/aws4_request"));
    json_decref(out);
}

/* ---- Kubernetes ---------------------------------------------------------------------------- */

static void test_k8s(void **state)
{
    struct fake_env *e = *state;
    struct aws_error err;
    /* https needs a CA; garbage CA is refused without I/O */
    assert_null(aws_k8s_new(aws_client_session(e->c), "demo", "https://x.eks.amazonaws.com",
                            NULL, &err));
    assert_null(aws_k8s_new(aws_client_session(e->c), "demo", "https://x.eks.amazonaws.com",
                            "bm90IGEgcGVt", &err));
    /* base64 of a (fake) PEM block */
    const char *ca = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0t"
                     "LQo=";
    struct aws_k8s *k = aws_k8s_new(aws_client_session(e->c), "demo",
                                    "https://abc.gr7.eu-west-1.eks.amazonaws.com", ca, &err);
    assert_non_null(k);
    fake_push(&e->ft, 404, "Audit-Id: a-1",
              "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
              "\"message\":\"applications.argoproj.io \\\"spark\\\" not found\",\"reason\":"
              "\"NotFound\",\"details\":{\"name\":\"spark\",\"group\":\"argoproj.io\",\"kind\":"
              "\"applications\"},\"code\":404}");
    json_t *out = NULL;
    long code = 0;
    assert_int_equal(aws_k8s_request(k, "GET",
                                     "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/"
                                     "spark",
                                     NULL, NULL, NULL, NULL, &code, &out, &err),
                     UC_REMOTE);
    assert_int_equal(code, 404);
    assert_string_equal(err.code, "NotFound");
    assert_string_equal(err.message, "applications.argoproj.io \"spark\" not found");
    assert_string_equal(err.request_id, "a-1");
    assert_string_equal(err.service, "kubernetes");
    assert_true(aws_error_is_not_found(&err));
    assert_string_equal(json_string_value(json_object_get(out, "kind")), "Status");
    json_decref(out);
    const char *auth = fake_hdr(&e->ft, 0, "Authorization");
    assert_non_null(auth);
    assert_memory_equal(auth, "Bearer k8s-aws-v1.", 18);
    assert_string_equal(e->ft.reqs[0].url, "https://abc.gr7.eu-west-1.eks.amazonaws.com/apis/"
                                           "argoproj.io/v1alpha1/namespaces/argocd/applications/"
                                           "spark");

    /* 401 -> one fresh token, then apply succeeds */
    fake_push(&e->ft, 401, NULL,
              "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"Unauthorized\","
              "\"reason\":\"Unauthorized\",\"code\":401}");
    fake_push(&e->ft, 201, NULL, "{\"kind\":\"Application\",\"metadata\":{\"name\":\"spark\"}}");
    json_t *app = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "argoproj.io/v1alpha1",
                            "kind", "Application", "metadata", "name", "spark", "namespace",
                            "argocd");
    fake_clock_advance(&e->fc, 1000); /* a new token differs by its date */
    assert_int_equal(aws_k8s_apply(k,
                                   "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/"
                                   "spark",
                                   app, "unicron", NULL, &out, &err),
                     UC_OK);
    assert_int_equal(e->ft.nreq, 3);
    assert_string_equal(e->ft.reqs[2].method, "PATCH");
    assert_non_null(strstr(e->ft.reqs[2].url, "?fieldManager=unicron&force=true"));
    assert_string_equal(fake_hdr(&e->ft, 2, "Content-Type"), "application/apply-patch+yaml");
    assert_string_not_equal(fake_hdr(&e->ft, 1, "Authorization"),
                            fake_hdr(&e->ft, 2, "Authorization"));
    assert_string_equal(json_string_value(json_object_get(out, "kind")), "Application");
    json_decref(out);
    json_decref(app);
    aws_k8s_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_success, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_json_empty_body_and_errors, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_query_success, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_query_encoding_and_shapes, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_query_errors, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_web_identity_unsigned, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_rest_labels_and_query, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_rest_client_token_and_errors, setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_custom_endpoint, setup, fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_k8s, setup, fake_env_teardown),
    };
    return cmocka_run_group_tests_name("aws_protocols", tests, NULL, NULL);
}
