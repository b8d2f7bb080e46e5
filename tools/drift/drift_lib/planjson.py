"""Reading what Terraform says about a plan: the machine-readable UI stream of
`terraform plan -json` (one JSON object per line: `version`, `diagnostic`, `resource_drift`,
`planned_change`, `change_summary`, ...) and the plan representation of
`terraform show -json PLANFILE`, whose `resource_drift[]` / `resource_changes[]` carry the
before/after values that are diffed here into attribute paths, sensitive values masked."""

import json
import re


class PlanParseError(Exception):
    """Terraform's output is not what its documented JSON formats promise."""


class Stream:
    """What one `terraform plan -json` run reported."""

    def __init__(self):
        self.terraform_version = None
        self.diagnostics = []       # [{"severity", "summary", "detail", "address"}]
        self.drift = {}             # address -> action, from resource_drift messages
        self.planned = {}           # address -> action, from planned_change messages
        self.change_summary = None  # the "changes" object of change_summary


def _resource_addr(change):
    res = change.get("resource") if isinstance(change, dict) else None
    addr = res.get("addr") if isinstance(res, dict) else None
    if not isinstance(addr, str) or not addr:
        raise PlanParseError("a change message names no resource address")
    action = change.get("action")
    if not isinstance(action, str):
        raise PlanParseError("the change message of %s has no action" % addr)
    return addr, action


def parse_stream(text):
    """Parses the UI stream; PlanParseError on a line that is not a JSON object with a type."""
    s = Stream()
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            raise PlanParseError("line %d of terraform's -json output is not JSON: %.120s"
                                 % (lineno, line))
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            raise PlanParseError("line %d of terraform's -json output has no message type"
                                 % lineno)
        kind = msg["type"]
        if kind == "version":
            s.terraform_version = msg.get("terraform")
        elif kind == "diagnostic":
            d = msg.get("diagnostic")
            if not isinstance(d, dict):
                raise PlanParseError("line %d: diagnostic message without a diagnostic" % lineno)
            s.diagnostics.append({
                "severity": str(d.get("severity") or "error"),
                "summary": str(d.get("summary") or ""),
                "detail": str(d.get("detail") or ""),
                "address": d.get("address") if isinstance(d.get("address"), str) else None,
            })
        elif kind == "resource_drift":
            addr, action = _resource_addr(msg.get("change"))
            s.drift[addr] = action
        elif kind == "planned_change":
            addr, action = _resource_addr(msg.get("change"))
            s.planned[addr] = action
        elif kind == "change_summary":
            ch = msg.get("changes")
            if not isinstance(ch, dict):
                raise PlanParseError("line %d: change_summary without changes" % lineno)
            s.change_summary = ch
    return s


# ------------------------------------------------------------------ attribute paths
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def format_path(segments):
    """['tags', 'team'] -> 'tags.team'; ['access', 1, 'environments'] -> 'access[1].environments';
    a key that is not an identifier is quoted: tags_all["unicron:tier"]."""
    out = []
    for seg in segments:
        if isinstance(seg, int):
            out.append("[%d]" % seg)
        elif _IDENT.match(seg):
            out.append(("." if out else "") + seg)
        else:
            out.append("[%s]" % json.dumps(seg))
    return "".join(out)


def _child(marker, key):
    """The sensitivity / unknown marker of a child: True propagates, structures are indexed."""
    if marker is True:
        return True
    if isinstance(marker, dict):
        return marker.get(key, False)
    if isinstance(marker, list) and isinstance(key, int) and 0 <= key < len(marker):
        return marker[key]
    return False


def _any_true(marker):
    if marker is True:
        return True
    if isinstance(marker, dict):
        return any(_any_true(v) for v in marker.values())
    if isinstance(marker, list):
        return any(_any_true(v) for v in marker)
    return False


def _same(a, b):
    """Deep equality that does not take True for 1 (bool is an int in Python)."""
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and
                                        isinstance(b, (int, float)) and
                                        not isinstance(a, bool) and not isinstance(b, bool)):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def diff_values(before, after, before_sensitive=False, after_sensitive=False,
                after_unknown=False, path=None):
    """The attribute paths whose values differ, deepest first-differing level:
    [{"path", "before", "after", "sensitive", "unknown"}]. Objects/maps are walked by key, lists
    of equal length by index; a list that changed length is one change. A sensitive value (either
    side marked, or anything inside a replaced structure marked) is reported with
    before/after null and sensitive true."""
    path = path or []
    out = []
    if after_unknown is True:
        sens = _any_true(before_sensitive)
        out.append({"path": format_path(path), "before": None if sens else before,
                    "after": None, "sensitive": sens, "unknown": True})
        return out
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            out += diff_values(before.get(key), after.get(key),
                               _child(before_sensitive, key), _child(after_sensitive, key),
                               _child(after_unknown, key), path + [key])
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after)):
            out += diff_values(b, a, _child(before_sensitive, i), _child(after_sensitive, i),
                               _child(after_unknown, i), path + [i])
        return out
    if _same(before, after) and not _any_true(after_unknown):
        return out
    sens = _any_true(before_sensitive) or _any_true(after_sensitive)
    out.append({"path": format_path(path), "before": None if sens else before,
                "after": None if sens else after, "sensitive": sens, "unknown": False})
    return out


def _resource_entry(rc, kind):
    if not isinstance(rc, dict) or not isinstance(rc.get("address"), str):
        raise PlanParseError("%s entry without an address" % kind)
    ch = rc.get("change")
    if not isinstance(ch, dict) or not isinstance(ch.get("actions"), list):
        raise PlanParseError("%s entry %s has no change.actions" % (kind, rc["address"]))
    actions = [str(a) for a in ch["actions"]]
    before, after = ch.get("before"), ch.get("after")
    changes = []
    if before is not None and after is not None:
        changes = diff_values(before, after, ch.get("before_sensitive", False),
                              ch.get("after_sensitive", False), ch.get("after_unknown", False))
    return {
        "address": rc["address"],
        "module": rc.get("module_address"),
        "type": rc.get("type"),
        "name": rc.get("name"),
        "action": "-".join(actions) if actions else "no-op",
        "changes": changes,
    }


def parse_show(text):
    """`terraform show -json PLANFILE` -> (drifted resources, planned resource changes); each a
    list of {"address", "module", "type", "name", "action", "changes"}. No-op and read changes
    are left out."""
    try:
        doc = json.loads(text)
    except ValueError:
        raise PlanParseError("terraform show -json printed no JSON document")
    if not isinstance(doc, dict) or "format_version" not in doc:
        raise PlanParseError("terraform show -json printed no plan representation")
    lists = []
    for kind in ("resource_drift", "resource_changes"):
        entries = doc.get(kind) or []
        if not isinstance(entries, list):
            raise PlanParseError("%s is not a list" % kind)
        parsed = [_resource_entry(rc, kind) for rc in entries]
        lists.append([p for p in parsed if p["action"] not in ("no-op", "read")])
    return lists[0], lists[1]
