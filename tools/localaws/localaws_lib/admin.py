"""Admin-surface operations of localaws that need more than a state dump: the ordered event
history (GET /_localaws/history) and the hold knob (POST /_localaws/hold) that keeps one object in
its transitional state until released, so tests can observe CREATING / UPDATING / InProgress /
Progressing without depending on machine speed. Not AWS; the provider never calls these.
Functions take the store (lock held by the caller) and return (status, dict).
"""

HOLD_KINDS = ("cluster", "nodegroup", "addon", "capability", "update", "application",
              "organizations", "role_propagation")
GLOBAL_HOLDS = ("organizations", "role_propagation")
_FILTERS = ("account", "region", "cluster", "kind", "name", "event")


def history(store, query):
    """Events in sequence order, filtered by the query's account / region / cluster / kind / name /
    event (exact matches) and `since` (only events with a larger seq)."""
    since = query.get("since", ["0"])[0]
    if not since.isdigit():
        return 400, {"message": "since must be a sequence number"}
    since = int(since)
    wanted = {k: query[k][0] for k in _FILTERS if k in query}
    events = [e for e in store.state.get("history", [])
              if e["seq"] > since and all(str(e.get(k)) == v for k, v in wanted.items())]
    return 200, {"events": events, "lastSeq": store.state.get("history_seq", 0)}


def organizations_held(store):
    return "organizations" in store.state.get("holds", ())


def propagation_held(store):
    return "role_propagation" in store.state.get("holds", ())


def _restart_organizations(store, now):
    """On release the held transitions take their usual delay from now."""
    delay = store.cfg.delay
    for req in store.state["create_requests"].values():
        if req["State"] == "IN_PROGRESS":
            req["complete_at"] = max(req["complete_at"], now + delay)
    for acct in store.state["accounts"].values():
        if acct["State"] == "PENDING_CLOSURE":
            acct["suspend_at"] = max(acct.get("suspend_at", 0), now + delay)


def _key(account, region, cluster, kind, name):
    return "%s/%s/%s|%s/%s" % (account, region, cluster, kind, name)


def held(store, c, kind, name):
    """True while the admin hold knob keeps `kind/name` of cluster c in its transitional state."""
    holds = store.state.get("holds")
    if not holds:
        return False
    _, _, _, region, account, _ = c["arn"].split(":", 5)
    return _key(account, region, c["name"], kind, name) in holds


def hold(store, doc, now):
    """{"account", "region", "cluster", "kind", "name", "namespace" (applications), "hold"}.
    A hold names an object, which need not exist yet (a cluster, node group or Application about
    to be created is held from its creation). kind cluster holds the cluster's own state and its
    cluster-level updates; nodegroup / addon / capability also hold that object's updates;
    update holds one update by id. kind organizations (no other field) holds every CreateAccount
    IN_PROGRESS and CloseAccount PENDING_CLOSURE; role_propagation keeps the access roles of new
    accounts (those with a propagation delay) answering AccessDenied to AssumeRole."""
    if isinstance(doc, dict) and doc.get("kind") in GLOBAL_HOLDS and \
            isinstance(doc.get("hold", True), bool):
        kind = doc["kind"]
        holds = store.state.setdefault("holds", [])
        on = doc.get("hold", True)
        if on and kind not in holds:
            holds.append(kind)
        elif not on and kind in holds:
            holds.remove(kind)
            if kind == "organizations":
                _restart_organizations(store, now)
        store.dirty = True
        return 200, {"held": on, "holds": len(holds)}
    if not isinstance(doc, dict) or doc.get("kind") not in HOLD_KINDS or \
            not isinstance(doc.get("hold", True), bool) or \
            not isinstance(doc.get("account"), str) or not isinstance(doc.get("cluster"), str) or \
            (doc["kind"] != "cluster" and not isinstance(doc.get("name"), str)):
        return 400, {"message": "body must be {account, region, cluster, kind (%s), name, "
                                "namespace, hold: bool}" % "|".join(HOLD_KINDS)}
    kind = doc["kind"]
    region = doc.get("region") or "us-east-1"
    name = doc["cluster"] if kind == "cluster" else doc["name"]
    if kind == "application":
        name = "%s/%s" % (doc.get("namespace") or "argocd", name)
    key = _key(doc["account"], region, doc["cluster"], kind, name)
    holds = store.state.setdefault("holds", [])
    on = doc.get("hold", True)
    if on and key not in holds:
        holds.append(key)
    elif not on and key in holds:
        holds.remove(key)
        c = store.state["eks"].get(doc["account"], {}).get(region, {"clusters": {}})[
            "clusters"].get(doc["cluster"])
        if kind == "application" and c is not None:
            from . import kube
            k = store.state["kube"].get(c["id"])
            ns, _, app_name = name.partition("/")
            app = kube.find_object(k, kube.ARGO_GV, "applications", ns, app_name) if k else None
            if app is not None:
                app["_since"] = now  # the controller resumes from here
                if app.get("_deleting_since") is not None:
                    app["_deleting_since"] = now
    store.dirty = True
    return 200, {"held": on, "holds": len(holds)}
