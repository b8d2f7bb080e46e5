"""End to end: examples/ (the full tenant environment the demo applies last: a tenant, its dev
cluster with two node groups, the EKS add-ons vpc-cni and coredns, managed Argo CD and the Spark
operator as an Argo CD Application) applies against tools/localaws and a drift check right after
finds no changes; destroy removes it in dependency order.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_examples*' -v
"""
import glob
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class FullEnvironmentExampleTest(harness.ProviderTestCase):

    def test_apply_then_no_drift_then_destroy(self):
        la = harness.LocalAWS()
        self.addCleanup(la.stop)
        w = self.workdir(localaws=la)
        for path in glob.glob(os.path.join(harness.REPO, "examples", "*.tf")):
            shutil.copy(path, w.path)
        var = ["-var", "aws_endpoint=%s" % la.url]

        def tf(*args):
            r = w.tf(*(list(args[:1]) + ["-no-color", "-input=false"] + list(args[1:]) + var),
                     timeout=900)
            return r.returncode, harness.strip_ansi(r.stdout + r.stderr)

        rc, out = tf("apply", "-auto-approve")
        self.assertEqual(rc, 0, out)
        self.assertIn("Apply complete! Resources: 6 added", out)
        rc, out = tf("plan", "-detailed-exitcode")
        self.assertEqual(rc, 0, out)
        state = w.state()
        addons = {r["name"]: r["instances"][0]["attributes"] for r in state["resources"]
                  if r["type"] == "unicron_addon"}
        self.assertEqual(set(addons), {"vpc_cni", "coredns", "argo_cd", "spark_operator"})
        self.assertEqual(addons["spark_operator"]["kind"], "argocd")
        self.assertEqual(addons["coredns"]["status"], "ACTIVE")
        rc, out = tf("destroy", "-auto-approve")
        self.assertEqual(rc, 0, out)
        self.assertIn("Destroy complete! Resources: 6 destroyed", out)


if __name__ == "__main__":
    unittest.main()
