"""junit.xml: one testsuite, one testcase per workspace (classname "drift", name = workspace);
a drifted workspace is a <failure type="drift">, a failed one an <error> with the kind of
failure as its type. Built with xml.etree, so every name and message is escaped."""

import json
import re
import xml.etree.ElementTree as ET

# characters XML 1.0 cannot carry at all
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text):
    return _BAD_XML.sub("?", str(text))


def _plain(change, side):
    if change["sensitive"]:
        return "(sensitive)"
    if side == "after" and change.get("unknown"):
        return "(known after apply)"
    return json.dumps(change[side], sort_keys=True, ensure_ascii=False)


def _drift_text(w):
    lines = []
    for r in w["drift"] + (w.get("planned_changes") or []):
        lines.append("%s (%s)" % (r["address"], r["action"]))
        for c in r["changes"]:
            lines.append("  %s: %s -> %s" % (c["path"], _plain(c, "before"), _plain(c, "after")))
    return "\n".join(lines) or "terraform reported changes"


def render(doc):
    s = doc["summary"]
    run_errors = doc.get("run_errors") or []
    tests = str(s["workspaces"] + (1 if run_errors else 0))
    errors = str(s["error"] + (1 if run_errors else 0))
    total = "%.3f" % doc["duration_seconds"]
    root = ET.Element("testsuites", {
        "name": "unicron-drift", "tests": tests, "failures": str(s["drift"]),
        "errors": errors, "time": total})
    suite = ET.SubElement(root, "testsuite", {
        "name": "unicron-drift" + (" " + doc["shard"] if doc.get("shard") else ""),
        "tests": tests, "failures": str(s["drift"]), "errors": errors,
        "skipped": "0", "time": total, "timestamp": doc["started_at"]})
    for w in doc["workspaces"]:
        case = ET.SubElement(suite, "testcase", {
            "classname": "drift", "name": _clean(w["name"]),
            "time": "%.3f" % w["duration_seconds"]})
        if w["outcome"] == "drift":
            n = len(w["drift"])
            el = ET.SubElement(case, "failure", {
                "type": "drift",
                "message": _clean("%d resource%s drifted: %s" % (
                    n, "" if n == 1 else "s", ", ".join(r["address"] for r in w["drift"])))})
            el.text = _clean(_drift_text(w))
        elif w["outcome"] == "error":
            err = w.get("error") or {"kind": "error", "message": ""}
            el = ET.SubElement(case, "error", {"type": _clean(err["kind"]),
                                               "message": _clean(err["message"])})
            el.text = _clean("\n".join(
                ["%s: %s" % (err["kind"], err["message"])] +
                ["%s: %s %s" % (d["severity"], d["summary"], d["detail"])
                 for d in w.get("diagnostics") or [] if d["severity"] == "error"]))
    if run_errors:
        # not a workspace: the run itself (a missing shard, a workspace in two shards)
        case = ET.SubElement(suite, "testcase", {"classname": "drift.run", "name": "(run)",
                                                 "time": "0.000"})
        el = ET.SubElement(case, "error", {"type": "run", "message": _clean(run_errors[0])})
        el.text = _clean("\n".join(run_errors))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"
