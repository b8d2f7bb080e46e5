"""Static EKS facts for localaws: the Kubernetes version table (release and support dates, the same
table the provider compiles in), platform versions, and the add-on compatibility table
DescribeAddonVersions answers from (add-on names from kubernetes-argocd.md §9.1-9.2).

A version's support status is computed from its dates and "today" (--today or the real date), as EKS
does. Add-on versions are plausible, not copied from AWS; docs/localaws.md prints the tables. Pure
data plus lookups; no state.
"""

import calendar
import datetime
import time

# minor -> (released, end of standard support, end of extended support, patch release)
VERSION_DATES = {
    "1.30": ("2024-05-23", "2025-07-23", "2026-07-23", "1.30.14"),
    "1.31": ("2024-09-26", "2025-11-26", "2026-11-26", "1.31.13"),
    "1.32": ("2025-01-23", "2026-03-23", "2027-03-23", "1.32.9"),
    "1.33": ("2025-05-29", "2026-07-29", "2027-07-29", "1.33.5"),
    "1.34": ("2025-10-02", "2026-12-02", "2027-12-02", "1.34.2"),
    "1.35": ("2026-01-27", "2027-03-27", "2028-03-27", "1.35.1"),
    "1.36": ("2026-05-27", "2027-07-27", "2028-07-27", "1.36.0"),
}
KUBERNETES_VERSIONS = ["1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36"]
DEFAULT_KUBERNETES_VERSION = "1.35"
PLATFORM_VERSIONS = {"1.30": "eks.38", "1.31": "eks.34", "1.32": "eks.21", "1.33": "eks.14",
                     "1.34": "eks.7", "1.35": "eks.2", "1.36": "eks.1"}
STANDARD, EXTENDED, UNSUPPORTED = "STANDARD_SUPPORT", "EXTENDED_SUPPORT", "UNSUPPORTED"
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
AMI_TYPES = ["AL2_x86_64", "AL2_x86_64_GPU", "AL2_ARM_64", "CUSTOM", "BOTTLEROCKET_ARM_64",
             "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64_FIPS", "BOTTLEROCKET_x86_64_FIPS",
             "BOTTLEROCKET_ARM_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA", "WINDOWS_CORE_2019_x86_64",
             "WINDOWS_FULL_2019_x86_64", "WINDOWS_CORE_2022_x86_64", "WINDOWS_FULL_2022_x86_64",
             "AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "AL2023_x86_64_NEURON",
             "AL2023_x86_64_NVIDIA", "AL2023_ARM_64_NVIDIA"]
AMI_RELEASE = "20260715"


def parse_day(text):
    """'YYYY-MM-DD' -> datetime.date (ValueError when malformed)."""
    return datetime.datetime.strptime(text, "%Y-%m-%d").date()


def today(cfg):
    """The emulator's current date: --today when given, else the real UTC date."""
    if getattr(cfg, "today", None):
        return parse_day(cfg.today)
    return datetime.datetime.fromtimestamp(time.time(), datetime.timezone.utc).date()


def day_epoch(text):
    return float(calendar.timegm(parse_day(text).timetuple()))


def released(version, day):
    return version in VERSION_DATES and parse_day(VERSION_DATES[version][0]) <= day


def version_status(version, day):
    """STANDARD_SUPPORT / EXTENDED_SUPPORT / UNSUPPORTED for a known minor on `day`."""
    _, std, ext, _ = VERSION_DATES[version]
    if day < parse_day(std):
        return STANDARD
    if day < parse_day(ext):
        return EXTENDED
    return UNSUPPORTED


def usable(version, day):
    """A version CreateCluster / UpdateClusterVersion accept on `day`."""
    return released(version, day) and version_status(version, day) != UNSUPPORTED


def default_kubernetes_version(day):
    """The version new clusters get on `day`: 1.35 (VERSIONS.md) while it is usable, else the
    newest version in standard support."""
    if usable(DEFAULT_KUBERNETES_VERSION, day):
        return DEFAULT_KUBERNETES_VERSION
    standard = [v for v in KUBERNETES_VERSIONS if released(v, day) and
                version_status(v, day) == STANDARD]
    return standard[-1] if standard else DEFAULT_KUBERNETES_VERSION


def span(lo, hi):
    return [v for v in KUBERNETES_VERSIONS if _key(lo) <= _key(v) <= _key(hi)]


def _key(v):
    major, minor = v.split(".")
    return int(major), int(minor)


def minor_index(v):
    return KUBERNETES_VERSIONS.index(v) if v in KUBERNETES_VERSIONS else None


def release_version(k8s):
    return "%s.%d-%s" % (k8s, 4 + KUBERNETES_VERSIONS.index(k8s), AMI_RELEASE)


def _addon(name, type_, publisher, owner, namespace, needs_nodes, iam, versions):
    return {"name": name, "type": type_, "publisher": publisher, "owner": owner,
            "namespace": namespace, "needs_nodes": needs_nodes, "iam": iam, "versions": versions}


ALL = span("1.30", "1.36")
_KUBE_PROXY = []
for _v in reversed(KUBERNETES_VERSIONS):
    _KUBE_PROXY.append(("v%s.%d-eksbuild.2" % (_v, 8), [_v]))
    _KUBE_PROXY.append(("v%s.%d-eksbuild.1" % (_v, 3), [_v]))

# Newest version first; for each Kubernetes version the first compatible entry is the default.
ADDONS = [
    _addon("vpc-cni", "networking", "eks", "aws", "kube-system", False, True, [
        ("v1.21.1-eksbuild.1", span("1.31", "1.36")), ("v1.20.4-eksbuild.2", ALL),
        ("v1.19.6-eksbuild.7", span("1.30", "1.33"))]),
    _addon("coredns", "networking", "eks", "aws", "kube-system", True, False, [
        ("v1.12.4-eksbuild.1", span("1.34", "1.36")),
        ("v1.12.3-eksbuild.1", span("1.33", "1.35")), ("v1.12.1-eksbuild.2", span("1.32", "1.35")),
        ("v1.11.4-eksbuild.14", span("1.30", "1.33")),
        ("v1.11.3-eksbuild.1", span("1.30", "1.31"))]),
    _addon("kube-proxy", "networking", "eks", "aws", "kube-system", False, False, _KUBE_PROXY),
    _addon("aws-ebs-csi-driver", "storage", "eks", "aws", "kube-system", True, True, [
        ("v1.48.0-eksbuild.2", ALL), ("v1.45.0-eksbuild.2", span("1.30", "1.34")),
        ("v1.41.0-eksbuild.1", span("1.30", "1.33"))]),
    _addon("aws-efs-csi-driver", "storage", "eks", "aws", "kube-system", True, True, [
        ("v2.1.10-eksbuild.1", ALL), ("v2.1.4-eksbuild.1", span("1.30", "1.33"))]),
    _addon("aws-mountpoint-s3-csi-driver", "storage", "s3", "aws", "kube-system", True, True, [
        ("v2.0.0-eksbuild.1", ALL), ("v1.15.0-eksbuild.1", span("1.30", "1.34"))]),
    _addon("snapshot-controller", "storage", "eks", "aws", "kube-system", True, False, [
        ("v8.3.0-eksbuild.1", ALL), ("v8.2.0-eksbuild.1", span("1.30", "1.33"))]),
    _addon("eks-pod-identity-agent", "security", "eks", "aws", "kube-system", False, False, [
        ("v1.3.8-eksbuild.2", ALL), ("v1.3.7-eksbuild.2", span("1.30", "1.34"))]),
    _addon("eks-node-monitoring-agent", "monitoring", "eks", "aws", "kube-system", False, False, [
        ("v1.4.0-eksbuild.2", ALL)]),
    _addon("adot", "observability", "eks", "aws", "opentelemetry-operator-system", True, False, [
        ("v0.131.0-eksbuild.1", ALL)]),
    _addon("aws-guardduty-agent", "security", "eks", "aws", "amazon-guardduty", False, False, [
        ("v1.11.0-eksbuild.4", ALL)]),
    _addon("amazon-cloudwatch-observability", "observability", "eks", "aws", "amazon-cloudwatch",
           True, True, [("v4.3.0-eksbuild.1", ALL), ("v4.1.0-eksbuild.1", span("1.30", "1.34"))]),
    _addon("aws-network-flow-monitoring-agent", "observability", "eks", "aws",
           "amazon-network-flow-monitor", False, True, [("v1.0.2-eksbuild.5", ALL)]),
    _addon("metrics-server", "observability", "metrics-server", "community", "kube-system", True,
           False, [("v0.8.0-eksbuild.2", ALL), ("v0.7.2-eksbuild.4", span("1.30", "1.34"))]),
    _addon("kube-state-metrics", "observability", "kube-state-metrics", "community",
           "kube-state-metrics", True, False, [("v2.16.0-eksbuild.1", ALL)]),
    _addon("prometheus-node-exporter", "observability", "prometheus-node-exporter", "community",
           "prometheus-node-exporter", False, False, [("v1.9.1-eksbuild.2", ALL)]),
    _addon("cert-manager", "security", "cert-manager", "community", "cert-manager", True, False, [
        ("v1.18.2-eksbuild.2", ALL), ("v1.17.2-eksbuild.1", span("1.30", "1.33"))]),
    _addon("external-dns", "networking", "external-dns", "community", "external-dns", True, True, [
        ("v0.19.0-eksbuild.1", ALL), ("v0.18.0-eksbuild.1", span("1.30", "1.33"))]),
    _addon("fluent-bit", "observability", "fluent-bit", "community", "fluent-bit", False, False, [
        ("v4.0.3-eksbuild.1", ALL)]),
]
BY_NAME = {a["name"]: a for a in ADDONS}


def default_version(addon, k8s):
    for version, compat in addon["versions"]:
        if k8s in compat:
            return version
    return None


def compatible(addon, version, k8s):
    return any(v == version and k8s in compat for v, compat in addon["versions"])


def describe(addon, k8s=None):
    versions = []
    for version, compat in addon["versions"]:
        clusters = [k8s] if k8s else compat
        if k8s and k8s not in compat:
            continue
        versions.append({
            "addonVersion": version, "architecture": ["amd64", "arm64"],
            "computeTypes": ["ec2", "hybrid"] if addon["owner"] == "aws" else ["ec2"],
            "compatibilities": [{"clusterVersion": c, "platformVersions": ["*"],
                                 "defaultVersion": default_version(addon, c) == version}
                                for c in clusters],
            "requiresConfiguration": False, "requiresIamPermissions": addon["iam"]})
    return {"addonName": addon["name"], "type": addon["type"], "addonVersions": versions,
            "publisher": addon["publisher"], "owner": addon["owner"],
            "defaultNamespace": addon["namespace"]}
