"""The drift runner's (tools/drift) parsing, diffing, report formats and failure handling, with
no provider: Terraform's real 1.11 outputs recorded in drift_data/, and a fake `terraform`
script for the failures a real one produces rarely (garbage output, a stream cut short, a hang
past --timeout, a crash of `show`). Every failure must be reported as an error, never clean.
The real-terraform cases are in test_drift_runner.py.
"""
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import test_drift_runner  # noqa: E402  (for its strict OpenMetrics parser only)

sys.path.insert(0, os.path.join(harness.REPO, "tools", "drift"))
from drift_lib import markdown, openmetrics, junit, planjson, report, workspaces  # noqa: E402

DATA = os.path.join(HERE, "drift_data")
RUNNER = os.path.join(harness.REPO, "tools", "drift", "drift.py")


def data(name):
    with open(os.path.join(DATA, name)) as f:
        return f.read()


def workspace(name, outcome="drift", drift=None, error=None, duration=1.5):
    return {"name": name, "path": "/w/" + name, "outcome": outcome, "exit_code": None,
            "duration_seconds": duration, "terraform_version": "1.11.4", "initialised": False,
            "error": error, "diagnostics": [], "drift": drift or [], "planned_changes": None}


class PlanJsonTest(unittest.TestCase):
    def test_recorded_refresh_only_stream(self):
        s = planjson.parse_stream(data("plan_refresh_only.jsonl"))
        self.assertEqual(s.terraform_version, "1.11.4")
        self.assertEqual(s.drift, {"unicron_tenant.t": "update"})
        self.assertEqual(s.planned, {})
        self.assertIsNotNone(s.change_summary)
        self.assertEqual([d["severity"] for d in s.diagnostics], ["warning"])

    def test_recorded_full_plan_stream(self):
        s = planjson.parse_stream(data("plan_full.jsonl"))
        self.assertEqual(s.planned, {"unicron_tenant.t": "update"})
        self.assertEqual(s.change_summary["change"], 1)

    def test_stream_errors(self):
        for text in ("not json\n", '{"no": "type"}\n', "[1, 2]\n",
                     '{"type": "resource_drift", "change": {}}\n',
                     '{"type": "diagnostic"}\n', '{"type": "change_summary"}\n'):
            with self.subTest(text=text):
                with self.assertRaises(planjson.PlanParseError):
                    planjson.parse_stream(text)

    def test_recorded_show_paths(self):
        drift, changes = planjson.parse_show(data("show_refresh_only.json"))
        self.assertEqual(changes, [])
        self.assertEqual(len(drift), 1)
        self.assertEqual(drift[0]["address"], "unicron_tenant.t")
        self.assertEqual(drift[0]["action"], "update")
        paths = {c["path"]: (c["before"], c["after"]) for c in drift[0]["changes"]}
        self.assertEqual(set(paths), {"access[1].environments", "parent_id", "tags_all.team"})
        self.assertEqual(paths["access[1].environments"], (["dev", "prod"], ["dev"]))
        self.assertEqual(paths["tags_all.team"], ("data", "hijacked"))

    def test_full_plan_changes(self):
        drift, changes = planjson.parse_show(data("show_full.json"))
        self.assertEqual([c["address"] for c in changes], ["unicron_tenant.t"])
        self.assertEqual(changes[0]["action"], "update")
        self.assertTrue(changes[0]["changes"])

    def test_sensitive_values_are_masked(self):
        doc = json.loads(data("show_refresh_only.json"))
        ch = doc["resource_drift"][0]["change"]
        ch["after_sensitive"]["tags_all"] = True          # the whole map, on one side only
        ch["before_sensitive"]["parent_id"] = True
        drift, _ = planjson.parse_show(json.dumps(doc))
        by_path = {c["path"]: c for c in drift[0]["changes"]}
        for path in ("tags_all.team", "parent_id"):
            self.assertTrue(by_path[path]["sensitive"], path)
            self.assertIsNone(by_path[path]["before"])
            self.assertIsNone(by_path[path]["after"])
        self.assertFalse(by_path["access[1].environments"]["sensitive"])
        doc_out = report.build([workspace("t", drift=drift)], 0, 1, "refresh-only")
        md = markdown.render(doc_out)
        xml = junit.render(doc_out)
        for secret in ("hijacked", '"data"', "ou-"):
            self.assertNotIn(secret, md)
            self.assertNotIn(secret, xml)
        self.assertIn("`tags_all.team`: (sensitive) → (sensitive)", md)

    def test_diff_values(self):
        cases = [
            ({"a": 1}, {"a": 1}, []),
            ({"a": 1}, {"a": 2}, [("a", 1, 2)]),
            ({"a": True}, {"a": 1}, [("a", True, 1)]),
            ({"m": {"x:y": "1"}}, {"m": {}}, [('m["x:y"]', "1", None)]),
            ({"l": [1, 2]}, {"l": [1, 3]}, [("l[1]", 2, 3)]),
            ({"l": [1, 2]}, {"l": [1]}, [("l", [1, 2], [1])]),
            ({"b": [{"n": "x"}]}, {"b": [{"n": "y"}]}, [("b[0].n", "x", "y")]),
            ({"a": None}, {"a": {"k": 1}}, [("a", None, {"k": 1})]),
        ]
        for before, after, want in cases:
            with self.subTest(before=before, after=after):
                got = [(c["path"], c["before"], c["after"])
                       for c in planjson.diff_values(before, after)]
                self.assertEqual(got, want)
        # a list that changed length is masked when any element inside it is sensitive
        got = planjson.diff_values({"l": ["a", "s"]}, {"l": ["a"]},
                                   {"l": [False, True]}, {"l": [False]})
        self.assertEqual(got, [{"path": "l", "before": None, "after": None, "sensitive": True,
                                "unknown": False}])
        got = planjson.diff_values({"a": 1}, {"a": None}, False, False, {"a": True})
        self.assertEqual(got[0]["unknown"], True)


class FormatTest(unittest.TestCase):
    def nasty_doc(self):
        drift = [{"address": 'unicron_tenant.t["a|b"]', "module": None, "type": "unicron_tenant",
                  "name": "t", "action": "update",
                  "changes": [{"path": 'tags_all["x|y"]', "before": 'q"uo\\te\n`x`',
                               "after": "a|b\x01", "sensitive": False, "unknown": False}]}]
        return report.build([workspace('we"ird\\name\n', drift=drift),
                             workspace("fine", outcome="clean"),
                             workspace("broken", outcome="error",
                                       error={"kind": "timeout", "message": "did not <finish>"})],
                            1000.0, 1002.5, "refresh-only", run_errors=["x & y"])

    def test_openmetrics_is_strict_and_escaped(self):
        doc = self.nasty_doc()
        fams = test_drift_runner.parse_openmetrics(openmetrics.render(doc))
        res = fams["unicron_drift_resources"]["samples"]
        self.assertEqual(res, [({"tenant": 'we"ird\\name\n', "resource":
                                 'unicron_tenant.t["a|b"]'}, 1.0)])
        self.assertEqual(fams["unicron_drift_run_errors"]["samples"], [({}, 2.0)])
        self.assertEqual({lab["outcome"]: v for lab, v in
                          fams["unicron_drift_workspaces"]["samples"]},
                         {"clean": 1.0, "drift": 1.0, "error": 1.0})
        self.assertEqual(fams["unicron_drift_run_duration_seconds"]["unit"], "seconds")
        self.assertEqual(fams["unicron_drift_run_duration_seconds"]["samples"], [({}, 2.5)])

    def test_openmetrics_parser_rejects_bad_files(self):
        good = openmetrics.render(self.nasty_doc())
        bad = [good.replace("# EOF\n", ""), good + "x 1\n", good.replace("\n#", "\n\n#", 1),
               good.replace('tenant="fine"', 'tenant="fi\\qne"'),
               good.replace("# TYPE unicron_drift_run_errors gauge\n", ""),
               "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n# EOF\n",
               '# TYPE a gauge\na{x="1",x="2"} 1\n# EOF\n',
               "# TYPE a gauge\na one\n# EOF\n", "# TYPE a_seconds gauge\n# UNIT a_seconds "
               "bytes\n# EOF\n", "# random comment\n# EOF\n"]
        for text in bad:
            with self.subTest(text=text[-60:]):
                with self.assertRaises(AssertionError):
                    test_drift_runner.parse_openmetrics(text)

    def test_junit_parses_and_counts(self):
        root = ET.fromstring(junit.render(self.nasty_doc()).encode())
        self.assertEqual((root.get("tests"), root.get("failures"), root.get("errors")),
                         ("4", "1", "2"))
        cases = {c.get("name"): c for c in root.iter("testcase")}
        self.assertEqual(set(cases), {'we"ird\\name\n', "fine", "broken", "(run)"})
        self.assertEqual(cases["broken"].find("error").get("type"), "timeout")
        self.assertIn("tags_all[\"x|y\"]", cases['we"ird\\name\n'].find("failure").text)

    def test_markdown_tables_survive_pipes_and_backticks(self):
        md = markdown.render(self.nasty_doc())
        rows = [ln for ln in md.splitlines() if ln.startswith("| ")]
        self.assertEqual(len(rows), 4)   # header + 3 workspaces
        for row in rows:
            cells = re.split(r"(?<!\\)\|", row)[1:-1]
            self.assertEqual(len(cells), 4, row)
        self.assertIn("- **run error**: x & y", md)
        self.assertIn("## Failed workspaces", md)


class SelectionTest(unittest.TestCase):
    def test_shards_partition_any_list(self):
        names = [("t%02d" % i, "/p/%d" % i) for i in range(23)]
        for n in range(1, 9):
            parts = [workspaces.shard(names, k, n) for k in range(1, n + 1)]
            flat = [w for p in parts for w in p]
            self.assertEqual(sorted(flat), sorted(names))
            self.assertLessEqual(max(map(len, parts)) - min(map(len, parts)), 1)

    def test_bad_shards(self):
        for text in ("0/2", "3/2", "1/0", "a/b", "1", "", "1/2/3"):
            with self.assertRaises(workspaces.WorkspaceError, msg=text):
                workspaces.parse_shard(text)

    def test_shard_specs(self):
        self.assertEqual([s["shard"] for s in workspaces.shard_specs(1000, 100)][-1], "10/10")
        self.assertEqual(len(workspaces.shard_specs(0, 50)), 1)
        self.assertEqual(len(workspaces.shard_specs(101, 50)), 3)


FAKE_TERRAFORM = r'''#!/usr/bin/env python3
# A stand-in for terraform: what it does is read from the workspace's file "mode".
import os, sys, time
data = sys.argv[0] + ".data"
args = sys.argv[1:]
mode = open("mode").read().strip() if os.path.exists("mode") else "clean"
def emit(name):
    sys.stdout.write(open(os.path.join(os.environ["FAKE_DATA"], name)).read())
VERSION = '{"type":"version","terraform":"1.11.4","ui":"1.2"}\n'
SUMMARY = '{"type":"change_summary","changes":{"add":0,"change":0,"remove":0,"operation":"plan"}}\n'
if args[0] == "init":
    os.makedirs(".terraform", exist_ok=True)
    sys.exit(3 if mode == "init-fails" else 0)
if args[0] == "plan":
    with open("args.log", "a") as f:
        f.write(" ".join(args) + "\n")
    full = "-refresh-only" not in args
    if mode == "clean":
        sys.stdout.write(VERSION + SUMMARY); sys.exit(0)
    if mode in ("drift", "show-fails", "show-garbage"):
        emit("plan_full.jsonl" if full else "plan_refresh_only.jsonl"); sys.exit(2)
    if mode == "garbage":
        sys.stdout.write("Error: something in plain text\n"); sys.exit(0)
    if mode == "truncated":
        sys.stdout.write(VERSION); sys.exit(0)
    if mode == "empty-exit-2":
        sys.exit(2)
    if mode == "fails":
        sys.stdout.write(VERSION + '{"type":"diagnostic","diagnostic":{"severity":"error",'
                         '"summary":"No valid credential sources found","detail":"x"}}\n')
        sys.exit(1)
    if mode == "hangs":
        time.sleep(120); sys.exit(0)
    if mode == "killed":
        sys.stdout.write(VERSION); sys.stdout.flush(); os.kill(os.getpid(), 9)
if args[0] == "show":
    if mode == "show-fails":
        sys.stderr.write("Error: Failed to read the given file as a state or plan file\n")
        sys.exit(1)
    if mode == "show-garbage":
        sys.stdout.write("{}"); sys.exit(0)
    emit("show_full.json" if args[-1].endswith("full.tfplan") else "show_refresh_only.json")
    sys.exit(0)
sys.exit(0)
'''


class FakeTerraformRunTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="unicron-drift-unit-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.tf = os.path.join(self.dir, "terraform")
        with open(self.tf, "w") as f:
            f.write(FAKE_TERRAFORM)
        os.chmod(self.tf, 0o755)
        self.root = os.path.join(self.dir, "tenants")
        self.env = dict(os.environ, FAKE_DATA=DATA)
        self.env.pop("CI", None)

    def ws(self, name, mode, init=True):
        p = os.path.join(self.root, name)
        os.makedirs(p)
        with open(os.path.join(p, "main.tf"), "w") as f:
            f.write("# fake\n")
        with open(os.path.join(p, "mode"), "w") as f:
            f.write(mode)
        if init:
            os.makedirs(os.path.join(p, ".terraform"))
        return p

    def run_drift(self, *args):
        out = os.path.join(self.dir, "out")
        r = subprocess.run([sys.executable, RUNNER, "--terraform", self.tf,
                            "--plugin-cache", os.path.join(self.dir, "cache"), "--out", out]
                           + list(args), env=self.env, capture_output=True, timeout=300)
        # bytes, not text=True: universal newlines would turn the progress line's \r into \n
        r.stdout, r.stderr = r.stdout.decode(), r.stderr.decode()
        with open(os.path.join(out, "report.json")) as f:
            return r, json.load(f)

    def test_every_failure_is_an_error_never_clean(self):
        kinds = {"garbage": "parse", "truncated": "parse", "empty-exit-2": "parse",
                 "fails": "plan", "hangs": "timeout", "killed": "plan",
                 "show-fails": "show", "show-garbage": "parse", "init-fails": "init"}
        for mode in kinds:
            self.ws("w-" + mode, mode, init=(mode != "init-fails"))
        self.ws("w-clean", "clean")
        self.ws("w-drift", "drift")
        r, doc = self.run_drift("--workspaces", self.root, "--timeout", "20",
                                "--concurrency", "4")
        self.assertEqual(r.returncode, 1, r.stderr)
        got = {w["name"]: (w["outcome"], (w["error"] or {}).get("kind"))
               for w in doc["workspaces"]}
        want = {"w-" + m: ("error", k) for m, k in kinds.items()}
        want.update({"w-clean": ("clean", None), "w-drift": ("drift", None)})
        self.assertEqual(got, want)
        fails = next(w for w in doc["workspaces"] if w["name"] == "w-fails")
        self.assertIn("No valid credential sources found", fails["error"]["message"])
        self.assertEqual(doc["summary"]["error"], len(kinds))

    def test_full_mode_vars_list_and_progress(self):
        self.ws("a", "drift")
        self.ws("b", "clean", init=False)
        listing = os.path.join(self.dir, "list.txt")
        with open(listing, "w") as f:
            f.write("# tenants\ntenants/a\n\ntenants/b  # second\n")
        r, doc = self.run_drift("--list", listing, "--full", "--var", "region=eu-west-1",
                                "--var", "x=a=b", "--progress")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(doc["mode"], "full")
        a = next(w for w in doc["workspaces"] if w["name"] == "a")
        self.assertEqual([c["address"] for c in a["planned_changes"]], ["unicron_tenant.t"])
        b = next(w for w in doc["workspaces"] if w["name"] == "b")
        self.assertEqual(b["planned_changes"], [])
        self.assertTrue(b["initialised"])
        with open(os.path.join(self.root, "a", "args.log")) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 2)
        for line in lines:
            for flag in ("-detailed-exitcode", "-json", "-lock=false", "-input=false",
                         "-var region=eu-west-1", "-var x=a=b"):
                self.assertIn(flag, line)
        self.assertIn("-refresh-only", lines[0])
        self.assertIn("\rdrift: 2/2 done, 1 drifted, 0 failed", r.stderr)

    def test_ci_is_quiet_and_usage_errors_exit_1(self):
        self.ws("a", "clean")
        env = dict(self.env, CI="true")
        out = os.path.join(self.dir, "o")
        r = subprocess.run([sys.executable, RUNNER, "--terraform", self.tf, "--workspaces",
                            self.root, "--out", out, "--plugin-cache", self.dir],
                           env=env, capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"\r", r.stderr)
        self.assertIn(b"drift: 1 workspaces: 1 clean", r.stderr)
        for bad in (["--concurrency", "0"], ["--shard", "3/2"], ["--bogus"], [],
                    ["--workspaces", os.path.join(self.dir, "nope")]):
            with self.subTest(args=bad):
                r = subprocess.run([sys.executable, RUNNER, "--terraform", self.tf,
                                    "--out", out] + bad, env=env, capture_output=True,
                                   text=True, timeout=60)
                self.assertEqual(r.returncode, 1, r.stderr)

    def test_merge_refuses_other_schema_and_mixed_modes(self):
        a = report.build([workspace("a", outcome="clean")], 0, 1, "refresh-only", shard="1/2")
        b = report.build([workspace("b", outcome="clean")], 0, 1, "full", shard="2/2")
        for name, doc in (("a", a), ("b", b)):
            report.write_all(doc, os.path.join(self.dir, "shards", name))
        merged = report.merge([os.path.join(self.dir, "shards")], expect_shards=2)
        self.assertEqual(merged["exit_code"], 1)
        self.assertIn("shard reports mix modes: full, refresh-only", merged["run_errors"])
        c = copy.deepcopy(a)
        c["schema_version"] = 99
        os.makedirs(os.path.join(self.dir, "v99"))
        with open(os.path.join(self.dir, "v99", "report.json"), "w") as f:
            json.dump(c, f)
        with self.assertRaises(report.ReportError):
            report.merge([os.path.join(self.dir, "v99")])


if __name__ == "__main__":
    unittest.main()
