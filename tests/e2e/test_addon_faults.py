"""End to end: unicron_addon create and destroy of each kind (EKS add-ons, the argo-cd
capability, an Argo CD Application) while tools/localaws throttles 30% of the AWS calls and
answers 5% with transient 5xx errors (issue 10). The cluster is made out of band.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_addon_faults*' -v
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awsapi  # noqa: E402
import test_addon  # noqa: E402


class AddonUnderFaults(test_addon.AddonTestCase):
    LOCALAWS_ARGS = ("--throttle-rate", "0.3", "--error-rate", "0.05", "--seed", "7")
    RETRIES = 60

    def test_create_and_destroy_under_faults(self):
        cid = self.cluster_id
        awsapi.create_nodegroup(self.member, self.cluster, "general")
        hcl = (test_addon.addon_hcl("vpc_cni", cid, "vpc-cni") +
               test_addon.addon_hcl("coredns", cid, "coredns") +
               test_addon.argo_cd_hcl(cid) +
               test_addon.addon_hcl("spark", cid, "spark-operator", "", ["argo_cd"]))
        w = self.workdir(localaws=self.la)
        self.apply(w, hcl)
        self.assertEqual(self.addon("coredns")["status"], "ACTIVE")
        self.assertEqual(self.app("spark-operator")["status"]["health"]["status"], "Healthy")
        self.assertEqual(self.plan_code(w)[0], 0)
        self.tf_ok(w, "destroy", "-auto-approve", "-no-color", "-input=false")
        self.assertIsNone(self.app("spark-operator"))
        self.assertEqual(awsapi.eks(self.member, "GET", "/clusters/%s/addons"
                                    % self.cluster)["addons"], [])
        self.assertEqual(awsapi.eks(self.member, "GET", "/clusters/%s/capabilities"
                                    % self.cluster)["capabilities"], [])


if __name__ == "__main__":
    unittest.main()
