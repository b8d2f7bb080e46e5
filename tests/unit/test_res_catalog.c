/* test_res_catalog.c - the compiled-in add-on catalog: well-formed entries per kind, lookup,
 * closest-name suggestions, supported Kubernetes versions and recommended versions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "res_catalog.h"
#include "res_validate.h"

static void test_entries_well_formed(void **state)
{
    (void)state;
    size_t n = res_catalog_count();
    assert_true(n >= 25);
    for (size_t i = 0; i < n; i++) {
        const struct res_component *c = res_catalog_at(i);
        assert_non_null(c);
        assert_non_null(c->name);
        assert_non_null(c->description);
        assert_true(strlen(c->description) > 10);
        if (i > 0 && strcmp(res_catalog_at(i - 1)->name, c->name) >= 0)
            fail_msg("catalog not sorted at %s", c->name);
        switch (c->kind) {
        case RES_KIND_EKS:
            assert_non_null(c->eks_addon_name);
            assert_null(c->repo_url);
            break;
        case RES_KIND_CAPABILITY:
            assert_non_null(c->capability_type);
            assert_true(strcmp(c->capability_type, "ARGOCD") == 0 ||
                        strcmp(c->capability_type, "ACK") == 0 ||
                        strcmp(c->capability_type, "KRO") == 0);
            break;
        case RES_KIND_ARGOCD:
            assert_non_null(c->repo_url);
            assert_true(strncmp(c->repo_url, "https://", 8) == 0 ||
                        strncmp(c->repo_url, "oci://", 6) == 0);
            /* Helm chart or Git path, exactly one */
            assert_true((c->chart != NULL) != (c->path != NULL));
            assert_non_null(c->default_version);
            assert_non_null(c->namespace);
            break;
        }
        if (c->namespace != NULL) {
            struct uc_arena *a = uc_arena_new();
            struct tf_diags d;
            tf_diags_init(&d, a);
            res_validate_k8s_namespace(tf_value_string(a, c->namespace), NULL, NULL, &d);
            if (d.count != 0)
                fail_msg("%s: namespace %s invalid", c->name, c->namespace);
            uc_arena_free(a);
        }
        assert_ptr_equal(res_catalog_find(c->name), c);
    }
}

static void test_design_components_present(void **state)
{
    (void)state;
    /* DESIGN.md §3 names these explicitly. */
    static const struct {
        const char *name;
        enum res_kind kind;
    } want[] = {
        {"vpc-cni", RES_KIND_EKS},          {"coredns", RES_KIND_EKS},
        {"kube-proxy", RES_KIND_EKS},       {"aws-ebs-csi-driver", RES_KIND_EKS},
        {"eks-pod-identity-agent", RES_KIND_EKS}, {"metrics-server", RES_KIND_EKS},
        {"fluent-bit", RES_KIND_EKS},       {"argo-cd", RES_KIND_CAPABILITY},
        {"ack", RES_KIND_CAPABILITY},       {"kro", RES_KIND_CAPABILITY},
        {"spark-operator", RES_KIND_ARGOCD}, {"argo-workflows", RES_KIND_ARGOCD},
        {"cluster-autoscaler", RES_KIND_ARGOCD}, {"vertical-pod-autoscaler", RES_KIND_ARGOCD},
        {"kube-prometheus-stack", RES_KIND_ARGOCD}, {"datadog", RES_KIND_ARGOCD},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct res_component *c = res_catalog_find(want[i].name);
        if (c == NULL)
            fail_msg("missing %s", want[i].name);
        assert_int_equal(c->kind, want[i].kind);
    }
    const struct res_component *spark = res_catalog_find("spark-operator");
    assert_string_equal(spark->repo_url, "https://kubeflow.github.io/spark-operator");
    assert_string_equal(spark->chart, "spark-operator");
    assert_string_equal(spark->default_version, "2.5.2");
    assert_string_equal(res_catalog_find("argo-cd")->capability_type, "ARGOCD");
    assert_string_equal(res_catalog_find("vpc-cni")->eks_addon_name, "vpc-cni");
    assert_null(res_catalog_find("Spark-Operator"));
    assert_null(res_catalog_find(NULL));
    assert_null(res_catalog_at(res_catalog_count()));
}

static void test_suggestions(void **state)
{
    (void)state;
    static const struct {
        const char *typo;
        const char *first;
    } cases[] = {
        {"spark-operater", "spark-operator"},
        {"vpc_cni", "vpc-cni"},
        {"corednss", "coredns"},
        {"argocd", "argo-cd"},
        {"autoscaler", "cluster-autoscaler"},
        {"prometheus", "kube-prometheus-stack"},
        {"karpentr", "karpenter"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *out[3] = {NULL};
        size_t n = res_catalog_suggest(cases[i].typo, out, 3);
        if (n == 0 || strcmp(out[0], cases[i].first) != 0)
            fail_msg("suggest(%s): got %s, want %s", cases[i].typo, n ? out[0] : "(none)",
                     cases[i].first);
    }
    const char *out[3];
    assert_int_equal(res_catalog_suggest("zzzzzzzzzzzz", out, 3), 0);
    assert_int_equal(res_catalog_suggest("", out, 3), 0);
    /* never more than max, best first */
    assert_true(res_catalog_suggest("a", out, 1) <= 1);
    size_t n = res_catalog_suggest("datadg", out, 3);
    assert_true(n >= 1);
    assert_string_equal(out[0], "datadog");
}

static void test_versions(void **state)
{
    (void)state;
    int lo = res_k8s_min_minor(), hi = res_k8s_max_minor(), def = 0;
    assert_true(lo >= 30 && lo < hi);
    assert_true(res_parse_k8s_version(res_k8s_default_version(), &def));
    assert_true(def >= lo && def <= hi);
    const struct res_component *ca = res_catalog_find("cluster-autoscaler");
    assert_string_equal(res_catalog_recommended_version(ca, 35), "9.59.0");
    assert_string_equal(res_catalog_recommended_version(ca, 34), ca->default_version);
    /* EKS add-on versions come from DescribeAddonVersions at apply */
    assert_null(res_catalog_recommended_version(res_catalog_find("coredns"), 35));
    assert_true(res_catalog_supports(res_catalog_find("vpc-cni"), lo));
    assert_true(res_catalog_supports(res_catalog_find("vpc-cni"), hi));
    assert_false(res_catalog_supports(res_catalog_find("vpc-cni"), lo - 1));
    assert_false(res_catalog_supports(res_catalog_find("vpc-cni"), hi + 1));
    assert_false(res_catalog_supports(NULL, 35));
    assert_string_equal(res_kind_name(RES_KIND_EKS), "eks");
    assert_string_equal(res_kind_name(RES_KIND_CAPABILITY), "capability");
    assert_string_equal(res_kind_name(RES_KIND_ARGOCD), "argocd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_well_formed),
        cmocka_unit_test(test_design_components_present),
        cmocka_unit_test(test_suggestions),
        cmocka_unit_test(test_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
