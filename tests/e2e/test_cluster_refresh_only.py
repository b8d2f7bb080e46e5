"""End to end: `terraform plan -refresh-only -detailed-exitcode`, the drift runner's command, on a
tenant, its EKS cluster (number attributes: node group sizes) and an EKS add-on, with the real
`terraform` binary, the built provider and tools/localaws. Right after apply it must exit 0, also
after `apply -refresh-only`; a change made through the AWS API must still exit 2 and name the
attribute, and once accepted with `apply -refresh-only` the plan is clean again.

Terraform 1.10-1.14 decide that exit code by comparing the refreshed state with the stored one
with reflect.DeepEqual on the decoded values, precision of numbers included, so the provider must
send numbers the way Terraform parses the state file (docs/internals/engine.md, msgpack).

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_cluster_refresh_only.py' -v
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_cluster  # noqa: E402  (used as test_cluster.X so its tests are not collected twice)

ADDON = ('\nresource "unicron_addon" "cni" {\n  cluster_id = unicron_cluster.c.id\n'
         '  name       = "vpc-cni"\n}\n')


class RefreshOnlyExitCodeTest(test_cluster.ClusterTestCase):

    def refresh_only(self, w):
        return self.tf(w, "plan", "-refresh-only", "-detailed-exitcode")

    def assertRefreshOnlyClean(self, w, when):
        rc, out = self.refresh_only(w)
        self.assertIn("No changes.", out, out)
        self.assertEqual(rc, 0, "plan -refresh-only -detailed-exitcode %s must exit 0:\n%s"
                         % (when, out))

    def create(self, protocol=None):
        """Tenant, cluster and add-on applied; returns (workdir, cluster)."""
        self.start_localaws(async_delay_ms=5)
        c = test_cluster.Cluster(version="1.35")
        w = self.workdir({"main.tf": test_cluster.render(self.la.url, test_cluster.tenant(), c)
                          + ADDON}, localaws=self.la, protocol=protocol)
        self.apply(w, "3 added, 0 changed, 0 destroyed")
        return w, c

    def test_refresh_only_clean_over_protocol_5(self):
        w, _ = self.create(protocol=5)
        self.assertRefreshOnlyClean(w, "right after apply (protocol 5)")

    def test_refresh_only_exit_code_follows_real_drift(self):
        w, c = self.create()
        acct = self.account_ids(w)["dev"]
        inside = self.inside(acct)
        a = self.resource(w, test_cluster.ADDR)
        self.assertEqual({g["name"]: (g["min_size"], g["max_size"]) for g in a["node_group"]},
                         {"general": (1, 3), "spot": (0, 5)})

        with self.subTest("right after apply"):
            self.assertRefreshOnlyClean(w, "right after apply")
            self.assertClusterNoChanges(w)

        with self.subTest("after apply -refresh-only"):
            rc, out = self.tf(w, "apply", "-refresh-only", "-auto-approve")
            self.assertEqual(rc, 0, out)
            self.assertRefreshOnlyClean(w, "after apply -refresh-only")

        with self.subTest("a node group's min_size changed out of band is drift"):
            eks_name = next(g["eks_name"] for g in self.resource(w, test_cluster.ADDR)
                            ["node_group"] if g["name"] == "general")
            u = inside.update_nodegroup_config(c.name, eks_name,
                                               {"scalingConfig": {"minSize": 2}})
            self.assertEqual(inside.wait_cluster_update(c.name, u["id"], eks_name)["status"],
                             "Successful")
            rc, out = self.refresh_only(w)
            self.assertEqual(rc, 2, "out-of-band change must exit 2:\n" + out)
            self.assertIn("min_size", out)
            self.assertIn("changed outside of Terraform", out)

        with self.subTest("accepted with apply -refresh-only, then clean"):
            rc, out = self.tf(w, "apply", "-refresh-only", "-auto-approve")
            self.assertEqual(rc, 0, out)
            got = {g["name"]: g["min_size"] for g in self.resource(w, test_cluster.ADDR)
                   ["node_group"]}
            self.assertEqual(got, {"general": 2, "spot": 0})
            self.assertRefreshOnlyClean(w, "after the drift was accepted")


if __name__ == "__main__":
    unittest.main()
