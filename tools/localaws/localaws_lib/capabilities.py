"""EKS Capabilities (managed Argo CD, ACK, KRO; aws-apis.md §12) for localaws.

One capability of each type per cluster; the role must trust capabilities.eks.amazonaws.com;
CREATING -> ACTIVE, updates through the EKS Update machinery, DELETING -> gone. EKS makes an access
entry for the role with the type's access policies (§12.5) and drops it with the capability.
An ARGOCD capability installs the argoproj.io CRDs and its namespace in the cluster's Kubernetes
state and runs the simulated Argo CD controller (kube.py) while ACTIVE.
"""

import hashlib
import re
import uuid

from . import access, iam
from .protocols import ApiError, epoch
from .store import rand_lower

_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9-_]*$")
_IDC_ARN = re.compile(r"^arn:aws[a-z-]*:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{1,64}$")
TYPES = {"ARGOCD": "3.1.8-eks-1", "ACK": "v1.4.2", "KRO": "v0.6.3"}


def _eks():
    from . import eks
    return eks


def server_url(cap, account, region, cluster_name):
    name = cap["capabilityName"].lower().replace("_", "-")[:41]
    digest = hashlib.sha256(("%s/%s" % (cap["capabilityName"], cluster_name)).encode()).hexdigest()
    return "https://%s-%s-%s.eks-capabilities.%s.amazonaws.com" % (name, digest[:8], account,
                                                                   region)


def view(c, cap, summary=False):
    out = {"capabilityName": cap["capabilityName"], "arn": cap["arn"], "type": cap["type"],
           "status": cap["status"], "version": cap["version"],
           "createdAt": epoch(cap["createdAt"]), "modifiedAt": epoch(cap["modifiedAt"])}
    if summary:
        return out
    out.update({"clusterName": c["name"], "roleArn": cap["roleArn"], "tags": cap["tags"],
                "health": {"issues": cap["issues"]},
                "deletePropagationPolicy": cap["deletePropagationPolicy"]})
    if cap["type"] == "ARGOCD":
        argo = dict(cap["configuration"].get("argoCd", {}))
        if cap["status"] in ("ACTIVE", "UPDATING"):
            argo["serverUrl"] = cap["serverUrl"]
        out["configuration"] = {"argoCd": argo}
    return out


def _get(c, name):
    cap = c["capabilities"].get(name)
    if cap is None:
        raise _eks().not_found("No capability found for name: %s." % name, clusterName=c["name"])
    return cap


def _argocd_config(ctx, body, f):
    cfg = body.get("configuration")
    if cfg is None:
        raise _eks().invalid_param("configuration.argoCd is required for ARGOCD capabilities.", **f)
    argo = cfg.get("argoCd") if isinstance(cfg, dict) else None
    if not isinstance(argo, dict):
        raise _eks().invalid_param("configuration.argoCd is required for ARGOCD capabilities.", **f)
    idc = argo.get("awsIdc")
    if not isinstance(idc, dict) or not isinstance(idc.get("idcInstanceArn"), str):
        raise _eks().invalid_param("configuration.argoCd.awsIdc.idcInstanceArn is required.", **f)
    if not _IDC_ARN.match(idc["idcInstanceArn"]):
        raise _eks().invalid_param("configuration.argoCd.awsIdc.idcInstanceArn %s is not an IAM "
                                   "Identity Center instance ARN (arn:aws:sso:::instance/"
                                   "ssoins-...)." % idc["idcInstanceArn"], **f)
    region = idc.get("idcRegion")
    if region is not None and (not isinstance(region, str) or
                               not re.match(r"^[a-z]{2}(-[a-z]+)+-\d$", region)):
        raise _eks().invalid_param("configuration.argoCd.awsIdc.idcRegion %r is not a Region."
                                   % (region,), **f)
    net = argo.get("networkAccess")
    if net is not None and (not isinstance(net, dict) or
                            not isinstance(net.get("vpceIds", []), list) or
                            any(not isinstance(v, str) or not v.startswith("vpce-")
                                for v in net.get("vpceIds", []))):
        raise _eks().invalid_param("configuration.argoCd.networkAccess.vpceIds must be a list of "
                                   "VPC endpoint ids (vpce-...).", **f)
    ns = argo.get("namespace") or "argocd"
    if not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", ns) or len(ns) > 63:
        raise _eks().invalid_param("configuration.argoCd.namespace %s is invalid." % ns, **f)
    out = {"namespace": ns,
           "awsIdc": {"idcInstanceArn": idc["idcInstanceArn"],
                      "idcRegion": idc.get("idcRegion") or ctx.region,
                      "idcManagedApplicationArn": "arn:aws:sso::%s:application/%s/apl-%s"
                      % (ctx.account, idc["idcInstanceArn"].rsplit("/", 1)[-1], rand_lower(16))},
           "rbacRoleMappings": _mappings(argo.get("rbacRoleMappings") or [], f),
           "networkAccess": {"vpceIds": list((argo.get("networkAccess") or {}).get("vpceIds")
                                             or [])}}
    return {"argoCd": out}


def _mappings(lst, f):
    if not isinstance(lst, list):
        raise _eks().invalid_param("rbacRoleMappings must be a list.", **f)
    out = []
    for m in lst:
        if not isinstance(m, dict) or m.get("role") not in ("ADMIN", "EDITOR", "VIEWER") or \
                not isinstance(m.get("identities"), list):
            raise _eks().invalid_param("Each rbacRoleMapping needs role ADMIN|EDITOR|VIEWER and "
                                       "identities.", **f)
        for i in m["identities"]:
            if not isinstance(i, dict) or not i.get("id") or \
                    i.get("type") not in ("SSO_USER", "SSO_GROUP"):
                raise _eks().invalid_param("Each identity needs id and type SSO_USER|SSO_GROUP.",
                                           **f)
        out.append({"role": m["role"], "identities": [dict(i) for i in m["identities"]]})
    return out


def _entry_policies(type_, config):
    """The access policies EKS associates with a capability role's access entry (§12.5)."""
    cluster = {"type": "cluster", "namespaces": []}
    if type_ == "ARGOCD":
        ns = config["argoCd"]["namespace"]
        return [(access.policy_arn("AmazonEKSArgoCDClusterPolicy"), cluster),
                (access.policy_arn("AmazonEKSArgoCDPolicy"), {"type": "namespace",
                                                              "namespaces": [ns]})]
    return [(access.policy_arn("AmazonEKS%sPolicy" % type_), cluster)]


def create_capability(ctx, p, q, body):
    eks = _eks()
    c = eks.get_cluster(ctx, p["name"])
    f = {"clusterName": c["name"]}
    name = eks._str(body, "capabilityName", True, **f)
    if not _NAME.match(name) or len(name) > 64:
        raise eks.invalid_param("capabilityName %s is invalid." % name, **f)
    key = "%s/%s/CreateCapability/%s/%s" % (ctx.account, ctx.region, c["id"], name)
    ref = eks._idem_lookup(ctx, key, body)
    if ref is not None and ref in c["capabilities"]:
        return 200, {"capability": view(c, c["capabilities"][ref])}
    type_ = body.get("type")
    if type_ not in TYPES:
        raise eks.invalid_param("type must be ARGOCD, ACK or KRO.", **f)
    role_arn = eks._str(body, "roleArn", True, **f)
    role = eks._role_in_account(ctx, role_arn, "roleArn", None, **f)
    if body.get("deletePropagationPolicy") != "RETAIN":
        raise eks.invalid_param("deletePropagationPolicy must be RETAIN.", **f)
    if type_ != "ARGOCD" and body.get("configuration") not in (None, {}):
        raise eks.invalid_param("configuration applies only to ARGOCD capabilities.", **f)
    config = _argocd_config(ctx, body, f) if type_ == "ARGOCD" else {}
    tags = eks._tags(body, **f)
    eks._require_active(c)
    if name in c["capabilities"]:
        raise eks.in_use("Capability %s already exists on cluster %s." % (name, c["name"]), **f)
    if any(x["type"] == type_ for x in c["capabilities"].values()):
        raise ApiError("ResourceLimitExceededException", "A cluster can have only one capability "
                       "of type %s." % type_, 400, f)
    if not iam.trust_allows(role, {"kind": "service", "service":
                                   "capabilities.eks.amazonaws.com"}, "sts:AssumeRole", {}):
        raise eks.invalid_param("The role %s cannot be assumed by capabilities.eks.amazonaws.com: "
                                "its trust policy must allow sts:AssumeRole and sts:TagSession "
                                "for that service principal." % role_arn, **f)
    cap = {"capabilityName": name, "type": type_, "roleArn": role_arn,
           "arn": "arn:aws:eks:%s:%s:capability/%s/%s/%s/%s" % (
               ctx.region, ctx.account, c["name"], type_.lower(), name, uuid.uuid4()),
           "status": "CREATING", "version": TYPES[type_], "createdAt": ctx.now,
           "modifiedAt": ctx.now, "active_at": ctx.now + ctx.cfg.delay, "tags": tags,
           "issues": [], "deletePropagationPolicy": "RETAIN", "configuration": config,
           "serverUrl": None}
    cap["serverUrl"] = server_url(cap, ctx.account, ctx.region, c["name"])
    c["capabilities"][name] = cap
    access.make_entry(ctx.store, c, ctx.account, ctx.region, role_arn, "STANDARD", ctx.now,
                      "capability:" + name, _entry_policies(type_, config))
    eks.hist(ctx.store, ctx.account, ctx.region, c, "capability", name, "status", at=ctx.now,
             status="CREATING", type=type_)
    if type_ == "ARGOCD":
        from . import kube
        kube.install_argocd(ctx.store, c, config["argoCd"]["namespace"], ctx.now)
    eks._idem_store(ctx, key, body, name)
    ctx.dirty()
    return 200, {"capability": view(c, cap)}


def describe_capability(ctx, p, q, body):
    c = _eks().get_cluster(ctx, p["name"])
    return 200, {"capability": view(c, _get(c, p["cap"]))}


def list_capabilities(ctx, p, q, body):
    eks = _eks()
    c = eks.get_cluster(ctx, p["name"])
    caps = [view(c, c["capabilities"][n], summary=True) for n in sorted(c["capabilities"])]
    return eks._paged(q, "capabilities", caps, "lcap" + c["id"])


def update_capability(ctx, p, q, body):
    eks = _eks()
    c = eks.get_cluster(ctx, p["name"])
    cap = _get(c, p["cap"])
    f = {"clusterName": c["name"]}
    key = "%s/%s/UpdateCapability/%s" % (ctx.account, ctx.region, cap["arn"])
    ref = eks._idem_lookup(ctx, key, body)
    if ref is not None and ref in c["updates"]:
        return 200, {"update": eks.update_view(c["updates"][ref])}
    apply = {"kind": "capability"}
    params = []
    if body.get("roleArn") is not None:
        eks._role_in_account(ctx, body["roleArn"], "roleArn", "capabilities.eks.amazonaws.com",
                             **f)
        apply["roleArn"] = body["roleArn"]
        params.append({"type": "RoleArn", "value": body["roleArn"]})
    argo = (body.get("configuration") or {}).get("argoCd")
    if argo is not None:
        if cap["type"] != "ARGOCD":
            raise eks.invalid_param("configuration.argoCd applies only to ARGOCD capabilities.",
                                    **f)
        rbac = argo.get("rbacRoleMappings") or {}
        add = _mappings(rbac.get("addOrUpdateRoleMappings") or [], f)
        rem = _mappings(rbac.get("removeRoleMappings") or [], f)
        if add:
            apply["addMappings"] = add
            params.append({"type": "RoleMappingsToAddOrUpdate", "value": str(len(add))})
        if rem:
            apply["removeMappings"] = rem
            params.append({"type": "RoleMappingsToRemove", "value": str(len(rem))})
        if argo.get("networkAccess") is not None:
            apply["vpceIds"] = list(argo["networkAccess"].get("vpceIds") or [])
            params.append({"type": "NetworkAccess", "value": ",".join(apply["vpceIds"])})
    if body.get("deletePropagationPolicy") not in (None, "RETAIN"):
        raise eks.invalid_param("deletePropagationPolicy must be RETAIN.", **f)
    if not params:
        raise eks.invalid_param("No changes needed", **f)
    if cap["status"] != "ACTIVE":
        raise eks.in_use("Capability %s is %s and cannot be updated." % (cap["capabilityName"],
                                                                         cap["status"]), **f)
    u = eks._new_update(ctx, c, "CapabilityUpdate", params,
                        {"kind": "capability", "name": cap["capabilityName"]}, apply)
    cap["status"] = "UPDATING"
    cap["modifiedAt"] = ctx.now
    eks._idem_store(ctx, key, body, u["id"])
    return 200, {"update": eks.update_view(u)}


def apply_update(store, c, u):
    cap = c["capabilities"].get(u["scope"]["name"])
    if cap is None:
        return
    a = u["apply"]
    if "roleArn" in a:
        cap["roleArn"] = a["roleArn"]
    argo = cap["configuration"].get("argoCd")
    if argo is not None:
        maps = {m["role"]: m for m in argo["rbacRoleMappings"]}
        for m in a.get("addMappings", []):
            cur = maps.setdefault(m["role"], {"role": m["role"], "identities": []})
            for i in m["identities"]:
                if i not in cur["identities"]:
                    cur["identities"].append(i)
        for m in a.get("removeMappings", []):
            cur = maps.get(m["role"])
            if cur:
                cur["identities"] = [i for i in cur["identities"] if i not in m["identities"]]
        argo["rbacRoleMappings"] = [m for m in maps.values() if m["identities"]]
        if "vpceIds" in a:
            argo["networkAccess"] = {"vpceIds": a["vpceIds"]}
    cap["status"] = "ACTIVE"
    cap["modifiedAt"] = u["done_at"]


def delete_capability(ctx, p, q, body):
    eks = _eks()
    c = eks.get_cluster(ctx, p["name"])
    cap = _get(c, p["cap"])
    if cap["status"] == "UPDATING":
        raise eks.in_use("Capability %s is being updated." % cap["capabilityName"],
                         clusterName=c["name"])
    eks._start_delete(ctx, c, "capability", cap["capabilityName"], cap)
    return 200, {"capability": view(c, cap)}


def transitions(store, account, region, c):
    """-> [(due, fn)]: the capability state changes the clock applies (eks.advance orders them)."""
    from .admin import held
    eks = _eks()
    out = []
    for name, cap in c["capabilities"].items():
        if held(store, c, "capability", name):
            continue
        if cap["status"] == "CREATING":
            def active(cap=cap, name=name):
                cap["status"] = "ACTIVE"
                cap["modifiedAt"] = cap["active_at"]
                eks.hist(store, account, region, c, "capability", name, "status",
                         at=cap["active_at"], status_from="CREATING", status="ACTIVE")
            out.append((cap["active_at"], active))
        elif cap["status"] == "DELETING":
            def gone(cap=cap, name=name):
                del c["capabilities"][name]
                access.drop_entries_by(store, c, account, region, "capability:" + name)
                eks.hist(store, account, region, c, "capability", name, "deleted",
                         at=cap["delete_at"])
            out.append((cap["delete_at"], gone))
    return out


def argocd_capability(c):
    """-> the cluster's ARGOCD capability while its controller runs, or None."""
    for cap in c["capabilities"].values():
        if cap["type"] == "ARGOCD" and cap["status"] in ("ACTIVE", "UPDATING"):
            return cap
    return None


def argocd_controller(c):
    """-> the namespace the simulated Argo CD controller watches, or None when none runs."""
    for cap in c["capabilities"].values():
        if cap["type"] == "ARGOCD" and cap["status"] in ("ACTIVE", "UPDATING"):
            return cap["configuration"]["argoCd"]["namespace"]
    return None
