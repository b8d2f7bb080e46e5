"""EKS over restJson1: clusters, one-update-at-a-time, version upgrades one minor at a time, node
groups, add-ons (DEGRADED without nodes, compatibility table), tags, idempotency tokens, error shapes."""

import urllib.parse

from .harness import EmulatorTest, wait_for


class Eks(EmulatorTest):
    def setUp(self):
        if not hasattr(type(self), "creds"):
            acct, creds = self.tenant()
            type(self).acct, type(self).creds = acct, creds
            type(self).node_role = self.make_role(creds, "node-role", "ec2.amazonaws.com")

    def call(self, method, path, body=None, query=""):
        return self.emu.eks(method, path, body, query, creds=self.creds)

    def test_cluster_lifecycle_and_shapes(self):
        role = self.make_role(self.creds, "life-role", "eks.amazonaws.com")
        body = {"name": "life", "roleArn": role, "version": "1.32",
                "resourcesVpcConfig": {"subnetIds": ["subnet-1", "subnet-2"]},
                "tags": {"team": "data"}, "clientRequestToken": "tok-life"}
        self.hold(self.acct, "life", "cluster")  # CREATING until released, however slow
        st, h, doc = self.call("POST", "/clusters", body)
        self.assertEqual(st, 200, doc)
        c = doc["cluster"]
        self.assertEqual((c["status"], c["version"]), ("CREATING", "1.32"))
        self.assertNotIn("endpoint", c)
        self.assertEqual(c["arn"], "arn:aws:eks:us-east-1:%s:cluster/life" % self.acct)
        self.assertIsInstance(c["createdAt"], float)
        self.assertIn("x-amzn-requestid", h)
        # same token, same body: the same cluster, no error
        st, _, again = self.call("POST", "/clusters", body)
        self.assertEqual((st, again["cluster"]["id"]), (200, c["id"]))
        # without the token: the name is taken
        body2 = dict(body)
        del body2["clientRequestToken"]
        st, h, err = self.call("POST", "/clusters", body2)
        self.assertEqual(st, 409)
        self.assertTrue(h["x-amzn-errortype"].startswith("ResourceInUseException"))
        self.assertEqual(err["clusterName"], "life")
        # reused token with other parameters
        body3 = dict(body, tags={"team": "other"})
        st, _, _ = self.call("POST", "/clusters", body3)
        self.assertEqual(st, 400)
        # an update during CREATING is refused
        st, h, _ = self.call("POST", "/clusters/life/updates", {"version": "1.33"})
        self.assertEqual(st, 409)
        self.hold(self.acct, "life", "cluster", on=False)
        c = wait_for(lambda: self._cluster_if(self.creds, "life", "ACTIVE"))
        self.assertTrue(c["endpoint"].startswith("https://127.0.0.1:%d/k8s/" % self.emu.port))
        self.assertTrue(c["certificateAuthority"]["data"])
        self.assertRegex(c["identity"]["oidc"]["issuer"],
                         r"^https://oidc\.eks\.us-east-1\.amazonaws\.com/id/[0-9A-F]{32}$")
        self.assertRegex(c["platformVersion"], r"^eks\.\d+$")
        self.assertEqual(c["tags"], {"team": "data"})
        # two minors at once: refused; one minor: accepted; a second update: ResourceInUse
        st, h, err = self.call("POST", "/clusters/life/updates", {"version": "1.34"})
        self.assertEqual(st, 400)
        self.assertTrue(h["x-amzn-errortype"].startswith("InvalidParameterException"))
        self.hold(self.acct, "life", "cluster")  # the update stays InProgress until released
        st, _, doc = self.call("POST", "/clusters/life/updates", {"version": "1.33",
                                                                 "clientRequestToken": "u1"})
        self.assertEqual(st, 200, doc)
        u = doc["update"]
        self.assertEqual((u["status"], u["type"]), ("InProgress", "VersionUpdate"))
        self.assertIn({"type": "Version", "value": "1.33"}, u["params"])
        st, _, again = self.call("POST", "/clusters/life/updates", {"version": "1.33",
                                                                   "clientRequestToken": "u1"})
        self.assertEqual((st, again["update"]["id"]), (200, u["id"]))
        st, h, _ = self.call("POST", "/clusters/life/update-config", {
            "logging": {"clusterLogging": [{"types": ["api"], "enabled": True}]}})
        self.assertEqual(st, 409)
        self.assertTrue(h["x-amzn-errortype"].startswith("ResourceInUseException"))
        _, _, doc = self.call("GET", "/clusters/life")
        self.assertEqual(doc["cluster"]["status"], "UPDATING")
        self.hold(self.acct, "life", "cluster", on=False)

        def upd():
            _, _, d = self.call("GET", "/clusters/life/updates/" + u["id"])
            return d["update"] if d["update"]["status"] == "Successful" else None
        wait_for(upd)
        c = wait_for(lambda: self._cluster_if(self.creds, "life", "ACTIVE"))
        self.assertEqual(c["version"], "1.33")
        _, _, doc = self.call("GET", "/clusters/life/updates")
        self.assertEqual(doc["updateIds"], [u["id"]])
        # logging update
        st, _, doc = self.call("POST", "/clusters/life/update-config", {
            "logging": {"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]}})
        self.assertEqual((st, doc["update"]["type"]), (200, "LoggingUpdate"))
        wait_for(lambda: self._cluster_if(self.creds, "life", "ACTIVE"))
        _, _, doc = self.call("GET", "/clusters/life")
        self.assertIn({"types": ["api", "audit"], "enabled": True},
                      doc["cluster"]["logging"]["clusterLogging"])
        st, _, _ = self.call("POST", "/clusters/life/update-config", {
            "logging": {"clusterLogging": [{"types": ["api"], "enabled": True}]}})
        self.assertEqual(st, 400)  # already at the desired configuration
        st, _, doc = self.call("POST", "/clusters/life/update-config", {
            "resourcesVpcConfig": {"endpointPrivateAccess": True},
            "logging": {"clusterLogging": []}})
        self.assertEqual(st, 400)  # one type of update at a time
        st, _, doc = self.call("POST", "/clusters/life/update-config", {
            "resourcesVpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False}})
        self.assertEqual((st, doc["update"]["type"]), (200, "EndpointAccessUpdate"))
        wait_for(lambda: self._cluster_if(self.creds, "life", "ACTIVE"))
        _, _, doc = self.call("GET", "/clusters/life")
        vpc = doc["cluster"]["resourcesVpcConfig"]
        self.assertEqual((vpc["endpointPrivateAccess"], vpc["endpointPublicAccess"]),
                         (True, False))
        # delete
        st, _, doc = self.call("DELETE", "/clusters/life")
        self.assertEqual((st, doc["cluster"]["status"]), (200, "DELETING"))

        def gone():
            return self.call("GET", "/clusters/life")[0] == 404
        wait_for(gone)
        st, h, err = self.call("GET", "/clusters/life")
        self.assertEqual(err["message"], "No cluster found for name: life.")
        self.assertTrue(h["x-amzn-errortype"].startswith("ResourceNotFoundException"))

    def test_create_cluster_validation(self):
        role = self.make_role(self.creds, "val-role", "eks.amazonaws.com")
        vpc = {"subnetIds": ["subnet-1", "subnet-2"]}
        cases = [
            {"name": "-bad", "roleArn": role, "resourcesVpcConfig": vpc},
            {"name": "ok", "roleArn": role.replace("val-role", "missing"),
             "resourcesVpcConfig": vpc},
            {"name": "ok", "roleArn": role, "resourcesVpcConfig": {"subnetIds": ["subnet-1"]}},
            {"name": "ok", "roleArn": role, "resourcesVpcConfig": vpc, "version": "1.12"},
            {"name": "ok", "roleArn": self.node_role, "resourcesVpcConfig": vpc},
        ]
        for body in cases:
            with self.subTest(body=body):
                st, h, err = self.call("POST", "/clusters", body)
                self.assertEqual(st, 400, err)
                self.assertTrue(h["x-amzn-errortype"].startswith("InvalidParameterException"))
                self.assertIn("message", err)

    def test_list_clusters_paginates(self):
        for i in range(3):
            role = self.make_role(self.creds, "pg-role-%d" % i, "eks.amazonaws.com")
            self.call("POST", "/clusters", {"name": "pg%d" % i, "roleArn": role,
                                            "resourcesVpcConfig": {"subnetIds": ["a", "b"]}})
        names, token = [], None
        while True:
            q = "maxResults=2" + ("&nextToken=" + urllib.parse.quote(token) if token else "")
            st, _, doc = self.call("GET", "/clusters", query=q)
            self.assertEqual(st, 200, doc)
            names += doc["clusters"]
            token = doc.get("nextToken")
            if not token:
                break
        self.assertTrue({"pg0", "pg1", "pg2"} <= set(names))
        # other regions are separate
        st, _, doc = self.emu.eks("GET", "/clusters", creds=self.creds, region="eu-west-1")
        self.assertEqual(doc["clusters"], [])

    def test_nodegroups_addons_and_upgrade_order(self):
        self.active_cluster(self.creds, "ng", version="1.33")
        # add-on that needs nodes: DEGRADED while there are none
        st, _, doc = self.call("POST", "/clusters/ng/addons", {"addonName": "coredns"})
        self.assertEqual(st, 200, doc)
        a = doc["addon"]
        self.assertEqual(a["status"], "CREATING")
        self.assertEqual(a["addonVersion"], "v1.12.3-eksbuild.1")
        self.assertTrue(a["addonArn"].startswith("arn:aws:eks:us-east-1:%s:addon/ng/coredns/"
                                                 % self.acct))
        st, _, doc = self.call("POST", "/clusters/ng/addons", {"addonName": "kube-proxy"})
        self.assertEqual(doc["addon"]["addonVersion"], "v1.33.8-eksbuild.2")

        def addon_status(name, status):
            def check():
                _, _, d = self.call("GET", "/clusters/ng/addons/" + name)
                return d["addon"] if d["addon"]["status"] == status else None
            return wait_for(check)
        degraded = addon_status("coredns", "DEGRADED")
        self.assertEqual(degraded["health"]["issues"][0]["code"], "InsufficientNumberOfReplicas")
        addon_status("kube-proxy", "ACTIVE")
        st, _, err = self.call("POST", "/clusters/ng/addons", {"addonName": "coredns"})
        self.assertEqual(st, 409)
        st, _, err = self.call("POST", "/clusters/ng/addons", {"addonName": "vpc-cni",
                                                               "addonVersion": "v9.9.9"})
        self.assertEqual(st, 400)
        st, _, err = self.call("POST", "/clusters/ng/addons", {"addonName": "not-an-addon"})
        self.assertEqual(st, 400)
        # node group
        ng = {"nodegroupName": "general", "subnets": ["subnet-1"], "nodeRole": self.node_role,
              "scalingConfig": {"minSize": 1, "maxSize": 3, "desiredSize": 2},
              "capacityType": "SPOT", "instanceTypes": ["m5.large"],
              "labels": {"role": "general"},
              "taints": [{"key": "dedicated", "value": "x", "effect": "NO_SCHEDULE"}]}
        st, _, doc = self.call("POST", "/clusters/ng/node-groups", ng)
        self.assertEqual(st, 200, doc)
        n = doc["nodegroup"]
        self.assertEqual((n["status"], n["version"], n["capacityType"]),
                         ("CREATING", "1.33", "SPOT"))
        st, _, _ = self.call("POST", "/clusters/ng/node-groups", ng)
        self.assertEqual(st, 409)
        st, _, _ = self.call("POST", "/clusters/ng/node-groups", dict(
            ng, nodegroupName="bad", scalingConfig={"minSize": 3, "maxSize": 1}))
        self.assertEqual(st, 400)

        def ng_status(status):
            def check():
                _, _, d = self.call("GET", "/clusters/ng/node-groups/general")
                return d["nodegroup"] if d["nodegroup"]["status"] == status else None
            return wait_for(check)
        ng_status("ACTIVE")
        addon_status("coredns", "ACTIVE")
        _, _, doc = self.call("GET", "/clusters/ng/node-groups")
        self.assertEqual(doc["nodegroups"], ["general"])
        # config update (held: the second one meets the first InProgress)
        self.hold(self.acct, "ng", "nodegroup", "general")
        st, _, doc = self.call("POST", "/clusters/ng/node-groups/general/update-config", {
            "labels": {"addOrUpdateLabels": {"tier": "a"}, "removeLabels": ["role"]},
            "scalingConfig": {"minSize": 2, "maxSize": 4, "desiredSize": 2}})
        self.assertEqual((st, doc["update"]["type"]), (200, "ConfigUpdate"))
        uid = doc["update"]["id"]
        st, _, _ = self.call("POST", "/clusters/ng/node-groups/general/update-config", {
            "labels": {"addOrUpdateLabels": {"x": "y"}}})
        self.assertEqual(st, 409)
        st, _, _ = self.call("GET", "/clusters/ng/updates/" + uid)
        self.assertEqual(st, 404)  # node-group updates need ?nodegroupName=
        st, _, doc = self.call("GET", "/clusters/ng/updates/" + uid, query="nodegroupName=general")
        self.assertEqual(st, 200)
        self.hold(self.acct, "ng", "nodegroup", "general", on=False)
        n = ng_status("ACTIVE")
        self.assertEqual(n["labels"], {"tier": "a"})
        self.assertEqual(n["scalingConfig"], {"minSize": 2, "maxSize": 4, "desiredSize": 2})
        # upgrade sequence: control plane, add-on, node group
        self.call("POST", "/clusters/ng/updates", {"version": "1.34"})
        wait_for(lambda: self._cluster_if(self.creds, "ng", "ACTIVE") and
                 self._cluster_if(self.creds, "ng", "ACTIVE")["version"] == "1.34")
        st, _, doc = self.call("POST", "/clusters/ng/updates", {"version": "1.35"})
        self.assertEqual(st, 400)  # node group still at 1.33
        self.hold(self.acct, "ng", "addon", "kube-proxy")
        st, _, doc = self.call("POST", "/clusters/ng/addons/kube-proxy/update",
                               {"addonVersion": "v1.34.8-eksbuild.2", "resolveConflicts":
                                "OVERWRITE"})
        self.assertEqual((st, doc["update"]["type"]), (200, "AddonUpdate"))
        st, _, doc = self.call("POST", "/clusters/ng/addons/kube-proxy/update",
                               {"addonVersion": "v1.34.8-eksbuild.2"})
        self.assertEqual(st, 409)
        self.hold(self.acct, "ng", "addon", "kube-proxy", on=False)
        self.assertEqual(addon_status("kube-proxy", "ACTIVE")["addonVersion"],
                         "v1.34.8-eksbuild.2")
        st, _, doc = self.call("POST", "/clusters/ng/node-groups/general/update-version", {})
        self.assertEqual(st, 200, doc)
        self.assertEqual(ng_status("ACTIVE")["version"], "1.34")
        st, _, doc = self.call("POST", "/clusters/ng/node-groups/general/update-version",
                               {"version": "1.35"})
        self.assertEqual(st, 400)
        # deletes: the cluster refuses while node groups exist
        st, h, _ = self.call("DELETE", "/clusters/ng")
        self.assertEqual(st, 409)
        st, _, doc = self.call("DELETE", "/clusters/ng/node-groups/general")
        self.assertEqual(doc["nodegroup"]["status"], "DELETING")
        wait_for(lambda: self.call("GET", "/clusters/ng/node-groups/general")[0] == 404)
        self.assertEqual(addon_status("coredns", "DEGRADED")["addonName"], "coredns")
        st, _, doc = self.call("DELETE", "/clusters/ng/addons/coredns", query="preserve=true")
        self.assertEqual(doc["addon"]["status"], "DELETING")
        wait_for(lambda: self.call("GET", "/clusters/ng/addons/coredns")[0] == 404)
        st, _, doc = self.call("DELETE", "/clusters/ng")
        self.assertEqual(st, 200)

    def test_addon_versions_table(self):
        st, _, doc = self.call("GET", "/addons/supported-versions",
                               query="kubernetesVersion=1.30&addonName=coredns")
        self.assertEqual(st, 200)
        versions = doc["addons"][0]["addonVersions"]
        self.assertEqual([v["addonVersion"] for v in versions],
                         ["v1.11.4-eksbuild.14", "v1.11.3-eksbuild.1"])
        self.assertEqual(versions[0]["compatibilities"],
                         [{"clusterVersion": "1.30", "platformVersions": ["*"],
                           "defaultVersion": True}])
        st, _, doc = self.call("GET", "/addons/supported-versions", query="maxResults=100")
        names = {a["addonName"] for a in doc["addons"]}
        self.assertTrue({"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver",
                         "eks-pod-identity-agent", "metrics-server", "cert-manager"} <= names)
        st, _, doc = self.call("GET", "/addons/supported-versions", query="owners=community")
        self.assertTrue(all(a["owner"] == "community" for a in doc["addons"]))

    def test_tags(self):
        c = self.active_cluster(self.creds, "tagged")
        arn = urllib.parse.quote(c["arn"], safe="")
        st, _, doc = self.call("POST", "/tags/" + arn, {"tags": {"a": "1", "b": "2"}})
        self.assertEqual((st, doc), (200, {}))
        st, _, doc = self.call("DELETE", "/tags/" + arn, query="tagKeys=a&tagKeys=zz")
        self.assertEqual(st, 200)
        _, _, doc = self.call("GET", "/tags/" + arn)
        self.assertEqual(doc["tags"], {"b": "2"})
        st, h, _ = self.call("GET", "/tags/" + urllib.parse.quote(c["arn"] + "x", safe=""))
        self.assertEqual(st, 404)
        self.assertTrue(h["x-amzn-errortype"].startswith("NotFoundException"))
        st, h, _ = self.call("GET", "/tags/not-an-arn")
        self.assertEqual(st, 400)
        self.assertTrue(h["x-amzn-errortype"].startswith("BadRequestException"))
        st, _, _ = self.call("POST", "/tags/" + arn, {"tags": {"aws:x": "1"}})
        self.assertEqual(st, 400)
        # the management account cannot see the tenant's cluster
        st, _, _ = self.emu.eks("GET", "/clusters/tagged")
        self.assertEqual(st, 404)

    def test_capability_shapes(self):
        self.active_cluster(self.creds, "caps")
        role = self.make_role(self.creds, "cap-role", "capabilities.eks.amazonaws.com")
        st, _, doc = self.call("POST", "/clusters/caps/capabilities", {
            "capabilityName": "argocd", "type": "ARGOCD", "roleArn": role,
            "deletePropagationPolicy": "RETAIN"})
        self.assertEqual(st, 400)  # awsIdc is required for ARGOCD
        body = {"capabilityName": "argocd", "type": "ARGOCD", "roleArn": role,
                "deletePropagationPolicy": "RETAIN", "clientRequestToken": "c1",
                "configuration": {"argoCd": {"awsIdc": {
                    "idcInstanceArn": "arn:aws:sso:::instance/ssoins-1234567890abcdef"}}}}
        st, _, doc = self.call("POST", "/clusters/caps/capabilities", body)
        self.assertEqual(st, 200, doc)
        cap = doc["capability"]
        self.assertEqual((cap["status"], cap["type"]), ("CREATING", "ARGOCD"))
        self.assertIn("/caps/argocd/argocd/", cap["arn"])
        st, _, again = self.call("POST", "/clusters/caps/capabilities", body)
        self.assertEqual(again["capability"]["arn"], cap["arn"])
        st, _, _ = self.call("POST", "/clusters/caps/capabilities", dict(
            body, capabilityName="second", clientRequestToken="c2"))
        self.assertEqual(st, 400)  # one capability of each type

        def active():
            _, _, d = self.call("GET", "/clusters/caps/capabilities/argocd")
            return d["capability"] if d["capability"]["status"] == "ACTIVE" else None
        cap = wait_for(active)
        self.assertEqual(cap["configuration"]["argoCd"]["namespace"], "argocd")
        self.assertRegex(cap["configuration"]["argoCd"]["serverUrl"],
                         r"^https://argocd-[0-9a-f]{8}-%s\.eks-capabilities\.us-east-1\."
                         r"amazonaws\.com$" % self.acct)
        _, _, doc = self.call("GET", "/clusters/caps/capabilities")
        self.assertEqual([c["capabilityName"] for c in doc["capabilities"]], ["argocd"])
        st, _, doc = self.call("POST", "/clusters/caps/capabilities/argocd", {
            "configuration": {"argoCd": {"rbacRoleMappings": {"addOrUpdateRoleMappings": [
                {"role": "ADMIN", "identities": [{"id": "g-1", "type": "SSO_GROUP"}]}]}}}})
        self.assertEqual(st, 200, doc)
        cap = wait_for(active)
        self.assertEqual(cap["configuration"]["argoCd"]["rbacRoleMappings"][0]["role"], "ADMIN")
        # a role that does not trust the capabilities service: refused
        bad = self.make_role(self.creds, "kro-role", "ec2.amazonaws.com")
        st, h, doc = self.call("POST", "/clusters/caps/capabilities", {
            "capabilityName": "kro", "type": "KRO", "roleArn": bad,
            "deletePropagationPolicy": "RETAIN"})
        self.assertEqual(st, 400)
        self.assertTrue(h["x-amzn-errortype"].startswith("InvalidParameterException"))
        self.assertIn("capabilities.eks.amazonaws.com", doc["message"])
        good = self.make_role(self.creds, "kro-role2", "capabilities.eks.amazonaws.com")
        st, _, doc = self.call("POST", "/clusters/caps/capabilities", {
            "capabilityName": "kro", "type": "KRO", "roleArn": good,
            "deletePropagationPolicy": "RETAIN"})
        self.assertEqual(st, 200, doc)
        # EKS made the capability role's access entry with the KRO access policy
        enc = urllib.parse.quote(good, safe="")
        st, _, doc = self.call("GET", "/clusters/caps/access-entries/%s/access-policies" % enc)
        self.assertEqual(st, 200, doc)
        self.assertEqual([a["policyArn"] for a in doc["associatedAccessPolicies"]],
                         ["arn:aws:eks::aws:cluster-access-policy/AmazonEKSKROPolicy"])
        st, _, doc = self.call("DELETE", "/clusters/caps/capabilities/kro")
        self.assertEqual(doc["capability"]["status"], "DELETING")
        wait_for(lambda: self.call("GET", "/clusters/caps/capabilities/kro")[0] == 404)
        st, _, _ = self.call("GET", "/clusters/caps/access-entries/" + enc)
        self.assertEqual(st, 404)
