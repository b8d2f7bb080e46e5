"""The emulator and the provider agree on which EKS Kubernetes versions exist (issue 9).

tools/localaws answers DescribeClusterVersions as EKS does (status from the support dates and the
current date); the provider carries a compiled-in table for plan time. The provider is asked
through `terraform plan -json` of one unicron_cluster per minor (its diagnostics per resource),
the emulator through DescribeClusterVersions with includeAll. Agreement means:

  UNSUPPORTED in EKS         -> a plan error on that cluster's kubernetes_version
  EXTENDED_SUPPORT           -> a plan warning about extended support, no error
  STANDARD_SUPPORT           -> neither
  not listed, newer than all -> a warning that the minor is newer than the provider knows
  not listed, older than all -> an error

today (the real date, in both), and on the first day of every support phase the emulator
reports and the day before it (the provider's date pinned with UNICRON_EKS_TODAY), which pins
the two tables' dates to the day. The provider's default version is EKS' defaultVersion.
"""
import datetime
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_cluster  # noqa: E402

ACCOUNT = "123456789012"


def minor(v):
    return int(v.split(".")[1])


def address_name(v):
    return "v" + v.replace(".", "_")


def probe_config(url, versions):
    """(main.tf text, {resource address: (first line, last line)})."""
    head = test_cluster.render(url, test_cluster.tenant(), None).split(
        'resource "unicron_tenant"')[0]
    text, lines = head, {}
    for v in versions:
        c = test_cluster.Cluster(name="probe-%s" % v.replace(".", "-"), version=v,
                                 node_groups=[], access_entries=[],
                                 account_id_expr=test_cluster.q(ACCOUNT))
        block = c.hcl().replace('"unicron_cluster" "c"', '"unicron_cluster" "%s"'
                                % address_name(v))
        first = text.count("\n") + 1
        text += block
        lines["unicron_cluster.%s" % address_name(v)] = (first, text.count("\n"))
        text += "\n"
    return text, lines


def day(epoch_s):
    return datetime.datetime.fromtimestamp(epoch_s, datetime.timezone.utc).date()


def status_on(v, d):
    """The status EKS gives v on day d from the dates it reports (VERSIONS.md rules)."""
    if d < day(v["endOfStandardSupportDate"]):
        return "STANDARD_SUPPORT"
    if d < day(v["endOfExtendedSupportDate"]):
        return "EXTENDED_SUPPORT"
    return "UNSUPPORTED"


class VersionAgreementTest(test_cluster.ClusterTestCase):

    TODAY = None  # the real date in both, unless a test pins it

    def provider_verdicts(self, versions, today=None):
        """{version: (errors, warnings)} of one `plan -json` with a cluster per version."""
        text, lines = probe_config(self.la.url, versions)
        env = {"UNICRON_EKS_TODAY": today} if today else None
        w = self.workdir({"main.tf": text}, localaws=self.la, env=env)
        r = w.tf("plan", "-json", "-input=false")
        out = {v: ([], []) for v in versions}
        by_addr = {"unicron_cluster.%s" % address_name(v): v for v in versions}
        for line in r.stdout.splitlines():
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("type") != "diagnostic":
                continue
            d = msg["diagnostic"]
            v = by_addr.get(d.get("address") or "")
            start = ((d.get("range") or {}).get("start") or {}).get("line")
            if v is None and start is not None:
                v = next((by_addr[a] for a, (lo, hi) in lines.items() if lo <= start <= hi),
                         None)
            if v is None:
                continue
            text = "%s: %s" % (d.get("summary", ""), d.get("detail", ""))
            out[v][0 if d.get("severity") == "error" else 1].append(text)
        return out

    def check_agreement(self, eks, verdicts, status_of, label):
        newest = max(minor(v) for v in eks)
        oldest = min(minor(v) for v in eks)
        for v, (errors, warnings) in sorted(verdicts.items(), key=lambda kv: minor(kv[0])):
            extended = [t for t in warnings if "extended support" in t.lower()]
            status = status_of(v) if v in eks else None
            with self.subTest(day=label, version=v, emulator=status):
                if status == "UNSUPPORTED":
                    self.assertTrue(errors, "EKS no longer supports %s; the provider plans "
                                    "it: %r" % (v, warnings))
                elif status == "EXTENDED_SUPPORT":
                    self.assertEqual(errors, [])
                    self.assertTrue(extended, "%s is in extended support: %r" % (v, warnings))
                elif status == "STANDARD_SUPPORT":
                    self.assertEqual(errors, [])
                    self.assertEqual(extended, [])
                    self.assertEqual([t for t in warnings if "newer" in t.lower()], [],
                                     "the provider does not know %s" % v)
                elif minor(v) > newest:
                    self.assertEqual(errors, [], "a newer minor is EKS' to refuse")
                    self.assertTrue([t for t in warnings if v in t], "a minor newer than the "
                                    "provider knows is a warning: %r" % warnings)
                else:
                    self.assertLess(minor(v), oldest)
                    self.assertTrue(errors, "%s is unknown to EKS: %r" % (v, warnings))

    def test_provider_and_emulator_agree_today(self):
        self.start_localaws()
        eks = {v["clusterVersion"]: v for v in self.api.cluster_versions(include_all=True)}
        self.assertTrue(eks, "DescribeClusterVersions listed nothing")
        for v in eks.values():
            self.assertEqual(v.get("versionStatus", v["status"]), v["status"])
        newest = max(minor(v) for v in eks)
        versions = ["1.%d" % m for m in range(min(minor(v) for v in eks) - 2, newest + 3)]
        before = self.api.stats()["operations"]
        verdicts = self.provider_verdicts(versions)
        self.assertEqual(self.api.stats()["operations"], before, "a plan of new clusters "
                         "decides versions offline, from the compiled-in table")
        self.check_agreement(eks, verdicts, lambda v: eks[v]["status"], "today")

    def test_provider_and_emulator_agree_on_every_support_date(self):
        self.start_localaws()
        eks = {v["clusterVersion"]: v for v in self.api.cluster_versions(include_all=True)}
        self.assertTrue(eks)
        versions = sorted(eks, key=minor)
        days = set()
        for v in eks.values():
            for key in ("endOfStandardSupportDate", "endOfExtendedSupportDate"):
                d = day(v[key])
                days.update([d, d - datetime.timedelta(days=1)])
        for d in sorted(days):
            verdicts = self.provider_verdicts(versions, today=d.isoformat())
            self.check_agreement(eks, verdicts, lambda v, d=d: status_on(eks[v], d),
                                 d.isoformat())

    def test_default_version_is_eks_default(self):
        self.start_localaws()
        defaults = [v["clusterVersion"] for v in self.api.cluster_versions()
                    if v.get("defaultVersion")]
        self.assertEqual(len(defaults), 1, defaults)
        c = test_cluster.Cluster(version=None, node_groups=[], access_entries=[],
                                 account_id_expr=test_cluster.q(ACCOUNT))
        w = self.workdir({"main.tf": probe_config(self.la.url, [])[0] + c.hcl()},
                         localaws=self.la)
        rc, out = self.tf(w, "plan", "-out=tfplan")
        self.assertEqual(rc, 0, out)
        r = w.tf("show", "-json", "tfplan")
        plan = json.loads(r.stdout)
        planned = next(rc["change"]["after"] for rc in plan["resource_changes"]
                       if rc["address"] == test_cluster.ADDR)
        self.assertEqual(planned["kubernetes_version"], defaults[0])


if __name__ == "__main__":
    unittest.main()
