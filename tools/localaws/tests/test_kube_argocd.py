"""Each cluster's Kubernetes API over HTTPS (CA from DescribeCluster): EKS bearer-token checks,
namespaces, server-side apply semantics, and the Argo CD Application lifecycle with the simulated
controller (Progressing -> Synced/Healthy, Degraded for an unknown chart version, finalizers)."""

import time
import urllib.parse

from . import sigv4_signer as signer
from .harness import MGMT, EmulatorTest, wait_for

APP = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/"
APPLY = "application/apply-patch+yaml"


def app_body(name, version="2.5.2", automated=True):
    body = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": name, "namespace": "argocd",
                         "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
            "spec": {"project": "default",
                     "source": {"repoURL": "https://kubeflow.github.io/spark-operator",
                                "chart": "spark-operator", "targetRevision": version,
                                "helm": {"releaseName": name, "valuesObject": {}}},
                     "destination": {"name": "in-cluster", "namespace": name},
                     "syncPolicy": {"syncOptions": ["CreateNamespace=true"]}}}
    if automated:
        body["spec"]["syncPolicy"]["automated"] = {"prune": True, "selfHeal": True}
    return body


class KubeArgo(EmulatorTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = KubeArgo("run")
        acct, creds = t.tenant()
        cls.acct, cls.creds = acct, creds
        c = t.active_cluster(creds, "apps")
        cls.endpoint, cls.ca = c["endpoint"], c["certificateAuthority"]["data"]

    def token(self, creds=None, cluster="apps", **kw):
        akid, secret, tok = creds or self.creds
        return signer.eks_token(cluster, akid, secret, tok, **kw)

    def k(self, method, path, body=None, ctype=None, token=None):
        return self.emu.kube(self.endpoint, self.ca, method, path, token or self.token(), body,
                             ctype)

    def test_version_and_token_checks(self):
        st, doc = self.k("GET", "/version")
        self.assertEqual((st, doc["major"]), (200, "1"))
        # a token presigned for the emulator's own host is fine too
        st, _ = self.k("GET", "/version", token=self.token(host=self.emu.host, scheme="http"))
        self.assertEqual(st, 200)
        bad = [self.token(cluster="other"),
               self.token(now=time.time() - 16 * 60),
               self.token()[:-3] + "AAA",
               self.token(creds=(self.creds[0], "wrong", self.creds[2])),
               self.token(host="evil.example.com"),
               "not-a-token"]
        for tok in bad:
            with self.subTest(token=tok[:30]):
                st, doc = self.k("GET", "/version", token=tok)
                self.assertEqual((st, doc["reason"], doc["kind"]), (401, "Unauthorized", "Status"))
        # another account's principal is authenticated but not authorised
        st, doc = self.k("GET", "/api/v1/namespaces", token=self.token(creds=MGMT))
        self.assertEqual((st, doc["reason"]), (403, "Forbidden"))

    def test_namespaces(self):
        st, doc = self.k("GET", "/api/v1/namespaces")
        self.assertEqual(st, 200)
        self.assertTrue({"default", "kube-system"} <= {n["metadata"]["name"]
                                                        for n in doc["items"]})
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}
        st, doc = self.k("PATCH", "/api/v1/namespaces/team-a", ns, APPLY)
        self.assertEqual(st, 422)  # fieldManager is required for apply
        self.assertEqual(doc["details"]["causes"][0]["field"], "fieldManager")
        st, doc = self.k("PATCH", "/api/v1/namespaces/team-a?fieldManager=unicron", ns, APPLY)
        self.assertEqual((st, doc["status"]["phase"]), (201, "Active"))
        st, doc = self.k("PATCH", "/api/v1/namespaces/team-a?fieldManager=unicron", ns, APPLY)
        self.assertEqual(st, 200)
        st, doc = self.k("DELETE", "/api/v1/namespaces/team-a")
        self.assertEqual((st, doc["status"]["phase"]), (200, "Terminating"))
        wait_for(lambda: self.k("GET", "/api/v1/namespaces/team-a")[0] == 404)
        st, doc = self.k("GET", "/api/v1/namespaces/team-a")
        self.assertEqual(doc["message"], 'namespaces "team-a" not found')

    def test_application_lifecycle(self):
        crd = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/applications.argoproj.io"
        st, doc = self.k("GET", crd)
        self.assertEqual(st, 404)
        st, doc = self.k("GET", APP + "spark")
        self.assertEqual((st, doc["message"]), (404, "the server could not find the requested "
                                                     "resource"))
        # install the managed Argo CD (EKS capability)
        self.ensure_argocd()
        st, doc = self.k("GET", crd)
        self.assertEqual(st, 200)
        # the managed Argo CD knows no in-cluster destination until a cluster Secret registers
        # this cluster by its EKS ARN (kubernetes-argocd.md §9.4)
        self.register_cluster()
        # hold "spark" in its sync (admin knob) so Progressing is observed whatever the speed
        self.hold_app("spark", True)
        # apply creates (201) with metadata the server owns
        st, app = self.k("PATCH", APP + "spark?fieldManager=unicron&force=true",
                         app_body("spark"), APPLY)
        self.assertEqual(st, 201, app)
        meta = app["metadata"]
        self.assertEqual(meta["generation"], 1)
        self.assertTrue(meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"])
        self.assertEqual(meta["managedFields"][0]["manager"], "unicron")
        # mismatched name -> 400; another manager changing an owned field -> 409
        st, doc = self.k("PATCH", APP + "other?fieldManager=unicron", app_body("spark"), APPLY)
        self.assertEqual(st, 400)
        other = app_body("spark", version="2.5.1")
        st, doc = self.k("PATCH", APP + "spark?fieldManager=kubectl", other, APPLY)
        self.assertEqual((st, doc["reason"]), (409, "Conflict"))
        self.assertIn(".spec.source.targetRevision", doc["message"])
        self.assertEqual(doc["details"]["causes"][0]["type"], "FieldManagerConflict")
        # the controller works on it (held: it cannot have finished, however slow this test)
        app = wait_for(lambda: self.k("GET", APP + "spark")[1].get("status") and
                       self.k("GET", APP + "spark")[1])
        self.assertEqual(app["status"]["health"]["status"], "Progressing")
        self.assertEqual(app["status"]["sync"]["status"], "OutOfSync")
        self.assertEqual(app["status"]["operationState"]["phase"], "Running")
        self.hold_app("spark", False)

        def synced():
            _, a = self.k("GET", APP + "spark")
            s = a.get("status", {})
            return a if s.get("sync", {}).get("status") == "Synced" and \
                s["health"]["status"] == "Healthy" else None
        app = wait_for(synced)
        self.assertEqual(app["status"]["operationState"]["phase"], "Succeeded")
        # CreateNamespace=true made the destination namespace
        st, ns = self.k("GET", "/api/v1/namespaces/spark")
        self.assertEqual((st, ns["status"]["phase"]), (200, "Active"))
        # the history shows the transition in order
        st, hist = self.emu.admin("GET", "/_localaws/history?kind=application&name=argocd/spark"
                                  "&account=" + self.acct)
        healths = [e["health"] for e in hist["events"]]
        self.assertEqual(healths[:2], ["Progressing", "Healthy"], hist)
        self.assertEqual(app["status"]["sync"]["revision"], "2.5.2")
        # re-applying the same body changes nothing
        st, again = self.k("PATCH", APP + "spark?fieldManager=unicron&force=true",
                           app_body("spark"), APPLY)
        self.assertEqual((st, again["metadata"]["resourceVersion"]),
                         (200, app["metadata"]["resourceVersion"]))
        # a chart version the index does not have: Degraded with a ComparisonError
        st, app = self.k("PATCH", APP + "spark?fieldManager=unicron&force=true",
                         app_body("spark", version="9.9.9"), APPLY)
        self.assertEqual((st, app["metadata"]["generation"]), (200, 2))

        def degraded():
            _, a = self.k("GET", APP + "spark")
            return a if a["status"]["health"]["status"] == "Degraded" else None
        app = wait_for(degraded)
        self.assertEqual(app["status"]["conditions"][0]["type"], "ComparisonError")
        self.assertIn('version "9.9.9" not found', app["status"]["conditions"][0]["message"])
        self.assertEqual(app["status"]["operationState"]["phase"], "Failed")
        # without automated sync nothing happens
        st, _ = self.k("PATCH", APP + "manual?fieldManager=unicron",
                       app_body("manual", automated=False), APPLY)
        self.assertEqual(st, 201)
        time.sleep(0.25)
        _, app = self.k("GET", APP + "manual")
        self.assertEqual((app["status"]["sync"]["status"], app["status"]["health"]["status"]),
                         ("OutOfSync", "Missing"))
        # delete with the finalizer: 200 with the object, gone after the controller's cleanup
        # (held, so the pending deletion is observed whatever the machine speed)
        self.hold_app("spark", True)
        st, app = self.k("DELETE", APP + "spark")
        self.assertEqual(st, 200)
        self.assertEqual(app["kind"], "Application")
        self.assertIn("deletionTimestamp", app["metadata"])
        st, app = self.k("GET", APP + "spark")
        self.assertEqual(st, 200)
        self.assertEqual(app["metadata"]["finalizers"], ["resources-finalizer.argocd.argoproj.io"])
        self.hold_app("spark", False)
        wait_for(lambda: self.k("GET", APP + "spark")[0] == 404)
        _, hist = self.emu.admin("GET", "/_localaws/history?kind=application&name=argocd/spark"
                                 "&account=" + self.acct)
        self.assertEqual([e["event"] for e in hist["events"]][-2:],
                         ["delete_requested", "deleted"])
        st, doc = self.k("GET", APP + "spark")
        self.assertEqual(doc["message"], 'applications.argoproj.io "spark" not found')
        # without finalizers: deleted at once, Status answer
        body = app_body("quick")
        del body["metadata"]["finalizers"]
        self.k("PATCH", APP + "quick?fieldManager=unicron", body, APPLY)
        st, doc = self.k("DELETE", APP + "quick")
        self.assertEqual((st, doc["kind"], doc["status"]), (200, "Status", "Success"))
        st, doc = self.k("DELETE", APP + "quick")
        self.assertEqual(st, 404)

    def register_cluster(self, cluster="apps"):
        arn = "arn:aws:eks:us-east-1:%s:cluster/%s" % (self.acct, cluster)
        secret = {"apiVersion": "v1", "kind": "Secret",
                  "metadata": {"name": "in-cluster", "namespace": "argocd",
                               "labels": {"argocd.argoproj.io/secret-type": "cluster"}},
                  "stringData": {"name": "in-cluster", "server": arn, "project": "default"}}
        st, doc = self.k("PATCH", "/api/v1/namespaces/argocd/secrets/in-cluster"
                         "?fieldManager=test", secret, APPLY)
        self.assertIn(st, (200, 201), doc)

    def hold_app(self, name, on):
        self.hold(self.acct, "apps", "application", name, on=on, namespace="argocd")

    def test_destinations_on_the_capability(self):
        self.ensure_argocd()
        self.register_cluster()
        cases = {"incluster": ({"server": "https://kubernetes.default.svc", "namespace": "x"},
                               "there are no clusters with this URL: "
                               "https://kubernetes.default.svc"),
                 "unknownname": ({"name": "elsewhere", "namespace": "x"},
                                 "there are no clusters with this name: elsewhere"),
                 "both": ({"name": "in-cluster", "server": "https://x", "namespace": "x"},
                          "can't have both name and server")}
        for name, (dest, text) in cases.items():
            body = app_body(name)
            body["spec"]["destination"] = dest
            st, _ = self.k("PATCH", APP + name + "?fieldManager=unicron", body, APPLY)
            self.assertEqual(st, 201)
        for name, (dest, text) in cases.items():
            with self.subTest(app=name):
                def bad():
                    _, a = self.k("GET", APP + name)
                    conds = a.get("status", {}).get("conditions", [])
                    return conds if conds else None
                conds = wait_for(bad)
                self.assertEqual(conds[0]["type"], "InvalidSpecError")
                self.assertIn(text, conds[0]["message"])
        # without deploy rights on the destination the sync fails (SyncError), and succeeds once
        # the role gets them
        self.deploy_rights(False)
        st, _ = self.k("PATCH", APP + "denied?fieldManager=unicron", app_body("denied"), APPLY)
        self.assertEqual(st, 201)

        def failed():
            _, a = self.k("GET", APP + "denied")
            op = a.get("status", {}).get("operationState", {})
            return a if op.get("phase") == "Failed" else None
        a = wait_for(failed)
        self.assertEqual(a["status"]["conditions"][0]["type"], "SyncError")
        self.assertIn('cannot create resource "namespaces"',
                      a["status"]["conditions"][0]["message"])
        self.deploy_rights(True)
        wait_for(lambda: self.k("GET", APP + "denied")[1]["status"]["health"]["status"] ==
                 "Healthy")
        # the cluster ARN as server works once registered; an out-of-band edit of the spec
        # (merge patch of the Helm values) is a new generation the controller syncs again
        body = app_body("byarn")
        body["spec"]["destination"] = {"server": "arn:aws:eks:us-east-1:%s:cluster/apps"
                                       % self.acct, "namespace": "x"}
        st, _ = self.k("PATCH", APP + "byarn?fieldManager=unicron", body, APPLY)
        self.assertEqual(st, 201)

        def healthy(gen):
            _, a = self.k("GET", APP + "byarn")
            s = a.get("status", {})
            return a if s.get("health", {}).get("status") == "Healthy" and \
                a["metadata"]["generation"] == gen else None
        wait_for(lambda: healthy(1))
        st, a = self.k("PATCH", APP + "byarn", {"spec": {"source": {"helm": {
            "valuesObject": {"replicas": 3}}}}}, "application/merge-patch+json")
        self.assertEqual((st, a["metadata"]["generation"]), (200, 2))
        a = wait_for(lambda: healthy(2))
        self.assertEqual(a["spec"]["source"]["helm"]["valuesObject"], {"replicas": 3})
        self.assertEqual(a["status"]["sync"]["comparedTo"]["source"]["helm"]["valuesObject"],
                         {"replicas": 3})
        # a JSON patch (RFC 6902) too; a failing test op changes nothing
        st, a = self.k("PATCH", APP + "byarn", [
            {"op": "test", "path": "/spec/source/helm/valuesObject/replicas", "value": 3},
            {"op": "replace", "path": "/spec/source/helm/valuesObject/replicas", "value": 4},
            {"op": "add", "path": "/spec/syncPolicy/syncOptions/-", "value": "PruneLast=true"}],
            "application/json-patch+json")
        self.assertEqual((st, a["metadata"]["generation"]), (200, 3), a)
        self.assertEqual(a["spec"]["syncPolicy"]["syncOptions"][-1], "PruneLast=true")
        st, doc = self.k("PATCH", APP + "byarn", [
            {"op": "test", "path": "/spec/source/helm/valuesObject/replicas", "value": 9},
            {"op": "remove", "path": "/spec"}], "application/json-patch+json")
        self.assertEqual(st, 422)
        a = wait_for(lambda: healthy(3))
        self.assertEqual(a["spec"]["source"]["helm"]["valuesObject"], {"replicas": 4})

    def ensure_argocd(self):
        st, _, doc = self.emu.eks("GET", "/clusters/apps/capabilities/argocd", creds=self.creds)
        if st == 404:
            role = self.make_role(self.creds, "argocd-cap", "capabilities.eks.amazonaws.com")
            st, _, doc = self.emu.eks("POST", "/clusters/apps/capabilities", {
                "capabilityName": "argocd", "type": "ARGOCD", "roleArn": role,
                "deletePropagationPolicy": "RETAIN", "configuration": {"argoCd": {"awsIdc": {
                    "idcInstanceArn": "arn:aws:sso:::instance/ssoins-1"}}}}, creds=self.creds)
            self.assertEqual(st, 200, doc)
        wait_for(lambda: self.emu.eks("GET", "/clusters/apps/capabilities/argocd",
                                      creds=self.creds)[2]["capability"]["status"] == "ACTIVE")
        # the entry EKS made for the role does not cover workloads (aws-apis.md §12.5)
        self.deploy_rights(True)

    def deploy_rights(self, on):
        role = "arn:aws:iam::%s:role/argocd-cap" % self.acct
        path = "/clusters/apps/access-entries/%s/access-policies" % urllib.parse.quote(role,
                                                                                      safe="")
        admin = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        if on:
            st, _, doc = self.emu.eks("POST", path, {"policyArn": admin, "accessScope": {
                "type": "cluster"}}, creds=self.creds)
        else:
            st, _, doc = self.emu.eks("DELETE", path + "/" + urllib.parse.quote(admin, safe=""),
                                      creds=self.creds)
        self.assertEqual(st, 200, doc)

    def test_stuck_finalizer_without_controller(self):
        # a second cluster with the CRDs but no running controller: deletion stays pending
        t = KubeArgo("run")
        c = t.active_cluster(self.creds, "nocontroller")
        role = self.make_role(self.creds, "argocd-cap2", "capabilities.eks.amazonaws.com")
        self.emu.eks("POST", "/clusters/nocontroller/capabilities", {
            "capabilityName": "argocd", "type": "ARGOCD", "roleArn": role,
            "deletePropagationPolicy": "RETAIN", "configuration": {"argoCd": {"awsIdc": {
                "idcInstanceArn": "arn:aws:sso:::instance/ssoins-1"}}}}, creds=self.creds)
        tok = self.token(cluster="nocontroller")
        kube = lambda *a: self.emu.kube(c["endpoint"], c["certificateAuthority"]["data"],  # noqa
                                        *a[:2], tok, *a[2:])
        self.emu.eks("DELETE", "/clusters/nocontroller/capabilities/argocd", creds=self.creds)
        wait_for(lambda: self.emu.eks("GET", "/clusters/nocontroller/capabilities/argocd",
                                      creds=self.creds)[0] == 404)
        st, _ = kube("PATCH", APP + "x?fieldManager=unicron", app_body("x"), APPLY)
        self.assertEqual(st, 201)  # CRDs stay after DeleteCapability
        st, _ = kube("DELETE", APP + "x")
        self.assertEqual(st, 200)
        time.sleep(0.3)
        st, app = kube("GET", APP + "x")
        self.assertEqual(st, 200)
        self.assertEqual(app["metadata"]["finalizers"], ["resources-finalizer.argocd.argoproj.io"])
        # removing the finalizer out of band (merge patch) completes the deletion
        st, _ = kube("PATCH", APP + "x", {"metadata": {"finalizers": None}},
                     "application/merge-patch+json")
        self.assertEqual(st, 200)
        st, _ = kube("GET", APP + "x")
        self.assertEqual(st, 404)
