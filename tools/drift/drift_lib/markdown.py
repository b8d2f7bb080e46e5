"""report.md: a summary table of every workspace, then per drifted workspace each resource with
its changed attribute paths before -> after (sensitive values masked), the planned changes of a
--full run, and per failed workspace what failed. GitHub-flavoured Markdown (tables), fit for a
CI step summary or a pull-request comment."""

import json

MAX_VALUE_CHARS = 300


def _cell(text):
    """Text safe inside a table cell: pipes escaped, no line breaks."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ") \
                    .replace("\n", " ")


def _code(text):
    """An inline code span that survives any backticks in text."""
    text = str(text)
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return "%s%s%s%s%s" % (fence, pad, text, pad, fence)


def value(change, side):
    if change["sensitive"]:
        return "(sensitive)"
    if side == "after" and change.get("unknown"):
        return "(known after apply)"
    text = json.dumps(change[side], sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + "..."
    return _code(text)


def _resources(lines, resources):
    for r in resources:
        lines.append("- `%s` (%s)" % (r["address"], r["action"]))
        if r["action"] == "delete":
            lines.append("  - deleted outside Terraform")
        for c in r["changes"]:
            lines.append("  - %s: %s → %s" % (_code(c["path"] or "(whole value)"),
                                             value(c, "before"), value(c, "after")))


def render(doc):
    s = doc["summary"]
    title = "Drift report"
    if doc.get("shard"):
        title += " (shard %s)" % doc["shard"]
    lines = ["# %s" % title, "",
             "%d workspaces: **%d drifted**, **%d failed**, %d clean; %d drifted resource%s. "
             "Mode %s, %s to %s (%.1fs)." % (s["workspaces"], s["drift"], s["error"],
                                              s["clean"], s["drifted_resources"],
                                              "" if s["drifted_resources"] == 1 else "s",
                                              doc["mode"],
                                              doc["started_at"], doc["finished_at"],
                                              doc["duration_seconds"]), ""]
    for e in doc.get("run_errors") or []:
        lines.append("- **run error**: %s" % _cell(e))
    if doc.get("run_errors"):
        lines.append("")
    lines += ["| workspace | outcome | drifted resources | duration (s) |",
              "|---|---|---:|---:|"]
    order = {"error": 0, "drift": 1, "clean": 2}
    ws = sorted(doc["workspaces"], key=lambda w: (order[w["outcome"]], w["name"]))
    for w in ws:
        lines.append("| %s | %s | %d | %.1f |" % (_cell(w["name"]), w["outcome"],
                                                  len(w["drift"]), w["duration_seconds"]))
    drifted = [w for w in ws if w["outcome"] == "drift"]
    if drifted:
        lines += ["", "## Drift"]
        for w in drifted:
            lines += ["", "### %s" % _cell(w["name"]), ""]
            if w["drift"]:
                _resources(lines, w["drift"])
            if w.get("planned_changes"):
                lines += ["", "Planned changes (normal plan):", ""]
                _resources(lines, w["planned_changes"])
            if not w["drift"] and not w.get("planned_changes"):
                lines.append("- terraform reported changes (exit code 2) but named no resource "
                             "(output values only)")
    failed = [w for w in ws if w["outcome"] == "error"]
    if failed:
        lines += ["", "## Failed workspaces"]
        for w in failed:
            err = w.get("error") or {"kind": "error", "message": ""}
            lines += ["", "### %s" % _cell(w["name"]), "",
                      "- %s: %s" % (err["kind"], _cell(err["message"]))]
            for d in w.get("diagnostics") or []:
                if d["severity"] == "error":
                    where = " (%s)" % _code(d["address"]) if d.get("address") else ""
                    lines.append("- %s%s: %s" % (_cell(d["summary"]), where, _cell(d["detail"])))
    return "\n".join(lines) + "\n"
