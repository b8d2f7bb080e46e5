/* test_res_validate.c - every validator of resources/validate.c, table-driven: good rows give no
 * diagnostic, bad rows give one error whose text names the problem, on the given path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "res_eks_versions.h"
#include "res_validate.h"
#include "tf_msgpack.h"
#include "uc_buf.h"

static const char *const colors[] = {"red", "green", "BLUE", NULL};
static const struct res_duration_range hour_range = {60LL * 1000000000LL,
                                                     3600LL * 1000000000LL};

struct row {
    const char *name;
    tf_validate_fn fn;
    const void *arg;
    const char *value;
    const char *want; /* NULL = valid; else a substring of summary + detail */
};

#define OK(fn, arg, v) {#fn " ok " v, fn, arg, v, NULL}
#define BAD(fn, arg, v, want) {#fn " bad " v, fn, arg, v, want}

static const struct row rows[] = {
    /* slug */
    OK(res_validate_slug, NULL, "ab"),
    OK(res_validate_slug, NULL, "data-science"),
    OK(res_validate_slug, NULL, "team42"),
    OK(res_validate_slug, NULL, "abcdefghijabcdefghijabcdefghij12"), /* 32 */
    BAD(res_validate_slug, NULL, "a", "Invalid tenant name"),
    BAD(res_validate_slug, NULL, "Data", "lowercase"),
    BAD(res_validate_slug, NULL, "1team", "starting with a letter"),
    BAD(res_validate_slug, NULL, "team-", "Invalid tenant name"),
    BAD(res_validate_slug, NULL, "te--am", "Invalid tenant name"),
    BAD(res_validate_slug, NULL, "te_am", "Invalid tenant name"),
    BAD(res_validate_slug, NULL, "abcdefghijabcdefghijabcdefghij123", "2 to 32"),
    BAD(res_validate_slug, NULL, "", "Invalid tenant name"),
    /* email */
    OK(res_validate_email, NULL, "a@b.co"),
    OK(res_validate_email, NULL, "aws+data-dev@example.com"),
    OK(res_validate_email, NULL, "first.last@mail.example.org"),
    BAD(res_validate_email, NULL, "not-an-email", "Invalid e-mail address"),
    BAD(res_validate_email, NULL, "a@b", "name@example.com"),
    BAD(res_validate_email, NULL, "a@@b.com", "Invalid e-mail"),
    BAD(res_validate_email, NULL, ".a@b.com", "Invalid e-mail"),
    BAD(res_validate_email, NULL, "a..b@c.com", "Invalid e-mail"),
    BAD(res_validate_email, NULL, "a b@c.com", "Invalid e-mail"),
    BAD(res_validate_email, NULL, "a@-b.com", "Invalid e-mail"),
    BAD(res_validate_email, NULL, "a@b.c0m", "Invalid e-mail"),
    BAD(res_validate_email, NULL,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com", "6 to 64"),
    /* email template */
    OK(res_validate_email_template, NULL, "aws+{tenant}-{environment}@example.com"),
    OK(res_validate_email_template, NULL, "{tenant}@example.com"),
    OK(res_validate_email_template, NULL, "{environment}.{tenant}@corp.example.com"),
    BAD(res_validate_email_template, NULL, "aws+{environment}@example.com", "must contain {tenant}"),
    BAD(res_validate_email_template, NULL, "aws+{tenant}-{env}@example.com",
        "Unknown placeholder {env}"),
    BAD(res_validate_email_template, NULL, "aws+{tenant@example.com", "without a closing"),
    BAD(res_validate_email_template, NULL, "aws+tenant}@example.com", "without a matching"),
    BAD(res_validate_email_template, NULL, "{tenant}-{environment}", "after substitution"),
    BAD(res_validate_email_template, NULL, "{tenant} x@example.com", "after substitution"),
    /* IAM principal ARN */
    OK(res_validate_iam_principal_arn, NULL, "arn:aws:iam::123456789012:root"),
    OK(res_validate_iam_principal_arn, NULL, "arn:aws:iam::123456789012:role/platform-admins"),
    OK(res_validate_iam_principal_arn, NULL, "arn:aws:iam::123456789012:role/team/ci/deployer"),
    OK(res_validate_iam_principal_arn, NULL, "arn:aws:iam::123456789012:user/alice@example.com"),
    OK(res_validate_iam_principal_arn, NULL, "arn:aws-cn:iam::123456789012:root"),
    OK(res_validate_iam_principal_arn, NULL, "arn:aws-us-gov:iam::123456789012:role/x"),
    BAD(res_validate_iam_principal_arn, NULL, "alice", "Invalid IAM principal"),
    BAD(res_validate_iam_principal_arn, NULL, "arn:aws:iam::12345678901:root", "not an IAM"),
    BAD(res_validate_iam_principal_arn, NULL, "arn:aws:sts::123456789012:assumed-role/x/y",
        "not an IAM"),
    BAD(res_validate_iam_principal_arn, NULL, "arn:aws:iam::123456789012:group/devs",
        "not an IAM"),
    BAD(res_validate_iam_principal_arn, NULL, "arn:aws:iam::123456789012:role/", "not an IAM"),
    BAD(res_validate_iam_principal_arn, NULL, "arn:aws:iam::123456789012:role/a b", "not an IAM"),
    BAD(res_validate_iam_principal_arn, NULL, "arn:azure:iam::123456789012:root", "not an IAM"),
    BAD(res_validate_iam_principal_arn, NULL, "*", "not an IAM"),
    /* IAM role ARN */
    OK(res_validate_iam_role_arn, NULL, "arn:aws:iam::123456789012:role/ebs-csi"),
    BAD(res_validate_iam_role_arn, NULL, "arn:aws:iam::123456789012:root", "Invalid IAM role ARN"),
    BAD(res_validate_iam_role_arn, NULL, "arn:aws:iam::123456789012:user/bob", "role/"),
    /* parent id */
    OK(res_validate_parent_id, NULL, "r-ab12"),
    OK(res_validate_parent_id, NULL, "ou-ab12-cdef5678"),
    OK(res_validate_parent_id, NULL, "ou-abcd1234abcd-0123456789abcdef"),
    BAD(res_validate_parent_id, NULL, "ou-ab12", "Invalid organization parent id"),
    BAD(res_validate_parent_id, NULL, "ou-ab1-cdef5678", "ou-xxxx-xxxxxxxx"),
    BAD(res_validate_parent_id, NULL, "ou-ab12-cdef567", "Invalid organization parent id"),
    BAD(res_validate_parent_id, NULL, "OU-AB12-CDEF5678", "Invalid organization parent id"),
    BAD(res_validate_parent_id, NULL, "r-ab", "r-xxxx"),
    BAD(res_validate_parent_id, NULL, "o-abcdefghij", "Invalid organization parent id"),
    BAD(res_validate_parent_id, NULL, "123456789012", "Invalid organization parent id"),
    /* account id */
    OK(res_validate_account_id, NULL, "123456789012"),
    OK(res_validate_account_id, NULL, "000000000000"),
    BAD(res_validate_account_id, NULL, "12345678901", "exactly 12 digits"),
    BAD(res_validate_account_id, NULL, "1234567890123", "exactly 12 digits"),
    BAD(res_validate_account_id, NULL, "12345678901a", "Invalid AWS account id"),
    /* CIDR */
    OK(res_validate_cidr, NULL, "10.0.0.0/16"),
    OK(res_validate_cidr, NULL, "0.0.0.0/0"),
    OK(res_validate_cidr, NULL, "203.0.113.7/32"),
    OK(res_validate_cidr, NULL, "2001:db8::/32"),
    OK(res_validate_cidr, NULL, "::/0"),
    BAD(res_validate_cidr, NULL, "10.0.0.0", "prefix length"),
    BAD(res_validate_cidr, NULL, "10.0.0.0/33", "between 0 and 32"),
    BAD(res_validate_cidr, NULL, "2001:db8::/129", "between 0 and 128"),
    BAD(res_validate_cidr, NULL, "300.0.0.0/8", "not a valid IPv4 address"),
    BAD(res_validate_cidr, NULL, "10.0.0.1/16", "did you mean \"10.0.0.0/16\""),
    BAD(res_validate_cidr, NULL, "2001:db8::1/32", "did you mean \"2001:db8::/32\""),
    BAD(res_validate_cidr, NULL, "10.0.0.0/016", "Invalid CIDR block"),
    BAD(res_validate_cidr, NULL, "10.0.0.0/-1", "Invalid CIDR block"),
    BAD(res_validate_cidr, NULL, "/8", "Invalid CIDR block"),
    /* Kubernetes version */
    /* today pinned to 2026-12-03 in main (1.32-1.34 in extended support: warnings, see
     * test_res_eks_versions.c; 1.40 newer than the table: a warning) */
    OK(res_validate_k8s_version, NULL, "1.35"),
    OK(res_validate_k8s_version, NULL, "1.36"),
    BAD(res_validate_k8s_version, NULL, "1.31", "Unsupported Kubernetes version"),
    BAD(res_validate_k8s_version, NULL, "1.20", "supported versions are 1.32, 1.33"),
    BAD(res_validate_k8s_version, NULL, "1.33.2", "\"1.NN\""),
    BAD(res_validate_k8s_version, NULL, "v1.33", "Invalid Kubernetes version"),
    BAD(res_validate_k8s_version, NULL, "2.1", "Invalid Kubernetes version"),
    BAD(res_validate_k8s_version, NULL, "1.033", "Invalid Kubernetes version"),
    BAD(res_validate_k8s_version, NULL, "latest", "Invalid Kubernetes version"),
    /* enum */
    OK(res_validate_enum, colors, "red"),
    OK(res_validate_enum, colors, "BLUE"),
    BAD(res_validate_enum, colors, "purple", "expected one of \"red\", \"green\", \"BLUE\""),
    BAD(res_validate_enum, colors, "blue", "did you mean \"BLUE\""),
    BAD(res_validate_enum, colors, "", "Invalid value"),
    /* catalog name */
    OK(res_validate_catalog_name, NULL, "vpc-cni"),
    OK(res_validate_catalog_name, NULL, "argo-cd"),
    OK(res_validate_catalog_name, NULL, "spark-operator"),
    BAD(res_validate_catalog_name, NULL, "spark-operater", "Did you mean \"spark-operator\"?"),
    BAD(res_validate_catalog_name, NULL, "argocd", "\"argo-cd\""),
    BAD(res_validate_catalog_name, NULL, "autoscaler", "\"cluster-autoscaler\""),
    BAD(res_validate_catalog_name, NULL, "kubernetes-dashboard", "not in the unicron catalog"),
    /* duration */
    OK(res_validate_duration, NULL, "30s"),
    OK(res_validate_duration, NULL, "2h45m"),
    OK(res_validate_duration, NULL, "1h30m10s"),
    OK(res_validate_duration, NULL, "500ms"),
    OK(res_validate_duration, NULL, "1.5h"),
    OK(res_validate_duration, NULL, ".5m"),
    OK(res_validate_duration, NULL, "1us"),
    OK(res_validate_duration, NULL, "1\xc2\xb5s"),
    BAD(res_validate_duration, NULL, "", "Invalid duration"),
    BAD(res_validate_duration, NULL, "5", "missing unit"),
    BAD(res_validate_duration, NULL, "1d", "unknown unit"),
    BAD(res_validate_duration, NULL, "h", "expected a number"),
    BAD(res_validate_duration, NULL, "1h 30m", "unknown unit"),
    BAD(res_validate_duration, NULL, "0", "must be positive"),
    BAD(res_validate_duration, NULL, "-5m", "must be positive"),
    BAD(res_validate_duration, NULL, "10000000h", "out of range"),
    BAD(res_validate_duration, NULL, ".h", "expected a number"),
    OK(res_validate_duration, &hour_range, "30m"),
    BAD(res_validate_duration, &hour_range, "30s", "allowed are 1m to 1h"),
    BAD(res_validate_duration, &hour_range, "2h", "allowed are 1m to 1h"),
    /* JSON object */
    OK(res_validate_json_object, NULL, "{}"),
    OK(res_validate_json_object, NULL, "{\"replicaCount\": 2, \"a\": {\"b\": [1, 2]}}"),
    BAD(res_validate_json_object, NULL, "[1, 2]", "must be a JSON object"),
    BAD(res_validate_json_object, NULL, "{\"a\": 1,}", "Line 1"),
    BAD(res_validate_json_object, NULL, "{\"a\": 1, \"a\": 2}", "Invalid JSON"),
    BAD(res_validate_json_object, NULL, "replicaCount: 2", "Invalid JSON"),
    /* EKS and IAM names */
    OK(res_validate_eks_cluster_name, NULL, "data-dev"),
    OK(res_validate_eks_cluster_name, NULL, "A_1"),
    BAD(res_validate_eks_cluster_name, NULL, "-data", "Invalid cluster name"),
    BAD(res_validate_eks_cluster_name, NULL, "data.dev", "Invalid cluster name"),
    OK(res_validate_eks_nodegroup_name, NULL, "general"),
    BAD(res_validate_eks_nodegroup_name, NULL,
        "a123456789012345678901234567890123456789012345678901234567890123", "1 to 63"),
    OK(res_validate_iam_role_name, NULL, "OrganizationAccountAccessRole"),
    OK(res_validate_iam_role_name, NULL, "a+=,.@_-b"),
    BAD(res_validate_iam_role_name, NULL, "role/with/slash", "Invalid IAM role name"),
    BAD(res_validate_iam_role_name, NULL, "", "Invalid IAM role name"),
    OK(res_validate_session_name, NULL, "terraform"),
    BAD(res_validate_session_name, NULL, "x", "2 to 64"),
    OK(res_validate_external_id, NULL, "ext:id/42"),
    BAD(res_validate_external_id, NULL, "a", "2 to 1224"),
    /* region */
    OK(res_validate_region, NULL, "us-east-1"),
    OK(res_validate_region, NULL, "eu-central-2"),
    OK(res_validate_region, NULL, "us-gov-west-1"),
    OK(res_validate_region, NULL, "ap-southeast-7"),
    BAD(res_validate_region, NULL, "us-east", "Invalid AWS region"),
    BAD(res_validate_region, NULL, "US-EAST-1", "Invalid AWS region"),
    BAD(res_validate_region, NULL, "useast1", "Invalid AWS region"),
    BAD(res_validate_region, NULL, "us-east-1a", "Invalid AWS region"),
    /* URL */
    OK(res_validate_url, NULL, "http://127.0.0.1:4566"),
    OK(res_validate_url, NULL, "https://organizations.us-east-1.amazonaws.com/"),
    BAD(res_validate_url, NULL, "127.0.0.1:4566", "Invalid URL"),
    BAD(res_validate_url, NULL, "ftp://example.com", "Invalid URL"),
    BAD(res_validate_url, NULL, "http://", "Invalid URL"),
    BAD(res_validate_url, NULL, "http://exa mple.com", "Invalid URL"),
    /* tag value, namespaces, Kubernetes names, ids, versions, instance types */
    OK(res_validate_tag_value, NULL, "CC-1234"),
    BAD(res_validate_tag_value, NULL, "", "1 to 256"),
    OK(res_validate_k8s_namespace, NULL, "spark-operator"),
    BAD(res_validate_k8s_namespace, NULL, "Spark", "Invalid namespace"),
    BAD(res_validate_k8s_namespace, NULL, "a.b", "Invalid namespace"),
    BAD(res_validate_k8s_namespace, NULL, "-a", "Invalid namespace"),
    OK(res_validate_k8s_qualified_name, NULL, "dedicated"),
    OK(res_validate_k8s_qualified_name, NULL, "nvidia.com/gpu"),
    BAD(res_validate_k8s_qualified_name, NULL, "nvidia.com/", "Invalid Kubernetes key"),
    BAD(res_validate_k8s_qualified_name, NULL, "Bad_Prefix.com/x", "Invalid Kubernetes key"),
    OK(res_validate_k8s_label_value, NULL, ""),
    OK(res_validate_k8s_label_value, NULL, "spark_jobs.v1"),
    BAD(res_validate_k8s_label_value, NULL, "-x", "Invalid Kubernetes label value"),
    OK(res_validate_cluster_id, NULL, "123456789012/data-dev"),
    BAD(res_validate_cluster_id, NULL, "data-dev", "<12-digit account id>/<cluster name>"),
    BAD(res_validate_cluster_id, NULL, "123456789012/", "Invalid cluster id"),
    OK(res_validate_subnet_id, NULL, "subnet-0123abcd"),
    OK(res_validate_subnet_id, NULL, "subnet-0123456789abcdef0"),
    BAD(res_validate_subnet_id, NULL, "subnet-xyz", "Invalid subnet id"),
    BAD(res_validate_subnet_id, NULL, "sg-0123abcd", "Invalid subnet id"),
    OK(res_validate_security_group_id, NULL, "sg-0123abcd"),
    BAD(res_validate_security_group_id, NULL, "sg-0123ABCD", "Invalid security group id"),
    OK(res_validate_version_label, NULL, "v1.19.0-eksbuild.1"),
    OK(res_validate_version_label, NULL, "2.5.2"),
    BAD(res_validate_version_label, NULL, "latest version", "Invalid version"),
    OK(res_validate_instance_type, NULL, "m6i.large"),
    OK(res_validate_instance_type, NULL, "g5.12xlarge"),
    BAD(res_validate_instance_type, NULL, "large", "Invalid instance type"),
    BAD(res_validate_instance_type, NULL, "M6i.large", "Invalid instance type"),
};

/* summary + " " + detail of every diagnostic, for substring checks. */
static const char *all_text(struct uc_arena *a, const struct tf_diags *d)
{
    const char *out = "";
    for (size_t i = 0; i < d->count; i++)
        out = uc_arena_printf(a, "%s%s %s\n", out, d->items[i].summary, d->items[i].detail);
    return out;
}

static void test_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct uc_arena *a = uc_arena_new();
        struct tf_diags d;
        tf_diags_init(&d, a);
        struct tf_path p = tf_path_attr(NULL, "attr");
        struct tf_value *v = tf_value_string(a, rows[i].value);
        assert_non_null(v);
        rows[i].fn(v, &p, rows[i].arg, &d);
        const char *text = all_text(a, &d);
        if (rows[i].want == NULL) {
            if (d.count != 0)
                fail_msg("%s: expected valid, got: %s", rows[i].name, text);
        } else {
            if (d.count != 1 || d.items[0].severity != TF_SEV_ERROR)
                fail_msg("%s: expected one error, got %zu: %s", rows[i].name, d.count, text);
            if (strstr(text, rows[i].want) == NULL)
                fail_msg("%s: want \"%s\" in: %s", rows[i].name, rows[i].want, text);
            assert_true(d.items[0].has_path);
            assert_int_equal(d.items[0].path.len, 1);
            assert_string_equal(d.items[0].path.steps[0].name, "attr");
        }
        uc_arena_free(a);
    }
}

/* Collections: lists point at the element, maps at the key, sets at the attribute; unknown
 * elements are skipped. */
static void test_collections(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    struct tf_diags d;
    tf_diags_init(&d, a);
    struct tf_path p = tf_path_attr(NULL, "cidrs");
    struct tf_value *elems[3] = {tf_value_string(a, "10.0.0.0/8"), tf_value_string(a, "bad"),
                                 tf_value_unknown(a, &tf_type_string)};
    struct tf_value *list = tf_value_list(a, &tf_type_list_string, elems, 3);
    res_validate_cidr(list, &p, NULL, &d);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].path.len, 2);
    assert_int_equal(d.items[0].path.steps[1].kind, TF_STEP_INDEX);
    assert_int_equal(d.items[0].path.steps[1].index, 1);

    tf_diags_init(&d, a);
    struct tf_value *set = tf_value_set(a, &tf_type_set_string, elems, 2);
    res_validate_cidr(set, &p, NULL, &d);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].path.len, 1);

    tf_diags_init(&d, a);
    const char *keys[2] = {"x", "y"};
    struct tf_value *map = tf_value_map(a, &tf_type_map_string, keys, elems, 2);
    res_validate_cidr(map, &p, NULL, &d);
    assert_int_equal(d.count, 1);
    assert_int_equal(d.items[0].path.steps[1].kind, TF_STEP_KEY);
    assert_string_equal(d.items[0].path.steps[1].name, "y");

    /* null and unknown values are never errors */
    tf_diags_init(&d, a);
    res_validate_cidr(tf_value_unknown(a, &tf_type_list_string), &p, NULL, &d);
    res_validate_cidr(tf_value_null(a, &tf_type_string), &p, NULL, &d);
    assert_int_equal(d.count, 0);
    uc_arena_free(a);
}

static void test_tags_and_labels(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    struct tf_diags d;
    tf_diags_init(&d, a);
    struct tf_path p = tf_path_attr(NULL, "tags");
    char long_value[300];
    memset(long_value, 'v', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    const char *keys[4] = {"aws:foo", "ok", "team", "unicron:tenant"};
    struct tf_value *vals[4] = {tf_value_string(a, "1"), tf_value_string(a, "fine"),
                                tf_value_string(a, long_value), tf_value_string(a, "x")};
    struct tf_value *tags = tf_value_map(a, &tf_type_map_string, keys, vals, 4);
    res_validate_tags(tags, &p, NULL, &d);
    const char *text = all_text(a, &d);
    assert_int_equal(d.count, 3);
    assert_non_null(strstr(text, "reserved for AWS"));
    assert_non_null(strstr(text, "at most 256"));
    assert_non_null(strstr(text, "set by the provider"));
    assert_string_equal(d.items[0].path.steps[1].name, "aws:foo");

    tf_diags_init(&d, a);
    const char *lkeys[2] = {"Bad Key", "workload"};
    struct tf_value *lvals[2] = {tf_value_string(a, "x"), tf_value_string(a, "-bad")};
    struct tf_value *labels = tf_value_map(a, &tf_type_map_string, lkeys, lvals, 2);
    res_validate_k8s_labels(labels, &p, NULL, &d);
    assert_int_equal(d.count, 2);
    uc_arena_free(a);
}

/* Tag keys and values are counted in characters (Unicode code points), as AWS counts them, not
 * bytes; a NUL inside one is refused on the attribute (jansson would cut the text there and AWS
 * tags cannot hold it), never sent as a shorter tag that shows as drift forever. */
static void test_tags_count_characters_and_refuse_nul(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    struct tf_diags d;
    tf_diags_init(&d, a);
    struct tf_path p = tf_path_attr(NULL, "tags");
    struct uc_buf k128, k129, v256, v257;
    uc_buf_init(&k128);
    uc_buf_init(&k129);
    uc_buf_init(&v256);
    uc_buf_init(&v257);
    for (int i = 0; i < 128; i++)
        uc_buf_puts(&k128, "\xc3\xa9"); /* e-acute: 2 bytes, 1 character */
    for (int i = 0; i < 129; i++)
        uc_buf_puts(&k129, "\xc3\xa9");
    for (int i = 0; i < 256; i++)
        uc_buf_puts(&v256, "\xe2\x82\xac"); /* euro sign: 3 bytes, 1 character */
    for (int i = 0; i < 257; i++)
        uc_buf_puts(&v257, "\xe2\x82\xac");
    const char *keys[4] = {uc_buf_str(&k128), "fits", uc_buf_str(&k129), "nul"};
    struct tf_value *vals[4] = {tf_value_string(a, "x"), tf_value_string(a, uc_buf_str(&v256)),
                                tf_value_string(a, "x"), tf_value_stringn(a, "a\0b", 3)};
    res_validate_tags(tf_value_map(a, &tf_type_map_string, keys, vals, 4), &p, NULL, &d);
    const char *text = all_text(a, &d);
    assert_int_equal(d.count, 2);
    assert_non_null(strstr(text, "1 to 128 characters (this one has 129)"));
    assert_non_null(strstr(text, "NUL character"));
    bool nul_on_its_key = false;
    for (size_t i = 0; i < d.count; i++)
        nul_on_its_key |= strstr(d.items[i].detail, "NUL") != NULL &&
                          strcmp(d.items[i].path.steps[1].name, "nul") == 0;
    assert_true(nul_on_its_key);

    tf_diags_init(&d, a);
    const char *k2[1] = {"long"};
    struct tf_value *v2[1] = {tf_value_string(a, uc_buf_str(&v257))};
    res_validate_tags(tf_value_map(a, &tf_type_map_string, k2, v2, 1), &p, NULL, &d);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].detail, "at most 256 characters (this one has 257)"));

    /* cost_center / owner: the same counting, the same refusal of NUL */
    tf_diags_init(&d, a);
    res_validate_tag_value(tf_value_string(a, uc_buf_str(&v256)), &p, NULL, &d);
    assert_int_equal(d.count, 0);
    res_validate_tag_value(tf_value_string(a, uc_buf_str(&v257)), &p, NULL, &d);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].detail, "characters"));
    tf_diags_init(&d, a);
    res_validate_tag_value(tf_value_stringn(a, "CC\0-7", 5), &p, NULL, &d);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].detail, "NUL"));
    uc_buf_release(&k128);
    uc_buf_release(&k129);
    uc_buf_release(&v256);
    uc_buf_release(&v257);
    uc_arena_free(a);
}

/* A NUL in a map key (tags = {"a\u0000b" = "x"}) stops at the decoder: the message says what is
 * wrong with the key, not that Terraform sent invalid UTF-8. */
static void test_nul_in_map_key_is_named(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    static const unsigned char mp[] = {0x81, 0xa3, 'a', 0x00, 'b', 0xa1, 'x'}; /* {"a\0b":"x"} */
    struct tf_value *v = NULL;
    const char *err = NULL;
    assert_int_equal(tf_msgpack_decode(a, mp, sizeof mp, &tf_type_map_string, &v, &err),
                     UC_DECODE);
    assert_non_null(err);
    assert_non_null(strstr(err, "NUL character"));
    assert_null(strstr(err, "UTF-8"));
    uc_arena_free(a);
}

static void test_int_range(void **state)
{
    (void)state;
    static const struct res_int_range r = {0, 100};
    static const struct {
        const char *num;
        bool ok;
    } cases[] = {{"0", true}, {"25", true}, {"100", true}, {"101", false}, {"-1", false},
                 {"2.5", false}, {"99999999999999999999999", false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct uc_arena *a = uc_arena_new();
        struct tf_diags d;
        tf_diags_init(&d, a);
        struct tf_path p = tf_path_attr(NULL, "max_retries");
        res_validate_int_range(tf_value_number_text(a, cases[i].num), &p, &r, &d);
        if ((d.count == 0) != cases[i].ok)
            fail_msg("int range %s: expected %s", cases[i].num, cases[i].ok ? "ok" : "error");
        uc_arena_free(a);
    }
}

static void test_parse_duration(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t ns;
        uc_status st;
    } cases[] = {
        {"30s", 30000000000LL, UC_OK},
        {"2h45m", 9900000000000LL, UC_OK},
        {"1h30m10s", 5410000000000LL, UC_OK},
        {"500ms", 500000000LL, UC_OK},
        {"1.5h", 5400000000000LL, UC_OK},
        {"1.5s", 1500000000LL, UC_OK},
        {"-1.5m", -90000000000LL, UC_OK},
        {"0", 0, UC_OK},
        {"+3ns", 3, UC_OK},
        {"2562047h47m16.854775807s", INT64_MAX, UC_OK},
        {"2562048h", 0, UC_RANGE},
        {"", 0, UC_INVALID},
        {"5", 0, UC_INVALID},
        {"1d", 0, UC_INVALID},
        {"-", 0, UC_INVALID},
        {"1.h", 3600000000000LL, UC_OK},
        {"s", 0, UC_INVALID},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ns = -7;
        uc_status st = res_parse_duration(cases[i].s, &ns, NULL);
        if (st != cases[i].st)
            fail_msg("duration \"%s\": status %s, want %s", cases[i].s, uc_status_name(st),
                     uc_status_name(cases[i].st));
        if (st == UC_OK && ns != cases[i].ns)
            fail_msg("duration \"%s\": %lld ns, want %lld", cases[i].s, (long long)ns,
                     (long long)cases[i].ns);
    }
}

static void test_helpers(void **state)
{
    (void)state;
    struct uc_arena *a = uc_arena_new();
    assert_string_equal(res_expand_email_template(a, "aws+{tenant}-{environment}@x.com", "data",
                                                  "prod"),
                        "aws+data-prod@x.com");
    assert_string_equal(res_expand_email_template(a, "{tenant}.{environment}@x.com", "t", NULL),
                        "t.{environment}@x.com");
    int minor = 0;
    assert_true(res_parse_k8s_version("1.33", &minor));
    assert_int_equal(minor, 33);
    assert_false(res_parse_k8s_version("1.", &minor));
    assert_false(res_parse_k8s_version("1.3x", &minor));
    assert_int_equal(res_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(res_edit_distance("", "abc"), 3);
    assert_int_equal(res_edit_distance("same", "same"), 0);
    assert_true(res_is_slug("data-science"));
    assert_false(res_is_slug(NULL));
    assert_true(res_is_email("a@b.co"));
    assert_true(res_is_account_id("123456789012"));
    assert_false(res_is_account_id("12345678901"));
    uc_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_collections),
        cmocka_unit_test(test_tags_and_labels),
        cmocka_unit_test(test_tags_count_characters_and_refuse_nul),
        cmocka_unit_test(test_nul_in_map_key_is_named),
        cmocka_unit_test(test_int_range),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_helpers),
    };
    res_eks_set_today("2026-12-03"); /* the version policy depends on the date */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
