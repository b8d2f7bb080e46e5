/* catalog.c - the add-on catalog, as compiled-in data (Kubernetes versions: eks_versions.c).
 *
 * Facts come from the project's reference notes kubernetes-argocd.md §9 (EKS add-on names, Helm
 * coordinates and versions as of July/August 2026) and aws-apis.md §12 (EKS Capabilities).
 * Nothing here does I/O; versions of EKS add-ons are resolved at apply with
 * DescribeAddonVersions unless a pin below says otherwise. Keep the table sorted by name.
 */
#include <stdint.h>
#include <string.h>

#include "res_catalog.h"
#include "res_eks_versions.h"
#include "res_validate.h"

/* cluster-autoscaler's minor must match the cluster's; chart 9.59.0 ships app 1.35.0. */
static const struct res_version_pin cluster_autoscaler_pins[] = {
    {.k8s_minor = 35, .version = "9.59.0"},
};

#define ARGO_HELM      "https://argoproj.github.io/argo-helm"
#define K8S_AUTOSCALER "https://kubernetes.github.io/autoscaler"

static const struct res_component catalog[] = {
    {.name = "ack",
     .kind = RES_KIND_CAPABILITY,
     .description = "AWS Controllers for Kubernetes, run by EKS as a capability.",
     .capability_type = "ACK"},
    {.name = "adot",
     .kind = RES_KIND_EKS,
     .description = "AWS Distro for OpenTelemetry (needs cert-manager first).",
     .eks_addon_name = "adot"},
    {.name = "amazon-cloudwatch-observability",
     .kind = RES_KIND_EKS,
     .description = "CloudWatch agent, Container Insights and Application Signals.",
     .eks_addon_name = "amazon-cloudwatch-observability",
     .namespace = "amazon-cloudwatch"},
    {.name = "argo-cd",
     .kind = RES_KIND_CAPABILITY,
     .description = "Managed Argo CD run by EKS; required by every argocd-kind component.",
     .capability_type = "ARGOCD",
     .namespace = "argocd"},
    {.name = "argo-workflows",
     .kind = RES_KIND_ARGOCD,
     .description = "Argo Workflows: container-native workflow engine.",
     .repo_url = ARGO_HELM,
     .chart = "argo-workflows",
     .default_version = "1.0.18",
     .namespace = "argo"},
    {.name = "aws-ebs-csi-driver",
     .kind = RES_KIND_EKS,
     .description = "EBS volumes for persistent volume claims.",
     .eks_addon_name = "aws-ebs-csi-driver",
     .namespace = "kube-system"},
    {.name = "aws-efs-csi-driver",
     .kind = RES_KIND_EKS,
     .description = "EFS file systems for persistent volume claims.",
     .eks_addon_name = "aws-efs-csi-driver",
     .namespace = "kube-system"},
    {.name = "aws-for-fluent-bit",
     .kind = RES_KIND_ARGOCD,
     .description = "AWS's Fluent Bit build shipping logs to AWS.",
     .repo_url = "https://aws.github.io/eks-charts",
     .chart = "aws-for-fluent-bit",
     .default_version = "0.1.32",
     .namespace = "kube-system"},
    {.name = "aws-guardduty-agent",
     .kind = RES_KIND_EKS,
     .description = "GuardDuty runtime monitoring agent.",
     .eks_addon_name = "aws-guardduty-agent"},
    {.name = "aws-mountpoint-s3-csi-driver",
     .kind = RES_KIND_EKS,
     .description = "S3 buckets as persistent volumes.",
     .eks_addon_name = "aws-mountpoint-s3-csi-driver",
     .namespace = "kube-system"},
    {.name = "cert-manager",
     .kind = RES_KIND_EKS,
     .description = "X.509 certificate management (EKS community add-on).",
     .eks_addon_name = "cert-manager",
     .namespace = "cert-manager"},
    {.name = "cluster-autoscaler",
     .kind = RES_KIND_ARGOCD,
     .description = "Kubernetes cluster-autoscaler for the managed node groups.",
     .repo_url = K8S_AUTOSCALER,
     .chart = "cluster-autoscaler",
     .default_version = "9.59.0",
     .namespace = "kube-system",
     .pins = cluster_autoscaler_pins,
     .npins = sizeof cluster_autoscaler_pins / sizeof cluster_autoscaler_pins[0]},
    {.name = "coredns",
     .kind = RES_KIND_EKS,
     .description = "Cluster DNS (becomes ACTIVE once nodes exist).",
     .eks_addon_name = "coredns",
     .namespace = "kube-system"},
    {.name = "datadog",
     .kind = RES_KIND_ARGOCD,
     .description = "Datadog Agent (needs an API-key Secret, datadog.apiKeyExistingSecret).",
     .repo_url = "https://helm.datadoghq.com",
     .chart = "datadog",
     .default_version = "3.240.0",
     .namespace = "datadog"},
    {.name = "datadog-operator",
     .kind = RES_KIND_ARGOCD,
     .description = "Datadog Operator managing DatadogAgent resources.",
     .repo_url = "https://helm.datadoghq.com",
     .chart = "datadog-operator",
     .default_version = "2.25.1",
     .namespace = "datadog-agent"},
    {.name = "eks-node-monitoring-agent",
     .kind = RES_KIND_EKS,
     .description = "Extra node health signals for node auto repair.",
     .eks_addon_name = "eks-node-monitoring-agent"},
    {.name = "eks-pod-identity-agent",
     .kind = RES_KIND_EKS,
     .description = "EKS Pod Identity credentials for pods.",
     .eks_addon_name = "eks-pod-identity-agent",
     .namespace = "kube-system"},
    {.name = "external-dns",
     .kind = RES_KIND_EKS,
     .description = "Route 53 records for Services and Ingresses (community).",
     .eks_addon_name = "external-dns",
     .namespace = "external-dns"},
    {.name = "fluent-bit",
     .kind = RES_KIND_EKS,
     .description = "Fluent Bit log forwarder (EKS community add-on).",
     .eks_addon_name = "fluent-bit",
     .namespace = "fluent-bit"},
    {.name = "grafana",
     .kind = RES_KIND_ARGOCD,
     .description = "Grafana dashboards.",
     .repo_url = "https://grafana-community.github.io/helm-charts",
     .chart = "grafana",
     .default_version = "12.11.1",
     .namespace = "monitoring"},
    {.name = "karpenter",
     .kind = RES_KIND_ARGOCD,
     .description = "Karpenter node provisioning (OCI chart).",
     .repo_url = "oci://public.ecr.aws/karpenter/karpenter",
     .chart = "karpenter",
     .default_version = "1.14.1",
     .namespace = "kube-system"},
    {.name = "katib",
     .kind = RES_KIND_ARGOCD,
     .description = "Kubeflow Katib hyperparameter tuning (kustomize from Git).",
     .repo_url = "https://github.com/kubeflow/katib.git",
     .path = "manifests/v1beta1/installs/katib-standalone",
     .default_version = "v0.19.0",
     .namespace = "kubeflow"},
    {.name = "kro",
     .kind = RES_KIND_CAPABILITY,
     .description = "Kube Resource Orchestrator, run by EKS as a capability.",
     .capability_type = "KRO"},
    {.name = "kube-prometheus-stack",
     .kind = RES_KIND_ARGOCD,
     .description = "Prometheus Operator, Prometheus, Alertmanager and Grafana.",
     .repo_url = "https://prometheus-community.github.io/helm-charts",
     .chart = "kube-prometheus-stack",
     .default_version = "88.5.3",
     .namespace = "monitoring"},
    {.name = "kube-proxy",
     .kind = RES_KIND_EKS,
     .description = "Node network rules for Services.",
     .eks_addon_name = "kube-proxy",
     .namespace = "kube-system"},
    {.name = "kube-state-metrics",
     .kind = RES_KIND_EKS,
     .description = "Metrics about Kubernetes objects (community).",
     .eks_addon_name = "kube-state-metrics",
     .namespace = "kube-state-metrics"},
    {.name = "kubeflow-pipelines",
     .kind = RES_KIND_ARGOCD,
     .description = "Kubeflow Pipelines, platform-agnostic kustomize install from Git.",
     .repo_url = "https://github.com/kubeflow/pipelines.git",
     .path = "manifests/kustomize/env/platform-agnostic",
     .default_version = "2.16.0",
     .namespace = "kubeflow"},
    {.name = "metrics-server",
     .kind = RES_KIND_EKS,
     .description = "Resource metrics for HPA and kubectl top (community).",
     .eks_addon_name = "metrics-server",
     .namespace = "kube-system"},
    {.name = "prometheus-node-exporter",
     .kind = RES_KIND_EKS,
     .description = "Node metrics exporter (community).",
     .eks_addon_name = "prometheus-node-exporter",
     .namespace = "prometheus-node-exporter"},
    {.name = "snapshot-controller",
     .kind = RES_KIND_EKS,
     .description = "CSI volume snapshots.",
     .eks_addon_name = "snapshot-controller",
     .namespace = "kube-system"},
    {.name = "spark-operator",
     .kind = RES_KIND_ARGOCD,
     .description = "Kubeflow Spark operator for SparkApplication jobs.",
     .repo_url = "https://kubeflow.github.io/spark-operator",
     .chart = "spark-operator",
     .default_version = "2.5.2",
     .namespace = "spark-operator"},
    {.name = "vertical-pod-autoscaler",
     .kind = RES_KIND_ARGOCD,
     .description =
         "Vertical Pod Autoscaler (Fairwinds chart; the upstream chart is not production-ready).",
     .repo_url = "https://charts.fairwinds.com/stable",
     .chart = "vpa",
     .default_version = "5.0.0",
     .namespace = "vpa"},
    {.name = "vpc-cni",
     .kind = RES_KIND_EKS,
     .description = "Amazon VPC CNI pod networking (upgrades one minor at a time).",
     .eks_addon_name = "vpc-cni",
     .namespace = "kube-system"},
};
#define NCATALOG (sizeof catalog / sizeof catalog[0])

size_t res_catalog_count(void)
{
    return NCATALOG;
}

const struct res_component *res_catalog_at(size_t i)
{
    return i < NCATALOG ? &catalog[i] : NULL;
}

const struct res_component *res_catalog_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < NCATALOG; i++)
        if (strcmp(catalog[i].name, name) == 0)
            return &catalog[i];
    return NULL;
}

const char *res_kind_name(enum res_kind k)
{
    switch (k) {
    case RES_KIND_EKS:
        return "eks";
    case RES_KIND_CAPABILITY:
        return "capability";
    case RES_KIND_ARGOCD:
        return "argocd";
    }
    return "unknown";
}

bool res_catalog_supports(const struct res_component *c, int k8s_minor)
{
    if (c == NULL || k8s_minor < res_k8s_min_minor() || k8s_minor > res_k8s_max_minor())
        return false;
    if (c->k8s_min_minor && k8s_minor < c->k8s_min_minor)
        return false;
    if (c->k8s_max_minor && k8s_minor > c->k8s_max_minor)
        return false;
    return true;
}

const char *res_catalog_recommended_version(const struct res_component *c, int k8s_minor)
{
    if (c == NULL)
        return NULL;
    for (size_t i = 0; i < c->npins; i++)
        if (c->pins[i].k8s_minor == k8s_minor)
            return c->pins[i].version;
    return c->default_version;
}

/* Score of a candidate for a misspelt name: lower is closer; SIZE_MAX = not a suggestion. */
static size_t suggestion_score(const char *want, const char *name)
{
    size_t wl = strlen(want), nl = strlen(name);
    if (wl == 0)
        return SIZE_MAX;
    size_t dist = res_edit_distance(want, name);
    size_t limit = wl <= 4 ? 1 : (wl <= 8 ? 2 : 3);
    if (dist <= limit)
        return dist;
    /* "spark" -> "spark-operator", "autoscaler" -> "cluster-autoscaler". */
    if (wl >= 3 && (strncmp(name, want, wl) == 0 || strstr(name, want) != NULL))
        return 10 + (nl - wl);
    return SIZE_MAX;
}

size_t res_catalog_suggest(const char *name, const char **out, size_t max)
{
    size_t n = 0, scores[NCATALOG];
    if (name == NULL || out == NULL || max == 0)
        return 0;
    for (size_t i = 0; i < NCATALOG; i++) {
        size_t s = suggestion_score(name, catalog[i].name);
        if (s == SIZE_MAX)
            continue;
        /* Insertion into the best-first list (ties keep catalog order, i.e. by name). */
        size_t pos = n < max ? n : max;
        while (pos > 0 && scores[pos - 1] > s)
            pos--;
        if (pos >= max)
            continue;
        size_t last = n < max ? n : max - 1;
        for (size_t k = last; k > pos; k--) {
            out[k] = out[k - 1];
            scores[k] = scores[k - 1];
        }
        out[pos] = catalog[i].name;
        scores[pos] = s;
        if (n < max)
            n++;
    }
    return n;
}
