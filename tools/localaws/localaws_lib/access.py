"""EKS access entries and access policies (restJson1) for localaws, and the authorisation the
emulated Kubernetes API derives from them.

An access entry maps an IAM role or user (any account the emulator knows; it must exist) to a
Kubernetes identity on one cluster; access policies associate to it with a cluster or namespace
scope. The cluster's authenticationMode must be API or API_AND_CONFIG_MAP. EKS itself makes entries
for the cluster creator (bootstrapClusterCreatorAdminPermissions), managed node groups' node roles
(EC2_LINUX) and capability roles; make_entry() is how eks.py / capabilities.py ask for them.
Handlers return (status, dict) and raise ApiError; this module renders no HTTP.
"""

import re
import uuid

from . import iam
from .protocols import epoch

POLICY_PREFIX = "arn:aws:eks::aws:cluster-access-policy/"
# name -> what it lets a principal do in the emulated Kubernetes API:
# "all" every verb; "write" every verb on namespaced objects and reads elsewhere; "read" GET only.
ACCESS_POLICIES = {
    "AmazonEKSClusterAdminPolicy": "all",
    "AmazonEKSAdminPolicy": "all",
    "AmazonEKSEditPolicy": "write",
    "AmazonEKSViewPolicy": "read",
    "AmazonEKSAdminViewPolicy": "read",
    "AmazonEKSSecretReaderPolicy": "read",
    "AmazonEKSAutoNodePolicy": "read",
    "AmazonEKSBlockStorageClusterPolicy": "read",
    "AmazonEKSComputeClusterPolicy": "read",
    "AmazonEKSLoadBalancingClusterPolicy": "read",
    "AmazonEKSNetworkingClusterPolicy": "read",
    "AmazonEKSHybridPolicy": "read",
    "AmazonEKSArgoCDClusterPolicy": "read",
    "AmazonEKSArgoCDPolicy": "all",
    "AmazonEKSACKPolicy": "read",
    "AmazonEKSKROPolicy": "read",
    "AmazonEMRJobPolicy": "write",
    "AmazonSagemakerHyperpodClusterPolicy": "read",
    "AmazonSagemakerHyperpodControllerPolicy": "read",
    "AmazonSagemakerHyperpodSystemNamespacePolicy": "write",
}
ENTRY_TYPES = ("STANDARD", "EC2", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX",
               "HYPERPOD_LINUX")
_PRINCIPAL = re.compile(r"^arn:aws:iam::(\d{12}):(role|user)(/(?:[\u0021-\u007E]*/)?)?"
                        r"([\w+=,.@-]{1,128})$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\*?$|^\*$")


def _eks():
    from . import eks
    return eks


def policy_arn(name):
    return POLICY_PREFIX + name


def entries(c):
    return c.setdefault("access_entries", {})


def _uses_entries(c):
    return c["accessConfig"].get("authenticationMode") in ("API", "API_AND_CONFIG_MAP")


def _require_mode(c):
    if not _uses_entries(c):
        raise _eks().invalid_request(
            "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] "
            "to perform this operation.", clusterName=c["name"])


def _require_settled(c):
    if c["status"] not in ("ACTIVE", "UPDATING"):
        raise _eks().invalid_request("Cluster %s is in %s state; wait until it is ACTIVE."
                                     % (c["name"], c["status"]), clusterName=c["name"])


def principal_exists(store, arn):
    m = _PRINCIPAL.match(arn or "")
    if not m:
        return False
    if m.group(2) == "role":
        return iam.find_role_by_arn(store, arn)[1] is not None
    from .store import MGMT_ACCOUNT, MGMT_USER_NAME
    return arn == "arn:aws:iam::%s:user/%s" % (MGMT_ACCOUNT, MGMT_USER_NAME)


def _default_username(arn, type_):
    if type_ in ("EC2_LINUX", "EC2_WINDOWS", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX"):
        return "system:node:{{EC2PrivateDNSName}}"
    if type_ == "FARGATE_LINUX":
        return "system:node:{{SessionName}}"
    m = _PRINCIPAL.match(arn)
    if m.group(2) == "role":
        return "arn:aws:sts::%s:assumed-role/%s/{{SessionName}}" % (m.group(1), m.group(4))
    return arn


def _default_groups(type_):
    if type_ in ("EC2_LINUX", "EC2_WINDOWS", "HYBRID_LINUX", "HYPERPOD_LINUX"):
        return ["system:nodes"]
    if type_ == "FARGATE_LINUX":
        return ["system:node-proxier", "system:nodes"]
    return []


def view(c, e):
    return {"clusterName": c["name"], "principalArn": e["principalArn"],
            "kubernetesGroups": list(e["kubernetesGroups"]), "accessEntryArn": e["accessEntryArn"],
            "createdAt": epoch(e["createdAt"]), "modifiedAt": epoch(e["modifiedAt"]),
            "tags": dict(e["tags"]), "username": e["username"], "type": e["type"]}


def _assoc_view(arn, a):
    return {"policyArn": arn, "accessScope": a["accessScope"],
            "associatedAt": epoch(a["associatedAt"]), "modifiedAt": epoch(a["modifiedAt"])}


def make_entry(store, c, account, region, principal_arn, type_, now, by, policies=()):
    """EKS-made entry (creator, node role, capability role). An entry that already exists gains
    the policies; returns the entry or None when the cluster does not use access entries."""
    if not _uses_entries(c):
        return None
    pool = entries(c)
    e = pool.get(principal_arn)
    if e is None:
        m = _PRINCIPAL.match(principal_arn)
        kind = m.group(2) if m else "role"
        name = m.group(4) if m else principal_arn.rsplit("/", 1)[-1]
        e = {"principalArn": principal_arn, "type": type_,
             "kubernetesGroups": _default_groups(type_),
             "username": _default_username(principal_arn, type_) if m else principal_arn,
             "accessEntryArn": "arn:aws:eks:%s:%s:access-entry/%s/%s/%s/%s/%s" % (
                 region, account, c["name"], kind, m.group(1) if m else account, name,
                 uuid.uuid4()),
             "createdAt": now, "modifiedAt": now, "tags": {}, "policies": {}, "by": by}
        pool[principal_arn] = e
        _history(store, c, account, region, "created", principal_arn, type_=type_, by=by)
    for arn, scope in policies:
        if arn not in e["policies"]:
            e["policies"][arn] = {"accessScope": scope, "associatedAt": now, "modifiedAt": now}
    store.dirty = True
    return e


def drop_entries_by(store, c, account, region, by):
    """Removes the entries EKS made for `by` (a node role, a capability) when nothing else made
    them."""
    for arn in [a for a, e in entries(c).items() if e.get("by") == by]:
        del entries(c)[arn]
        _history(store, c, account, region, "deleted", arn, by=by)
        store.dirty = True


def _history(store, c, account, region, event, principal, **kw):
    record = getattr(store, "record", None)
    if record is not None:
        record(account=account, region=region, cluster=c["name"], kind="access_entry",
               name=principal, event=event, **kw)


def _get(c, arn):
    e = entries(c).get(arn)
    if e is None:
        raise _eks().not_found("The specified access entry resource is not found.",
                               clusterName=c["name"])
    return e


def _groups(body, f):
    groups = _eks()._str_list(body.get("kubernetesGroups"), "kubernetesGroups")
    if groups is None:
        return None
    for g in groups:
        if not g or len(g) > 256:
            raise _eks().invalid_param("kubernetesGroups entries must be 1-256 characters.", **f)
        if g.startswith("system:"):
            raise _eks().invalid_param("The kubernetes group name %s is invalid, it cannot start "
                                       "with system:" % g, **f)
    return list(dict.fromkeys(groups))


def _username(body, f):
    u = _eks()._str(body, "username", **f)
    if u is not None and (not u or len(u) > 256 or u.startswith("system:") or
                          u.startswith("amazon:") or u.startswith("aws:") or
                          u.startswith("eks:") or u.startswith("iam:")):
        raise _eks().invalid_param("The username %s is invalid." % u, **f)
    return u


# ---------------------------------------------------------------- operations

def create_access_entry(ctx, p, q, body):
    eks = _eks()
    c = eks.get_cluster(ctx, p["name"])
    f = {"clusterName": c["name"]}
    arn = eks._str(body, "principalArn", True, **f)
    key = "%s/%s/CreateAccessEntry/%s/%s" % (ctx.account, ctx.region, c["id"], arn)
    ref = eks._idem_lookup(ctx, key, body)
    if ref is not None and ref in entries(c):
        return 200, {"accessEntry": view(c, entries(c)[ref])}
    _require_mode(c)
    _require_settled(c)
    type_ = eks._str(body, "type", **f) or "STANDARD"
    if type_ not in ENTRY_TYPES:
        raise eks.invalid_param("The type %s is invalid; valid types are %s."
                                % (type_, ", ".join(ENTRY_TYPES)), **f)
    if not _PRINCIPAL.match(arn) or not principal_exists(ctx.store, arn):
        raise eks.invalid_param("The specified principalArn is invalid: invalid principal %s."
                                % arn, **f)
    groups = _groups(body, f)
    username = _username(body, f)
    if type_ != "STANDARD" and (groups or username):
        raise eks.invalid_param("kubernetesGroups and username cannot be specified for access "
                                "entries of type %s." % type_, **f)
    if type_ != "STANDARD" and _PRINCIPAL.match(arn).group(2) != "role":
        raise eks.invalid_param("Access entries of type %s need an IAM role." % type_, **f)
    tags = eks._tags(body, **f)
    if arn in entries(c):
        raise eks.in_use("The specified access entry resource is already in use on this cluster.",
                         **f)
    e = make_entry(ctx.store, c, ctx.account, ctx.region, arn, type_, ctx.now, None)
    if groups is not None and type_ == "STANDARD":
        e["kubernetesGroups"] = groups
    if username is not None:
        e["username"] = username
    e["tags"] = tags
    eks._idem_store(ctx, key, body, arn)
    ctx.dirty()
    return 200, {"accessEntry": view(c, e)}


def describe_access_entry(ctx, p, q, body):
    c = _eks().get_cluster(ctx, p["name"])
    _require_mode(c)
    return 200, {"accessEntry": view(c, _get(c, p["principal"]))}


def list_access_entries(ctx, p, q, body):
    eks = _eks()
    c = eks.get_cluster(ctx, p["name"])
    _require_mode(c)
    pol = q.get("associatedPolicyArn", [None])[0]
    if pol is not None and pol[len(POLICY_PREFIX):] not in ACCESS_POLICIES:
        raise eks.invalid_param("The specified policyArn %s is invalid." % pol,
                                clusterName=c["name"])
    arns = sorted(a for a, e in entries(c).items() if pol is None or pol in e["policies"])
    return eks._paged(q, "accessEntries", arns, "lae" + c["id"] + (pol or ""))


def update_access_entry(ctx, p, q, body):
    eks = _eks()
    c = eks.get_cluster(ctx, p["name"])
    f = {"clusterName": c["name"]}
    _require_mode(c)
    e = _get(c, p["principal"])
    groups = _groups(body, f)
    username = _username(body, f)
    if e["type"] != "STANDARD" and (groups or username):
        raise eks.invalid_param("kubernetesGroups and username cannot be updated for access "
                                "entries of type %s." % e["type"], **f)
    if groups is not None:
        e["kubernetesGroups"] = groups
    if username is not None:
        e["username"] = username
    e["modifiedAt"] = ctx.now
    ctx.dirty()
    return 200, {"accessEntry": view(c, e)}


def delete_access_entry(ctx, p, q, body):
    c = _eks().get_cluster(ctx, p["name"])
    _require_mode(c)
    _get(c, p["principal"])
    del entries(c)[p["principal"]]
    _history(ctx.store, c, ctx.account, ctx.region, "deleted", p["principal"])
    ctx.dirty()
    return 200, {}


def _scope(body, f):
    eks = _eks()
    scope = body.get("accessScope")
    if not isinstance(scope, dict):
        raise eks.invalid_param("accessScope is required.", **f)
    type_ = scope.get("type")
    ns = eks._str_list(scope.get("namespaces"), "accessScope.namespaces")
    if type_ == "cluster":
        if ns:
            raise eks.invalid_param("namespaces cannot be specified with an accessScope of type "
                                    "cluster.", **f)
        return {"type": "cluster", "namespaces": []}
    if type_ == "namespace":
        if not ns:
            raise eks.invalid_param("At least one namespace is required for an accessScope of "
                                    "type namespace.", **f)
        for n in ns:
            if len(n) > 63 or not _NAMESPACE.match(n):
                raise eks.invalid_param("The namespace %s is invalid." % n, **f)
        return {"type": "namespace", "namespaces": list(dict.fromkeys(ns))}
    raise eks.invalid_param("accessScope.type must be cluster or namespace.", **f)


def associate_access_policy(ctx, p, q, body):
    eks = _eks()
    c = eks.get_cluster(ctx, p["name"])
    f = {"clusterName": c["name"]}
    _require_mode(c)
    arn = eks._str(body, "policyArn", True, **f)
    if not arn.startswith(POLICY_PREFIX) or arn[len(POLICY_PREFIX):] not in ACCESS_POLICIES:
        raise eks.invalid_param("The specified policyArn %s is invalid." % arn, **f)
    scope = _scope(body, f)
    e = _get(c, p["principal"])
    if e["type"] != "STANDARD":
        raise eks.invalid_request("Access policies can only be associated with access entries of "
                                  "type STANDARD; %s is %s." % (e["principalArn"], e["type"]),
                                  **f)
    cur = e["policies"].get(arn)
    if cur is None:
        cur = e["policies"][arn] = {"accessScope": scope, "associatedAt": ctx.now,
                                    "modifiedAt": ctx.now}
    elif cur["accessScope"] != scope:
        cur["accessScope"] = scope
        cur["modifiedAt"] = ctx.now
    ctx.dirty()
    return 200, {"clusterName": c["name"], "principalArn": e["principalArn"],
                 "associatedAccessPolicy": _assoc_view(arn, cur)}


def list_associated_access_policies(ctx, p, q, body):
    eks = _eks()
    c = eks.get_cluster(ctx, p["name"])
    _require_mode(c)
    e = _get(c, p["principal"])
    items = [_assoc_view(a, e["policies"][a]) for a in sorted(e["policies"])]
    st, out = eks._paged(q, "associatedAccessPolicies", items, "lap" + e["accessEntryArn"])
    out.update({"clusterName": c["name"], "principalArn": e["principalArn"]})
    return st, out


def disassociate_access_policy(ctx, p, q, body):
    eks = _eks()
    c = eks.get_cluster(ctx, p["name"])
    _require_mode(c)
    e = _get(c, p["principal"])
    if p["policy"] not in e["policies"]:
        raise eks.not_found("The specified access policy %s is not associated with the access "
                            "entry." % p["policy"], clusterName=c["name"])
    del e["policies"][p["policy"]]
    ctx.dirty()
    return 200, {}


def list_access_policies(ctx, p, q, body):
    items = [{"name": n, "arn": policy_arn(n)} for n in sorted(ACCESS_POLICIES)]
    return _eks()._paged(q, "accessPolicies", items, "lapol")


# ---------------------------------------------------------------- Kubernetes authorisation

def authorize(c, account, principal, verb, namespace):
    """-> "allow", "deny" (403: known but not permitted) or "unknown" (401: no identity).
    principal: the STS principal of the bearer token. namespace: None for cluster-scoped paths."""
    arn = principal.get("role_arn") or principal["arn"]
    e = entries(c).get(arn) if _uses_entries(c) else None
    if e is None:
        mode = c["accessConfig"].get("authenticationMode")
        if mode == "API":
            return "unknown"
        # aws-auth (CONFIG_MAP) is not emulated: a principal of the cluster's account is admin.
        return "allow" if principal["account"] == account else "deny"
    read = verb in ("get", "list", "watch")
    for parn, a in e["policies"].items():
        power = ACCESS_POLICIES.get(parn[len(POLICY_PREFIX):], "read")
        scope = a["accessScope"]
        in_scope = scope["type"] == "cluster" or (
            namespace is not None and any(namespace == n or (n.endswith("*") and
                                                             namespace.startswith(n[:-1]))
                                          for n in scope["namespaces"]))
        if not in_scope:
            continue
        if power == "all" or read or (power == "write" and namespace is not None):
            return "allow"
    return "deny"
