/* catalog.c - the add-on catalog, as compiled-in data (Kubernetes versions: eks_versions.c).
 *
 * Facts come from ../shared/docs/reference/kubernetes-argocd.md §9 (EKS add-on names, Helm
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
static const struct res_version_pin cluster_autoscaler_pins[] = {{35, "9.59.0"}};

#define ARGO_HELM "https://argoproj.github.io/argo-helm"
#define K8S_AUTOSCALER "https://kubernetes.github.io/autoscaler"

/* name, kind, description, eks_addon_name, capability_type, repo_url, chart, path,
 * default_version, namespace, k8s_min, k8s_max, pins, npins */
static const struct res_component catalog[] = {
    {"ack", RES_KIND_CAPABILITY, "AWS Controllers for Kubernetes, run by EKS as a capability.",
     NULL, "ACK", NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"adot", RES_KIND_EKS, "AWS Distro for OpenTelemetry (needs cert-manager first).", "adot",
     NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"amazon-cloudwatch-observability", RES_KIND_EKS,
     "CloudWatch agent, Container Insights and Application Signals.",
     "amazon-cloudwatch-observability", NULL, NULL, NULL, NULL, NULL, "amazon-cloudwatch", 0, 0,
     NULL, 0},
    {"argo-cd", RES_KIND_CAPABILITY,
     "Managed Argo CD run by EKS; required by every argocd-kind component.", NULL, "ARGOCD",
     NULL, NULL, NULL, NULL, "argocd", 0, 0, NULL, 0},
    {"argo-workflows", RES_KIND_ARGOCD, "Argo Workflows: container-native workflow engine.",
     NULL, NULL, ARGO_HELM, "argo-workflows", NULL, "1.0.18", "argo", 0, 0, NULL, 0},
    {"aws-ebs-csi-driver", RES_KIND_EKS, "EBS volumes for persistent volume claims.",
     "aws-ebs-csi-driver", NULL, NULL, NULL, NULL, NULL, "kube-system", 0, 0, NULL, 0},
    {"aws-efs-csi-driver", RES_KIND_EKS, "EFS file systems for persistent volume claims.",
     "aws-efs-csi-driver", NULL, NULL, NULL, NULL, NULL, "kube-system", 0, 0, NULL, 0},
    {"aws-for-fluent-bit", RES_KIND_ARGOCD, "AWS's Fluent Bit build shipping logs to AWS.", NULL,
     NULL, "https://aws.github.io/eks-charts", "aws-for-fluent-bit", NULL, "0.1.32",
     "kube-system", 0, 0, NULL, 0},
    {"aws-guardduty-agent", RES_KIND_EKS, "GuardDuty runtime monitoring agent.",
     "aws-guardduty-agent", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"aws-mountpoint-s3-csi-driver", RES_KIND_EKS, "S3 buckets as persistent volumes.",
     "aws-mountpoint-s3-csi-driver", NULL, NULL, NULL, NULL, NULL, "kube-system", 0, 0, NULL, 0},
    {"cert-manager", RES_KIND_EKS, "X.509 certificate management (EKS community add-on).",
     "cert-manager", NULL, NULL, NULL, NULL, NULL, "cert-manager", 0, 0, NULL, 0},
    {"cluster-autoscaler", RES_KIND_ARGOCD,
     "Kubernetes cluster-autoscaler for the managed node groups.", NULL, NULL, K8S_AUTOSCALER,
     "cluster-autoscaler", NULL, "9.59.0", "kube-system", 0, 0, cluster_autoscaler_pins,
     sizeof cluster_autoscaler_pins / sizeof cluster_autoscaler_pins[0]},
    {"coredns", RES_KIND_EKS, "Cluster DNS (becomes ACTIVE once nodes exist).", "coredns", NULL,
     NULL, NULL, NULL, NULL, "kube-system", 0, 0, NULL, 0},
    {"datadog", RES_KIND_ARGOCD,
     "Datadog Agent (needs an API-key Secret, datadog.apiKeyExistingSecret).", NULL, NULL,
     "https://helm.datadoghq.com", "datadog", NULL, "3.240.0", "datadog", 0, 0, NULL, 0},
    {"datadog-operator", RES_KIND_ARGOCD, "Datadog Operator managing DatadogAgent resources.",
     NULL, NULL, "https://helm.datadoghq.com", "datadog-operator", NULL, "2.25.1",
     "datadog-agent", 0, 0, NULL, 0},
    {"eks-node-monitoring-agent", RES_KIND_EKS, "Extra node health signals for node auto repair.",
     "eks-node-monitoring-agent", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"eks-pod-identity-agent", RES_KIND_EKS, "EKS Pod Identity credentials for pods.",
     "eks-pod-identity-agent", NULL, NULL, NULL, NULL, NULL, "kube-system", 0, 0, NULL, 0},
    {"external-dns", RES_KIND_EKS, "Route 53 records for Services and Ingresses (community).",
     "external-dns", NULL, NULL, NULL, NULL, NULL, "external-dns", 0, 0, NULL, 0},
    {"fluent-bit", RES_KIND_EKS, "Fluent Bit log forwarder (EKS community add-on).",
     "fluent-bit", NULL, NULL, NULL, NULL, NULL, "fluent-bit", 0, 0, NULL, 0},
    {"grafana", RES_KIND_ARGOCD, "Grafana dashboards.", NULL, NULL,
     "https://grafana-community.github.io/helm-charts", "grafana", NULL, "12.11.1", "monitoring",
     0, 0, NULL, 0},
    {"karpenter", RES_KIND_ARGOCD, "Karpenter node provisioning (OCI chart).", NULL, NULL,
     "oci://public.ecr.aws/karpenter/karpenter", "karpenter", NULL, "1.14.1", "kube-system", 0, 0,
     NULL, 0},
    {"katib", RES_KIND_ARGOCD, "Kubeflow Katib hyperparameter tuning (kustomize from Git).",
     NULL, NULL, "https://github.com/kubeflow/katib.git",
     NULL, "manifests/v1beta1/installs/katib-standalone", "v0.19.0", "kubeflow", 0, 0, NULL, 0},
    {"kro", RES_KIND_CAPABILITY, "Kube Resource Orchestrator, run by EKS as a capability.", NULL,
     "KRO", NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, 0},
    {"kube-prometheus-stack", RES_KIND_ARGOCD,
     "Prometheus Operator, Prometheus, Alertmanager and Grafana.", NULL, NULL,
     "https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", NULL,
     "88.5.3", "monitoring", 0, 0, NULL, 0},
    {"kube-proxy", RES_KIND_EKS, "Node network rules for Services.", "kube-proxy", NULL, NULL,
     NULL, NULL, NULL, "kube-system", 0, 0, NULL, 0},
    {"kube-state-metrics", RES_KIND_EKS, "Metrics about Kubernetes objects (community).",
     "kube-state-metrics", NULL, NULL, NULL, NULL, NULL, "kube-state-metrics", 0, 0, NULL, 0},
    {"kubeflow-pipelines", RES_KIND_ARGOCD,
     "Kubeflow Pipelines, platform-agnostic kustomize install from Git.", NULL, NULL,
     "https://github.com/kubeflow/pipelines.git", NULL,
     "manifests/kustomize/env/platform-agnostic", "2.16.0", "kubeflow", 0, 0, NULL, 0},
    {"metrics-server", RES_KIND_EKS, "Resource metrics for HPA and kubectl top (community).",
     "metrics-server", NULL, NULL, NULL, NULL, NULL, "kube-system", 0, 0, NULL, 0},
    {"prometheus-node-exporter", RES_KIND_EKS, "Node metrics exporter (community).",
     "prometheus-node-exporter", NULL, NULL, NULL, NULL, NULL, "prometheus-node-exporter", 0, 0,
     NULL, 0},
    {"snapshot-controller", RES_KIND_EKS, "CSI volume snapshots.", "snapshot-controller", NULL,
     NULL, NULL, NULL, NULL, "kube-system", 0, 0, NULL, 0},
    {"spark-operator", RES_KIND_ARGOCD, "Kubeflow Spark operator for SparkApplication jobs.",
     NULL, NULL, "https://kubeflow.github.io/spark-operator", "spark-operator", NULL, "2.5.2",
     "spark-operator", 0, 0, NULL, 0},
    {"vertical-pod-autoscaler", RES_KIND_ARGOCD,
     "Vertical Pod Autoscaler (Fairwinds chart; the upstream chart is not production-ready).",
     NULL, NULL, "https://charts.fairwinds.com/stable", "vpa", NULL, "5.0.0", "vpa", 0, 0, NULL,
     0},
    {"vpc-cni", RES_KIND_EKS, "Amazon VPC CNI pod networking (upgrades one minor at a time).",
     "vpc-cni", NULL, NULL, NULL, NULL, NULL, "kube-system", 0, 0, NULL, 0},
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
    if (c == NULL || k8s_minor < res_k8s_min_minor() ||
        k8s_minor > res_k8s_max_minor())
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
