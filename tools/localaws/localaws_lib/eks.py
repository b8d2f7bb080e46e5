"""EKS (restJson1, signing name eks) for localaws: clusters, updates, node groups, add-ons, tags,
add-on versions, DescribeClusterVersions, and routing to capabilities and access entries.

State machines advance lazily in advance(), every due transition in the order it fell due and each
recorded in the admin history: CREATING -> ACTIVE, DELETING -> gone, Update InProgress -> Successful
(the change is applied when the update ends). One update at a time per object; cluster versions move
one minor at a time and only to supported versions; clientRequestToken makes creates and updates
idempotent. Must not render HTTP; handlers return (status, dict) and raise ApiError.
"""

import hashlib
import json
import re
import urllib.parse
import uuid

from . import certs, confvalues, eks_catalog as cat, iam
from .protocols import ApiError, epoch
from .store import rand_hex, rand_lower
from .util import check_tags, paginate

_CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9\-_]*$")
_ROLE_ARN = re.compile(r"^arn:aws:iam::\d{12}:role/[\u0021-\u007E]+$")
MAX_CLUSTERS = 100
MAX_NODEGROUPS = 30
NEEDS_NODES_ISSUE = {"code": "InsufficientNumberOfReplicas",
                     "message": "The add-on is unhealthy because it doesn't have the desired "
                                "number of replicas."}


def invalid_param(msg, **fields):
    return ApiError("InvalidParameterException", msg, 400, fields)


def invalid_request(msg, **fields):
    return ApiError("InvalidRequestException", msg, 400, fields)


def in_use(msg, **fields):
    return ApiError("ResourceInUseException", msg, 409, fields)


def not_found(msg, **fields):
    return ApiError("ResourceNotFoundException", msg, 404, fields)


# ---------------------------------------------------------------- small validators

def _str(body, name, required=False, **ctxf):
    v = body.get(name)
    if v is None:
        if required:
            raise invalid_param("%s is required." % name, **ctxf)
        return None
    if not isinstance(v, str):
        raise invalid_param("%s must be a string." % name, **ctxf)
    return v


def _bool(body, name, default=None):
    v = body.get(name, default)
    if v is not None and not isinstance(v, bool):
        raise invalid_param("%s must be a boolean." % name)
    return v


def _str_list(v, name):
    if v is None:
        return None
    if not isinstance(v, list) or any(not isinstance(x, str) for x in v):
        raise invalid_param("%s must be a list of strings." % name)
    return v


def _str_map(v, name):
    if v is None:
        return None
    if not isinstance(v, dict) or any(not isinstance(x, str) for x in v.values()):
        raise invalid_param("%s must be a map of strings." % name)
    return v


def _tags(body, **ctxf):
    tags = _str_map(body.get("tags"), "tags")
    if tags is None:
        return {}

    def err(msg):
        return invalid_param(msg, **ctxf)
    check_tags(tags, err)
    return dict(tags)


def _role_in_account(ctx, arn, field, service=None, **ctxf):
    if not _ROLE_ARN.match(arn or ""):
        raise invalid_param("%s %s is not a valid role ARN." % (field, arn), **ctxf)
    account, role = iam.find_role_by_arn(ctx.store, arn)
    if role is None or account != ctx.account:
        raise invalid_param("Role with arn: %s, does not exist." % arn, **ctxf)
    if service and not iam.trust_allows(role, {"kind": "service", "service": service},
                                        "sts:AssumeRole", {}):
        raise invalid_param("Role with arn: %s cannot be assumed by %s. Check the role's trust "
                            "policy." % (arn, service), **ctxf)
    return role


def _page_args(query):
    mr = query.get("maxResults", [None])[0]
    if mr is None:
        mr = 100
    elif not mr.isdigit() or not 1 <= int(mr) <= 100:
        raise invalid_param("maxResults must be between 1 and 100.")
    return int(mr), query.get("nextToken", [None])[0]


def _bad_token():
    return invalid_param("The nextToken is invalid.")


def _paged(q, key, items, salt):
    """-> (200, {key: one page of items, "nextToken": ... when more remain}), paged by the
    maxResults / nextToken query parameters; salt ties a token to one list."""
    mr, tok = _page_args(q)
    page, nxt = paginate(items, mr, tok, salt, _bad_token)
    out = {key: page}
    if nxt:
        out["nextToken"] = nxt
    return 200, out


def _start_delete(ctx, c, kind, name, item):
    """Marks a node group, add-on or capability DELETING; the clock removes it after the delay.
    Deleting what is already being deleted changes nothing."""
    if item["status"] != "DELETING":
        hist(ctx.store, ctx.account, ctx.region, c, kind, name, "delete_requested",
             at=ctx.now, status_from=item["status"])
        item["status"] = "DELETING"
        item["delete_at"] = ctx.now + ctx.cfg.delay
        item["modifiedAt"] = ctx.now
        ctx.dirty()


def hist(store, account, region, c, kind, name, event, **kw):
    """One event in the admin history (GET /_localaws/history)."""
    store.record(account=account, region=region, cluster=c["name"], kind=kind, name=name,
                 event=event, **kw)


# ---------------------------------------------------------------- idempotency

def _body_hash(body):
    b = {k: v for k, v in body.items() if k != "clientRequestToken"}
    return hashlib.sha256(json.dumps(b, sort_keys=True).encode()).hexdigest()


def _idem_lookup(ctx, key, body):
    token = body.get("clientRequestToken")
    if token is None:
        return None
    if not isinstance(token, str) or not 1 <= len(token) <= 64:
        raise invalid_param("clientRequestToken must be 1-64 characters.")
    entry = ctx.state["tokens"].get(key + "/" + token)
    if entry is None or entry["at"] < ctx.now - 86400:
        return None
    if entry["hash"] != _body_hash(body):
        raise invalid_param("The clientRequestToken %s was already used with different request "
                            "parameters." % token)
    return entry["ref"]


def _idem_store(ctx, key, body, ref):
    token = body.get("clientRequestToken")
    if token is None:
        return
    tokens = ctx.state["tokens"]
    tokens[key + "/" + token] = {"hash": _body_hash(body), "ref": ref, "at": ctx.now}
    for k in [k for k, e in tokens.items() if e["at"] < ctx.now - 86400]:
        del tokens[k]


# ---------------------------------------------------------------- lookups

def _clusters(ctx):
    return ctx.store.eks(ctx.account, ctx.region)["clusters"]


def get_cluster(ctx, name):
    c = _clusters(ctx).get(name)
    if c is None:
        raise not_found("No cluster found for name: %s." % name, clusterName=name)
    return c


def _require_active(c):
    if c["status"] != "ACTIVE":
        raise invalid_request("Cluster %s is in %s state; wait until it is ACTIVE."
                              % (c["name"], c["status"]), clusterName=c["name"])


def has_nodes(c):
    return any(ng["status"] in ("ACTIVE", "UPDATING", "DEGRADED")
               for ng in c["nodegroups"].values())


def endpoint(ctx_or_cfg, c):
    cfg = getattr(ctx_or_cfg, "cfg", ctx_or_cfg)
    return "https://127.0.0.1:%d/k8s/%s" % (cfg.port, c["id"])


# ---------------------------------------------------------------- views

def _logging_view(c):
    on = [t for t in cat.LOG_TYPES if c["logging"].get(t)]
    off = [t for t in cat.LOG_TYPES if not c["logging"].get(t)]
    out = []
    if on:
        out.append({"types": on, "enabled": True})
    if off:
        out.append({"types": off, "enabled": False})
    return {"clusterLogging": out}


def cluster_view(ctx, c):
    out = {"name": c["name"], "arn": c["arn"], "createdAt": epoch(c["createdAt"]),
           "version": c["version"], "roleArn": c["roleArn"],
           "resourcesVpcConfig": c["resourcesVpcConfig"],
           "kubernetesNetworkConfig": c["kubernetesNetworkConfig"], "logging": _logging_view(c),
           "identity": {"oidc": {"issuer": c["oidcIssuer"]}}, "status": c["status"],
           "platformVersion": c["platformVersion"], "tags": c["tags"], "id": c["id"],
           "health": {"issues": []}, "accessConfig": c["accessConfig"],
           "upgradePolicy": c["upgradePolicy"], "deletionProtection": c["deletionProtection"],
           "certificateAuthority": {}}
    if c.get("clientRequestToken"):
        out["clientRequestToken"] = c["clientRequestToken"]
    if c.get("encryptionConfig"):
        out["encryptionConfig"] = c["encryptionConfig"]
    if c["status"] != "CREATING":
        out["endpoint"] = endpoint(ctx, c)
        out["certificateAuthority"] = {"data": certs.ca_data(ctx.store)}
    return out


def update_view(u):
    return {"id": u["id"], "status": u["status"], "type": u["type"], "params": u["params"],
            "createdAt": epoch(u["createdAt"]), "errors": u["errors"]}


def nodegroup_view(c, ng):
    out = {k: ng[k] for k in ("nodegroupName", "nodegroupArn", "clusterName", "version",
                              "releaseVersion", "status", "capacityType", "scalingConfig",
                              "instanceTypes", "subnets", "amiType", "nodeRole", "labels",
                              "taints", "resources", "health", "updateConfig", "tags")}
    out["createdAt"] = epoch(ng["createdAt"])
    out["modifiedAt"] = epoch(ng["modifiedAt"])
    for k in ("diskSize", "remoteAccess", "launchTemplate"):
        if ng.get(k) is not None:
            out[k] = ng[k]
    return out


def addon_status(c, a):
    if a["status"] == "ACTIVE" and cat.BY_NAME[a["addonName"]]["needs_nodes"] and \
            not has_nodes(c):
        return "DEGRADED"
    return a["status"]


def addon_view(c, a):
    status = addon_status(c, a)
    issues = []
    if status == "DEGRADED":
        issue = dict(NEEDS_NODES_ISSUE)
        issue["resourceIds"] = [a["addonName"]]
        issues.append(issue)
    meta = cat.BY_NAME[a["addonName"]]
    out = {"addonName": a["addonName"], "clusterName": c["name"], "status": status,
           "addonVersion": a["addonVersion"], "health": {"issues": issues},
           "addonArn": a["addonArn"], "createdAt": epoch(a["createdAt"]),
           "modifiedAt": epoch(a["modifiedAt"]), "tags": a["tags"], "publisher": meta["publisher"],
           "owner": meta["owner"]}
    for k in ("serviceAccountRoleArn", "configurationValues"):
        if a.get(k):
            out[k] = a[k]
    if a.get("podIdentityAssociations"):
        out["podIdentityAssociations"] = [p["associationArn"] for p in a["podIdentityAssociations"]]
    return out


# ---------------------------------------------------------------- updates

def _new_update(ctx, c, type_, params, scope, apply):
    u = {"id": str(uuid.uuid4()), "status": "InProgress", "type": type_, "params": params,
         "createdAt": ctx.now, "errors": [], "scope": scope, "done_at": ctx.now + ctx.cfg.delay,
         "apply": apply}
    c["updates"][u["id"]] = u
    hist(ctx.store, ctx.account, ctx.region, c, scope["kind"], scope["name"] or c["name"],
         "update_started", at=ctx.now, update_id=u["id"], type=type_, params=params)
    ctx.dirty()
    return u


def _apply_update(store, c, u):
    a = u["apply"]
    kind = a["kind"]
    if kind == "cluster_version":
        c["version"] = a["version"]
        c["platformVersion"] = cat.PLATFORM_VERSIONS[a["version"]]
    elif kind == "cluster_config":
        for k, v in a.get("vpc", {}).items():
            c["resourcesVpcConfig"][k] = v
        for t, on in a.get("logging", {}).items():
            c["logging"][t] = on
        if "accessConfig" in a:
            c["accessConfig"].update(a["accessConfig"])
        if "upgradePolicy" in a:
            c["upgradePolicy"].update(a["upgradePolicy"])
        if "deletionProtection" in a:
            c["deletionProtection"] = a["deletionProtection"]
    elif kind in ("nodegroup_config", "nodegroup_version"):
        ng = c["nodegroups"].get(u["scope"]["name"])
        if ng is None:
            return
        if kind == "nodegroup_version":
            ng["version"] = a["version"]
            ng["releaseVersion"] = a["releaseVersion"]
        else:
            for k in a.get("removeLabels", []):
                ng["labels"].pop(k, None)
            ng["labels"].update(a.get("addLabels", {}))
            remove = {(t["key"], t.get("effect")) for t in a.get("removeTaints", [])}
            taints = [t for t in ng["taints"] if (t["key"], t["effect"]) not in remove and
                      (t["key"], None) not in remove]
            for t in a.get("addTaints", []):
                taints = [x for x in taints if not (x["key"] == t["key"] and
                                                    x["effect"] == t["effect"])]
                taints.append(t)
            ng["taints"] = taints
            if "scalingConfig" in a:
                ng["scalingConfig"] = a["scalingConfig"]
            if "updateConfig" in a:
                ng["updateConfig"] = a["updateConfig"]
        ng["status"] = "ACTIVE"
        ng["modifiedAt"] = u["done_at"]
    elif kind == "addon":
        ad = c["addons"].get(u["scope"]["name"])
        if ad is None:
            return
        for k, v in a["fields"].items():
            ad[k] = v
        ad["status"] = "ACTIVE"
        ad["modifiedAt"] = u["done_at"]
    elif kind == "capability":
        from . import capabilities
        capabilities.apply_update(store, c, u)


def _transitions(store, account, region, clusters, name, now, later):
    """-> [(due, seq, fn)] for one cluster: every time-driven change that is due by `now`; the
    due times of those still to come are appended to `later`."""
    from . import access, capabilities, kube
    from .admin import held
    c = clusters[name]
    out = []

    def add(due, fn):
        if due <= now:
            out.append((due, len(out), fn))
        else:
            later.append(due)

    def h(kind, obj_name, event, due, **kw):
        hist(store, account, region, c, kind, obj_name, event, at=due, **kw)

    if c["status"] == "CREATING" and not held(store, c, "cluster", c["name"]):
        def cluster_active(due=c["active_at"]):
            c["status"] = "ACTIVE"
            h("cluster", c["name"], "status", due, status_from="CREATING", status="ACTIVE")
        add(c["active_at"], cluster_active)
    for u in c["updates"].values():
        if u["status"] != "InProgress" or held(store, c, "update", u["id"]) or \
                held(store, c, u["scope"]["kind"], u["scope"]["name"] or c["name"]):
            continue

        def finish(u=u):
            u["status"] = "Successful"
            _apply_update(store, c, u)
            h(u["scope"]["kind"], u["scope"]["name"] or c["name"], "update_finished",
              u["done_at"], update_id=u["id"], type=u["type"], params=u["params"],
              status="Successful")
            if u["scope"]["kind"] == "cluster":
                c["status"] = "ACTIVE"
        add(u["done_at"], finish)
    for ngname, ng in c["nodegroups"].items():
        if held(store, c, "nodegroup", ngname):
            continue
        if ng["status"] == "CREATING":
            def ng_active(ng=ng, ngname=ngname):
                ng["status"] = "ACTIVE"
                ng["modifiedAt"] = ng["active_at"]
                h("nodegroup", ngname, "status", ng["active_at"], status_from="CREATING",
                  status="ACTIVE", version=ng["version"])
            add(ng["active_at"], ng_active)
        elif ng["status"] == "DELETING":
            def ng_gone(ng=ng, ngname=ngname):
                del c["nodegroups"][ngname]
                h("nodegroup", ngname, "deleted", ng["delete_at"])
                role = ng["nodeRole"]
                if not any(x["nodeRole"] == role for x in c["nodegroups"].values()):
                    access.drop_entries_by(store, c, account, region, "nodegroup:" + role)
            add(ng["delete_at"], ng_gone)
    for aname, ad in c["addons"].items():
        if held(store, c, "addon", aname):
            continue
        if ad["status"] == "CREATING":
            def addon_active(ad=ad, aname=aname):
                ad["status"] = "ACTIVE"
                h("addon", aname, "status", ad["active_at"], status_from="CREATING",
                  status="ACTIVE", version=ad["addonVersion"])
            add(ad["active_at"], addon_active)
        elif ad["status"] == "DELETING":
            def addon_gone(ad=ad, aname=aname):
                del c["addons"][aname]
                h("addon", aname, "deleted", ad["delete_at"])
            add(ad["delete_at"], addon_gone)
    for due, fn in capabilities.transitions(store, account, region, c):
        add(due, fn)
    if c["status"] == "DELETING" and not held(store, c, "cluster", c["name"]):
        def cluster_gone(due=c["delete_at"]):
            kube.drop_cluster(store, c["id"])
            del clusters[name]
            h("cluster", c["name"], "deleted", due)
        add(c["delete_at"], cluster_gone)
    return out


def advance(store, now):
    """Applies every due transition of every cluster in the order they fell due. Returns the
    next due time (Store.tick)."""
    later = []
    for account, regions in store.state["eks"].items():
        for region, data in regions.items():
            clusters = data["clusters"]
            for name in list(clusters):
                due = _transitions(store, account, region, clusters, name, now, later)
                for _, _, fn in sorted(due, key=lambda t: (t[0], t[1])):
                    fn()
                if due:
                    store.dirty = True
    return min(later, default=float("inf"))


# ---------------------------------------------------------------- clusters

def create_cluster(ctx, p, q, body):
    name = _str(body, "name", True)
    if not 1 <= len(name) <= 100 or not _CLUSTER_NAME.match(name):
        raise invalid_param("The cluster name %s is invalid: it must be 1-100 characters, start "
                            "with a letter or digit and contain only letters, digits, - and _."
                            % name, clusterName=name)
    key = "%s/%s/CreateCluster/%s" % (ctx.account, ctx.region, name)
    clusters = _clusters(ctx)
    ref = _idem_lookup(ctx, key, body)
    if ref is not None and ref in clusters and clusters[ref]["status"] != "DELETING":
        return 200, {"cluster": cluster_view(ctx, clusters[ref])}
    role_arn = _str(body, "roleArn", True, clusterName=name)
    _role_in_account(ctx, role_arn, "roleArn", "eks.amazonaws.com", clusterName=name)
    vpc = body.get("resourcesVpcConfig")
    if not isinstance(vpc, dict):
        raise invalid_param("resourcesVpcConfig is required.", clusterName=name)
    subnets = _str_list(vpc.get("subnetIds"), "subnetIds") or []
    if len(set(subnets)) < 2:
        raise invalid_param("Subnets specified must be in at least two different AZs",
                            clusterName=name)
    sgs = _str_list(vpc.get("securityGroupIds"), "securityGroupIds") or []
    cidrs = _str_list(vpc.get("publicAccessCidrs"), "publicAccessCidrs") or ["0.0.0.0/0"]
    pub = _bool(vpc, "endpointPublicAccess", True)
    priv = _bool(vpc, "endpointPrivateAccess", False)
    if not pub and not priv:
        raise invalid_param("Cluster must have at least one of endpointPublicAccess or "
                            "endpointPrivateAccess enabled.", clusterName=name)
    version = _str(body, "version") or cat.default_kubernetes_version(cat.today(ctx.cfg))
    if not cat.usable(version, cat.today(ctx.cfg)):
        raise invalid_param("unsupported Kubernetes version %s" % version, clusterName=name)
    logging = {t: False for t in cat.LOG_TYPES}
    for t, on in _logging_changes(body.get("logging")).items():
        logging[t] = on
    acfg = body.get("accessConfig") or {}
    if not isinstance(acfg, dict):
        raise invalid_param("accessConfig must be an object.", clusterName=name)
    mode = acfg.get("authenticationMode", "API_AND_CONFIG_MAP")
    if mode not in ("API", "API_AND_CONFIG_MAP", "CONFIG_MAP"):
        raise invalid_param("Unsupported authentication mode %s" % mode, clusterName=name)
    bootstrap = _bool(acfg, "bootstrapClusterCreatorAdminPermissions", True)
    if mode == "CONFIG_MAP" and not bootstrap:
        raise invalid_param("bootstrapClusterCreatorAdminPermissions must be true if cluster "
                            "authentication mode is set to CONFIG_MAP", clusterName=name)
    upgrade = body.get("upgradePolicy") or {}
    support = upgrade.get("supportType", "EXTENDED")
    if support not in ("STANDARD", "EXTENDED"):
        raise invalid_param("Unsupported supportType %s" % support, clusterName=name)
    knc = body.get("kubernetesNetworkConfig") or {}
    tags = _tags(body, clusterName=name)
    if name in clusters:
        raise in_use("Cluster already exists with name: %s" % name, clusterName=name)
    if len(clusters) >= MAX_CLUSTERS:
        raise ApiError("ResourceLimitExceededException", "Cluster limit exceeded for account.",
                       400, {"clusterName": name})
    certs.ensure(ctx.store)
    c = {
        "name": name, "id": str(uuid.uuid4()), "createdAt": ctx.now, "version": version,
        "arn": "arn:aws:eks:%s:%s:cluster/%s" % (ctx.region, ctx.account, name),
        "roleArn": role_arn, "status": "CREATING", "active_at": ctx.now + ctx.cfg.delay,
        "platformVersion": cat.PLATFORM_VERSIONS[version],
        "resourcesVpcConfig": {"subnetIds": subnets, "securityGroupIds": sgs,
                               "clusterSecurityGroupId": "sg-" + rand_hex(17),
                               "vpcId": "vpc-" + rand_hex(17), "endpointPublicAccess": pub,
                               "endpointPrivateAccess": priv, "publicAccessCidrs": cidrs},
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": knc.get("serviceIpv4Cidr",
                                                               "172.20.0.0/16"),
                                    "ipFamily": knc.get("ipFamily", "ipv4"),
                                    "elasticLoadBalancing": {"enabled": False}},
        "logging": logging,
        "oidcIssuer": "https://oidc.eks.%s.amazonaws.com/id/%s" % (ctx.region,
                                                                  rand_hex(32).upper()),
        "tags": tags, "accessConfig": {"authenticationMode": mode,
                                       "bootstrapClusterCreatorAdminPermissions": bootstrap},
        "upgradePolicy": {"supportType": support},
        "deletionProtection": bool(body.get("deletionProtection", False)),
        "encryptionConfig": body.get("encryptionConfig"),
        "clientRequestToken": body.get("clientRequestToken"),
        "creator": ctx.principal.get("role_arn") or ctx.principal["arn"],
        "nodegroups": {}, "addons": {}, "capabilities": {}, "updates": {}, "access_entries": {},
    }
    clusters[name] = c
    hist(ctx.store, ctx.account, ctx.region, c, "cluster", name, "status", at=ctx.now,
         status="CREATING", version=version)
    if bootstrap:
        from . import access
        access.make_entry(ctx.store, c, ctx.account, ctx.region, c["creator"], "STANDARD",
                          ctx.now, "cluster-creator",
                          [(access.policy_arn("AmazonEKSClusterAdminPolicy"),
                            {"type": "cluster", "namespaces": []})])
    _idem_store(ctx, key, body, name)
    ctx.dirty()
    return 200, {"cluster": cluster_view(ctx, c)}


def _logging_changes(logging):
    if logging is None:
        return {}
    if not isinstance(logging, dict) or not isinstance(logging.get("clusterLogging", []), list):
        raise invalid_param("logging must be {\"clusterLogging\": [...]}.")
    out = {}
    for entry in logging.get("clusterLogging", []):
        types = _str_list(entry.get("types"), "types") or []
        for t in types:
            if t not in cat.LOG_TYPES:
                raise invalid_param("Unknown log type %s; valid types are %s"
                                    % (t, ", ".join(cat.LOG_TYPES)))
            out[t] = bool(entry.get("enabled", False))
    return out


def describe_cluster(ctx, p, q, body):
    return 200, {"cluster": cluster_view(ctx, get_cluster(ctx, p["name"]))}


def list_clusters(ctx, p, q, body):
    return _paged(q, "clusters", sorted(_clusters(ctx)), "lc")


def delete_cluster(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    if c["status"] == "DELETING":
        return 200, {"cluster": cluster_view(ctx, c)}
    if c["deletionProtection"]:
        raise invalid_request("Cluster %s has deletion protection enabled." % c["name"],
                              clusterName=c["name"])
    if c["status"] in ("CREATING", "UPDATING"):
        raise in_use("Cannot delete cluster %s while it is %s." % (c["name"], c["status"]),
                     clusterName=c["name"])
    if c["nodegroups"]:
        raise in_use("Cluster has nodegroups attached", clusterName=c["name"])
    hist(ctx.store, ctx.account, ctx.region, c, "cluster", c["name"], "delete_requested",
         at=ctx.now, status_from=c["status"])
    c["status"] = "DELETING"
    c["delete_at"] = ctx.now + ctx.cfg.delay
    for pool in (c["addons"], c["capabilities"]):
        for a in pool.values():
            a["status"] = "DELETING"
            a["delete_at"] = c["delete_at"]
    ctx.dirty()
    return 200, {"cluster": cluster_view(ctx, c)}


def _cluster_update_guard(c):
    if c["status"] == "UPDATING":
        raise in_use("Cluster has an update in progress", clusterName=c["name"])
    if c["status"] != "ACTIVE":
        raise in_use("Cluster %s is in %s state and cannot be updated." % (c["name"],
                                                                            c["status"]),
                     clusterName=c["name"])


def update_cluster_version(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    key = "%s/%s/UpdateClusterVersion/%s" % (ctx.account, ctx.region, c["id"])
    ref = _idem_lookup(ctx, key, body)
    if ref is not None and ref in c["updates"]:
        return 200, {"update": update_view(c["updates"][ref])}
    version = _str(body, "version", True, clusterName=c["name"])
    _cluster_update_guard(c)
    cur = cat.minor_index(c["version"])
    tgt = cat.minor_index(version)
    if tgt is None or tgt != cur + 1:
        raise invalid_param("Unsupported Kubernetes minor version update from %s to %s"
                            % (c["version"], version), clusterName=c["name"])
    if not cat.usable(version, cat.today(ctx.cfg)):
        raise invalid_param("unsupported Kubernetes version %s" % version, clusterName=c["name"])
    for ng in c["nodegroups"].values():
        if ng["version"] != c["version"]:
            raise invalid_request("Nodegroup %s must be updated to match cluster version %s "
                                  "before updating cluster version" % (ng["nodegroupName"],
                                                                       c["version"]),
                                  clusterName=c["name"], nodegroupName=ng["nodegroupName"])
    params = [{"type": "Version", "value": version},
              {"type": "PlatformVersion", "value": cat.PLATFORM_VERSIONS[version]}]
    u = _new_update(ctx, c, "VersionUpdate", params, {"kind": "cluster", "name": None},
                    {"kind": "cluster_version", "version": version})
    c["status"] = "UPDATING"
    _idem_store(ctx, key, body, u["id"])
    return 200, {"update": update_view(u)}


def update_cluster_config(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    key = "%s/%s/UpdateClusterConfig/%s" % (ctx.account, ctx.region, c["id"])
    ref = _idem_lookup(ctx, key, body)
    if ref is not None and ref in c["updates"]:
        return 200, {"update": update_view(c["updates"][ref])}
    kinds = [k for k in ("resourcesVpcConfig", "logging", "accessConfig", "upgradePolicy",
                         "deletionProtection", "kubernetesNetworkConfig", "computeConfig",
                         "storageConfig", "zonalShiftConfig", "remoteNetworkConfig")
             if body.get(k) is not None]
    if not kinds:
        raise invalid_param("No changes needed: specify one configuration to update.",
                            clusterName=c["name"])
    if len(kinds) > 1:
        raise invalid_param("Only one type of update can be allowed.", clusterName=c["name"])
    _cluster_update_guard(c)
    kind = kinds[0]
    name = c["name"]
    cur_vpc = c["resourcesVpcConfig"]
    if kind == "resourcesVpcConfig":
        vpc = body[kind]
        if not isinstance(vpc, dict):
            raise invalid_param("resourcesVpcConfig must be an object.", clusterName=name)
        change = {}
        for k in ("endpointPublicAccess", "endpointPrivateAccess"):
            if k in vpc:
                change[k] = _bool(vpc, k)
        if "publicAccessCidrs" in vpc:
            change["publicAccessCidrs"] = _str_list(vpc["publicAccessCidrs"], "publicAccessCidrs")
        for k in ("subnetIds", "securityGroupIds"):
            if k in vpc:
                change[k] = _str_list(vpc[k], k)
        if not change or all(cur_vpc.get(k) == v for k, v in change.items()):
            raise invalid_param("Cluster is already at the desired configuration with "
                                "endpointPrivateAccess: %s , endpointPublicAccess: %s, "
                                "publicAccessCidrs: %s" % (str(cur_vpc["endpointPrivateAccess"])
                                                           .lower(),
                                                           str(cur_vpc["endpointPublicAccess"])
                                                           .lower(),
                                                           cur_vpc["publicAccessCidrs"]),
                                clusterName=name)
        merged = dict(cur_vpc)
        merged.update(change)
        if not merged["endpointPublicAccess"] and not merged["endpointPrivateAccess"]:
            raise invalid_param("Cluster must have at least one of endpointPublicAccess or "
                                "endpointPrivateAccess enabled.", clusterName=name)
        if "subnetIds" in change or "securityGroupIds" in change:
            type_ = "VpcConfigUpdate"
            params = [{"type": "SubnetIds", "value": json.dumps(merged["subnetIds"])},
                      {"type": "SecurityGroupIds", "value": json.dumps(merged["securityGroupIds"])}]
        else:
            type_ = "EndpointAccessUpdate"
            params = [{"type": "EndpointPublicAccess",
                       "value": str(merged["endpointPublicAccess"]).lower()},
                      {"type": "EndpointPrivateAccess",
                       "value": str(merged["endpointPrivateAccess"]).lower()},
                      {"type": "PublicAccessCidrs", "value": json.dumps(merged["publicAccessCidrs"])}]
        apply = {"kind": "cluster_config", "vpc": change}
    elif kind == "logging":
        change = _logging_changes(body["logging"])
        if all(c["logging"].get(t) == on for t, on in change.items()):
            raise invalid_param("No changes needed for the logging config provided",
                                clusterName=name)
        type_ = "LoggingUpdate"
        merged = dict(c["logging"])
        merged.update(change)
        params = [{"type": "ClusterLogging", "value": json.dumps(
            _logging_view({"logging": merged})["clusterLogging"])}]
        apply = {"kind": "cluster_config", "logging": change}
    elif kind == "accessConfig":
        mode = body[kind].get("authenticationMode")
        if mode not in ("API", "API_AND_CONFIG_MAP"):
            raise invalid_param("Unsupported authentication mode update to %s" % mode,
                                clusterName=name)
        cur_mode = c["accessConfig"]["authenticationMode"]
        if mode == cur_mode or cur_mode == "API":
            raise invalid_param("Unsupported authentication mode update from %s to %s"
                                % (cur_mode, mode), clusterName=name)
        type_ = "AccessConfigUpdate"
        params = [{"type": "AuthenticationMode", "value": mode}]
        apply = {"kind": "cluster_config", "accessConfig": {"authenticationMode": mode}}
    elif kind == "upgradePolicy":
        support = body[kind].get("supportType")
        if support not in ("STANDARD", "EXTENDED"):
            raise invalid_param("Unsupported supportType %s" % support, clusterName=name)
        type_ = "UpgradePolicyUpdate"
        params = [{"type": "UpgradePolicySupportType", "value": support}]
        apply = {"kind": "cluster_config", "upgradePolicy": {"supportType": support}}
    elif kind == "deletionProtection":
        dp = _bool(body, "deletionProtection")
        type_ = "DeletionProtectionUpdate"
        params = [{"type": "DeletionProtection", "value": str(dp).lower()}]
        apply = {"kind": "cluster_config", "deletionProtection": dp}
    else:
        raise invalid_param("Updating %s is not supported by localaws." % kind, clusterName=name)
    u = _new_update(ctx, c, type_, params, {"kind": "cluster", "name": None}, apply)
    c["status"] = "UPDATING"
    _idem_store(ctx, key, body, u["id"])
    return 200, {"update": update_view(u)}


def _scope_from_query(q):
    for kind, param in (("nodegroup", "nodegroupName"), ("addon", "addonName"),
                        ("capability", "capabilityName")):
        v = q.get(param, [None])[0]
        if v:
            return {"kind": kind, "name": v}
    return {"kind": "cluster", "name": None}


def describe_update(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    u = c["updates"].get(p["updateId"])
    if u is None or u["scope"] != _scope_from_query(q):
        raise not_found("No update found for ID: %s" % p["updateId"], clusterName=c["name"])
    return 200, {"update": update_view(u)}


def list_updates(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    scope = _scope_from_query(q)
    ids = [u["id"] for u in sorted(c["updates"].values(), key=lambda u: u["createdAt"])
           if u["scope"] == scope]
    return _paged(q, "updateIds", ids, "lu" + c["id"])


# ---------------------------------------------------------------- node groups

def _scaling(sc, current=None, **ctxf):
    if sc is None:
        return current or {"minSize": 1, "maxSize": 2, "desiredSize": 2}
    if not isinstance(sc, dict):
        raise invalid_param("scalingConfig must be an object.", **ctxf)
    out = dict(current or {"minSize": 1, "maxSize": 2, "desiredSize": 2})
    for k in ("minSize", "maxSize", "desiredSize"):
        if k in sc:
            v = sc[k]
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise invalid_param("%s must be a non-negative integer." % k, **ctxf)
            out[k] = v
    if "desiredSize" not in sc and current is None:
        out["desiredSize"] = max(out["minSize"], min(out["desiredSize"], out["maxSize"]))
    if out["maxSize"] < 1:
        raise invalid_param("Maximum size must be at least 1.", **ctxf)
    if out["minSize"] > out["maxSize"]:
        raise invalid_param("Minimum capacity %d can't be greater than maximum capacity %d."
                            % (out["minSize"], out["maxSize"]), **ctxf)
    if not out["minSize"] <= out["desiredSize"] <= out["maxSize"]:
        raise invalid_param("desired capacity %d must be between minimum %d and maximum %d."
                            % (out["desiredSize"], out["minSize"], out["maxSize"]), **ctxf)
    return out


def _taints(v, **ctxf):
    if v is None:
        return []
    if not isinstance(v, list):
        raise invalid_param("taints must be a list.", **ctxf)
    out = []
    for t in v:
        if not isinstance(t, dict) or not isinstance(t.get("key"), str) or not t["key"]:
            raise invalid_param("Each taint needs a key.", **ctxf)
        if t.get("effect") not in ("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"):
            raise invalid_param("Taint effect must be NO_SCHEDULE, NO_EXECUTE or "
                                "PREFER_NO_SCHEDULE.", **ctxf)
        item = {"key": t["key"], "effect": t["effect"]}
        if t.get("value") is not None:
            item["value"] = t["value"]
        out.append(item)
    return out


def get_nodegroup(c, name):
    ng = c["nodegroups"].get(name)
    if ng is None:
        raise not_found("No node group found for name: %s." % name, clusterName=c["name"],
                        nodegroupName=name)
    return ng


def create_nodegroup(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    name = _str(body, "nodegroupName", True, clusterName=c["name"])
    f = {"clusterName": c["name"], "nodegroupName": name}
    if not 1 <= len(name) <= 63 or not _CLUSTER_NAME.match(name):
        raise invalid_param("Nodegroup name %s is invalid." % name, **f)
    key = "%s/%s/CreateNodegroup/%s/%s" % (ctx.account, ctx.region, c["id"], name)
    ref = _idem_lookup(ctx, key, body)
    if ref is not None and ref in c["nodegroups"]:
        return 200, {"nodegroup": nodegroup_view(c, c["nodegroups"][ref])}
    _require_active(c)
    subnets = _str_list(body.get("subnets"), "subnets")
    if not subnets:
        raise invalid_param("subnets is required.", **f)
    role = _str(body, "nodeRole", True, **f)
    _role_in_account(ctx, role, "nodeRole", "ec2.amazonaws.com", **f)
    scaling = _scaling(body.get("scalingConfig"), **f)
    capacity = body.get("capacityType", "ON_DEMAND")
    if capacity not in ("ON_DEMAND", "SPOT", "CAPACITY_BLOCK"):
        raise invalid_param("capacityType must be ON_DEMAND, SPOT or CAPACITY_BLOCK.", **f)
    ami = body.get("amiType", "AL2023_x86_64_STANDARD")
    if ami not in cat.AMI_TYPES:
        raise invalid_param("Unsupported amiType %s" % ami, **f)
    instance_types = _str_list(body.get("instanceTypes"), "instanceTypes") or ["t3.medium"]
    lt = body.get("launchTemplate")
    disk = body.get("diskSize")
    if disk is not None and (not isinstance(disk, int) or isinstance(disk, bool) or disk < 1):
        raise invalid_param("diskSize must be a positive integer.", **f)
    if disk is not None and lt is not None:
        raise invalid_param("Disk size must be specified within the launch template.", **f)
    if disk is None and lt is None:
        disk = 20
    labels = _str_map(body.get("labels"), "labels") or {}
    taints = _taints(body.get("taints"), **f)
    version = _str(body, "version", **f) or c["version"]
    vi, ci = cat.minor_index(version), cat.minor_index(c["version"])
    if vi is None or vi > ci or vi < ci - 3:
        raise invalid_param("Requested Nodegroup version %s is invalid for cluster version %s"
                            % (version, c["version"]), **f)
    release = _str(body, "releaseVersion", **f) or cat.release_version(version)
    tags = _tags(body, **f)
    uc = body.get("updateConfig") or {"maxUnavailable": 1}
    if name in c["nodegroups"]:
        raise in_use("NodeGroup already exists with name %s and cluster name %s" % (name,
                                                                                    c["name"]),
                     **f)
    if len(c["nodegroups"]) >= MAX_NODEGROUPS:
        raise ApiError("ResourceLimitExceededException", "Nodegroup limit exceeded for cluster.",
                       400, f)
    ngid = str(uuid.uuid4())
    ng = {"nodegroupName": name, "clusterName": c["name"], "version": version,
          "nodegroupArn": "arn:aws:eks:%s:%s:nodegroup/%s/%s/%s" % (ctx.region, ctx.account,
                                                                    c["name"], name, ngid),
          "releaseVersion": release, "createdAt": ctx.now, "modifiedAt": ctx.now,
          "status": "CREATING", "active_at": ctx.now + ctx.cfg.delay, "capacityType": capacity,
          "scalingConfig": scaling, "instanceTypes": instance_types, "subnets": subnets,
          "amiType": ami, "nodeRole": role, "labels": dict(labels), "taints": taints,
          "resources": {"autoScalingGroups": [{"name": "eks-%s-%s" % (name, ngid)}]},
          "health": {"issues": []}, "updateConfig": uc, "tags": tags, "diskSize": disk,
          "remoteAccess": body.get("remoteAccess"), "launchTemplate": lt}
    c["nodegroups"][name] = ng
    hist(ctx.store, ctx.account, ctx.region, c, "nodegroup", name, "status", at=ctx.now,
         status="CREATING", version=version)
    from . import access
    access.make_entry(ctx.store, c, ctx.account, ctx.region, role, "EC2_LINUX", ctx.now,
                      "nodegroup:" + role)
    _idem_store(ctx, key, body, name)
    ctx.dirty()
    return 200, {"nodegroup": nodegroup_view(c, ng)}


def describe_nodegroup(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    return 200, {"nodegroup": nodegroup_view(c, get_nodegroup(c, p["ng"]))}


def list_nodegroups(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    return _paged(q, "nodegroups", sorted(c["nodegroups"]), "ln" + c["id"])


def _ng_update_guard(c, ng):
    if ng["status"] not in ("ACTIVE", "DEGRADED"):
        raise in_use("Nodegroup %s is currently %s and cannot be updated."
                     % (ng["nodegroupName"], ng["status"]), clusterName=c["name"],
                     nodegroupName=ng["nodegroupName"])
    if c["status"] != "ACTIVE":
        raise in_use("Cluster %s has an update in progress." % c["name"], clusterName=c["name"],
                     nodegroupName=ng["nodegroupName"])


def update_nodegroup_config(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    ng = get_nodegroup(c, p["ng"])
    f = {"clusterName": c["name"], "nodegroupName": ng["nodegroupName"]}
    key = "%s/%s/UpdateNodegroupConfig/%s/%s" % (ctx.account, ctx.region, c["id"],
                                                 ng["nodegroupArn"])
    ref = _idem_lookup(ctx, key, body)
    if ref is not None and ref in c["updates"]:
        return 200, {"update": update_view(c["updates"][ref])}
    apply = {"kind": "nodegroup_config"}
    params = []
    labels = body.get("labels")
    if labels is not None:
        add = _str_map(labels.get("addOrUpdateLabels"), "addOrUpdateLabels") or {}
        rem = _str_list(labels.get("removeLabels"), "removeLabels") or []
        if add:
            apply["addLabels"] = add
            params.append({"type": "LabelsToAdd", "value": json.dumps(add)})
        if rem:
            apply["removeLabels"] = rem
            params.append({"type": "LabelsToRemove", "value": json.dumps(rem)})
    taints = body.get("taints")
    if taints is not None:
        add = _taints(taints.get("addOrUpdateTaints"), **f)
        rem = taints.get("removeTaints") or []
        if not isinstance(rem, list) or any(not isinstance(t, dict) or "key" not in t
                                            for t in rem):
            raise invalid_param("removeTaints must be a list of taints.", **f)
        if add:
            apply["addTaints"] = add
            params.append({"type": "TaintsToAdd", "value": json.dumps(add)})
        if rem:
            apply["removeTaints"] = rem
            params.append({"type": "TaintsToRemove", "value": json.dumps(rem)})
    if body.get("scalingConfig") is not None:
        sc = _scaling(body["scalingConfig"], ng["scalingConfig"], **f)
        apply["scalingConfig"] = sc
        params += [{"type": "MinSize", "value": str(sc["minSize"])},
                   {"type": "MaxSize", "value": str(sc["maxSize"])},
                   {"type": "DesiredSize", "value": str(sc["desiredSize"])}]
    if body.get("updateConfig") is not None:
        apply["updateConfig"] = body["updateConfig"]
        for k, v in body["updateConfig"].items():
            params.append({"type": k[0].upper() + k[1:], "value": str(v)})
    if not params:
        raise invalid_param("No changes needed", **f)
    _ng_update_guard(c, ng)
    u = _new_update(ctx, c, "ConfigUpdate", params, {"kind": "nodegroup",
                                                     "name": ng["nodegroupName"]}, apply)
    ng["status"] = "UPDATING"
    _idem_store(ctx, key, body, u["id"])
    return 200, {"update": update_view(u)}


def update_nodegroup_version(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    ng = get_nodegroup(c, p["ng"])
    f = {"clusterName": c["name"], "nodegroupName": ng["nodegroupName"]}
    key = "%s/%s/UpdateNodegroupVersion/%s/%s" % (ctx.account, ctx.region, c["id"],
                                                  ng["nodegroupArn"])
    ref = _idem_lookup(ctx, key, body)
    if ref is not None and ref in c["updates"]:
        return 200, {"update": update_view(c["updates"][ref])}
    version = _str(body, "version", **f) or c["version"]
    vi, ci = cat.minor_index(version), cat.minor_index(c["version"])
    if vi is None or vi > ci:
        raise invalid_param("Requested Nodegroup Kubernetes version %s is not valid for cluster "
                            "version %s" % (version, c["version"]), **f)
    if vi < cat.minor_index(ng["version"]):
        raise invalid_param("Requested Nodegroup Kubernetes version %s is lower than the current "
                            "version %s" % (version, ng["version"]), **f)
    release = _str(body, "releaseVersion", **f) or cat.release_version(version)
    _ng_update_guard(c, ng)
    params = [{"type": "Version", "value": version}, {"type": "ReleaseVersion", "value": release}]
    u = _new_update(ctx, c, "VersionUpdate", params, {"kind": "nodegroup",
                                                      "name": ng["nodegroupName"]},
                    {"kind": "nodegroup_version", "version": version, "releaseVersion": release})
    ng["status"] = "UPDATING"
    _idem_store(ctx, key, body, u["id"])
    return 200, {"update": update_view(u)}


def delete_nodegroup(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    ng = get_nodegroup(c, p["ng"])
    if ng["status"] == "UPDATING":
        raise in_use("Nodegroup %s is currently being updated." % ng["nodegroupName"],
                     clusterName=c["name"], nodegroupName=ng["nodegroupName"])
    _start_delete(ctx, c, "nodegroup", ng["nodegroupName"], ng)
    return 200, {"nodegroup": nodegroup_view(c, ng)}


# ---------------------------------------------------------------- add-ons

def get_addon(c, name):
    a = c["addons"].get(name)
    if a is None:
        raise not_found("No addon: %s found in cluster: %s" % (name, c["name"]),
                        clusterName=c["name"], addonName=name)
    return a


def _addon_fields(ctx, c, body, meta, current=None):
    f = {"clusterName": c["name"], "addonName": meta["name"]}
    out = {}
    version = _str(body, "addonVersion", **f)
    if version is None and current is None:
        version = cat.default_version(meta, c["version"])
        if version is None:
            raise invalid_param("Addon %s is not supported for Kubernetes version %s"
                                % (meta["name"], c["version"]), **f)
    if version is not None:
        if not cat.compatible(meta, version, c["version"]):
            raise invalid_param("Addon version specified is not supported", **f)
        out["addonVersion"] = version
    rc = body.get("resolveConflicts")
    if rc is not None and rc not in ("OVERWRITE", "NONE", "PRESERVE"):
        raise invalid_param("resolveConflicts must be OVERWRITE, NONE or PRESERVE.", **f)
    sa = _str(body, "serviceAccountRoleArn", **f)
    if sa is not None:
        if sa != "" and not _ROLE_ARN.match(sa):
            raise invalid_param("serviceAccountRoleArn %s is not a valid role ARN." % sa, **f)
        out["serviceAccountRoleArn"] = sa or None
    cv = _str(body, "configurationValues", **f)
    if cv is not None:
        try:
            confvalues.check(cv)
        except confvalues.Invalid as e:
            raise invalid_param("ConfigurationValue provided in request is not supported: "
                                "Json schema validation failed: %s" % e, **f)
        out["configurationValues"] = cv
    pia = body.get("podIdentityAssociations")
    if pia is not None:
        if not isinstance(pia, list):
            raise invalid_param("podIdentityAssociations must be a list.", **f)
        lst = []
        for item in pia:
            if not isinstance(item, dict) or not item.get("serviceAccount") or \
                    not _ROLE_ARN.match(item.get("roleArn") or ""):
                raise invalid_param("Each podIdentityAssociation needs serviceAccount and "
                                    "roleArn.", **f)
            lst.append({"serviceAccount": item["serviceAccount"], "roleArn": item["roleArn"],
                        "associationArn": "arn:aws:eks:%s:%s:podidentityassociation/%s/a-%s"
                        % (ctx.region, ctx.account, c["name"], rand_lower(17))})
        out["podIdentityAssociations"] = lst
    return out


def create_addon(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    name = _str(body, "addonName", True, clusterName=c["name"])
    f = {"clusterName": c["name"], "addonName": name}
    key = "%s/%s/CreateAddon/%s/%s" % (ctx.account, ctx.region, c["id"], name)
    ref = _idem_lookup(ctx, key, body)
    if ref is not None and ref in c["addons"]:
        return 200, {"addon": addon_view(c, c["addons"][ref])}
    meta = cat.BY_NAME.get(name)
    if meta is None:
        raise invalid_param("Addon %s specified is not supported" % name, **f)
    _require_active(c)
    fields = _addon_fields(ctx, c, body, meta)
    tags = _tags(body, **f)
    if name in c["addons"]:
        raise in_use("Addon already exists.", **f)
    a = {"addonName": name, "status": "CREATING", "active_at": ctx.now + ctx.cfg.delay,
         "addonArn": "arn:aws:eks:%s:%s:addon/%s/%s/%s" % (ctx.region, ctx.account, c["name"],
                                                          name, uuid.uuid4()),
         "createdAt": ctx.now, "modifiedAt": ctx.now, "tags": tags,
         "resolveConflicts": body.get("resolveConflicts")}
    a.update(fields)
    c["addons"][name] = a
    hist(ctx.store, ctx.account, ctx.region, c, "addon", name, "status", at=ctx.now,
         status="CREATING", version=a["addonVersion"])
    _idem_store(ctx, key, body, name)
    ctx.dirty()
    return 200, {"addon": addon_view(c, a)}


def describe_addon(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    return 200, {"addon": addon_view(c, get_addon(c, p["addon"]))}


def list_addons(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    return _paged(q, "addons", sorted(c["addons"]), "ladd" + c["id"])


def update_addon(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    a = get_addon(c, p["addon"])
    f = {"clusterName": c["name"], "addonName": a["addonName"]}
    key = "%s/%s/UpdateAddon/%s/%s" % (ctx.account, ctx.region, c["id"], a["addonArn"])
    ref = _idem_lookup(ctx, key, body)
    if ref is not None and ref in c["updates"]:
        return 200, {"update": update_view(c["updates"][ref])}
    fields = _addon_fields(ctx, c, body, cat.BY_NAME[a["addonName"]], current=a)
    if a["status"] not in ("ACTIVE", "DEGRADED", "UPDATE_FAILED"):
        raise in_use("Addon %s is currently %s and cannot be updated." % (a["addonName"],
                                                                          a["status"]), **f)
    if c["status"] != "ACTIVE":
        raise invalid_request("Cluster %s is in %s state; wait until it is ACTIVE."
                              % (c["name"], c["status"]), **f)
    params = []
    names = {"addonVersion": "AddonVersion", "serviceAccountRoleArn": "ServiceAccountRoleArn",
             "configurationValues": "ConfigurationValues"}
    for k, v in fields.items():
        if k in names:
            params.append({"type": names[k], "value": v or ""})
    if body.get("resolveConflicts"):
        params.append({"type": "ResolveConflicts", "value": body["resolveConflicts"]})
    u = _new_update(ctx, c, "AddonUpdate", params, {"kind": "addon", "name": a["addonName"]},
                    {"kind": "addon", "fields": fields})
    a["status"] = "UPDATING"
    _idem_store(ctx, key, body, u["id"])
    return 200, {"update": update_view(u)}


def delete_addon(ctx, p, q, body):
    c = get_cluster(ctx, p["name"])
    a = get_addon(c, p["addon"])
    preserve = q.get("preserve", ["false"])[0]
    if preserve not in ("true", "false"):
        raise invalid_param("preserve must be true or false.", clusterName=c["name"])
    if a["status"] == "UPDATING":
        raise in_use("Addon %s is currently being updated." % a["addonName"],
                     clusterName=c["name"], addonName=a["addonName"])
    _start_delete(ctx, c, "addon", a["addonName"], a)
    return 200, {"addon": addon_view(c, a)}


def describe_addon_versions(ctx, p, q, body):
    k8s = q.get("kubernetesVersion", [None])[0]
    if k8s is not None and k8s not in cat.KUBERNETES_VERSIONS:
        return 200, {"addons": []}
    name = q.get("addonName", [None])[0]
    types, pubs, owners = q.get("types"), q.get("publishers"), q.get("owners")
    items = []
    for meta in cat.ADDONS:
        if name and meta["name"] != name:
            continue
        if types and meta["type"] not in types:
            continue
        if pubs and meta["publisher"] not in pubs:
            continue
        if owners and meta["owner"] not in owners:
            continue
        d = cat.describe(meta, k8s)
        if d["addonVersions"]:
            items.append(d)
    return _paged(q, "addons", items, "dav")


# ---------------------------------------------------------------- Kubernetes versions

def _qbool(q, name):
    v = q.get(name, [None])[0]
    if v is None:
        return False
    if v not in ("true", "false"):
        raise invalid_param("%s must be true or false." % name)
    return v == "true"


def describe_cluster_versions(ctx, p, q, body):
    """GET /cluster-versions: the version table with support status computed for today."""
    day = cat.today(ctx.cfg)
    ctype = q.get("clusterType", ["eks"])[0]
    default_only = _qbool(q, "defaultOnly")
    include_all = _qbool(q, "includeAll")
    wanted = q.get("clusterVersions")
    status_filter = q.get("versionStatus", q.get("status", [None]))[0]
    if status_filter is not None:
        status_filter = status_filter.upper().replace("-", "_")
        if status_filter not in (cat.STANDARD, cat.EXTENDED, cat.UNSUPPORTED):
            raise invalid_param("versionStatus must be one of STANDARD_SUPPORT, "
                                "EXTENDED_SUPPORT, UNSUPPORTED.")
    items = []
    if ctype == "eks":
        for v in reversed(cat.KUBERNETES_VERSIONS):
            if not cat.released(v, day):
                continue
            status = cat.version_status(v, day)
            rel, std, ext, patch = cat.VERSION_DATES[v]
            is_default = v == cat.default_kubernetes_version(day)
            if wanted and v not in wanted:
                continue
            if default_only and not is_default:
                continue
            if status_filter is not None and status != status_filter:
                continue
            if status == cat.UNSUPPORTED and not include_all and not wanted and \
                    status_filter is None:
                continue
            items.append({"clusterVersion": v, "clusterType": "eks",
                          "defaultPlatformVersion": cat.PLATFORM_VERSIONS[v],
                          "defaultVersion": is_default, "releaseDate": cat.day_epoch(rel),
                          "endOfStandardSupportDate": cat.day_epoch(std),
                          "endOfExtendedSupportDate": cat.day_epoch(ext),
                          "status": status, "versionStatus": status,
                          "kubernetesPatchVersion": patch})
    return _paged(q, "clusterVersions", items, "dcv")


# ---------------------------------------------------------------- tags

def _tag_target(ctx, arn):
    m = re.match(r"^arn:aws:eks:([a-z0-9-]+):(\d{12}):(cluster|nodegroup|addon|capability|"
                 r"access-entry)/"
                 r"([^/]+)(/.*)?$", arn)
    if not m:
        raise ApiError("BadRequestException", "Invalid ARN: %s" % arn, 400)
    region, account, kind, cname = m.group(1), m.group(2), m.group(3), m.group(4)
    missing = ApiError("NotFoundException", "Resource %s not found" % arn, 404)
    if account != ctx.account:
        raise missing
    c = ctx.store.state["eks"].get(account, {}).get(region, {"clusters": {}})["clusters"].get(cname)
    if c is None:
        raise missing
    if kind == "cluster":
        if c["arn"] != arn:
            raise missing
        return c
    pool = {"nodegroup": c["nodegroups"], "addon": c["addons"], "capability": c["capabilities"],
            "access-entry": c.get("access_entries", {})}[kind]
    key = {"nodegroup": "nodegroupArn", "addon": "addonArn", "capability": "arn",
           "access-entry": "accessEntryArn"}[kind]
    for obj in pool.values():
        if obj[key] == arn:
            return obj
    raise missing


def tag_resource(ctx, p, q, body):
    obj = _tag_target(ctx, p["arn"])
    tags = _str_map(body.get("tags"), "tags")
    if not tags:
        raise ApiError("BadRequestException", "tags is required.", 400)
    merged = dict(obj["tags"])
    merged.update(tags)

    def err(msg):
        return ApiError("BadRequestException", msg, 400)
    check_tags(merged, err)
    obj["tags"] = merged
    ctx.dirty()
    return 200, {}


def untag_resource(ctx, p, q, body):
    obj = _tag_target(ctx, p["arn"])
    keys = q.get("tagKeys")
    if not keys:
        raise ApiError("BadRequestException", "tagKeys is required.", 400)
    for k in keys:
        obj["tags"].pop(k, None)
    ctx.dirty()
    return 200, {}


def list_tags_for_resource(ctx, p, q, body):
    return 200, {"tags": _tag_target(ctx, p["arn"])["tags"]}


# ---------------------------------------------------------------- routing

def _routes():
    from . import access as acc, capabilities as cap
    seg = r"([^/]+)"
    table = [
        ("GET", r"/cluster-versions", "DescribeClusterVersions", describe_cluster_versions, ()),
        ("GET", r"/access-policies", "ListAccessPolicies", acc.list_access_policies, ()),
        ("POST", r"/clusters/%s/access-entries" % seg, "CreateAccessEntry",
         acc.create_access_entry, ("name",)),
        ("GET", r"/clusters/%s/access-entries" % seg, "ListAccessEntries",
         acc.list_access_entries, ("name",)),
        ("GET", r"/clusters/%s/access-entries/%s" % (seg, seg), "DescribeAccessEntry",
         acc.describe_access_entry, ("name", "principal")),
        ("POST", r"/clusters/%s/access-entries/%s" % (seg, seg), "UpdateAccessEntry",
         acc.update_access_entry, ("name", "principal")),
        ("DELETE", r"/clusters/%s/access-entries/%s" % (seg, seg), "DeleteAccessEntry",
         acc.delete_access_entry, ("name", "principal")),
        ("POST", r"/clusters/%s/access-entries/%s/access-policies" % (seg, seg),
         "AssociateAccessPolicy", acc.associate_access_policy, ("name", "principal")),
        ("GET", r"/clusters/%s/access-entries/%s/access-policies" % (seg, seg),
         "ListAssociatedAccessPolicies", acc.list_associated_access_policies,
         ("name", "principal")),
        ("DELETE", r"/clusters/%s/access-entries/%s/access-policies/%s" % (seg, seg, seg),
         "DisassociateAccessPolicy", acc.disassociate_access_policy,
         ("name", "principal", "policy")),
        ("POST", r"/clusters", "CreateCluster", create_cluster, ()),
        ("GET", r"/clusters", "ListClusters", list_clusters, ()),
        ("GET", r"/clusters/%s" % seg, "DescribeCluster", describe_cluster, ("name",)),
        ("DELETE", r"/clusters/%s" % seg, "DeleteCluster", delete_cluster, ("name",)),
        ("POST", r"/clusters/%s/updates" % seg, "UpdateClusterVersion", update_cluster_version,
         ("name",)),
        ("GET", r"/clusters/%s/updates" % seg, "ListUpdates", list_updates, ("name",)),
        ("GET", r"/clusters/%s/updates/%s" % (seg, seg), "DescribeUpdate", describe_update,
         ("name", "updateId")),
        ("POST", r"/clusters/%s/update-config" % seg, "UpdateClusterConfig",
         update_cluster_config, ("name",)),
        ("POST", r"/clusters/%s/node-groups" % seg, "CreateNodegroup", create_nodegroup,
         ("name",)),
        ("GET", r"/clusters/%s/node-groups" % seg, "ListNodegroups", list_nodegroups, ("name",)),
        ("GET", r"/clusters/%s/node-groups/%s" % (seg, seg), "DescribeNodegroup",
         describe_nodegroup, ("name", "ng")),
        ("DELETE", r"/clusters/%s/node-groups/%s" % (seg, seg), "DeleteNodegroup",
         delete_nodegroup, ("name", "ng")),
        ("POST", r"/clusters/%s/node-groups/%s/update-config" % (seg, seg),
         "UpdateNodegroupConfig", update_nodegroup_config, ("name", "ng")),
        ("POST", r"/clusters/%s/node-groups/%s/update-version" % (seg, seg),
         "UpdateNodegroupVersion", update_nodegroup_version, ("name", "ng")),
        ("POST", r"/clusters/%s/addons" % seg, "CreateAddon", create_addon, ("name",)),
        ("GET", r"/clusters/%s/addons" % seg, "ListAddons", list_addons, ("name",)),
        ("GET", r"/clusters/%s/addons/%s" % (seg, seg), "DescribeAddon", describe_addon,
         ("name", "addon")),
        ("DELETE", r"/clusters/%s/addons/%s" % (seg, seg), "DeleteAddon", delete_addon,
         ("name", "addon")),
        ("POST", r"/clusters/%s/addons/%s/update" % (seg, seg), "UpdateAddon", update_addon,
         ("name", "addon")),
        ("GET", r"/addons/supported-versions", "DescribeAddonVersions", describe_addon_versions,
         ()),
        ("POST", r"/clusters/%s/capabilities" % seg, "CreateCapability", cap.create_capability,
         ("name",)),
        ("GET", r"/clusters/%s/capabilities" % seg, "ListCapabilities", cap.list_capabilities,
         ("name",)),
        ("GET", r"/clusters/%s/capabilities/%s" % (seg, seg), "DescribeCapability",
         cap.describe_capability, ("name", "cap")),
        ("POST", r"/clusters/%s/capabilities/%s" % (seg, seg), "UpdateCapability",
         cap.update_capability, ("name", "cap")),
        ("DELETE", r"/clusters/%s/capabilities/%s" % (seg, seg), "DeleteCapability",
         cap.delete_capability, ("name", "cap")),
    ]
    return [(m, re.compile("^" + rx + "/?$"), op, fn, names) for m, rx, op, fn, names in table]


_ROUTES = None


def is_eks_path(path):
    return path.startswith(("/clusters", "/addons/", "/tags/", "/cluster-versions",
                            "/access-policies"))


def route(method, raw_path):
    """-> (operation name, handler, path params) or None."""
    global _ROUTES
    if _ROUTES is None:
        _ROUTES = _routes()
    if raw_path.startswith("/tags/"):
        arn = urllib.parse.unquote(raw_path[len("/tags/"):])
        op = {"POST": ("TagResource", tag_resource), "DELETE": ("UntagResource", untag_resource),
              "GET": ("ListTagsForResource", list_tags_for_resource)}.get(method)
        return (op[0], op[1], {"arn": arn}) if op else None
    for m, rx, op, fn, names in _ROUTES:
        if m != method:
            continue
        match = rx.match(raw_path)
        if match:
            vals = [urllib.parse.unquote(g) for g in match.groups()]
            return op, fn, dict(zip(names, vals))
    return None
