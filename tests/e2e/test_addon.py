"""End to end: unicron_addon with the real `terraform` binary, the built provider and
tools/localaws (issue 10). The tenant account, its EKS cluster and node groups are made out of
band with signed AWS calls (awsapi.py); Terraform applies only the add-ons: EKS add-ons (coredns
DEGRADED before nodes, then ACTIVE), the argo-cd capability, Argo CD Applications (configuration
changes, semantic JSON, out-of-band edits through the Kubernetes API, a missing chart version),
an argocd-kind component without argo-cd, import of each kind, versions that follow a cluster
upgrade, an add-on and a capability adopted while someone else is still creating them, and
destroy leaving nothing behind. test_addon_faults.py repeats create / destroy under
throttling and 5xx answers.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_addon*' -v
"""
import base64
import json
import os
import re
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awsapi  # noqa: E402
import harness  # noqa: E402

IDC = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
APPS = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/"


def q(s):
    return json.dumps(s)


def provider_hcl():
    return ('terraform {\n  required_providers {\n    unicron = { source = "unicron/unicron" }\n'
            '  }\n}\n\nprovider "unicron" {\n  region = "us-east-1"\n}\n\n')


def addon_hcl(label, cluster_id, name, extra="", depends=None):
    out = 'resource "unicron_addon" %s {\n  cluster_id = %s\n  name       = %s\n' % (
        q(label), q(cluster_id), q(name))
    out += extra
    if depends:
        out += "  depends_on = [%s]\n" % ", ".join("unicron_addon." + d for d in depends)
    return out + "}\n\n"


def argo_cd_hcl(cluster_id):
    return addon_hcl("argo_cd", cluster_id, "argo-cd",
                     "  configuration = jsonencode({ awsIdc = { idcInstanceArn = %s } })\n"
                     % q(IDC))


class AddonTestCase(harness.ProviderTestCase):
    """One localaws, one tenant account and one EKS cluster per test class."""
    LOCALAWS_ARGS = ()
    RETRIES = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.la = harness.LocalAWS(*cls.LOCALAWS_ARGS)
        try:
            cls.api = awsapi.AwsApi(cls.la.url, retries=cls.RETRIES or 30)
            cls.account = cls.api.create_account("aws+addons@example.com", "addons")
            cls.member = cls.api.in_account(cls.account)
            cls.cluster = "apps"
            cls.cluster_id = "%s/%s" % (cls.account, cls.cluster)
            awsapi.create_cluster(cls.member, cls.cluster, "1.34")
        except Exception:
            cls.la.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.la.stop()
        super().tearDownClass()

    def tf_ok(self, w, *args, timeout=600):
        r = w.tf(*args, timeout=timeout)
        out = harness.strip_ansi(r.stdout + r.stderr)
        self.assertEqual(r.returncode, 0, out)
        return out

    def tf_fail(self, w, *args, timeout=600):
        r = w.tf(*args, timeout=timeout)
        out = harness.strip_ansi(r.stdout + r.stderr)
        self.assertNotEqual(r.returncode, 0, out)
        return out

    def plan_code(self, w):
        r = w.tf("plan", "-detailed-exitcode", "-no-color", "-input=false", timeout=600)
        return r.returncode, harness.strip_ansi(r.stdout + r.stderr)

    def apply(self, w, hcl):
        w.write("main.tf", provider_hcl() + hcl)
        return self.tf_ok(w, "apply", "-auto-approve", "-no-color", "-input=false")

    def addon(self, name):
        try:
            return awsapi.eks(self.member, "GET", "/clusters/%s/addons/%s"
                              % (self.cluster, name))["addon"]
        except awsapi.AwsError as e:
            if e.status == 404:
                return None
            raise

    def app(self, name, cluster=None):
        st, doc = awsapi.kube(self.member, cluster or self.cluster, "GET", APPS + name)
        return doc if st == 200 else None

    def state_attrs(self, w, label):
        for r in (w.state() or {}).get("resources", []):
            if r["type"] == "unicron_addon" and r["name"] == label:
                return r["instances"][0]["attributes"]
        return None


class AddonLifecycle(AddonTestCase):
    def test_lifecycle(self):
        w = self.workdir(localaws=self.la)
        cid = self.cluster_id
        eks_only = (addon_hcl("vpc_cni", cid, "vpc-cni") + addon_hcl("coredns", cid, "coredns") +
                    addon_hcl("proxy", cid, "kube-proxy"))

        # 1. vpc-cni and coredns before any node group: coredns ends DEGRADED with a warning
        w.write("main.tf", provider_hcl() + eks_only)
        out = self.apply(w, eks_only)
        self.assertIn("DEGRADED until nodes exist", out)
        self.assertEqual(self.state_attrs(w, "coredns")["status"], "DEGRADED")
        self.assertEqual(self.addon("vpc-cni")["status"], "ACTIVE")
        versions = awsapi.eks(self.member, "GET", "/addons/supported-versions",
                              query="addonName=vpc-cni&kubernetesVersion=1.34")
        default = [v["addonVersion"] for v in versions["addons"][0]["addonVersions"]
                   if any(c["defaultVersion"] for c in v["compatibilities"])][0]
        self.assertEqual(self.state_attrs(w, "vpc_cni")["version"], default)

        # 2. a node group appears: the next apply reads coredns ACTIVE, and the plan is empty
        awsapi.create_nodegroup(self.member, self.cluster, "general")
        self.apply(w, eks_only)
        self.assertEqual(self.state_attrs(w, "coredns")["status"], "ACTIVE")
        self.assertEqual(self.plan_code(w)[0], 0)

        # 3. an incompatible explicit version names the compatible ones; nothing changes
        bad = (addon_hcl("vpc_cni", cid, "vpc-cni") + addon_hcl("coredns", cid, "coredns") +
               addon_hcl("proxy", cid, "kube-proxy", '  version = "v1.32.8-eksbuild.2"\n'))
        w.write("main.tf", provider_hcl() + bad)
        out = self.tf_fail(w, "apply", "-auto-approve", "-no-color", "-input=false")
        self.assertIn("not compatible", out)
        self.assertIn("v1.34.8-eksbuild.2", out)
        self.assertEqual(self.addon("kube-proxy")["addonVersion"], "v1.34.8-eksbuild.2")

        # 4. the argo-cd capability, then two Argo CD components
        hcl = eks_only + argo_cd_hcl(cid)
        self.apply(w, hcl)
        cap = awsapi.eks(self.member, "GET", "/clusters/%s/capabilities/argo-cd"
                         % self.cluster)["capability"]
        self.assertEqual((cap["type"], cap["status"]), ("ARGOCD", "ACTIVE"))
        role = self.member.get_role("unicron-%s-argo-cd" % self.cluster)
        self.assertIsNotNone(role)
        self.assertEqual(role["Arn"], cap["roleArn"])
        # Argo CD may deploy: its access entry (made by EKS) has the cluster-admin policy
        assoc = awsapi.eks(self.member, "GET", "/clusters/%s/access-entries/%s/access-policies"
                           % (self.cluster, urllib.parse.quote(role["Arn"], safe="")))
        policies = [a["policyArn"].rsplit("/", 1)[-1] for a in assoc["associatedAccessPolicies"]]
        self.assertIn("AmazonEKSClusterAdminPolicy", policies)
        self.assertEqual(self.plan_code(w)[0], 0)

        cluster_arn = awsapi.eks(self.member, "GET", "/clusters/" + self.cluster)["cluster"]["arn"]
        spark_cfg = '  configuration = jsonencode({ spark = { jobNamespaces = ["jobs"] } })\n'
        comps = (addon_hcl("spark", cid, "spark-operator", spark_cfg, ["argo_cd"]) +
                 addon_hcl("workflows", cid, "argo-workflows", "", ["argo_cd"]))
        self.apply(w, hcl + comps)
        for name in ("spark-operator", "argo-workflows"):
            app = self.app(name)
            self.assertEqual(app["status"]["sync"]["status"], "Synced")
            self.assertEqual(app["status"]["health"]["status"], "Healthy")
            self.assertEqual(app["spec"]["destination"]["server"], cluster_arn)
            self.assertIn("resources-finalizer.argocd.argoproj.io",
                          app["metadata"]["finalizers"])
        st, secret = awsapi.kube(self.member, self.cluster, "GET",
                                 "/api/v1/namespaces/argocd/secrets/unicron-in-cluster")
        self.assertEqual(st, 200)
        self.assertEqual(secret["metadata"]["labels"]["argocd.argoproj.io/secret-type"],
                         "cluster")
        self.assertEqual(base64.b64decode(secret["data"]["server"]).decode(), cluster_arn)
        spark = self.app("spark-operator")
        self.assertEqual(spark["spec"]["source"]["chart"], "spark-operator")
        self.assertEqual(spark["spec"]["source"]["targetRevision"], "2.5.2")
        self.assertEqual(spark["spec"]["source"]["helm"]["valuesObject"],
                         {"spark": {"jobNamespaces": ["jobs"]}})
        self.assertEqual(self.plan_code(w)[0], 0)

        # 5. a configuration change updates the Application's spec
        spark_cfg2 = ('  configuration = jsonencode({ spark = { jobNamespaces = ["jobs", '
                      '"etl"] } })\n')
        comps = (addon_hcl("spark", cid, "spark-operator", spark_cfg2, ["argo_cd"]) +
                 addon_hcl("workflows", cid, "argo-workflows", "", ["argo_cd"]))
        self.apply(w, hcl + comps)
        self.assertEqual(self.app("spark-operator")["spec"]["source"]["helm"]["valuesObject"],
                         {"spark": {"jobNamespaces": ["jobs", "etl"]}})

        # 6. the same JSON reformatted (heredoc, other spacing): no change
        spark_cfg3 = ('  configuration = <<-EOT\n    {  "spark" : {"jobNamespaces": '
                      '["jobs","etl"]}  }\n  EOT\n')
        comps3 = (addon_hcl("spark", cid, "spark-operator", spark_cfg3, ["argo_cd"]) +
                  addon_hcl("workflows", cid, "argo-workflows", "", ["argo_cd"]))
        w.write("main.tf", provider_hcl() + hcl + comps3)
        self.assertEqual(self.plan_code(w)[0], 0)

        # 7. an out-of-band edit of the values through the Kubernetes API shows in the plan alone
        st, _ = awsapi.kube(self.member, self.cluster, "PATCH", APPS + "spark-operator",
                            {"spec": {"source": {"helm": {"valuesObject": {
                                "spark": {"jobNamespaces": ["hacked"]}}}}}},
                            "application/merge-patch+json")
        self.assertEqual(st, 200)
        code, out = self.plan_code(w)
        self.assertEqual(code, 2, out)
        self.assertIn("unicron_addon.spark will be updated in-place", out)
        self.assertIn("1 to change", out)
        self.assertNotIn("unicron_addon.workflows will be", out)
        self.tf_ok(w, "apply", "-auto-approve", "-no-color", "-input=false")
        self.assertEqual(self.app("spark-operator")["spec"]["source"]["helm"]["valuesObject"],
                         {"spark": {"jobNamespaces": ["jobs", "etl"]}})
        self.assertEqual(self.plan_code(w)[0], 0)

        # 8. a chart version that does not exist: the error quotes the Degraded condition
        comps_bad = (addon_hcl("spark", cid, "spark-operator", spark_cfg3, ["argo_cd"]) +
                     addon_hcl("workflows", cid, "argo-workflows", '  version = "9.9.9"\n',
                               ["argo_cd"]))
        w.write("main.tf", provider_hcl() + hcl + comps_bad)
        out = self.tf_fail(w, "apply", "-auto-approve", "-no-color", "-input=false")
        self.assertIn("ComparisonError", out)
        self.assertIn('version "9.9.9" not found', out)
        self.apply(w, hcl + comps3)
        self.assertEqual(self.app("argo-workflows")["spec"]["source"]["targetRevision"], "1.0.18")
        self.assertEqual(self.plan_code(w)[0], 0)

        # 9. import of each kind plans no changes
        w2 = self.workdir(localaws=self.la)
        w2.write("main.tf", provider_hcl() + hcl + comps3)
        for label, name in (("vpc_cni", "vpc-cni"), ("coredns", "coredns"), ("proxy", "kube-proxy"),
                            ("argo_cd", "argo-cd"), ("spark", "spark-operator"),
                            ("workflows", "argo-workflows")):
            self.tf_ok(w2, "import", "-no-color", "-input=false", "unicron_addon." + label,
                       "%s/%s" % (cid, name))
        code, out = self.plan_code(w2)
        self.assertEqual(code, 0, out)

        # 10. the cluster is upgraded: the plan shows the add-ons whose default version moves
        self.assertEqual(self.state_attrs(w, "proxy")["version"], "v1.34.8-eksbuild.2")
        awsapi.upgrade_cluster(self.member, self.cluster, "1.35")
        code, out = self.plan_code(w)
        self.assertEqual(code, 2, out)
        self.assertIn("unicron_addon.proxy will be updated in-place", out)
        self.assertIn('"v1.34.8-eksbuild.2" -> "v1.35.8-eksbuild.2"', out)
        self.assertNotIn("unicron_addon.coredns will be", out)  # its default stays
        self.tf_ok(w, "apply", "-auto-approve", "-no-color", "-input=false")
        self.assertEqual(self.state_attrs(w, "proxy")["version"], "v1.35.8-eksbuild.2")
        self.assertEqual(self.addon("kube-proxy")["addonVersion"], "v1.35.8-eksbuild.2")
        self.assertEqual(self.plan_code(w)[0], 0)

        # 11. destroy: components, then argo-cd, then the add-ons; nothing is left behind
        self.tf_ok(w, "destroy", "-auto-approve", "-no-color", "-input=false")
        self.assertIsNone(self.app("spark-operator"))
        self.assertIsNone(self.app("argo-workflows"))
        caps = awsapi.eks(self.member, "GET", "/clusters/%s/capabilities" % self.cluster)
        self.assertEqual(caps["capabilities"], [])
        self.assertIsNone(self.member.get_role("unicron-%s-argo-cd" % self.cluster))
        addons = awsapi.eks(self.member, "GET", "/clusters/%s/addons" % self.cluster)
        self.assertEqual(addons["addons"], [])

    def test_argocd_component_without_argo_cd(self):
        awsapi.create_cluster(self.member, "bare", "1.34")
        w = self.workdir(localaws=self.la)
        w.write("main.tf", provider_hcl() + addon_hcl("spark", "%s/bare" % self.account,
                                                      "spark-operator"))
        out = self.tf_fail(w, "apply", "-auto-approve", "-no-color", "-input=false")
        self.assertIn("Argo CD is not on the cluster", out)
        self.assertIn('name       = "argo-cd"', out)
        st, _ = awsapi.kube(self.member, "bare", "GET",
                            "/api/v1/namespaces/argocd/secrets/unicron-in-cluster")
        self.assertNotEqual(st, 200)
        self.assertEqual((w.state() or {}).get("resources", []), [])

    def test_component_destroy_after_argo_cd_is_gone(self):
        awsapi.create_cluster(self.member, "early", "1.34")
        cid = "%s/early" % self.account
        w = self.workdir(localaws=self.la)
        # no depends_on: nothing orders the destroy, and argo-cd goes first
        w.write("main.tf", provider_hcl() + argo_cd_hcl(cid))
        self.tf_ok(w, "apply", "-auto-approve", "-no-color", "-input=false")
        w.write("main.tf", provider_hcl() + argo_cd_hcl(cid) +
                addon_hcl("spark", cid, "spark-operator"))
        self.tf_ok(w, "apply", "-auto-approve", "-no-color", "-input=false")
        self.tf_ok(w, "destroy", "-auto-approve", "-no-color", "-input=false",
                   "-target=unicron_addon.argo_cd")
        self.assertIsNotNone(self.app("spark-operator", "early"))  # RETAIN: left behind
        out = self.tf_fail(w, "destroy", "-auto-approve", "-no-color", "-input=false")
        self.assertIn("argo-cd component is gone", out)
        self.assertIn("resources-finalizer.argocd.argoproj.io", out)

    def test_example_applies_and_plans_clean(self):
        awsapi.create_cluster(self.member, "example", "1.34")
        awsapi.create_nodegroup(self.member, "example", "general")
        with open(os.path.join(harness.REPO, "examples", "addon", "main.tf")) as f:
            example = f.read()
        w = self.workdir(localaws=self.la)
        w.write("main.tf", example)
        args = ("-no-color", "-input=false", "-var", "aws_endpoint=" + self.la.url,
                "-var", "cluster_id=%s/example" % self.account)
        self.tf_ok(w, "apply", "-auto-approve", *args)
        self.assertEqual(self.app("spark-operator", "example")["status"]["health"]["status"],
                         "Healthy")
        r = w.tf("plan", "-detailed-exitcode", *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.tf_ok(w, "destroy", "-auto-approve", *args)

    def test_import_id_and_missing_addon(self):
        w = self.workdir(localaws=self.la)
        w.write("main.tf", provider_hcl() + addon_hcl("x", self.cluster_id, "metrics-server"))
        out = self.tf_fail(w, "import", "-no-color", "-input=false", "unicron_addon.x",
                           "not-an-id")
        self.assertIn("Invalid import ID", out)
        out = self.tf_fail(w, "import", "-no-color", "-input=false", "unicron_addon.x",
                           "%s/metrics-server" % self.cluster_id)
        self.assertIn("Cannot import non-existent remote object", out)


def ops(before, after, svc, op):
    return (after["operations"].get(svc, {}).get(op, 0)
            - before["operations"].get(svc, {}).get(op, 0))


class AddonSharedReads(AddonTestCase):
    """The components of one cluster share what a refresh asks about the cluster (issue 13):
    one DescribeCluster, one lookup of the Argo CD capability, one DescribeAddonVersions per
    add-on; and each still sees its own out-of-band change, alone."""

    def test_refresh_shares_cluster_reads_and_drift_is_exact(self):
        awsapi.create_nodegroup(self.member, self.cluster, "general")
        w = self.workdir(localaws=self.la)
        cid = self.cluster_id
        hcl = (addon_hcl("vpc_cni", cid, "vpc-cni") + addon_hcl("proxy", cid, "kube-proxy") +
               argo_cd_hcl(cid) +
               addon_hcl("spark", cid, "spark-operator", "", ["argo_cd"]) +
               addon_hcl("workflows", cid, "argo-workflows", "", ["argo_cd"]))
        self.apply(w, hcl)

        before = self.api.stats()
        code, out = self.plan_code(w)
        after = self.api.stats()
        self.assertEqual(code, 0, out)
        self.assertEqual(ops(before, after, "eks", "DescribeCluster"), 1)
        self.assertEqual(ops(before, after, "eks", "ListCapabilities"), 1)
        self.assertEqual(ops(before, after, "eks", "DescribeAddonVersions"), 2)

        # out of band: vpc-cni's configuration through EKS, argo-workflows' Application spec
        awsapi.eks(self.member, "POST", "/clusters/%s/addons/vpc-cni/update" % self.cluster,
                   {"configurationValues": json.dumps({"env": {"WARM_IP_TARGET": "5"}})})
        st, _ = awsapi.kube(self.member, self.cluster, "PATCH", APPS + "argo-workflows",
                            {"spec": {"source": {"targetRevision": "0.0.1"}}},
                            "application/merge-patch+json")
        self.assertEqual(st, 200)
        code, out = self.plan_code(w)
        self.assertEqual(code, 2, out)
        self.assertIn("unicron_addon.vpc_cni will be updated in-place", out)
        self.assertIn("unicron_addon.workflows will be updated in-place", out)
        self.assertIn("2 to change", out)
        self.tf_ok(w, "apply", "-auto-approve", "-no-color", "-input=false")
        self.assertEqual(self.plan_code(w)[0], 0)
        self.assertNotEqual(self.app("argo-workflows")["spec"]["source"]["targetRevision"],
                            "0.0.1")


class AddonAdoption(AddonTestCase):
    """An add-on someone else is still creating when the apply finds it (made out of band, or
    by an interrupted apply) is waited for and then brought to the plan: EKS refuses
    UpdateAddon while it is CREATING, and it settles to the other create's configuration."""

    def apply_then_release(self, w, cluster, kind, name, describe_op):
        """Runs `terraform apply` while localaws holds kind/name of cluster in its transitional
        state; lets it go once the apply has looked at it (describe_op), and asserts the apply
        succeeded."""
        before = self.api.stats()
        result = {}
        t = threading.Thread(target=lambda: result.update(r=w.tf(
            "apply", "-auto-approve", "-no-color", "-input=false", timeout=600)))
        t.start()
        try:
            deadline = time.monotonic() + 120
            while (ops(before, self.api.stats(), "eks", describe_op) < 1 and
                   time.monotonic() < deadline):
                time.sleep(0.2)
            self.assertGreaterEqual(ops(before, self.api.stats(), "eks", describe_op), 1,
                                    "the apply never looked at %s %s while it was held"
                                    % (kind, name))
            time.sleep(1.0)  # the apply acts on what it saw (it must wait, not update)
        finally:
            self.api.hold(self.account, cluster, kind, name, hold=False)
            t.join()
        r = result["r"]
        out = harness.strip_ansi(r.stdout + r.stderr)
        self.assertEqual(r.returncode, 0, out)

    def test_addon_being_created_elsewhere_is_adopted_with_the_planned_configuration(self):
        awsapi.create_nodegroup(self.member, self.cluster, "general")
        self.api.hold(self.account, self.cluster, "addon", "coredns")
        awsapi.eks(self.member, "POST", "/clusters/%s/addons" % self.cluster,
                   {"addonName": "coredns",
                    "configurationValues": json.dumps({"replicaCount": 1})})
        self.assertEqual(self.addon("coredns")["status"], "CREATING")
        w = self.workdir(localaws=self.la)
        w.write("main.tf", provider_hcl() + addon_hcl(
            "coredns", self.cluster_id, "coredns",
            "  configuration = jsonencode({ replicaCount = 3 })\n"))
        before = self.api.stats()
        self.apply_then_release(w, self.cluster, "addon", "coredns", "DescribeAddon")
        live = self.addon("coredns")
        self.assertEqual(live["status"], "ACTIVE")
        self.assertEqual(json.loads(live["configurationValues"]), {"replicaCount": 3})
        self.assertEqual(ops(before, self.api.stats(), "eks", "CreateAddon"), 0)
        self.assertEqual(self.plan_code(w)[0], 0)

    def test_capability_being_created_elsewhere_is_adopted_with_the_planned_configuration(self):
        cluster = "adopt-cap"
        awsapi.create_cluster(self.member, cluster, "1.34")
        cid = "%s/%s" % (self.account, cluster)
        role = self.member.create_role("unicron-%s-argo-cd" % cluster,
                                       trusted_service="capabilities.eks.amazonaws.com")
        self.api.hold(self.account, cluster, "capability", "argo-cd")
        admins = [{"role": "ADMIN", "identities": [{"id": "g-outofband", "type": "SSO_GROUP"}]}]
        awsapi.eks(self.member, "POST", "/clusters/%s/capabilities" % cluster,
                   {"capabilityName": "argo-cd", "type": "ARGOCD", "roleArn": role,
                    "deletePropagationPolicy": "RETAIN",
                    "configuration": {"argoCd": {"awsIdc": {"idcInstanceArn": IDC},
                                                 "rbacRoleMappings": admins}}})
        path = "/clusters/%s/capabilities/argo-cd" % cluster
        self.assertEqual(awsapi.eks(self.member, "GET", path)["capability"]["status"], "CREATING")
        w = self.workdir(localaws=self.la)
        w.write("main.tf", provider_hcl() + argo_cd_hcl(cid))
        before = self.api.stats()
        self.apply_then_release(w, cluster, "capability", "argo-cd", "DescribeCapability")
        live = awsapi.eks(self.member, "GET", path)["capability"]
        self.assertEqual(live["status"], "ACTIVE")
        # the plan has no role mappings: the out-of-band create's are removed
        self.assertEqual(live["configuration"]["argoCd"]["rbacRoleMappings"], [], live)
        self.assertEqual(ops(before, self.api.stats(), "eks", "CreateCapability"), 0)
        self.assertEqual(self.plan_code(w)[0], 0)


if __name__ == "__main__":
    unittest.main()


class AddonCatalog(harness.ProviderTestCase):
    """The data source: no AWS call, every component, filtered by kind and Kubernetes version."""

    def test_catalog_data_source(self):
        w = self.workdir(env={"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"})
        w.write("main.tf", provider_hcl() + '''
data "unicron_addon_catalog" "all" {}
data "unicron_addon_catalog" "charts" {
  kind               = "argocd"
  kubernetes_version = "1.35"
}
data "unicron_addon_catalog" "caps" {
  kind = "capability"
}
output "all" { value = data.unicron_addon_catalog.all.components }
output "charts" { value = data.unicron_addon_catalog.charts.names }
output "caps" { value = data.unicron_addon_catalog.caps.names }
''')
        r = w.tf("apply", "-auto-approve", "-no-color", "-input=false")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = w.tf("output", "-json")
        out = json.loads(r.stdout)
        comps = {c["name"]: c for c in out["all"]["value"]}
        for name in ("vpc-cni", "coredns", "argo-cd", "ack", "kro", "spark-operator",
                     "argo-workflows", "cluster-autoscaler", "kube-prometheus-stack"):
            self.assertIn(name, comps)
        self.assertEqual(comps["spark-operator"]["kind"], "argocd")
        self.assertEqual(comps["spark-operator"]["default_version"], "2.5.2")
        self.assertEqual(comps["spark-operator"]["namespace"], "spark-operator")
        self.assertEqual(comps["coredns"]["kind"], "eks")
        self.assertIsNone(comps["coredns"]["default_version"])
        self.assertTrue(comps["argo-cd"]["description"])
        self.assertEqual(sorted(out["caps"]["value"]), ["ack", "argo-cd", "kro"])
        charts = out["charts"]["value"]
        self.assertIn("spark-operator", charts)
        self.assertNotIn("coredns", charts)
        self.assertTrue(all(comps[n]["kind"] == "argocd" for n in charts))
        # a bad filter is a diagnostic on the attribute
        w.write("main.tf", provider_hcl() + 'data "unicron_addon_catalog" "x" { kind = "helm" }\n')
        r = w.tf("plan", "-no-color", "-input=false")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("kind", harness.strip_ansi(r.stderr))
