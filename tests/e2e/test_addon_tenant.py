"""End to end: unicron_addon on a tenant and cluster that Terraform makes too (issue 10): tenant
account -> unicron_cluster -> vpc-cni and coredns before any node group (coredns DEGRADED with a
warning, no timeout) -> node group added -> coredns ACTIVE and an empty plan -> argo-cd and
spark-operator -> a cluster upgrade whose plan shows the add-on versions that follow it (through
kubernetes_version) -> destroy: components before argo-cd, add-ons before the cluster, nothing
left. The out-of-band steps are in test_addon.py.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_addon_tenant*' -v
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awsapi  # noqa: E402
import harness  # noqa: E402
import test_addon  # noqa: E402

BASE = '''
resource "unicron_tenant" "t" {
  name           = "addons"
  email_template = "aws+{tenant}-{environment}@example.com"
  environment {
    name = "dev"
  }
}

resource "unicron_cluster" "c" {
  account_id         = unicron_tenant.t.account_ids["dev"]
  name               = "data-dev"
  kubernetes_version = "%(k8s)s"
  subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
%(nodes)s}

resource "unicron_addon" "vpc_cni" {
  cluster_id         = unicron_cluster.c.id
  name               = "vpc-cni"
  kubernetes_version = unicron_cluster.c.kubernetes_version
}

resource "unicron_addon" "coredns" {
  cluster_id         = unicron_cluster.c.id
  name               = "coredns"
  kubernetes_version = unicron_cluster.c.kubernetes_version
}

resource "unicron_addon" "proxy" {
  cluster_id         = unicron_cluster.c.id
  name               = "kube-proxy"
  kubernetes_version = unicron_cluster.c.kubernetes_version
}
'''

NODES = '''
  node_group {
    name     = "general"
    min_size = 1
    max_size = 3
  }
'''

ARGO = '''
resource "unicron_addon" "argo_cd" {
  cluster_id    = unicron_cluster.c.id
  name          = "argo-cd"
  configuration = jsonencode({ awsIdc = { idcInstanceArn = "%s" } })
}

resource "unicron_addon" "spark" {
  cluster_id    = unicron_cluster.c.id
  name          = "spark-operator"
  configuration = jsonencode({ spark = { jobNamespaces = ["jobs"] } })
  depends_on    = [unicron_addon.argo_cd]
}
''' % test_addon.IDC


class AddonOnTenantCluster(harness.ProviderTestCase):
    def setUp(self):
        self.la = harness.LocalAWS()
        self.addCleanup(self.la.stop)
        self.api = awsapi.AwsApi(self.la.url, retries=30)

    def run_tf(self, w, *args, ok=True):
        r = w.tf(*args, timeout=900)
        out = harness.strip_ansi(r.stdout + r.stderr)
        if ok:
            self.assertEqual(r.returncode, 0, out)
        return r.returncode, out

    def write(self, w, k8s="1.34", nodes="", argo=""):
        w.write("main.tf", test_addon.provider_hcl() +
                BASE % {"k8s": k8s, "nodes": nodes} + argo)

    def attrs(self, w, rtype, name):
        for r in w.state()["resources"]:
            if r["type"] == rtype and r["name"] == name:
                return r["instances"][0]["attributes"]
        return None

    def test_tenant_cluster_addons(self):
        w = self.workdir(localaws=self.la)
        apply = ("apply", "-auto-approve", "-no-color", "-input=false")
        plan = ("plan", "-detailed-exitcode", "-no-color", "-input=false")
        self.write(w)
        _, out = self.run_tf(w, *apply)
        self.assertIn("DEGRADED until nodes exist", out)
        self.assertEqual(self.attrs(w, "unicron_addon", "coredns")["status"], "DEGRADED")
        account = self.attrs(w, "unicron_tenant", "t")["account_ids"]["dev"]
        member = self.api.in_account(account)

        # node group added: coredns becomes ACTIVE, then the plan is empty
        self.write(w, nodes=NODES)
        self.run_tf(w, *apply)
        self.run_tf(w, *apply)
        self.assertEqual(self.attrs(w, "unicron_addon", "coredns")["status"], "ACTIVE")
        code, out = self.run_tf(w, *plan, ok=False)
        self.assertEqual(code, 0, out)

        # argo-cd and a chart
        self.write(w, nodes=NODES, argo=ARGO)
        self.run_tf(w, *apply)
        self.assertEqual(self.attrs(w, "unicron_addon", "spark")["status"], "Synced/Healthy")
        code, out = self.run_tf(w, *plan, ok=False)
        self.assertEqual(code, 0, out)

        # upgrade: the same plan shows the add-on versions that follow the cluster
        self.write(w, k8s="1.35", nodes=NODES, argo=ARGO)
        code, out = self.run_tf(w, *plan, ok=False)
        self.assertEqual(code, 2, out)
        self.assertIn("unicron_addon.proxy will be updated in-place", out)
        self.run_tf(w, *apply)
        proxy = self.attrs(w, "unicron_addon", "proxy")
        self.assertEqual(proxy["kubernetes_version"], "1.35")
        self.assertTrue(proxy["version"].startswith("v1.35."), proxy["version"])
        live = awsapi.eks(member, "GET", "/clusters/data-dev/addons/kube-proxy")["addon"]
        self.assertEqual(live["addonVersion"], proxy["version"])
        code, out = self.run_tf(w, *plan, ok=False)
        self.assertEqual(code, 0, out)

        # destroy: everything goes, in dependency order
        self.run_tf(w, "destroy", "-auto-approve", "-no-color", "-input=false")
        with self.assertRaises(awsapi.AwsError):
            awsapi.eks(member, "GET", "/clusters/data-dev")
        self.assertIsNone(member.get_role("unicron-data-dev-argo-cd"))


if __name__ == "__main__":
    unittest.main()
