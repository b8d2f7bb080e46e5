"""The emulator and the provider agree on which EKS Kubernetes versions exist today (issue 9).

tools/localaws answers DescribeClusterVersions as EKS does (status from the support dates and the
current date); the provider carries a compiled-in table for plan time. This test asks both about
every minor from 1.25 to two past the emulator's newest: the provider through one `terraform
plan -json` with one unicron_cluster per minor (its diagnostics per resource), the emulator
through DescribeClusterVersions with includeAll. Agreement means:

  UNSUPPORTED in EKS         -> a plan error on that cluster
  EXTENDED_SUPPORT           -> a plan warning about extended support, no error
  STANDARD_SUPPORT           -> neither
  not listed, newer than all -> a warning that the minor is newer than the provider knows

and the provider's default version (a cluster without kubernetes_version) is EKS'
defaultVersion. Both sides use today's date, so the test stays true as versions age.
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_cluster  # noqa: E402

ACCOUNT = "123456789012"


def minor(v):
    return int(v.split(".")[1])


def probe_config(url, versions):
    head = test_cluster.render(url, test_cluster.tenant(), None).split(
        'resource "unicron_tenant"')[0]
    out = [head]
    for v in versions:
        c = test_cluster.Cluster(name="probe-%s" % v.replace(".", "-"), version=v,
                                 node_groups=[], access_entries=[],
                                 account_id_expr=test_cluster.q(ACCOUNT))
        out.append(c.hcl().replace('"unicron_cluster" "c"', '"unicron_cluster" "%s"'
                                   % address_name(v)))
    return "\n".join(out)


def address_name(v):
    return "v" + v.replace(".", "_")


class VersionAgreementTest(test_cluster.ClusterTestCase):

    def provider_diagnostics(self, w):
        """{resource address: [(severity, summary + detail)]} of one `plan -json`."""
        r = w.tf("plan", "-json", "-input=false")
        diags = {}
        for line in r.stdout.splitlines():
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("type") != "diagnostic":
                continue
            d = msg["diagnostic"]
            addr = d.get("address") or ""
            diags.setdefault(addr, []).append(
                (d.get("severity"), "%s: %s" % (d.get("summary", ""), d.get("detail", ""))))
        return r.returncode, diags

    def test_provider_and_emulator_agree_on_supported_versions(self):
        self.start_localaws()
        eks = {v["clusterVersion"]: v for v in self.api.cluster_versions(include_all=True)}
        self.assertTrue(eks, "DescribeClusterVersions listed nothing")
        newest = max(minor(v) for v in eks)
        versions = ["1.%d" % m for m in range(25, newest + 3)]
        w = self.workdir({"main.tf": probe_config(self.la.url, versions)}, localaws=self.la)
        before = self.api.stats()["operations"]
        rc, diags = self.provider_diagnostics(w)
        self.assertEqual(self.api.stats()["operations"], before, "a plan of new clusters "
                         "decides versions offline, from the compiled-in table")
        for v in versions:
            got = diags.get("unicron_cluster.%s" % address_name(v), [])
            errors = [t for s, t in got if s == "error"]
            warnings = [t for s, t in got if s == "warning"]
            extended = [t for t in warnings if "extended support" in t.lower()]
            with self.subTest(version=v, emulator=eks.get(v, {}).get("status")):
                if v in eks:
                    status = eks[v]["status"]
                    self.assertEqual(eks[v].get("versionStatus", status), status)
                    if status == "UNSUPPORTED":
                        self.assertTrue(errors, "EKS no longer supports %s; the provider plans "
                                        "it: %r" % (v, got))
                    elif status == "EXTENDED_SUPPORT":
                        self.assertEqual(errors, [])
                        self.assertTrue(extended, "%s is in extended support: %r" % (v, got))
                    else:
                        self.assertEqual(status, "STANDARD_SUPPORT")
                        self.assertEqual(errors, [])
                        self.assertEqual(extended, [], v)
                        self.assertEqual([t for t in warnings if "newer" in t.lower()], [],
                                         "the provider does not know %s" % v)
                elif minor(v) > newest:
                    self.assertEqual(errors, [], "a newer minor is EKS' to refuse: %r" % got)
                    self.assertTrue([t for t in warnings if v in t], "a minor newer than the "
                                    "provider knows is a warning: %r" % got)
                else:
                    # older than anything EKS lists: the provider must not accept it silently
                    self.assertTrue(errors, "%s is unknown to EKS: %r" % (v, got))

    def test_default_version_is_eks_default(self):
        self.start_localaws()
        defaults = [v["clusterVersion"] for v in self.api.cluster_versions()
                    if v.get("defaultVersion")]
        self.assertEqual(len(defaults), 1, defaults)
        c = test_cluster.Cluster(version=None, node_groups=[], access_entries=[],
                                 account_id_expr=test_cluster.q(ACCOUNT))
        w = self.workdir({"main.tf": probe_config(self.la.url, []) + c.hcl()},
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
