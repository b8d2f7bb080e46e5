"""The run report (report.json, schema_version 1): assembling it from workspace results, the
exit code it implies, loading a written one back with validation, merging shard reports into
one, and writing all four formats into the output directory. The schema is documented in
docs/guides/drift-detection.md; additive changes keep schema_version, any other change bumps it."""

import calendar
import json
import os
import tempfile
import time

SCHEMA_VERSION = 1
OUTCOMES = ("clean", "drift", "error")


class ReportError(Exception):
    """A report file that cannot be used (unreadable, wrong schema, conflicting shards)."""


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def summarize(workspaces, run_errors):
    counts = {o: 0 for o in OUTCOMES}
    for w in workspaces:
        counts[w["outcome"]] += 1
    return {"workspaces": len(workspaces), "clean": counts["clean"], "drift": counts["drift"],
            "error": counts["error"],
            "drifted_resources": sum(len(w["drift"]) for w in workspaces),
            "run_errors": len(run_errors)}


def exit_code(summary):
    """1 when any workspace (or the run itself) failed, else 2 when anything drifted, else 0."""
    if summary["error"] or summary["run_errors"]:
        return 1
    return 2 if summary["drift"] else 0


def build(workspaces, started, finished, mode, shard=None, shards=None, run_errors=None):
    """started / finished: epoch seconds. shard: "K/N" of a shard run; shards: the shard
    names a merged report was made of."""
    workspaces = sorted(workspaces, key=lambda w: w["name"])
    run_errors = list(run_errors or [])
    summary = summarize(workspaces, run_errors)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "unicron-drift",
        "mode": mode,
        "shard": shard,
        "shards": shards,
        "started_at": iso(started),
        "finished_at": iso(finished),
        "finished_at_epoch": round(finished, 3),
        "duration_seconds": round(max(0.0, finished - started), 3),
        "exit_code": exit_code(summary),
        "summary": summary,
        "run_errors": run_errors,
        "workspaces": workspaces,
    }


def _need(cond, path, what):
    if not cond:
        raise ReportError("%s: %s" % (path, what))


def load(path):
    """Reads and checks a report.json (or a directory holding one)."""
    if os.path.isdir(path):
        path = os.path.join(path, "report.json")
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise ReportError("%s: cannot read a report: %s" % (path, e))
    _need(isinstance(doc, dict), path, "not a JSON object")
    _need(doc.get("schema_version") == SCHEMA_VERSION, path,
          "schema_version %r, this runner reads %d" % (doc.get("schema_version"),
                                                        SCHEMA_VERSION))
    _need(doc.get("mode") in ("refresh-only", "full"), path, "unknown mode")
    _need(isinstance(doc.get("workspaces"), list), path, "no workspaces list")
    for w in doc["workspaces"]:
        _need(isinstance(w, dict) and isinstance(w.get("name"), str), path,
              "a workspace without a name")
        _need(w.get("outcome") in OUTCOMES, path, "workspace %s: bad outcome" % w["name"])
        _need(isinstance(w.get("drift"), list), path, "workspace %s: no drift list" % w["name"])
    _need(isinstance(doc.get("run_errors", []), list), path, "run_errors is not a list")
    return doc


def find_reports(paths):
    """report.json files named by paths: a file, a directory holding report.json, or a directory
    whose subdirectories hold one each (how shard artifacts are usually gathered)."""
    out = []
    for p in paths:
        if os.path.isfile(p):
            out.append(p)
        elif os.path.isfile(os.path.join(p, "report.json")):
            out.append(os.path.join(p, "report.json"))
        elif os.path.isdir(p):
            found = sorted(os.path.join(p, d, "report.json") for d in os.listdir(p)
                           if os.path.isfile(os.path.join(p, d, "report.json")))
            if not found:
                raise ReportError("%s: no report.json in it or in its subdirectories" % p)
            out += found
        else:
            raise ReportError("%s: no such file or directory" % p)
    return out


def merge(paths, expect_shards=None):
    """One report from shard reports. A workspace reported by two shards, mixed modes, or (with
    expect_shards=N) a shard of 1..N that is missing make run errors, so the merged exit code
    is 1 and nothing is silently dropped."""
    run_errors, workspaces, seen, shards = [], [], {}, []
    docs = [load(p) for p in find_reports(paths)]
    modes = {d["mode"] for d in docs}
    if len(modes) > 1:
        run_errors.append("shard reports mix modes: %s" % ", ".join(sorted(modes)))
    for d in docs:
        run_errors += ["shard %s: %s" % (d.get("shard") or "-", e) for e in d.get("run_errors", [])]
        if d.get("shard"):
            if d["shard"] in shards:
                run_errors.append("shard %s is reported twice" % d["shard"])
            shards.append(d["shard"])
        for w in d["workspaces"]:
            if w["name"] in seen:
                run_errors.append("workspace %s is in two shard reports (%s and %s)"
                                  % (w["name"], seen[w["name"]], d.get("shard") or "-"))
                continue
            seen[w["name"]] = d.get("shard") or "-"
            workspaces.append(w)
    if expect_shards:
        for k in range(1, expect_shards + 1):
            if "%d/%d" % (k, expect_shards) not in shards:
                run_errors.append("shard %d/%d has no report" % (k, expect_shards))
    if not docs:
        run_errors.append("no shard reports")
    started = min((_epoch(d["started_at"]) for d in docs), default=time.time())
    finished = max((d.get("finished_at_epoch") or _epoch(d["finished_at"]) for d in docs),
                   default=time.time())
    mode = docs[0]["mode"] if docs else "refresh-only"
    return build(workspaces, started, finished, mode, shard=None, shards=sorted(shards),
                 run_errors=run_errors)


def _epoch(text):
    try:
        return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))
    except (TypeError, ValueError):
        return time.time()


def _atomic_write(path, text):
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_all(doc, out_dir):
    """report.json, report.md, junit.xml, drift.prom into out_dir (created if needed)."""
    from . import junit, markdown, openmetrics
    os.makedirs(out_dir, exist_ok=True)
    _atomic_write(os.path.join(out_dir, "report.json"),
                  json.dumps(doc, indent=2, sort_keys=True) + "\n")
    _atomic_write(os.path.join(out_dir, "report.md"), markdown.render(doc))
    _atomic_write(os.path.join(out_dir, "junit.xml"), junit.render(doc))
    _atomic_write(os.path.join(out_dir, "drift.prom"), openmetrics.render(doc))
