/* test_aws_answer.c - required members of an answer (aws_answer.h): path lookup, the
 * MalformedResponse error naming the operation and the member, and the STS clients that use it
 * (AssumeRole credentials, GetCallerIdentity) on the fake transport.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aws_answer.h"
#include "aws_client.h"
#include "test_aws_fake.h"

static void test_find_paths(void **state)
{
    (void)state;
    json_t *j = json_loads("{\"A\":{\"B\":\"x\",\"N\":null,\"L\":[{\"Id\":\"p\"},3]},\"E\":\"\"}",
                           0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(aws_answer_find(j, "A.B")), "x");
    assert_string_equal(json_string_value(aws_answer_find(j, "A.L[0].Id")), "p");
    assert_int_equal(json_integer_value(aws_answer_find(j, "A.L[1]")), 3);
    assert_null(aws_answer_find(j, "A.N"));      /* null is absent */
    assert_null(aws_answer_find(j, "A.L[2]"));   /* past the end */
    assert_null(aws_answer_find(j, "A.B.C"));    /* through a string */
    assert_null(aws_answer_find(j, "A[0]"));     /* index into an object */
    assert_null(aws_answer_find(j, "A.L[x]"));   /* not a number */
    assert_null(aws_answer_find(NULL, "A"));
    json_t *arr = json_loads("[{\"Id\":\"r\"}]", 0, NULL);
    assert_string_equal(json_string_value(aws_answer_find(arr, "[0].Id")), "r");
    json_decref(arr);
    json_decref(j);
}

static void test_require_fills_the_error(void **state)
{
    (void)state;
    json_t *j = json_loads("{\"S\":{\"Id\":7,\"Name\":\"\"},\"T\":true}", 0, NULL);
    struct aws_error err;
    aws_error_clear(&err);
    err.http_status = 200;
    snprintf(err.request_id, sizeof err.request_id, "rid-1");
    assert_null(aws_answer_string(j, "organizations", "CreateAccount", "S.Missing", &err));
    assert_int_equal(err.status, UC_DECODE);
    assert_string_equal(err.code, "MalformedResponse");
    assert_string_equal(err.service, "organizations");
    assert_string_equal(err.operation, "CreateAccount");
    assert_string_equal(err.message, "CreateAccount answer lacks S.Missing");
    assert_int_equal(err.http_status, 200); /* the answer's identity stays */
    assert_string_equal(err.request_id, "rid-1");
    assert_null(aws_answer_string(j, "organizations", "CreateAccount", "S.Id", &err));
    assert_string_equal(err.message, "CreateAccount answer has a wrong-typed S.Id");
    assert_null(aws_answer_string(j, "organizations", "CreateAccount", "S.Name", &err));
    assert_string_equal(err.message, "CreateAccount answer lacks S.Name");
    assert_non_null(aws_answer_require(j, JSON_REAL, "x", "Op", "S.Id", &err)); /* any number */
    assert_non_null(aws_answer_require(j, JSON_TRUE, "x", "Op", "T", &err));
    assert_non_null(aws_answer_require(j, JSON_OBJECT, "x", "Op", "S", NULL));
    assert_null(aws_answer_require(j, JSON_ARRAY, "x", "Op", "S", NULL)); /* NULL err is fine */
    json_decref(j);
}

#define ASSUME_OK_HEAD                                                                             \
    "<AssumeRoleResponse><AssumeRoleResult><Credentials>"                                          \
    "<AccessKeyId>ASIAEXAMPLE000000001</AccessKeyId>"                                              \
    "<SecretAccessKey>sk/EXAMPLE000000000000000000000000000001</SecretAccessKey>"

static void test_assume_role_lacking_session_token(void **state)
{
    struct fake_env *e = *state;
    fake_push(&e->ft, 200, NULL,
              ASSUME_OK_HEAD "<Expiration>2026-01-01T01:00:00Z</Expiration></Credentials>"
                             "</AssumeRoleResult></AssumeRoleResponse>");
    struct aws_assume_role_params p = {.role_arn = "arn:aws:iam::123456789012:role/r",
                                       .session_name = "s"};
    struct aws_credentials *creds = NULL;
    struct aws_error err;
    assert_int_equal(aws_sts_assume_role(aws_client_session(e->c), &p, NULL, &creds, &err),
                     UC_DECODE);
    assert_null(creds);
    assert_string_equal(err.code, "MalformedResponse");
    assert_string_equal(err.message, "AssumeRole answer lacks Credentials.SessionToken");
    fake_reset(&e->ft);

    fake_push(&e->ft, 200, NULL, "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>");
    assert_int_equal(aws_sts_assume_role(aws_client_session(e->c), &p, NULL, &creds, &err),
                     UC_DECODE);
    assert_string_equal(err.message, "AssumeRole answer lacks Credentials.AccessKeyId");
    fake_reset(&e->ft);
}

static void test_caller_identity_lacking_account(void **state)
{
    struct fake_env *e = *state;
    fake_push(&e->ft, 200, NULL,
              "<GetCallerIdentityResponse><GetCallerIdentityResult>"
              "<Arn>arn:aws:iam::123456789012:user/a</Arn></GetCallerIdentityResult>"
              "</GetCallerIdentityResponse>");
    struct aws_caller_identity id;
    struct aws_error err;
    assert_int_equal(aws_sts_get_caller_identity(aws_client_session(e->c), NULL, &id, &err),
                     UC_DECODE);
    assert_string_equal(err.message, "GetCallerIdentity answer lacks Account");
    fake_reset(&e->ft);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_paths),
        cmocka_unit_test(test_require_fills_the_error),
        cmocka_unit_test_setup_teardown(test_assume_role_lacking_session_token, fake_env_setup,
                                        fake_env_teardown),
        cmocka_unit_test_setup_teardown(test_caller_identity_lacking_account, fake_env_setup,
                                        fake_env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
