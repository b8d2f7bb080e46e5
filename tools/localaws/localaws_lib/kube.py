"""The Kubernetes API of each emulated EKS cluster, served under https://127.0.0.1:PORT/k8s/<cluster id>.

Bearer tokens (k8s-aws-v1. + base64url presigned STS GetCallerIdentity URL) are verified locally with
the SigV4 verifier; the cluster's access entries authorise (access.py), 401 / 403 otherwise. Objects:
namespaces, secrets, configmaps, serviceaccounts, and (once an ARGOCD capability installed the CRDs)
Argo CD applications, applicationsets, appprojects. Server-side apply with field managers and
conflicts, JSON merge patch, DELETE with finalizers, and the simulated Argo CD controller (argocd.py).
Must not speak AWS protocols.
"""

import base64
import copy
import json
import re
import urllib.parse
import uuid

from . import access, argocd, capabilities, sigv4
from .protocols import iso

TOKEN_PREFIX = "k8s-aws-v1."
_ALLOWED_PARAMS = {"action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
                   "x-amz-expires", "x-amz-security-token", "x-amz-signature",
                   "x-amz-signedheaders"}
_STS_HOST = re.compile(r"^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"]
ARGO_GV = "argoproj.io/v1alpha1"

# (group/version, plural) -> (kind, namespaced, needs the Argo CD CRDs)
RESOURCES = {
    ("v1", "namespaces"): ("Namespace", False, False),
    ("v1", "secrets"): ("Secret", True, False),
    ("v1", "configmaps"): ("ConfigMap", True, False),
    ("v1", "serviceaccounts"): ("ServiceAccount", True, False),
    (ARGO_GV, "applications"): ("Application", True, True),
    (ARGO_GV, "applicationsets"): ("ApplicationSet", True, True),
    (ARGO_GV, "appprojects"): ("AppProject", True, True),
}
ARGO_CRDS = ["applications.argoproj.io", "applicationsets.argoproj.io", "appprojects.argoproj.io"]


class KubeError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details


def status_body(code, reason, message, details=None, success=False):
    doc = {"kind": "Status", "apiVersion": "v1", "metadata": {},
           "status": "Success" if success else "Failure", "message": message, "reason": reason,
           "code": code}
    if details is not None:
        doc["details"] = details
    return doc


# ---------------------------------------------------------------- cluster state

def _kstate(store, c):
    k = store.state["kube"].get(c["id"])
    if k is None:
        k = {"objects": {}, "crds": [], "rv": 1}
        store.state["kube"][c["id"]] = k
        for ns in DEFAULT_NAMESPACES:
            _put_namespace(k, ns, c["createdAt"])
        store.dirty = True
    return k


def _bucket(k, gv, plural, ns):
    return k["objects"].setdefault(gv + "/" + plural, {}).setdefault(ns or "", {})


def _next_rv(k):
    k["rv"] += 1
    return str(k["rv"])


def _put_namespace(k, name, now):
    obj = {"apiVersion": "v1", "kind": "Namespace",
           "metadata": {"name": name, "uid": str(uuid.uuid4()), "resourceVersion": _next_rv(k),
                        "creationTimestamp": iso(now), "labels":
                        {"kubernetes.io/metadata.name": name}},
           "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}, "_m": {}}
    _bucket(k, "v1", "namespaces", "")[name] = obj
    return obj


def install_argocd(store, c, namespace, now):
    k = _kstate(store, c)
    for crd in ARGO_CRDS:
        if crd not in k["crds"]:
            k["crds"].append(crd)
    if namespace not in _bucket(k, "v1", "namespaces", ""):
        _put_namespace(k, namespace, now)
    projects = _bucket(k, ARGO_GV, "appprojects", namespace)
    if "default" not in projects:
        projects["default"] = {
            "apiVersion": ARGO_GV, "kind": "AppProject",
            "metadata": {"name": "default", "namespace": namespace, "uid": str(uuid.uuid4()),
                         "resourceVersion": _next_rv(k), "generation": 1,
                         "creationTimestamp": iso(now)},
            "spec": {"sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": "*"}],
                     "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
                     "sourceNamespaces": [namespace]}, "_m": {}}
    store.dirty = True


def find_object(k, gv, plural, ns, name):
    return k["objects"].get(gv + "/" + plural, {}).get(ns or "", {}).get(name)


def drop_cluster(store, cluster_id):
    store.state["kube"].pop(cluster_id, None)


def _find_cluster(store, cluster_id):
    for account, regions in store.state["eks"].items():
        for region, data in regions.items():
            for c in data["clusters"].values():
                if c["id"] == cluster_id:
                    return account, region, c
    return None, None, None


# ---------------------------------------------------------------- authentication

def verify_token(store, header, cluster_name, now, own_hosts):
    """-> principal dict, or raises KubeError 401."""
    unauthorized = KubeError(401, "Unauthorized", "Unauthorized")
    if not header or not header.startswith("Bearer "):
        raise unauthorized
    token = header[len("Bearer "):].strip()
    if not token.startswith(TOKEN_PREFIX) or len(token) > 4096:
        raise unauthorized
    body = token[len(TOKEN_PREFIX):]
    try:
        url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise unauthorized
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.lower()
    if parts.scheme == "https" and _STS_HOST.match(host):
        pass
    elif host in own_hosts and parts.scheme in ("http", "https"):
        pass
    else:
        raise unauthorized
    if parts.path not in ("", "/"):
        raise unauthorized
    seen = {}
    for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        lk = key.lower()
        if lk not in _ALLOWED_PARAMS or lk in seen:
            raise unauthorized
        seen[lk] = value
    if seen.get("action") != "GetCallerIdentity" or seen.get("version") != "2011-06-15":
        raise unauthorized
    if "x-k8s-aws-id" not in seen.get("x-amz-signedheaders", "").split(";"):
        raise unauthorized
    exp = seen.get("x-amz-expires", "0")
    if not exp.isdigit() or int(exp) > 900:
        raise unauthorized
    headers = [("host", parts.netloc), ("x-k8s-aws-id", cluster_name)]
    try:
        info = sigv4.extract("GET", parts.query, [])
        if info is None or not info.presigned or info.service != "sts":
            raise unauthorized
        creds = store.credentials(info.access_key)
        if creds is None:
            raise unauthorized
        if creds.get("token") is not None:
            if info.token != creds["token"] or creds["expires"] <= now:
                raise unauthorized
        info.expires = None
        sigv4.verify("GET", parts.path or "/", parts.query, headers, b"", info, creds["secret"],
                     now=now, max_presign_age=900)
    except sigv4.AuthFailure:
        raise unauthorized
    return creds["principal"]


# ---------------------------------------------------------------- server-side apply helpers

_IGNORED = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"),
            ("metadata", "uid"), ("metadata", "resourceVersion"), ("metadata", "generation"),
            ("metadata", "creationTimestamp"), ("metadata", "deletionTimestamp"),
            ("metadata", "managedFields"), ("metadata", "deletionGracePeriodSeconds")}


def _flatten(obj, prefix=()):
    out = {}
    if isinstance(obj, dict) and obj:
        for key, value in obj.items():
            out.update(_flatten(value, prefix + (key,)))
    elif prefix:
        out[prefix] = obj
    return out


def _get_path(obj, path):
    cur = obj
    for p in path:
        if not isinstance(cur, dict) or p not in cur:
            return _MISSING
        cur = cur[p]
    return cur


_MISSING = object()


def _set_path(obj, path, value):
    cur = obj
    for p in path[:-1]:
        if not isinstance(cur.get(p), dict):
            cur[p] = {}
        cur = cur[p]
    cur[path[-1]] = copy.deepcopy(value)


def _del_path(obj, path):
    chain = [obj]
    cur = obj
    for p in path[:-1]:
        if not isinstance(cur, dict) or p not in cur:
            return
        cur = cur[p]
        chain.append(cur)
    if isinstance(cur, dict):
        cur.pop(path[-1], None)
    # drop parents left empty
    for i in range(len(path) - 2, -1, -1):
        parent = chain[i]
        if isinstance(parent.get(path[i]), dict) and not parent[path[i]]:
            del parent[path[i]]
        else:
            break


def _key(path):
    return json.dumps(list(path))


def _fields_v1(paths):
    tree = {}
    for path in paths:
        cur = tree
        for p in path:
            cur = cur.setdefault("f:" + p, {})
    return tree


def render(obj):
    out = {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}
    managed = []
    for mgr, info in obj.get("_m", {}).items():
        managed.append({"manager": mgr, "operation": info["op"], "apiVersion": obj["apiVersion"],
                        "time": info["time"], "fieldsType": "FieldsV1",
                        "fieldsV1": _fields_v1([tuple(json.loads(p)) for p in info["paths"]])})
    if managed:
        out["metadata"]["managedFields"] = managed
    return out


def _spec_part(obj):
    return json.dumps({k: v for k, v in obj.items()
                       if k not in ("metadata", "status") and not k.startswith("_")},
                      sort_keys=True)


# ---------------------------------------------------------------- request handling

class Request:
    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.query, self.headers, self.body = (method, path, query,
                                                                       headers, body)

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name:
                return v
        return None


def handle(store, req, now, own_hosts):
    """req.path starts with /k8s/<cluster id>. -> (status, dict)."""
    m = re.match(r"^/k8s/([0-9a-f-]{36})(/.*)?$", req.path)
    if not m:
        return 404, status_body(404, "NotFound", "the server could not find the requested resource")
    account, region, c = _find_cluster(store, m.group(1))
    if c is None or c["status"] not in ("ACTIVE", "UPDATING"):
        return 503, status_body(503, "ServiceUnavailable", "the API server of this cluster is not "
                                "available")
    try:
        principal = verify_token(store, req.header("authorization"), c["name"], now, own_hosts)
        path = m.group(2) or "/"
        _authorize(c, account, principal, req.method, path)
        return _dispatch(store, c, req, path, now, principal)
    except KubeError as e:
        return e.code, status_body(e.code, e.reason, e.message, e.details)


_DISCOVERY = ("/version", "/api", "/apis", "/healthz", "/livez", "/readyz")


def _authorize(c, account, principal, method, path):
    """Access entries (API / API_AND_CONFIG_MAP) decide; see access.authorize."""
    verb = {"GET": "get", "HEAD": "get"}.get(method, method.lower())
    m = re.match(r"^/(?:api/v1|apis/[^/]+/[^/]+)/namespaces/([^/]+)/", path)
    namespace = m.group(1) if m else None
    decision = access.authorize(c, account, principal, verb, namespace)
    if decision == "unknown":
        raise KubeError(401, "Unauthorized", "Unauthorized")
    if decision == "deny" and not (verb == "get" and path.rstrip("/") in _DISCOVERY and
                                   principal["account"] == account):
        raise KubeError(403, "Forbidden", 'User "%s" cannot %s path "%s"'
                        % (principal["arn"], verb, path))


def _query(req):
    return urllib.parse.parse_qs(req.query or "", keep_blank_values=True)


def _dispatch(store, c, req, path, now, principal):
    k = _kstate(store, c)
    if path.rstrip("/") == "/version" and req.method == "GET":
        minor = c["version"].split(".")[1]
        return 200, {"major": "1", "minor": minor, "gitVersion": "v%s.0-eks-localaws" % c["version"],
                     "platform": "linux/amd64"}
    if path.rstrip("/") == "/api" and req.method == "GET":
        return 200, {"kind": "APIVersions", "versions": ["v1"]}
    if path.rstrip("/") == "/apis" and req.method == "GET":
        groups = [{"name": "apiextensions.k8s.io", "versions": [
            {"groupVersion": "apiextensions.k8s.io/v1", "version": "v1"}]}]
        if k["crds"]:
            groups.append({"name": "argoproj.io", "versions": [
                {"groupVersion": ARGO_GV, "version": "v1alpha1"}]})
        return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
    m = re.match(r"^/apis/apiextensions\.k8s\.io/v1/customresourcedefinitions/([^/]+)$", path)
    if m:
        if req.method != "GET":
            raise KubeError(405, "MethodNotAllowed", "the server does not allow this method on "
                            "the requested resource")
        if m.group(1) not in k["crds"]:
            raise KubeError(404, "NotFound", 'customresourcedefinitions.apiextensions.k8s.io "%s" '
                            'not found' % m.group(1), {"name": m.group(1),
                                                       "group": "apiextensions.k8s.io",
                                                       "kind": "customresourcedefinitions"})
        plural, group = m.group(1).split(".", 1)
        kind = {"applications": "Application", "applicationsets": "ApplicationSet",
                "appprojects": "AppProject"}[plural]
        return 200, {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                     "metadata": {"name": m.group(1)},
                     "spec": {"group": group, "names": {"plural": plural, "kind": kind},
                              "scope": "Namespaced", "versions": [{"name": "v1alpha1",
                                                                    "served": True,
                                                                    "storage": True}]},
                     "status": {"conditions": [{"type": "Established", "status": "True"}]}}
    m = re.match(r"^/api/v1/namespaces(?:/([^/]+))?/?$", path)
    if m:
        return _resource(store, k, c, req, "v1", "namespaces", None, m.group(1), now, principal)
    m = re.match(r"^/(?:api/(v1)|apis/([^/]+/[^/]+))/namespaces/([^/]+)/([^/]+)(?:/([^/]+))?/?$",
                 path)
    if m:
        gv = m.group(1) or m.group(2)
        return _resource(store, k, c, req, gv, m.group(4), m.group(3), m.group(5), now, principal)
    raise KubeError(404, "NotFound", "the server could not find the requested resource")


def _not_found(gv, plural, name):
    group = gv.split("/")[0] if "/" in gv else ""
    res = plural + ("." + group if group else "")
    return KubeError(404, "NotFound", '%s "%s" not found' % (res, name),
                     {"name": name, "group": group, "kind": plural})


def _resource(store, k, c, req, gv, plural, ns, name, now, principal):
    meta = RESOURCES.get((gv, plural))
    if meta is None or (meta[2] and "applications.argoproj.io" not in k["crds"]):
        raise KubeError(404, "NotFound", "the server could not find the requested resource")
    kind, namespaced, _ = meta
    if namespaced and ns not in _bucket(k, "v1", "namespaces", ""):
        if req.method != "GET" or name is not None:
            raise _not_found("v1", "namespaces", ns)
    bucket = _bucket(k, gv, plural, ns if namespaced else "")
    q = _query(req)
    if "dryRun" in q and q["dryRun"] != ["All"]:
        raise KubeError(400, "BadRequest", "dryRun must be All")
    if name is None:
        if req.method == "GET":
            items = [render(o) for _, o in sorted(bucket.items())]
            return 200, {"kind": kind + "List", "apiVersion": gv,
                         "metadata": {"resourceVersion": str(k["rv"])}, "items": items}
        if req.method == "POST":
            body = _json_body(req)
            name = (body.get("metadata") or {}).get("name")
            if not name:
                raise KubeError(422, "Invalid", '%s "" is invalid: metadata.name: Required value'
                                % kind)
            if name in bucket:
                raise KubeError(409, "AlreadyExists", '%s "%s" already exists' % (plural, name),
                                {"name": name, "kind": plural})
            obj = _create(k, gv, kind, ns if namespaced else None, name, body, now,
                          _manager(q, "unknown"), "Update")
            if "dryRun" not in q:
                bucket[name] = obj
                _changed(store, obj, now)
            return 201, render(obj)
        raise KubeError(405, "MethodNotAllowed", "the server does not allow this method")
    obj = bucket.get(name)
    if req.method == "GET":
        if obj is None:
            raise _not_found(gv, plural, name)
        return 200, render(obj)
    if req.method == "PATCH":
        ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
        if ctype == "application/apply-patch+yaml":
            return _apply(store, k, bucket, gv, kind, plural, ns if namespaced else None, name,
                          req, q, now)
        if "force" in q:
            raise KubeError(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: force: "
                            "Forbidden: may not be specified for non-apply patch")
        if ctype in ("application/merge-patch+json", "application/json-patch+json"):
            if obj is None:
                raise _not_found(gv, plural, name)
            if ctype == "application/json-patch+json":
                ops = _json_ops(req)
            else:
                patch = _json_body(req)
            before = json.dumps(render(obj), sort_keys=True)
            spec_before = _spec_part(obj)
            if ctype == "application/json-patch+json":
                patched = _json_patch({kk: v for kk, v in obj.items()
                                       if not kk.startswith("_")}, ops)
                hidden = {kk: v for kk, v in obj.items() if kk.startswith("_")}
                if not isinstance(patched, dict) or not isinstance(patched.get("metadata"),
                                                                   dict):
                    raise KubeError(422, "Invalid", "the patch removed the object's metadata")
                keep = {kk: obj["metadata"][kk] for kk in ("uid", "creationTimestamp",
                                                           "resourceVersion", "generation")
                        if kk in obj["metadata"]}
                obj.clear()
                obj.update(patched)
                obj.update(hidden)
                obj["metadata"].update(keep)
            else:
                _merge_patch(obj, patch)
            obj["metadata"]["name"] = name
            _normalize(obj)
            if json.dumps(render(obj), sort_keys=True) != before:
                obj["metadata"]["resourceVersion"] = _next_rv(k)
                if _spec_part(obj) != spec_before:
                    _bump_generation(obj, now)
            out = render(obj)
            _maybe_finish_delete(store, bucket, name, obj)
            store.dirty = True
            return 200, out
        raise KubeError(415, "UnsupportedMediaType", "the body of the request was in an unknown "
                        "format - accepted media types include: application/json-patch+json, "
                        "application/merge-patch+json, application/apply-patch+yaml")
    if req.method == "PUT":
        if obj is None:
            raise _not_found(gv, plural, name)
        body = _json_body(req)
        _check_identity(body, gv, kind, ns if namespaced else None, name)
        rv = (body.get("metadata") or {}).get("resourceVersion")
        if rv != obj["metadata"]["resourceVersion"]:
            raise KubeError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the object '
                            'has been modified; please apply your changes to the latest version '
                            'and try again' % (plural, name), {"name": name, "kind": plural})
        spec_before = _spec_part(obj)
        keep = {key: obj["metadata"][key] for key in ("uid", "creationTimestamp", "generation",
                                                      "deletionTimestamp") if key in obj["metadata"]}
        managers = obj.get("_m", {})
        ctrl = obj.get("_ctrl")
        obj.clear()
        obj.update(copy.deepcopy(body))
        obj["metadata"].pop("managedFields", None)
        obj["metadata"].update(keep)
        obj["_m"] = managers
        if ctrl:
            obj["_ctrl"] = ctrl
        _normalize(obj)
        obj["metadata"]["resourceVersion"] = _next_rv(k)
        if _spec_part(obj) != spec_before:
            _bump_generation(obj, now)
        _maybe_finish_delete(store, bucket, name, obj)
        store.dirty = True
        return 200, render(obj)
    if req.method == "DELETE":
        if obj is None:
            raise _not_found(gv, plural, name)
        pp = q.get("propagationPolicy", [None])[0]
        if req.body:
            try:
                opts = json.loads(req.body)
                pp = opts.get("propagationPolicy", pp) if isinstance(opts, dict) else pp
                pre = opts.get("preconditions") if isinstance(opts, dict) else None
            except ValueError:
                raise KubeError(400, "BadRequest", "DeleteOptions body is not valid JSON")
            if isinstance(pre, dict):
                for key in ("uid", "resourceVersion"):
                    if key in pre and pre[key] != obj["metadata"].get(key):
                        raise KubeError(409, "Conflict", "Precondition failed: %s in precondition: "
                                        "%s, %s in object meta: %s" % (key, pre[key], key,
                                                                       obj["metadata"].get(key)))
        if pp not in (None, "Foreground", "Background", "Orphan"):
            raise KubeError(400, "BadRequest", "propagationPolicy must be Foreground, Background "
                            "or Orphan")
        if "dryRun" in q:
            return 200, render(obj)
        if plural == "namespaces":
            obj["status"]["phase"] = "Terminating"
            obj["metadata"].setdefault("deletionTimestamp", iso(now))
            obj["_delete_at"] = now + store.cfg.delay
            obj["metadata"]["resourceVersion"] = _next_rv(k)
            store.dirty = True
            return 200, render(obj)
        if obj["metadata"].get("finalizers"):
            if "deletionTimestamp" not in obj["metadata"]:
                _app_event(store, c, obj, "delete_requested", now)
                obj["metadata"]["deletionTimestamp"] = iso(now)
                obj["metadata"]["deletionGracePeriodSeconds"] = 0
                obj["_deleting_since"] = now
                obj["metadata"]["resourceVersion"] = _next_rv(k)
                store.dirty = True
            return 200, render(obj)
        del bucket[name]
        _app_event(store, c, obj, "deleted", now)
        store.dirty = True
        group = gv.split("/")[0] if "/" in gv else ""
        return 200, status_body(200, "", "", {"name": name, "group": group, "kind": plural,
                                              "uid": obj["metadata"]["uid"]}, success=True)
    raise KubeError(405, "MethodNotAllowed", "the server does not allow this method on the "
                    "requested resource")


def _manager(q, default=None):
    return q.get("fieldManager", [default])[0]


def _json_body(req):
    try:
        body = json.loads(req.body or b"")
    except ValueError:
        raise KubeError(400, "BadRequest", "the request body is not valid JSON (localaws accepts "
                        "JSON documents only, also for application/apply-patch+yaml)")
    if not isinstance(body, dict):
        raise KubeError(400, "BadRequest", "the request body must be a JSON object")
    return body


def _check_identity(body, gv, kind, ns, name):
    meta = body.get("metadata")
    if body.get("apiVersion") != gv or body.get("kind") != kind:
        raise KubeError(400, "BadRequest", "the API version in the data (%s) does not match the "
                        "expected API version (%s) or kind (%s)" % (body.get("apiVersion"), gv,
                                                                    kind))
    if not isinstance(meta, dict) or meta.get("name") != name:
        raise KubeError(400, "BadRequest", "the name of the object (%s) does not match the name on "
                        "the URL (%s)" % ((meta or {}).get("name"), name))
    if ns is not None and meta.get("namespace", ns) != ns:
        raise KubeError(400, "BadRequest", "the namespace of the provided object does not match "
                        "the namespace sent on the request")


def _create(k, gv, kind, ns, name, body, now, manager, op):
    obj = copy.deepcopy(body)
    meta = obj.setdefault("metadata", {})
    meta.pop("managedFields", None)
    meta["name"] = name
    if ns is not None:
        meta["namespace"] = ns
    meta["uid"] = str(uuid.uuid4())
    meta["resourceVersion"] = _next_rv(k)
    meta["generation"] = 1
    meta["creationTimestamp"] = iso(now)
    paths = [p for p in _flatten(body) if p not in _IGNORED and p[0] != "status"]
    obj["_m"] = {manager: {"op": op, "time": iso(now), "paths": [_key(p) for p in paths]}}
    _normalize(obj)
    if kind == "Namespace":
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        obj["status"] = {"phase": "Active"}
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    return obj


def _apply(store, k, bucket, gv, kind, plural, ns, name, req, q, now):
    manager = _manager(q)
    if not manager:
        raise KubeError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                        'Required value: is required for apply patch',
                        {"group": "meta.k8s.io", "kind": "PatchOptions",
                         "causes": [{"reason": "FieldValueRequired",
                                     "message": "Required value: is required for apply patch",
                                     "field": "fieldManager"}]})
    if len(manager) > 128:
        raise KubeError(422, "Invalid", "fieldManager: Too long: may not be longer than 128")
    force = q.get("force", ["false"])[0] == "true"
    body = _json_body(req)
    _check_identity(body, gv, kind, ns, name)
    if "managedFields" in body["metadata"]:
        raise KubeError(400, "BadRequest", "metadata.managedFields must be nil")
    dry = "dryRun" in q
    obj = bucket.get(name)
    if obj is None:
        obj = _create(k, gv, kind, ns, name, body, now, manager, "Apply")
        if not dry:
            bucket[name] = obj
            _changed(store, obj, now)
        return 201, render(obj)
    work = copy.deepcopy(obj) if dry else obj
    new_fields = {p: v for p, v in _flatten(body).items() if p not in _IGNORED}
    managers = work.setdefault("_m", {})
    conflicts = []
    for path, value in new_fields.items():
        pk = _key(path)
        for other, info in managers.items():
            if other != manager and pk in info["paths"] and _get_path(work, path) != value:
                conflicts.append((other, path))
    if conflicts and not force:
        causes = [{"type": "FieldManagerConflict", "message": 'conflict with "%s"' % o,
                   "field": "." + ".".join(p)} for o, p in conflicts]
        if len(conflicts) == 1:
            msg = 'Apply failed with 1 conflict: conflict with "%s": %s' % (
                conflicts[0][0], causes[0]["field"])
        else:
            msg = "Apply failed with %d conflicts: %s" % (len(conflicts), "\n".join(
                '- conflict with "%s": %s' % (o, "." + ".".join(p)) for o, p in conflicts))
        raise KubeError(409, "Conflict", msg, {"causes": causes})
    new_keys = {_key(p) for p in new_fields}
    for other, info in managers.items():
        if other != manager:
            info["paths"] = [p for p in info["paths"] if p not in new_keys or
                             _get_path(work, tuple(json.loads(p))) ==
                             new_fields.get(tuple(json.loads(p)), _MISSING)]
    before = json.dumps({kk: v for kk, v in work.items() if kk != "_m"}, sort_keys=True)
    spec_before = _spec_part(work)
    previous = set(managers.get(manager, {}).get("paths", []))
    owned_by_others = set()
    for other, info in managers.items():
        if other != manager:
            owned_by_others.update(info["paths"])
    for pk in previous - new_keys - owned_by_others:
        _del_path(work, tuple(json.loads(pk)))
    for path, value in new_fields.items():
        _set_path(work, path, value)
    _normalize(work)
    changed = json.dumps({kk: v for kk, v in work.items() if kk != "_m"}, sort_keys=True) != before
    if changed or set(managers.get(manager, {}).get("paths", [])) != new_keys:
        managers[manager] = {"op": "Apply", "time": iso(now), "paths": sorted(new_keys)}
    managers = {m: i for m, i in managers.items() if i["paths"]}
    work["_m"] = managers
    if changed:
        work["metadata"]["resourceVersion"] = _next_rv(k)
        if _spec_part(work) != spec_before:
            _bump_generation(work, now)
    if not dry:
        store.dirty = True
        _maybe_finish_delete(store, bucket, name, work)
    return 200, render(work)


def _normalize(obj):
    """What the API server does on every write of a Secret: stringData is merged into data
    (base64) and never stored or returned."""
    if obj.get("kind") != "Secret" or "stringData" not in obj:
        return
    sd = obj.pop("stringData")
    if isinstance(sd, dict):
        data = obj.get("data") if isinstance(obj.get("data"), dict) else {}
        for key, value in sd.items():
            data[key] = base64.b64encode(str(value).encode("utf-8")).decode("ascii")
        obj["data"] = data


def _bump_generation(obj, now):
    obj["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
    obj["_changed_at"] = now


def _changed(store, obj, now):
    obj["_changed_at"] = now
    store.dirty = True


def _json_ops(req):
    try:
        ops = json.loads(req.body or b"")
    except ValueError:
        raise KubeError(400, "BadRequest", "the request body is not a valid JSON patch")
    if not isinstance(ops, list) or any(not isinstance(o, dict) for o in ops):
        raise KubeError(400, "BadRequest", "a JSON patch is a list of operations")
    return ops


def _pointer(path):
    if path == "":
        return []
    if not isinstance(path, str) or not path.startswith("/"):
        raise KubeError(422, "Invalid", "invalid JSON pointer %r" % (path,))
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, parts):
    cur = doc
    for p in parts:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and p.isdigit() and int(p) < len(cur):
            cur = cur[int(p)]
        else:
            raise KubeError(422, "Invalid", "the JSON patch path /%s does not exist"
                            % "/".join(parts))
    return cur


def _json_patch(doc, ops):
    """RFC 6902 add / remove / replace / move / copy / test over a deep copy of doc."""
    doc = copy.deepcopy(doc)
    for op in ops:
        kind = op.get("op")
        parts = _pointer(op.get("path"))
        if kind in ("move", "copy"):
            value = copy.deepcopy(_walk(doc, _pointer(op.get("from"))))
            if kind == "move":
                doc = _json_patch(doc, [{"op": "remove", "path": op.get("from")}])
            kind, op = "add", {"value": value}
        elif kind in ("add", "replace", "test") and "value" not in op:
            raise KubeError(422, "Invalid", "the JSON patch operation %s needs a value" % kind)
        if kind == "test":
            if _walk(doc, parts) != op["value"]:
                raise KubeError(422, "Invalid", "the JSON patch test failed at %s"
                                % op.get("path"))
            continue
        if not parts:
            if kind == "remove":
                raise KubeError(422, "Invalid", "cannot remove the whole object")
            doc = copy.deepcopy(op["value"])
            continue
        parent = _walk(doc, parts[:-1])
        last = parts[-1]
        if kind not in ("add", "remove", "replace"):
            raise KubeError(422, "Invalid", "unknown JSON patch operation %r" % (kind,))
        if isinstance(parent, dict):
            if kind != "add" and last not in parent:
                raise KubeError(422, "Invalid", "the JSON patch path %s does not exist"
                                % op.get("path"))
            if kind == "remove":
                del parent[last]
            else:
                parent[last] = copy.deepcopy(op["value"])
        elif isinstance(parent, list):
            if last == "-" and kind == "add":
                parent.append(copy.deepcopy(op["value"]))
                continue
            if not last.isdigit() or int(last) > len(parent) or \
                    (kind != "add" and int(last) >= len(parent)):
                raise KubeError(422, "Invalid", "the JSON patch index %s is out of range" % last)
            i = int(last)
            if kind == "add":
                parent.insert(i, copy.deepcopy(op["value"]))
            elif kind == "remove":
                del parent[i]
            else:
                parent[i] = copy.deepcopy(op["value"])
        else:
            raise KubeError(422, "Invalid", "the JSON patch path %s does not exist"
                            % op.get("path"))
    return doc


def _merge_patch(target, patch):
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _app_event(store, c, obj, event, now, **kw):
    """History events for Argo CD Applications (admin GET /_localaws/history)."""
    if obj.get("kind") != "Application":
        return
    _, _, _, region, account, _ = c["arn"].split(":", 5)
    meta = obj["metadata"]
    store.record(account=account, region=region, cluster=c["name"], kind="application",
                 name="%s/%s" % (meta.get("namespace"), meta.get("name")), event=event, at=now,
                 **kw)


def _maybe_finish_delete(store, bucket, name, obj):
    if obj["metadata"].get("deletionTimestamp") and not obj["metadata"].get("finalizers") and \
            obj.get("kind") != "Namespace":
        bucket.pop(name, None)
        store.dirty = True


# ---------------------------------------------------------------- controller (time-driven)

def _create_destination_namespace(store, app, env, now):
    """A sync with CreateNamespace=true makes the destination namespace on the destination cluster
    (with syncPolicy.managedNamespaceMetadata labels); Argo CD never deletes it afterwards."""
    spec = app.get("spec") or {}
    policy = spec.get("syncPolicy") or {}
    dest = spec.get("destination") or {}
    ns = dest.get("namespace")
    if "CreateNamespace=true" not in (policy.get("syncOptions") or []) or not ns or \
            not _NAME.match(ns):
        return
    server = dest.get("server") or env["clusters"].get(dest.get("name"))
    m = re.match(r"^arn:aws[a-z-]*:eks:([a-z0-9-]+):(\d{12}):cluster/(.+)$", server or "")
    if not m:
        return
    target = store.state["eks"].get(m.group(2), {}).get(m.group(1), {"clusters": {}})[
        "clusters"].get(m.group(3))
    if target is None:
        return
    tk = _kstate(store, target)
    if ns in _bucket(tk, "v1", "namespaces", ""):
        return
    obj = _put_namespace(tk, ns, now)
    extra = (policy.get("managedNamespaceMetadata") or {})
    for field in ("labels", "annotations"):
        if isinstance(extra.get(field), dict):
            obj["metadata"].setdefault(field, {}).update(
                {k: v for k, v in extra[field].items() if isinstance(v, str)})
    store.dirty = True


def _secret_value(secret, key):
    v = (secret.get("stringData") or {}).get(key)
    if isinstance(v, str):
        return v
    v = (secret.get("data") or {}).get(key)
    if isinstance(v, str):
        try:
            return base64.b64decode(v, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
    return None


def _argocd_env(store, k, c, account, namespace):
    """What the simulated controller knows: clusters registered by Secrets labelled
    argocd.argoproj.io/secret-type=cluster in its namespace, the AppProjects there, and whether the
    capability's role may deploy to a destination (its access entries on that cluster)."""
    clusters = {}
    for secret in _bucket(k, "v1", "secrets", namespace).values():
        labels = (secret.get("metadata") or {}).get("labels") or {}
        if labels.get("argocd.argoproj.io/secret-type") != "cluster":
            continue
        server = _secret_value(secret, "server")
        if server:
            clusters[_secret_value(secret, "name") or server] = server
    projects = {n: (p.get("spec") or {})
                for n, p in _bucket(k, ARGO_GV, "appprojects", namespace).items()}
    cap = capabilities.argocd_capability(c)
    role = cap["roleArn"] if cap else None

    def deploy(server, ns, create_ns):
        m = re.match(r"^arn:aws[a-z-]*:eks:([a-z0-9-]+):(\d{12}):cluster/(.+)$", server)
        target = None
        if m:
            target = store.state["eks"].get(m.group(2), {}).get(m.group(1), {"clusters": {}})[
                "clusters"].get(m.group(3))
        if target is None or target["status"] not in ("ACTIVE", "UPDATING"):
            return 'Get "%s/version": the cluster is not reachable' % server
        user = "arn:aws:sts::%s:assumed-role/%s/eks-capabilities" % (
            account, role.rsplit("/", 1)[-1])
        who = {"account": account, "arn": user, "role_arn": role}
        if create_ns and access.authorize(target, m.group(2), who, "create", None) != "allow":
            return ('namespaces is forbidden: User "%s" cannot create resource "namespaces" in '
                    'API group "" at the cluster scope' % user)
        if access.authorize(target, m.group(2), who, "create", ns) != "allow":
            return ('deployments.apps is forbidden: User "%s" cannot create resource '
                    '"deployments" in API group "apps" in the namespace "%s"' % (user, ns))
        return None
    return {"clusters": clusters, "projects": projects, "deploy": deploy if role else None}


def advance(store, now):
    """Ends due namespace deletions and runs every Argo CD controller over its Applications.
    Returns the next time something falls due (Store.tick): a namespace's deletion, the end of
    an Application's sync or of its deletion cascade; a held Application has none (its release
    is a write)."""
    from .admin import held
    delay = store.cfg.delay
    later = []
    for cluster_id, k in list(store.state["kube"].items()):
        account, region, c = _find_cluster(store, cluster_id)
        if c is None:
            continue
        namespaces = _bucket(k, "v1", "namespaces", "")
        for name in list(namespaces):
            ns = namespaces[name]
            if ns.get("_delete_at") is not None and ns["_delete_at"] <= now:
                del namespaces[name]
                for key in list(k["objects"]):
                    k["objects"][key].pop(name, None)
                store.dirty = True
            elif ns.get("_delete_at") is not None:
                later.append(ns["_delete_at"])
        watch = capabilities.argocd_controller(c)
        if watch is None:
            continue
        apps = _bucket(k, ARGO_GV, "applications", watch)
        env = _argocd_env(store, k, c, account, watch) if apps else None
        for name in list(apps):
            app = apps[name]
            meta = app["metadata"]
            if meta.get("deletionTimestamp"):
                if held(store, c, "application", "%s/%s" % (watch, name)):
                    continue  # the cascade waits while held
                since = app.get("_deleting_since", now)
                if app.get("_deleting_since") is None:
                    app["_deleting_since"] = now
                    store.dirty = True
                if since + delay > now:
                    later.append(since + delay)
                else:
                    fins = [f for f in meta.get("finalizers", []) if f not in argocd.FINALIZERS]
                    if fins != meta.get("finalizers", []):
                        meta["finalizers"] = fins
                        meta["resourceVersion"] = _next_rv(k)
                        store.dirty = True
                    if not fins:
                        del apps[name]
                        _app_event(store, c, app, "deleted", since + delay)
                        store.dirty = True
                continue
            if app.get("_seen_gen") != meta.get("generation"):
                # the controller picks up a new generation when it first sees it
                app["_seen_gen"] = meta.get("generation")
                app["_since"] = max(now, app.get("_changed_at", now))
                store.dirty = True
            bad = argocd.invalid_spec(app.get("spec") or {}, env, watch) or \
                argocd.deploy_error(app.get("spec") or {}, env)
            if app.get("_was_invalid") and not bad:
                app["_since"] = now  # fixed (cluster registered, project made): sync starts now
            app["_was_invalid"] = bool(bad)
            # a held Application (admin POST /_localaws/hold) stays where its sync started
            frozen = held(store, c, "application", "%s/%s" % (watch, name))
            at = app["_since"] if frozen else now
            if not frozen and app["_since"] + delay > now:
                later.append(app["_since"] + delay)  # argocd.reconcile: the sync ends then
            status = argocd.reconcile(app, app["_since"], at, delay, watch, env)
            if app.get("_ctrl") != [meta.get("generation"), status["sync"]["status"],
                                    status["health"]["status"]]:
                app["_ctrl"] = [meta.get("generation"), status["sync"]["status"],
                                status["health"]["status"]]
                store.record(account=account, region=region, cluster=c["name"],
                             kind="application", name="%s/%s" % (watch, name), event="status",
                             at=min(now, max(app["_since"], at)),
                             generation=meta.get("generation"), sync=status["sync"]["status"],
                             health=status["health"]["status"])
                app["status"] = status
                if status["health"]["status"] in ("Healthy", "Degraded") and \
                        "operation" in app:
                    del app["operation"]
                meta["resourceVersion"] = _next_rv(k)
                store.dirty = True
                if status["sync"]["status"] == "Synced":
                    _create_destination_namespace(store, app, env, now)
    return min(later, default=float("inf"))
