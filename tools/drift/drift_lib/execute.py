"""Running Terraform in one workspace: `init` when the workspace has not been initialised (one
at a time, because Terraform's plugin cache is not safe for concurrent writers), the
refresh-only plan, `show -json` of the saved plan, and with `full` a normal plan as well. Every
child runs in its own process group under the workspace's deadline; past it the group gets
SIGINT (Terraform stops its providers), then SIGKILL. The result is a dict of the report schema
(report.py); a workspace that did not finish cleanly is an "error", never "clean"."""

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from . import planjson

INIT_LOCK = threading.Lock()
KILL_GRACE_S = 5.0
TAIL_CHARS = 2000


class _Live:
    """The process groups of running children, so an interrupted run can end them all."""

    def __init__(self):
        self.lock = threading.Lock()
        self.procs = set()
        self.stopping = False

    def add(self, proc):
        with self.lock:
            if self.stopping:
                _signal_group(proc, signal.SIGKILL)
            self.procs.add(proc)

    def discard(self, proc):
        with self.lock:
            self.procs.discard(proc)

    def stop_all(self):
        with self.lock:
            self.stopping = True
            procs = list(self.procs)
        for p in procs:
            _signal_group(p, signal.SIGINT)
        deadline = time.monotonic() + KILL_GRACE_S
        for p in procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(p, signal.SIGKILL)


LIVE = _Live()


def _signal_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class StepTimeout(Exception):
    pass


class StepFailed(Exception):
    """kind: init | plan | show | parse | interrupted; message for people."""

    def __init__(self, kind, message, diagnostics=None, version=None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.diagnostics = diagnostics or []
        self.version = version


def _tail(text):
    text = (text or "").strip()
    return text if len(text) <= TAIL_CHARS else "..." + text[-TAIL_CHARS:]


def run_step(argv, cwd, env, deadline):
    """Runs one child to completion before deadline (time.monotonic()); (rc, stdout, stderr)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise StepTimeout()
    if LIVE.stopping:
        raise StepFailed("interrupted", "the run was interrupted")
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    LIVE.add(proc)
    try:
        out, err = proc.communicate(timeout=remaining)
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGINT)
        try:
            proc.communicate(timeout=KILL_GRACE_S)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.communicate()
        raise StepTimeout()
    finally:
        LIVE.discard(proc)
    return (proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


class Options:
    """What every workspace of one run shares."""

    def __init__(self, terraform="terraform", timeout_s=600.0, variables=(), full=False,
                 init="auto", plugin_cache=None, env=None):
        self.terraform = terraform
        self.timeout_s = timeout_s
        self.variables = list(variables)
        self.full = full
        self.init = init  # auto | always | never
        self.plugin_cache = plugin_cache
        self.env = env


def build_env(plugin_cache, base=None):
    env = dict(os.environ if base is None else base)
    env.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
    if plugin_cache:
        env["TF_PLUGIN_CACHE_DIR"] = plugin_cache
    return env


def _error_message(stream, rc, stderr):
    errors = [d for d in (stream.diagnostics if stream else []) if d["severity"] == "error"]
    if errors:
        return "; ".join(d["summary"] + (" (%s)" % d["address"] if d["address"] else "")
                         for d in errors)
    return "terraform exited %s: %s" % (rc, _tail(stderr) or "(no output)")


def _needs_init(path, mode):
    if mode == "always":
        return True
    if mode == "never":
        return False
    return not os.path.isdir(os.path.join(path, ".terraform"))


def _plan(opts, path, env, deadline, plan_file, refresh_only):
    argv = [opts.terraform, "plan"]
    if refresh_only:
        argv.append("-refresh-only")
    argv += ["-detailed-exitcode", "-json", "-lock=false", "-input=false", "-out=" + plan_file]
    for v in opts.variables:
        argv += ["-var", v]
    rc, out, err = run_step(argv, path, env, deadline)
    try:
        stream = planjson.parse_stream(out)
    except planjson.PlanParseError as e:
        raise StepFailed("parse", "%s (exit %d; stderr: %s)" % (e, rc, _tail(err)))
    if rc not in (0, 2):
        raise StepFailed("plan", _error_message(stream, rc, err), stream.diagnostics,
                         stream.terraform_version)
    if stream.terraform_version is None or stream.change_summary is None:
        raise StepFailed("parse", "terraform plan exited %d without its version and "
                                  "change_summary messages: not a complete -json stream" % rc)
    return rc, stream


def _show(opts, path, env, deadline, plan_file):
    rc, out, err = run_step([opts.terraform, "show", "-json", plan_file], path, env, deadline)
    if rc != 0:
        raise StepFailed("show", "terraform show -json exited %d: %s" % (rc, _tail(err)))
    try:
        return planjson.parse_show(out)
    except planjson.PlanParseError as e:
        raise StepFailed("parse", str(e))


def _merge_stream_drift(resources, stream_drift):
    """Every resource the UI stream named as drifted is in the report, even if the saved plan
    does not carry its values (then without attribute paths)."""
    known = {r["address"] for r in resources}
    for addr in sorted(stream_drift):
        if addr not in known:
            resources.append({"address": addr, "module": None, "type": None, "name": None,
                              "action": stream_drift[addr], "changes": []})
    return sorted(resources, key=lambda r: r["address"])


def run_workspace(name, path, opts):
    """Checks one workspace; returns its report entry (see report.py for the schema)."""
    started = time.monotonic()
    deadline = started + opts.timeout_s
    env = opts.env if opts.env is not None else build_env(opts.plugin_cache)
    result = {"name": name, "path": path, "outcome": "error", "exit_code": None,
              "duration_seconds": 0.0, "terraform_version": None, "initialised": False,
              "error": None, "diagnostics": [], "drift": [], "planned_changes": None}
    tmp = tempfile.mkdtemp(prefix="unicron-drift-")
    try:
        if _needs_init(path, opts.init):
            with INIT_LOCK:
                rc, out, err = run_step([opts.terraform, "init", "-input=false", "-no-color"],
                                        path, env, deadline)
            if rc != 0:
                raise StepFailed("init", "terraform init exited %d: %s"
                                 % (rc, _tail(err) or _tail(out)))
            result["initialised"] = True
        plan_file = os.path.join(tmp, "refresh.tfplan")
        rc, stream = _plan(opts, path, env, deadline, plan_file, refresh_only=True)
        result["exit_code"] = rc
        result["terraform_version"] = stream.terraform_version
        result["diagnostics"] = stream.diagnostics
        drift = []
        if rc == 2 or stream.drift:
            drift, _ = _show(opts, path, env, deadline, plan_file)
            drift = _merge_stream_drift(drift, stream.drift)
        result["drift"] = drift
        drifted = rc == 2 or bool(drift)
        if opts.full:
            full_file = os.path.join(tmp, "full.tfplan")
            frc, fstream = _plan(opts, path, env, deadline, full_file, refresh_only=False)
            result["diagnostics"] += [d for d in fstream.diagnostics
                                      if d not in result["diagnostics"]]
            planned = []
            if frc == 2:
                _, planned = _show(opts, path, env, deadline, full_file)
            result["planned_changes"] = planned
            drifted = drifted or frc == 2 or bool(planned)
        result["outcome"] = "drift" if drifted else "clean"
    except StepTimeout:
        result["error"] = {"kind": "timeout",
                           "message": "did not finish within %gs" % opts.timeout_s}
    except StepFailed as e:
        result["error"] = {"kind": e.kind, "message": e.message}
        result["diagnostics"] += [d for d in e.diagnostics if d not in result["diagnostics"]]
        result["terraform_version"] = result["terraform_version"] or e.version
    except OSError as e:
        result["error"] = {"kind": "exec", "message": "cannot run %s: %s"
                           % (opts.terraform, e.strerror or e)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        result["duration_seconds"] = round(time.monotonic() - started, 3)
    if result["error"] is not None:
        result["outcome"] = "error"
    return result
