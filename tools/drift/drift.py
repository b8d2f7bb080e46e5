#!/usr/bin/env python3
"""unicron drift runner: `terraform plan -refresh-only` over many tenant workspaces, bounded in
parallel, with one report in four formats (report.json, report.md, junit.xml, drift.prom).

  drift.py [run] --workspaces DIR | --list FILE  [--concurrency N] [--shard K/N]
           [--timeout SECONDS] [--var k=v ...] [--full] [--out DIR] [--terraform PATH]
           [--plugin-cache DIR] [--init auto|always|never] [--progress|--no-progress]
  drift.py merge --out DIR [--expect-shards N] SHARD_REPORT_OR_DIR...
  drift.py list  --workspaces DIR | --list FILE [--shard K/N]
  drift.py shards --workspaces DIR | --list FILE --per-shard M

Exit codes (run and merge): 0 no drift, 2 drift found, 1 any workspace failed or the run could
not be made (a failed workspace is never reported clean). Standard library only.
Documented in docs/guides/drift-detection.md.
"""

import argparse
import concurrent.futures
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from drift_lib import execute, progress, report, workspaces  # noqa: E402

SUBCOMMANDS = ("run", "merge", "list", "shards")


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error; 2 means drift here, so a usage error exits 1."""

    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write("%s: error: %s\n" % (self.prog, message))
        sys.exit(1)


def _positive(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a whole number" % text)
    if v < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return v


def _seconds(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number of seconds" % text)
    if v <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return v


def _var(text):
    if "=" not in text or text.startswith("="):
        raise argparse.ArgumentTypeError("%r: expected NAME=VALUE" % text)
    return text


def _selection_args(ap):
    ap.add_argument("--workspaces", metavar="DIR",
                    help="directory whose subdirectories are the tenant workspaces")
    ap.add_argument("--list", metavar="FILE", dest="list_file",
                    help="file naming one workspace directory per line (relative to "
                         "--workspaces if given, else to the file)")
    ap.add_argument("--shard", metavar="K/N", help="only the K-th of N shards")


def _parser(cmd):
    prog = "drift.py" + ("" if cmd == "run" else " " + cmd)
    ap = _Parser(prog=prog, description=__doc__.split("\n\n")[0])
    if cmd in ("run", "list", "shards"):
        _selection_args(ap)
    if cmd == "run":
        ap.add_argument("--concurrency", type=_positive, default=4,
                        help="workspaces checked at the same time (default 4)")
        ap.add_argument("--timeout", type=_seconds, default=600.0, metavar="SECONDS",
                        help="per workspace, init + plans + show (default 600)")
        ap.add_argument("--var", type=_var, action="append", default=[], metavar="NAME=VALUE",
                        help="passed to every plan as -var (repeatable)")
        ap.add_argument("--full", action="store_true",
                        help="also run a normal plan and report its planned changes")
        ap.add_argument("--out", default="drift-report", metavar="DIR",
                        help="report directory (default ./drift-report)")
        ap.add_argument("--terraform", default="terraform", metavar="PATH",
                        help="terraform binary (default: terraform on PATH)")
        ap.add_argument("--plugin-cache", metavar="DIR",
                        help="shared TF_PLUGIN_CACHE_DIR (default: $TF_PLUGIN_CACHE_DIR, else "
                             "~/.cache/unicron-drift/plugin-cache)")
        ap.add_argument("--init", choices=("auto", "always", "never"), default="auto",
                        help="terraform init: auto = only where .terraform/ is missing")
        g = ap.add_mutually_exclusive_group()
        g.add_argument("--progress", dest="progress", action="store_true", default=None,
                       help="force the progress line")
        g.add_argument("--no-progress", dest="progress", action="store_false",
                       help="no progress line")
    elif cmd == "merge":
        ap.add_argument("--out", required=True, metavar="DIR", help="merged report directory")
        ap.add_argument("--expect-shards", type=_positive, metavar="N",
                        help="fail unless shards 1/N..N/N each sent a report")
        ap.add_argument("reports", nargs="+", metavar="SHARD_REPORT_OR_DIR")
    elif cmd == "list":
        ap.add_argument("--json", action="store_true", help="a JSON array of names")
    elif cmd == "shards":
        ap.add_argument("--per-shard", type=_positive, required=True, metavar="M",
                        help="workspaces per shard at most")
    return ap


def select(args):
    """[(name, path)] of the run, sharded. WorkspaceError when it cannot be made."""
    if not args.workspaces and not args.list_file:
        raise workspaces.WorkspaceError("give --workspaces DIR or --list FILE")
    if args.list_file:
        found = workspaces.read_list(args.list_file, base=args.workspaces)
    else:
        found = workspaces.discover(args.workspaces)
    found = workspaces.check_unique(found)
    if not found:
        raise workspaces.WorkspaceError("no workspaces found")
    if args.shard:
        k, n = workspaces.parse_shard(args.shard)
        found = workspaces.shard(found, k, n)
    return found


def _plugin_cache(args):
    cache = args.plugin_cache or os.environ.get("TF_PLUGIN_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "unicron-drift", "plugin-cache")
    cache = os.path.abspath(cache)
    os.makedirs(cache, exist_ok=True)
    return cache


def _interrupt(signum, frame):
    raise KeyboardInterrupt()


def cmd_run(args):
    if args.shard:
        workspaces.parse_shard(args.shard)
    selected = select(args)
    opts = execute.Options(terraform=args.terraform, timeout_s=args.timeout,
                           variables=args.var, full=args.full, init=args.init,
                           plugin_cache=_plugin_cache(args))
    opts.env = execute.build_env(opts.plugin_cache)
    enabled = progress.wanted() if args.progress is None else args.progress
    prog = progress.Progress(len(selected), enabled)
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.time()
    results, run_errors = [], []
    prog.start()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency)
    futures = {pool.submit(execute.run_workspace, name, path, opts): name
               for name, path in selected}
    try:
        for fut in concurrent.futures.as_completed(futures):
            res = fut.result()
            results.append(res)
            prog.update(res["outcome"])
    except KeyboardInterrupt:
        for f in futures:
            f.cancel()
        execute.LIVE.stop_all()
        concurrent.futures.wait([f for f in futures if not f.cancelled()])
        run_errors.append("interrupted before every workspace was checked")
        done = {r["name"] for r in results}
        for f, name in futures.items():
            if f.done() and not f.cancelled() and name not in done:
                results.append(f.result())
                done.add(name)
        for name, path in selected:
            if name not in done:
                results.append({"name": name, "path": path, "outcome": "error",
                                "exit_code": None, "duration_seconds": 0.0,
                                "terraform_version": None, "initialised": False,
                                "error": {"kind": "interrupted",
                                          "message": "the run was interrupted"},
                                "diagnostics": [], "drift": [], "planned_changes": None})
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        prog.finish()
    doc = report.build(results, started, time.time(), "full" if args.full else "refresh-only",
                       shard=args.shard, run_errors=run_errors)
    report.write_all(doc, args.out)
    _say(doc, args.out)
    return doc["exit_code"]


def _say(doc, out):
    s = doc["summary"]
    sys.stderr.write("drift: %d workspaces: %d clean, %d drifted, %d failed%s; reports in %s\n"
                     % (s["workspaces"], s["clean"], s["drift"], s["error"],
                        ", %d run errors" % s["run_errors"] if s["run_errors"] else "", out))


def cmd_merge(args):
    doc = report.merge(args.reports, expect_shards=args.expect_shards)
    report.write_all(doc, args.out)
    _say(doc, args.out)
    return doc["exit_code"]


def cmd_list(args):
    names = [name for name, _ in select(args)]
    sys.stdout.write(json.dumps(names) + "\n" if args.json else "".join(n + "\n" for n in names))
    return 0


def cmd_shards(args):
    if args.shard:
        raise workspaces.WorkspaceError("shards takes no --shard")
    sys.stdout.write(json.dumps(workspaces.shard_specs(len(select(args)), args.per_shard))
                     + "\n")
    return 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    cmd = "run"
    if argv and argv[0] in SUBCOMMANDS:
        cmd = argv.pop(0)
    args = _parser(cmd).parse_args(argv)
    try:
        return {"run": cmd_run, "merge": cmd_merge, "list": cmd_list,
                "shards": cmd_shards}[cmd](args)
    except (workspaces.WorkspaceError, report.ReportError) as e:
        sys.stderr.write("drift: %s\n" % e)
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("drift: interrupted\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
