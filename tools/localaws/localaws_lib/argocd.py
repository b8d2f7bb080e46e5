"""Simulated Argo CD application controller for localaws: the small Helm chart index (from
kubernetes-argocd.md §9.3) and the status an Application shows while it syncs.

Progressing (OutOfSync, operation Running) for --async-delay-ms after each spec change, then
Synced/Healthy (Succeeded), or Degraded with a ComparisonError when the chart version is not in the
index. Without `spec.syncPolicy.automated` (and no `operation`) nothing syncs: OutOfSync/Missing.
Pure functions over one Application dict; kube.py decides when they run.
"""

import fnmatch
import re

from .protocols import iso

FINALIZERS = ("resources-finalizer.argocd.argoproj.io",
              "resources-finalizer.argocd.argoproj.io/background",
              "resources-finalizer.argocd.argoproj.io/foreground")

_ARGO = "https://argoproj.github.io/argo-helm"
_AUTOSCALER = "https://kubernetes.github.io/autoscaler"
_PROM = "https://prometheus-community.github.io/helm-charts"
_DD = "https://helm.datadoghq.com"
CHARTS = {
    ("https://kubeflow.github.io/spark-operator", "spark-operator"): ["2.5.2"],
    (_ARGO, "argo-cd"): ["10.1.1", "5.55.0"],
    (_ARGO, "argo-workflows"): ["1.0.18"],
    (_AUTOSCALER, "cluster-autoscaler"): ["9.59.0"],
    (_AUTOSCALER, "vertical-pod-autoscaler"): ["0.11.0"],
    ("https://charts.fairwinds.com/stable", "vpa"): ["5.0.0"],
    ("https://fluent.github.io/helm-charts", "fluent-bit"): ["0.58.1"],
    ("oci://ghcr.io/fluent/helm-charts", "fluent-bit"): ["0.58.1"],
    ("https://aws.github.io/eks-charts", "aws-for-fluent-bit"): ["0.1.32"],
    (_PROM, "kube-prometheus-stack"): ["88.5.3", "48.2.3"],
    ("oci://ghcr.io/prometheus-community/charts", "kube-prometheus-stack"): ["88.5.3"],
    ("https://grafana-community.github.io/helm-charts", "grafana"): ["12.11.1"],
    (_DD, "datadog"): ["3.240.0"],
    (_DD, "datadog-operator"): ["2.25.1"],
    ("oci://public.ecr.aws/karpenter", "karpenter"): ["1.14.1", "0.37.0"],
    ("https://kubernetes-sigs.github.io/metrics-server", "metrics-server"): ["3.12.0"],
    ("https://charts.jetstack.io", "cert-manager"): ["v1.14.3"],
    ("https://kubernetes-sigs.github.io/external-dns", "external-dns"): ["1.14.3"],
}


def _norm(url):
    return (url or "").rstrip("/")


def resolve(source):
    """-> (revision, error message or None) for one Application source."""
    repo = _norm(source.get("repoURL"))
    chart = source.get("chart")
    rev = str(source.get("targetRevision") or "")
    if not repo:
        return rev, "spec.source.repoURL is required"
    if not chart and repo.startswith("oci://"):
        repo, _, chart = repo.rpartition("/")
    if not chart:
        # Git source (kustomize / plain manifests): the emulator has no Git; accept it.
        return rev or "HEAD", None
    versions = CHARTS.get((repo, chart))
    if versions is None:
        return rev, ('rpc error: code = Unknown desc = error fetching chart: chart "%s" not found '
                     'in %s' % (chart, repo))
    if rev in ("", "*", "latest"):
        return versions[0], None
    for v in versions:
        if v == rev or fnmatch.fnmatchcase(v, rev.replace("x", "*")):
            return v, None
    return rev, ('rpc error: code = Unknown desc = chart "%s" version "%s" not found in repository '
                 '%s' % (chart, rev, repo))


def _sources(spec):
    if isinstance(spec.get("sources"), list) and spec["sources"]:
        return [s for s in spec["sources"] if isinstance(s, dict)]
    src = spec.get("source")
    return [src] if isinstance(src, dict) else []


def _compared_to(spec):
    out = {"destination": spec.get("destination", {})}
    if spec.get("sources"):
        out["sources"] = spec["sources"]
    else:
        out["source"] = spec.get("source", {})
    return out


IN_CLUSTER_URL = "https://kubernetes.default.svc"


def invalid_spec(spec, env, namespace):
    """-> the InvalidSpecError message for the Application's project and destination, or None.
    env: {"clusters": {registered name: server}, "projects": {name: AppProject spec}}; the EKS
    capability has no built-in in-cluster destination (kubernetes-argocd.md §9.4)."""
    project = spec.get("project") or "default"
    proj = env["projects"].get(project)
    if proj is None:
        return 'Application referencing project %s which does not exist' % project
    if namespace not in (proj.get("sourceNamespaces") or []):
        return ("app is not allowed in project \"%s\", or the project does not exist; the "
                "project's spec.sourceNamespaces must list %s" % (project, namespace))
    dest = spec.get("destination")
    if not isinstance(dest, dict):
        return "spec.destination is required"
    server, name = dest.get("server"), dest.get("name")
    if server and name:
        return "application destination can't have both name and server defined: %s %s" % (
            name, server)
    if name:
        if name not in env["clusters"]:
            return ("application destination spec for %s is invalid: unable to find destination "
                    "server: there are no clusters with this name: %s" % (name, name))
        return _eks_server(env["clusters"][name])
    if not server:
        return "application destination spec is invalid: either server or name is required"
    if server not in env["clusters"].values():
        return ("application destination spec is invalid: unable to find destination server: "
                "there are no clusters with this URL: %s" % server)
    return _eks_server(server)


def _eks_server(server):
    if re.match(r"^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:cluster/[0-9A-Za-z][A-Za-z0-9_-]*$",
                server or ""):
        return None
    return ("application destination server %s is not supported by the EKS Argo CD capability: "
            "register the cluster with a Secret whose server is its EKS cluster ARN" % server)


def deploy_error(spec, env):
    """-> why the capability's role may not deploy this Application's destination, or None.
    env["deploy"](server, namespace, create_namespace) asks the destination cluster's access
    entries (kubernetes-argocd.md §9.4: the automatic entry does not cover workloads)."""
    if env is None or env.get("deploy") is None:
        return None
    dest = spec.get("destination") or {}
    server = dest.get("server") or env["clusters"].get(dest.get("name"))
    if not server:
        return None
    opts = (spec.get("syncPolicy") or {}).get("syncOptions") or []
    return env["deploy"](server, dest.get("namespace") or "default",
                         "CreateNamespace=true" in opts)


def reconcile(app, since, now, delay, namespace, env=None):
    """Return the status the controller shows `now` for a spec last changed at `since`."""
    spec = app.get("spec") or {}
    sources = _sources(spec)
    bad = invalid_spec(spec, env, namespace) if env is not None else None
    if bad:
        return {"reconciledAt": iso(now), "controllerNamespace": namespace, "resources": [],
                "summary": {}, "sync": {"status": "Unknown", "comparedTo": _compared_to(spec)},
                "health": {"status": "Unknown"},
                "conditions": [{"type": "InvalidSpecError", "message": bad,
                                "lastTransitionTime": iso(since)}]}
    automated = isinstance(spec.get("syncPolicy"), dict) and \
        spec["syncPolicy"].get("automated") is not None
    requested = app.get("operation") is not None
    revisions, errors = [], []
    for s in sources:
        rev, err = resolve(s)
        revisions.append(rev)
        if err:
            errors.append(err)
    if not sources:
        errors.append("spec.source or spec.sources is required")
    revision = revisions[0] if revisions else ""
    base = {"reconciledAt": iso(now), "sourceType": "Helm" if any(s.get("chart") or
                                                                   str(s.get("repoURL", ""))
                                                                   .startswith("oci://")
                                                                   for s in sources)
            else "Directory",
            "controllerNamespace": namespace, "resources": [], "summary": {}}
    sync = {"comparedTo": _compared_to(spec), "revision": revision}
    op = {"sync": {"revision": revision}, "initiatedBy": {"automated": automated and not requested},
          "retry": {}}
    if now < since + delay:
        sync["status"] = "OutOfSync"
        base["sync"] = sync
        if automated or requested:
            base["health"] = {"status": "Progressing", "message": "waiting for sync to finish"}
            base["operationState"] = {"operation": op, "phase": "Running",
                                      "message": "waiting for healthy state",
                                      "startedAt": iso(since), "retryCount": 0}
        else:
            base["health"] = {"status": "Missing"}
        return base
    if errors:
        msg = "Failed to load target state: failed to generate manifest for source 1 of %d: %s" % (
            max(1, len(sources)), errors[0])
        sync["status"] = "Unknown"
        base["sync"] = sync
        base["health"] = {"status": "Degraded", "message": errors[0]}
        base["conditions"] = [{"type": "ComparisonError", "message": msg,
                               "lastTransitionTime": iso(since + delay)}]
        if automated or requested:
            base["operationState"] = {"operation": op, "phase": "Failed", "message": msg,
                                      "startedAt": iso(since), "finishedAt": iso(since + delay),
                                      "retryCount": 5}
        return base
    if not (automated or requested):
        sync["status"] = "OutOfSync"
        base["sync"] = sync
        base["health"] = {"status": "Missing"}
        return base
    forbidden = deploy_error(spec, env)
    if forbidden:
        msg = "one or more objects failed to apply, reason: %s" % forbidden
        sync["status"] = "OutOfSync"
        base["sync"] = sync
        base["health"] = {"status": "Missing"}
        base["conditions"] = [{"type": "SyncError", "message": "Failed sync attempt to %s: %s"
                               % (revision, msg), "lastTransitionTime": iso(since + delay)}]
        base["operationState"] = {"operation": op, "phase": "Failed", "message": msg,
                                  "startedAt": iso(since), "finishedAt": iso(since + delay),
                                  "retryCount": 5}
        return base
    sync["status"] = "Synced"
    base["sync"] = sync
    base["health"] = {"status": "Healthy"}
    base["operationState"] = {"operation": op, "phase": "Succeeded",
                              "message": "successfully synced (all tasks run)",
                              "startedAt": iso(since), "finishedAt": iso(since + delay),
                              "retryCount": 0,
                              "syncResult": {"revision": revision, "resources": [],
                                             "source": sources[0] if sources else {}}}
    base["history"] = [{"id": 0, "revision": revision, "deployedAt": iso(since + delay),
                        "deployStartedAt": iso(since), "source": sources[0] if sources else {}}]
    return base
