"""End to end: the drift runner (tools/drift/drift.py, issue 12) over 20 tenant workspaces with
the real `terraform`, the built provider (from a filesystem mirror, one plugin cache) and
tools/localaws. No drift -> exit 0; shards 1/2 + 2/2 cover each workspace once and merge into
one report; three out-of-band changes (a tag, an OU move, a deleted access role) -> exit 2 and
all four reports name exactly those tenants and attribute paths; an unreachable endpoint in one
workspace -> exit 1 and that workspace reported failed, never clean.

The tests share one fleet (creating 40 accounts is the slow part) and run in name order: the
numbered prefixes keep the no-drift cases before the out-of-band changes.
Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_drift_runner.py' -v
"""
import json
import os
import re
import shutil
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drift_fixture  # noqa: E402
import harness  # noqa: E402

TENANTS = 20
TAGGED, MOVED, ROLE_DELETED, BROKEN = "tenant-03", "tenant-07", "tenant-12", "tenant-15"
# What each out-of-band change must show as: the attribute path of unicron_tenant that differs.
EXPECTED_PATHS = {
    TAGGED: {"tags_all.team"},
    MOVED: {"parent_id"},
    ROLE_DELETED: {"access[1].environments"},
}
ADDR = "unicron_tenant.t"


# ---------------------------------------------------------------- a strict OpenMetrics parser
_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
_SAMPLE = re.compile(r"^(%s)(\{.*\})? (\S+)( \S+)?$" % _NAME)
_TYPES = {"gauge", "counter", "stateset", "info", "histogram", "gaugehistogram", "summary",
          "unknown"}


def _labels(text, lineno):
    """'{a="x",b="y\\"z"}' -> {"a": "x", "b": 'y"z'} with the OpenMetrics escapes."""
    out, i, body = {}, 0, text[1:-1]
    while i < len(body):
        m = re.match(r'(%s)="' % _LABEL, body[i:])
        if not m:
            raise AssertionError("line %d: bad label at %r" % (lineno, body[i:]))
        name = m.group(1)
        i += m.end()
        val = []
        while True:
            if i >= len(body):
                raise AssertionError("line %d: unterminated label value" % lineno)
            c = body[i]
            if c == "\\":
                nxt = body[i + 1: i + 2]
                if nxt not in ('\\', '"', 'n'):
                    raise AssertionError("line %d: bad escape \\%s" % (lineno, nxt))
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise AssertionError("line %d: raw newline in a label value" % lineno)
            else:
                val.append(c)
                i += 1
        if name in out:
            raise AssertionError("line %d: label %s twice" % (lineno, name))
        out[name] = "".join(val)
        if i < len(body):
            if body[i] != ",":
                raise AssertionError("line %d: expected ',' between labels" % lineno)
            i += 1
            if i == len(body):
                raise AssertionError("line %d: trailing comma in labels" % lineno)
    return out


def parse_openmetrics(text):
    """{family: {"type", "unit", "help", "samples": [(labels dict, float)]}}; AssertionError on
    anything the OpenMetrics text format does not allow (as far as these files use it)."""
    if not text.endswith("# EOF\n"):
        raise AssertionError("does not end with '# EOF' and a newline")
    lines = text[:-1].split("\n")
    if lines.count("# EOF") != 1:
        raise AssertionError("# EOF appears %d times" % lines.count("# EOF"))
    families, order, current, seen_series = {}, [], None, set()
    for lineno, line in enumerate(lines[:-1], 1):
        if line == "":
            raise AssertionError("line %d: blank line" % lineno)
        if line.startswith("#"):
            m = re.match(r"^# (TYPE|HELP|UNIT) (%s)(?: (.*))?$" % _NAME, line)
            if not m:
                raise AssertionError("line %d: comment that is not TYPE/HELP/UNIT: %r"
                                     % (lineno, line))
            kind, name, rest = m.group(1), m.group(2), m.group(3) or ""
            fam = families.get(name)
            if fam is None:
                if name in order:
                    raise AssertionError("line %d: family %s interleaved" % (lineno, name))
                fam = families[name] = {"type": None, "unit": None, "help": None,
                                        "samples": []}
                order.append(name)
                current = name
            elif current != name or fam["samples"]:
                raise AssertionError("line %d: metadata of %s after its samples or another "
                                     "family" % (lineno, name))
            key = kind.lower()
            if fam[key] is not None:
                raise AssertionError("line %d: second %s for %s" % (lineno, kind, name))
            if kind == "TYPE" and rest not in _TYPES:
                raise AssertionError("line %d: unknown type %r" % (lineno, rest))
            if kind == "UNIT" and not name.endswith("_" + rest):
                raise AssertionError("line %d: %s does not end in its unit %s"
                                     % (lineno, name, rest))
            if kind == "HELP" and re.search(r"\\[^\\n]", rest.replace("\\\\", "")):
                raise AssertionError("line %d: bad escape in HELP" % lineno)
            fam[key] = rest
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise AssertionError("line %d: not a sample: %r" % (lineno, line))
        name, labels_text, value = m.group(1), m.group(2), m.group(3)
        if current is None or name != current:
            raise AssertionError("line %d: sample %s outside its family's block (family %s)"
                                 % (lineno, name, current))
        fam = families[name]
        if fam["type"] not in ("gauge", "unknown"):
            raise AssertionError("line %d: %s typed %s; this file only writes gauges"
                                 % (lineno, name, fam["type"]))
        labels = _labels(labels_text, lineno) if labels_text else {}
        series = (name, tuple(sorted(labels.items())))
        if series in seen_series:
            raise AssertionError("line %d: duplicate series %r" % (lineno, series))
        seen_series.add(series)
        try:
            v = float(value)
        except ValueError:
            raise AssertionError("line %d: value %r is not a number" % (lineno, value))
        fam["samples"].append((labels, v))
    for name, fam in families.items():
        if fam["type"] is None:
            raise AssertionError("family %s has no TYPE" % name)
    return families


# ---------------------------------------------------------------- the tests
class DriftRunnerTest(harness.ProviderTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.la = harness.LocalAWS(async_delay_ms=5)
        try:
            cls.api = drift_fixture.out_of_band_api(cls.la)
            root = cls.api.root_id()
            cls.ou_home = cls.api.create_ou(root, "tenants")
            cls.ou_other = cls.api.create_ou(root, "elsewhere")
            cls.fleet = drift_fixture.Fleet(cls.la, TENANTS, cls.ou_home)
            cls.fleet.create_all(parallel=4)
        except BaseException:
            cls.la.stop()
            if getattr(cls, "fleet", None):
                cls.fleet.cleanup()
            raise
        # two workspaces lose .terraform/: the runner's `init` must restore them from the mirror
        for name in ("tenant-01", "tenant-20"):
            shutil.rmtree(os.path.join(cls.fleet.path(name), ".terraform"))

    @classmethod
    def tearDownClass(cls):
        cls.la.stop()
        cls.fleet.cleanup()

    def run_drift(self, *args):
        out = tempfile.mkdtemp(prefix="unicron-drift-out-")
        self.addCleanup(shutil.rmtree, out, True)
        r = self.fleet.run("--workspaces", self.fleet.root, "--concurrency", "4",
                           "--timeout", "300", "--out", out, *args)
        return r, out

    def load(self, out):
        with open(os.path.join(out, "report.json")) as f:
            doc = json.load(f)
        with open(os.path.join(out, "report.md")) as f:
            md = f.read()
        junit = ET.parse(os.path.join(out, "junit.xml")).getroot()
        with open(os.path.join(out, "drift.prom")) as f:
            prom = parse_openmetrics(f.read())
        return doc, md, junit, prom

    def outcomes(self, doc):
        return {w["name"]: w["outcome"] for w in doc["workspaces"]}

    def junit_cases(self, junit):
        """{workspace: "pass" | "failure" | "error"}."""
        out = {}
        for case in junit.iter("testcase"):
            kind = "pass"
            if case.find("failure") is not None:
                kind = "failure"
            if case.find("error") is not None:
                kind = "error"
            out[case.get("name")] = kind
        return out

    def prom_value(self, prom, family, **labels):
        vals = [v for lab, v in prom[family]["samples"] if lab == labels]
        self.assertEqual(len(vals), 1, "%s%r: %r" % (family, labels, prom[family]["samples"]))
        return vals[0]

    # ------------------------------------------------------------ no drift
    def test_1_no_drift_exits_0_and_reports_every_workspace_clean(self):
        r, out = self.run_drift()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        doc, md, junit, prom = self.load(out)
        self.assertEqual(doc["schema_version"], 1)
        self.assertEqual(doc["exit_code"], 0)
        self.assertEqual(self.outcomes(doc), {n: "clean" for n in self.fleet.names})
        self.assertEqual(doc["summary"], {"workspaces": TENANTS, "clean": TENANTS, "drift": 0,
                                          "error": 0, "drifted_resources": 0,
                                          "run_errors": 0})
        inited = {w["name"] for w in doc["workspaces"] if w["initialised"]}
        self.assertEqual(inited, {"tenant-01", "tenant-20"})
        self.assertEqual(self.junit_cases(junit), {n: "pass" for n in self.fleet.names})
        self.assertEqual(junit.get("tests"), str(TENANTS))
        self.assertEqual(prom["unicron_drift_resources"]["samples"], [])
        self.assertEqual(self.prom_value(prom, "unicron_drift_workspaces", outcome="clean"),
                         TENANTS)
        self.assertEqual(self.prom_value(prom, "unicron_drift_run_errors"), 0)
        self.assertIn("%d workspaces: **0 drifted**, **0 failed**" % TENANTS, md)
        # not a terminal and no --progress: no progress line, only the summary line
        self.assertNotIn("\r", r.stderr)

    def test_2_shards_cover_every_workspace_once_and_merge(self):
        r1, out1 = self.run_drift("--shard", "1/2")
        r2, out2 = self.run_drift("--shard", "2/2")
        self.assertEqual((r1.returncode, r2.returncode), (0, 0), r1.stderr + r2.stderr)
        names1 = set(self.outcomes(self.load(out1)[0]))
        names2 = set(self.outcomes(self.load(out2)[0]))
        self.assertEqual(names1 & names2, set())
        self.assertEqual(names1 | names2, set(self.fleet.names))
        self.assertEqual(sorted([len(names1), len(names2)]), [TENANTS // 2, TENANTS // 2])

        merged = tempfile.mkdtemp(prefix="unicron-drift-merged-")
        self.addCleanup(shutil.rmtree, merged, True)
        m = self.fleet.run("merge", "--out", merged, "--expect-shards", "2", out1, out2)
        self.assertEqual(m.returncode, 0, m.stderr)
        doc, _, junit, prom = self.load(merged)
        self.assertEqual(set(self.outcomes(doc)), set(self.fleet.names))
        self.assertEqual(doc["shards"], ["1/2", "2/2"])
        self.assertEqual(len(self.junit_cases(junit)), TENANTS)

        with self.subTest("a missing shard fails the merge"):
            m = self.fleet.run("merge", "--out", merged, "--expect-shards", "2", out2)
            self.assertEqual(m.returncode, 1, m.stderr)
            doc, md, junit, prom = self.load(merged)
            self.assertEqual(doc["run_errors"], ["shard 1/2 has no report"])
            self.assertEqual(self.prom_value(prom, "unicron_drift_run_errors"), 1)
            self.assertEqual(self.junit_cases(junit)["(run)"], "error")
        with self.subTest("a workspace in two shard reports fails the merge"):
            m = self.fleet.run("merge", "--out", merged, out1, out1)
            self.assertEqual(m.returncode, 1, m.stderr)

        with self.subTest("the list and shards commands agree with the runs"):
            ls = self.fleet.run("list", "--workspaces", self.fleet.root, "--shard", "1/2")
            self.assertEqual(set(ls.stdout.split()), names1)
            sh = self.fleet.run("shards", "--workspaces", self.fleet.root, "--per-shard", "8")
            self.assertEqual([s["shard"] for s in json.loads(sh.stdout)],
                             ["1/3", "2/3", "3/3"])

    # ------------------------------------------------------------ drift, then a failure
    def make_out_of_band_changes(self):
        tagged = self.fleet.account_ids(TAGGED)["prod"]
        self.api.tag_resource(tagged, {"team": "hijacked"})
        moved = self.fleet.account_ids(MOVED)["dev"]
        self.api.move_account(moved, self.ou_other, self.ou_home)
        role_env = self.fleet.account_ids(ROLE_DELETED)["prod"]
        self.api.in_account(role_env).delete_role("unicron-developer")

    def test_3_three_out_of_band_changes_exit_2_and_every_report_names_them(self):
        self.make_out_of_band_changes()
        r, out = self.run_drift()
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        doc, md, junit, prom = self.load(out)
        drifted = set(EXPECTED_PATHS)
        expected = {n: ("drift" if n in drifted else "clean") for n in self.fleet.names}
        self.assertEqual(self.outcomes(doc), expected)
        self.assertEqual(doc["exit_code"], 2)

        with self.subTest("report.json: resources and attribute paths"):
            for w in doc["workspaces"]:
                if w["name"] not in drifted:
                    self.assertEqual(w["drift"], [], w["name"])
                    continue
                self.assertEqual([d["address"] for d in w["drift"]], [ADDR], w["name"])
                changes = w["drift"][0]["changes"]
                self.assertEqual({c["path"] for c in changes}, EXPECTED_PATHS[w["name"]],
                                 json.dumps(changes))
            tag = next(w for w in doc["workspaces"] if w["name"] == TAGGED)["drift"][0]
            self.assertEqual(tag["changes"][0]["before"], TAGGED)
            self.assertEqual(tag["changes"][0]["after"], "hijacked")
            self.assertFalse(tag["changes"][0]["sensitive"])
            moved = next(w for w in doc["workspaces"] if w["name"] == MOVED)["drift"][0]
            self.assertEqual((moved["changes"][0]["before"], moved["changes"][0]["after"]),
                             (self.ou_home, self.ou_other))
            role = next(w for w in doc["workspaces"] if w["name"] == ROLE_DELETED)["drift"][0]
            self.assertEqual((role["changes"][0]["before"], role["changes"][0]["after"]),
                             (["dev", "prod"], ["dev"]))

        with self.subTest("report.md: summary rows and the changed paths"):
            for n in self.fleet.names:
                self.assertRegex(md, r"(?m)^\| %s \| %s \|" % (n, expected[n]))
            drift_section = md.split("## Drift", 1)[1]
            self.assertEqual(set(re.findall(r"(?m)^### (tenant-\d+)$", drift_section)), drifted)
            self.assertIn('`tags_all.team`: `"%s"` → `"hijacked"`' % TAGGED, md)
            self.assertIn('`parent_id`: `"%s"` → `"%s"`' % (self.ou_home, self.ou_other), md)
            self.assertIn('`access[1].environments`: `["dev", "prod"]` → `["dev"]`', md)

        with self.subTest("junit.xml: drift is a failure of exactly those testcases"):
            cases = self.junit_cases(junit)
            self.assertEqual({n for n, k in cases.items() if k != "pass"}, drifted)
            self.assertEqual({n for n, k in cases.items() if k == "failure"}, drifted)
            self.assertEqual(junit.get("failures"), "3")
            for case in junit.iter("testcase"):
                f = case.find("failure")
                if f is not None:
                    for path in EXPECTED_PATHS[case.get("name")]:
                        self.assertIn(path, f.text)

        with self.subTest("drift.prom: one series per drifted resource"):
            series = {(lab["tenant"], lab["resource"])
                      for lab, v in prom["unicron_drift_resources"]["samples"] if v == 1}
            self.assertEqual(series, {(n, ADDR) for n in drifted})
            self.assertEqual(self.prom_value(prom, "unicron_drift_workspaces", outcome="drift"),
                             3)
            self.assertEqual(self.prom_value(prom, "unicron_drift_run_errors"), 0)
            for n in self.fleet.names:
                self.assertEqual(self.prom_value(prom, "unicron_drift_workspace_status",
                                                 tenant=n, outcome=expected[n]), 1)

    def test_4_unreachable_endpoint_exits_1_and_is_reported_failed(self):
        text = self.fleet.tenants[BROKEN].hcl(self.la.url)
        dead = "http://127.0.0.1:%d" % harness.free_port()
        self.fleet.write(BROKEN, text.replace(self.la.url, dead))
        self.addCleanup(self.fleet.write, BROKEN, text)
        r, out = self.run_drift()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        doc, md, junit, prom = self.load(out)
        outcomes = self.outcomes(doc)
        self.assertEqual(outcomes[BROKEN], "error")
        self.assertEqual(sorted(n for n, o in outcomes.items() if o == "error"), [BROKEN])
        broken = next(w for w in doc["workspaces"] if w["name"] == BROKEN)
        self.assertEqual(broken["error"]["kind"], "plan")
        self.assertTrue(any(d["severity"] == "error" for d in broken["diagnostics"]))
        self.assertEqual(doc["summary"]["error"], 1)
        self.assertEqual(doc["summary"]["clean"], TENANTS - 1 - len(EXPECTED_PATHS))
        self.assertEqual(self.junit_cases(junit)[BROKEN], "error")
        self.assertEqual(self.prom_value(prom, "unicron_drift_run_errors"), 1)
        self.assertEqual(self.prom_value(prom, "unicron_drift_workspace_status",
                                         tenant=BROKEN, outcome="error"), 1)
        self.assertEqual([lab for lab, _ in prom["unicron_drift_workspace_status"]["samples"]
                          if lab["tenant"] == BROKEN], [{"tenant": BROKEN, "outcome": "error"}])
        self.assertIn("## Failed workspaces\n\n### %s" % BROKEN, md)


if __name__ == "__main__":
    unittest.main()
