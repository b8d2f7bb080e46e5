"""DescribeClusterVersions over the one version table (support status from --today), the version
rules of CreateCluster / UpdateClusterVersion / node groups, one update at a time, and the admin
history that records the order of what EKS did (upgrade steps, create-before-destroy)."""

from .harness import Emulator, EmulatorTest, wait_for

DAY = 86400.0


class Versions(EmulatorTest):
    def setUp(self):
        if not hasattr(type(self), "creds"):
            type(self).acct, type(self).creds = self.tenant()

    def call(self, method, path, body=None, query=""):
        return self.emu.eks(method, path, body, query, creds=self.creds)

    def test_describe_cluster_versions(self):
        # harness.TODAY = 2026-12-15: 1.30/1.31 unsupported, 1.32-1.34 extended, 1.35/1.36 standard
        st, _, doc = self.call("GET", "/cluster-versions")
        self.assertEqual(st, 200, doc)
        got = {v["clusterVersion"]: v for v in doc["clusterVersions"]}
        self.assertEqual(sorted(got), ["1.32", "1.33", "1.34", "1.35", "1.36"])
        self.assertEqual([v["clusterVersion"] for v in doc["clusterVersions"]][0], "1.36")
        status = {k: v["versionStatus"] for k, v in got.items()}
        self.assertEqual(status, {"1.32": "EXTENDED_SUPPORT", "1.33": "EXTENDED_SUPPORT",
                                  "1.34": "EXTENDED_SUPPORT", "1.35": "STANDARD_SUPPORT",
                                  "1.36": "STANDARD_SUPPORT"})
        v = got["1.35"]
        self.assertEqual((v["defaultVersion"], v["clusterType"], v["status"],
                          v["defaultPlatformVersion"]), (True, "eks", "STANDARD_SUPPORT", "eks.2"))
        self.assertEqual(v["releaseDate"], 1769472000.0)               # 2026-01-27
        self.assertEqual(v["endOfStandardSupportDate"], 1806105600.0)  # 2027-03-27
        self.assertEqual(v["endOfExtendedSupportDate"], 1837728000.0)  # 2028-03-27
        self.assertTrue(v["kubernetesPatchVersion"].startswith("1.35."))
        self.assertFalse(got["1.34"]["defaultVersion"])
        st, _, doc = self.call("GET", "/cluster-versions", query="includeAll=true")
        all_ = {v["clusterVersion"]: v["versionStatus"] for v in doc["clusterVersions"]}
        self.assertEqual((all_["1.30"], all_["1.31"], len(all_)), ("UNSUPPORTED", "UNSUPPORTED",
                                                                   7))
        st, _, doc = self.call("GET", "/cluster-versions", query="defaultOnly=true")
        self.assertEqual([v["clusterVersion"] for v in doc["clusterVersions"]], ["1.35"])
        st, _, doc = self.call("GET", "/cluster-versions",
                               query="versionStatus=EXTENDED_SUPPORT")
        self.assertEqual([v["clusterVersion"] for v in doc["clusterVersions"]],
                         ["1.34", "1.33", "1.32"])
        st, _, doc = self.call("GET", "/cluster-versions",
                               query="clusterVersions=1.31&clusterVersions=1.33")
        self.assertEqual([v["clusterVersion"] for v in doc["clusterVersions"]], ["1.33", "1.31"])
        st, _, doc = self.call("GET", "/cluster-versions", query="maxResults=2")
        self.assertEqual(len(doc["clusterVersions"]), 2)
        st, _, doc2 = self.call("GET", "/cluster-versions",
                                query="maxResults=2&nextToken=" + doc["nextToken"])
        self.assertEqual(doc2["clusterVersions"][0]["clusterVersion"], "1.34")
        st, _, _ = self.call("GET", "/cluster-versions", query="versionStatus=bogus")
        self.assertEqual(st, 400)

    def test_create_refuses_unsupported_and_defaults_to_135(self):
        role = self.make_role(self.creds, "v-role", "eks.amazonaws.com")
        body = {"name": "old", "roleArn": role, "version": "1.31",
                "resourcesVpcConfig": {"subnetIds": ["a", "b"]}}
        st, h, doc = self.call("POST", "/clusters", body)
        self.assertEqual(st, 400)
        self.assertTrue(h["x-amzn-errortype"].startswith("InvalidParameterException"))
        self.assertIn("1.31", doc["message"])
        del body["version"]
        body["name"] = "dflt"
        st, _, doc = self.call("POST", "/clusters", body)
        self.assertEqual((st, doc["cluster"]["version"]), (200, "1.35"))

    def test_upgrade_order_and_rules(self):
        self.active_cluster(self.creds, "up", version="1.33")
        node = self.make_role(self.creds, "up-node", "ec2.amazonaws.com")
        for ng, cap in (("a", "ON_DEMAND"), ("b", "SPOT")):
            st, _, doc = self.call("POST", "/clusters/up/node-groups", {
                "nodegroupName": ng, "subnets": ["s1"], "nodeRole": node, "capacityType": cap})
            self.assertEqual(st, 200, doc)
        for ng in ("a", "b"):
            self.ng_active("up", ng)
        # node groups cannot lead the control plane
        st, h, _ = self.call("POST", "/clusters/up/node-groups/a/update-version",
                             {"version": "1.34"})
        self.assertEqual(st, 400)
        # control plane 1.34 (held InProgress so the refusals below are deterministic)
        self.hold("cluster", None, True)
        st, _, doc = self.call("POST", "/clusters/up/updates", {"version": "1.34"})
        self.assertEqual(st, 200, doc)
        cp1 = doc["update"]
        for path, body in (("/clusters/up/updates", {"version": "1.35"}),
                           ("/clusters/up/update-config", {"logging": {"clusterLogging": [
                               {"types": ["api"], "enabled": True}]}}),
                           ("/clusters/up/node-groups/a/update-version", {}),
                           ("/clusters/up/node-groups/a/update-config",
                            {"scalingConfig": {"desiredSize": 1}})):
            st, h, _ = self.call("POST", path, body)
            self.assertEqual(st, 409, path)
            self.assertTrue(h["x-amzn-errortype"].startswith("ResourceInUseException"), path)
        self.assertEqual(self.call("GET", "/clusters/up")[2]["cluster"]["status"], "UPDATING")
        self.hold("cluster", None, False)
        self.update_done("up", cp1["id"])
        wait_for(lambda: self._cluster_if(self.creds, "up", "ACTIVE"))
        # the next control-plane step waits for the node groups
        st, h, doc = self.call("POST", "/clusters/up/updates", {"version": "1.35"})
        self.assertEqual(st, 400)
        self.assertTrue(h["x-amzn-errortype"].startswith("InvalidRequestException"))
        self.assertIn("Nodegroup a", doc["message"])
        # node groups to the cluster's version (no version given); one update at a time each
        ups = {}
        self.hold("nodegroup", "a", True)
        for ng in ("a", "b"):
            st, _, doc = self.call("POST", "/clusters/up/node-groups/%s/update-version" % ng, {})
            self.assertEqual(st, 200, doc)
            self.assertIn({"type": "Version", "value": "1.34"}, doc["update"]["params"])
            ups[ng] = doc["update"]["id"]
        st, _, _ = self.call("POST", "/clusters/up/node-groups/a/update-config",
                             {"labels": {"addOrUpdateLabels": {"x": "y"}}})
        self.assertEqual(st, 409)
        self.hold("nodegroup", "a", False)
        for ng in ("a", "b"):
            u = self.update_done("up", ups[ng], "nodegroupName=" + ng)
            self.assertEqual((u["type"], u["status"]), ("VersionUpdate", "Successful"))
            self.assertIsInstance(u["createdAt"], float)
        # DescribeUpdate of a node-group update needs its nodegroupName
        st, _, _ = self.call("GET", "/clusters/up/updates/" + ups["a"])
        self.assertEqual(st, 404)
        _, _, doc = self.call("GET", "/clusters/up/updates", query="nodegroupName=a")
        self.assertEqual(doc["updateIds"], [ups["a"]])
        for ng in ("a", "b"):
            self.ng_active("up", ng)
        st, _, doc = self.call("POST", "/clusters/up/updates", {"version": "1.35"})
        self.assertEqual(st, 200, doc)
        self.update_done("up", doc["update"]["id"])
        wait_for(lambda: self._cluster_if(self.creds, "up", "ACTIVE"))
        for ng in ("a", "b"):
            st, _, doc = self.call("POST", "/clusters/up/node-groups/%s/update-version" % ng,
                                   {"version": "1.35"})
            self.assertEqual(st, 200, doc)
            self.update_done("up", doc["update"]["id"], "nodegroupName=" + ng)
        # the history has the steps in order
        st, hist = self.emu.admin("GET", "/_localaws/history?account=%s&cluster=up&event="
                                  "update_finished" % self.acct)
        steps = [(e["kind"], e["name"], [p["value"] for p in e["params"]
                                         if p["type"] == "Version"][0])
                 for e in hist["events"]]
        self.assertEqual(steps, [("cluster", "up", "1.34"), ("nodegroup", "a", "1.34"),
                                 ("nodegroup", "b", "1.34"), ("cluster", "up", "1.35"),
                                 ("nodegroup", "a", "1.35"), ("nodegroup", "b", "1.35")])
        seqs = [e["seq"] for e in hist["events"]]
        self.assertEqual(seqs, sorted(seqs))

    def test_create_before_destroy_in_history(self):
        self.active_cluster(self.creds, "cbd", version="1.35")
        node = self.make_role(self.creds, "cbd-node", "ec2.amazonaws.com")
        self.call("POST", "/clusters/cbd/node-groups", {"nodegroupName": "old", "subnets": ["s"],
                                                        "nodeRole": node})
        self.ng_active("cbd", "old")
        self.call("POST", "/clusters/cbd/node-groups", {"nodegroupName": "new", "subnets": ["s"],
                                                        "nodeRole": node,
                                                        "instanceTypes": ["m5.large"]})
        self.ng_active("cbd", "new")
        self.call("DELETE", "/clusters/cbd/node-groups/old")
        wait_for(lambda: self.call("GET", "/clusters/cbd/node-groups/old")[0] == 404)
        _, hist = self.emu.admin("GET", "/_localaws/history?account=%s&cluster=cbd&kind="
                                 "nodegroup" % self.acct)
        seq = {(e["name"], e["event"], e.get("status")): e["seq"] for e in hist["events"]}
        self.assertLess(seq[("new", "status", "ACTIVE")], seq[("old", "delete_requested", None)])
        self.assertLess(seq[("old", "delete_requested", None)], seq[("old", "deleted", None)])
        # since= returns only later events
        last = hist["lastSeq"]
        _, later = self.emu.admin("GET", "/_localaws/history?since=%d" % last)
        self.assertEqual(later["events"], [])

    def test_nodegroup_config_updates(self):
        self.active_cluster(self.creds, "cfg", version="1.35")
        node = self.make_role(self.creds, "cfg-node", "ec2.amazonaws.com")
        self.call("POST", "/clusters/cfg/node-groups", {
            "nodegroupName": "n", "subnets": ["s"], "nodeRole": node, "labels": {"a": "1"},
            "taints": [{"key": "t", "value": "v", "effect": "NO_SCHEDULE"}],
            "scalingConfig": {"minSize": 1, "maxSize": 3, "desiredSize": 2}})
        self.ng_active("cfg", "n")
        st, _, doc = self.call("POST", "/clusters/cfg/node-groups/n/update-config", {
            "labels": {"addOrUpdateLabels": {"b": "2"}, "removeLabels": ["a"]},
            "taints": {"addOrUpdateTaints": [{"key": "u", "effect": "NO_EXECUTE"}],
                       "removeTaints": [{"key": "t", "effect": "NO_SCHEDULE"}]},
            "scalingConfig": {"desiredSize": 3}})
        self.assertEqual(st, 200, doc)
        self.assertEqual(doc["update"]["type"], "ConfigUpdate")
        self.update_done("cfg", doc["update"]["id"], "nodegroupName=n")
        ng = self.ng_active("cfg", "n")
        self.assertEqual(ng["labels"], {"b": "2"})
        self.assertEqual(ng["taints"], [{"key": "u", "effect": "NO_EXECUTE"}])
        self.assertEqual(ng["scalingConfig"], {"minSize": 1, "maxSize": 3, "desiredSize": 3})
        # endpoint access and logging through UpdateClusterConfig
        st, _, doc = self.call("POST", "/clusters/cfg/update-config", {"resourcesVpcConfig": {
            "endpointPrivateAccess": True, "publicAccessCidrs": ["10.0.0.0/8"]}})
        self.assertEqual((st, doc["update"]["type"]), (200, "EndpointAccessUpdate"))
        self.update_done("cfg", doc["update"]["id"])
        wait_for(lambda: self._cluster_if(self.creds, "cfg", "ACTIVE"))
        st, _, doc = self.call("POST", "/clusters/cfg/update-config", {"logging": {
            "clusterLogging": [{"types": ["api", "audit"], "enabled": True}]}})
        self.assertEqual((st, doc["update"]["type"]), (200, "LoggingUpdate"))
        self.update_done("cfg", doc["update"]["id"])
        c = wait_for(lambda: self._cluster_if(self.creds, "cfg", "ACTIVE"))
        self.assertEqual(c["resourcesVpcConfig"]["publicAccessCidrs"], ["10.0.0.0/8"])
        self.assertTrue(c["resourcesVpcConfig"]["endpointPrivateAccess"])
        self.assertRegex(c["resourcesVpcConfig"]["clusterSecurityGroupId"], r"^sg-[0-9a-f]{17}$")
        self.assertRegex(c["resourcesVpcConfig"]["vpcId"], r"^vpc-[0-9a-f]{17}$")
        self.assertIn({"types": ["api", "audit"], "enabled": True},
                      c["logging"]["clusterLogging"])

    def test_addon_versions_configuration_and_degraded(self):
        # compatibilities cover 1.30-1.36, with one default per cluster version
        for k8s in ("1.30", "1.36"):
            st, _, doc = self.call("GET", "/addons/supported-versions",
                                   query="kubernetesVersion=%s&addonName=coredns" % k8s)
            vers = doc["addons"][0]["addonVersions"]
            defaults = [v["addonVersion"] for v in vers
                        if v["compatibilities"][0]["defaultVersion"]]
            self.assertEqual(len(defaults), 1, (k8s, vers))
        self.active_cluster(self.creds, "ad", version="1.35")
        _, _, doc = self.call("GET", "/addons/supported-versions",
                              query="kubernetesVersion=1.30&addonName=coredns")
        old = [v["addonVersion"] for v in doc["addons"][0]["addonVersions"]
               if not any(c["clusterVersion"] == "1.35" for c in v["compatibilities"])][-1]
        st, h, doc = self.call("POST", "/clusters/ad/addons", {"addonName": "coredns",
                                                               "addonVersion": old})
        self.assertEqual(st, 400)
        self.assertTrue(h["x-amzn-errortype"].startswith("InvalidParameterException"))
        for garbage in ("this is: not: yaml", "{\"a\": ", "[1, 2]", "just words"):
            st, _, doc = self.call("POST", "/clusters/ad/addons", {
                "addonName": "coredns", "configurationValues": garbage})
            self.assertEqual(st, 400, garbage)
        yaml = "replicaCount: 3\nresources:\n  limits:\n    memory: 170Mi\n"
        st, _, doc = self.call("POST", "/clusters/ad/addons", {"addonName": "coredns",
                                                               "configurationValues": yaml})
        self.assertEqual(st, 200, doc)
        self.assertEqual(doc["addon"]["configurationValues"], yaml)
        # no node group: DEGRADED with the replica issue; a node group makes it ACTIVE
        def status(want):
            def f():
                _, _, d = self.call("GET", "/clusters/ad/addons/coredns")
                return d["addon"] if d["addon"]["status"] == want else None
            return wait_for(f)
        a = status("DEGRADED")
        self.assertEqual(a["health"]["issues"][0]["code"], "InsufficientNumberOfReplicas")
        self.assertEqual(a["configurationValues"], yaml)
        js = '{ "replicaCount" : 2 }'
        st, _, doc = self.call("POST", "/clusters/ad/addons/coredns/update",
                               {"configurationValues": js})
        self.assertEqual((st, doc["update"]["type"]), (200, "AddonUpdate"))
        self.update_done("ad", doc["update"]["id"], "addonName=coredns")
        node = self.make_role(self.creds, "ad-node", "ec2.amazonaws.com")
        self.call("POST", "/clusters/ad/node-groups", {"nodegroupName": "n", "subnets": ["s"],
                                                       "nodeRole": node})
        self.ng_active("ad", "n")
        a = status("ACTIVE")
        self.assertEqual((a["configurationValues"], a["health"]["issues"]), (js, []))

    def test_admin_hold_and_history_inputs(self):
        for bad in ({}, {"account": self.acct, "cluster": "x", "kind": "bogus"},
                    {"account": self.acct, "cluster": "x", "kind": "nodegroup"},
                    {"account": self.acct, "cluster": "x", "kind": "cluster", "hold": "yes"}):
            st, doc = self.emu.admin_post("/_localaws/hold", bad)
            self.assertEqual(st, 400, bad)
        st, h, b = self.emu.raw("POST", "/_localaws/hold", b"not json")
        self.assertEqual(st, 400)
        st, doc = self.emu.admin("GET", "/_localaws/history?since=abc")
        self.assertEqual(st, 400)
        st, doc = self.emu.admin("DELETE", "/_localaws/history")
        self.assertEqual(st, 405)
        # a hold on a cluster that does not exist yet keeps it CREATING from its creation
        self.hold("cluster", None, True, cluster="later")
        role = self.make_role(self.creds, "later-role", "eks.amazonaws.com")
        st, _, doc = self.call("POST", "/clusters", {
            "name": "later", "roleArn": role, "resourcesVpcConfig": {"subnetIds": ["a", "b"]}})
        self.assertEqual(st, 200, doc)
        self.emu.admin("GET", "/_localaws/state")  # any request runs the clock
        _, _, doc = self.call("GET", "/clusters/later")
        self.assertEqual(doc["cluster"]["status"], "CREATING")
        self.hold("cluster", None, False, cluster="later")
        wait_for(lambda: self._cluster_if(self.creds, "later", "ACTIVE"))

    # ---- helpers
    def hold(self, kind, name, on, cluster="up"):
        doc = {"account": self.acct, "cluster": cluster, "kind": kind, "hold": on}
        if name:
            doc["name"] = name
        st, out = self.emu.admin_post("/_localaws/hold", doc)
        self.assertEqual(st, 200, out)

    def ng_active(self, cluster, ng):
        def f():
            _, _, d = self.call("GET", "/clusters/%s/node-groups/%s" % (cluster, ng))
            return d["nodegroup"] if d["nodegroup"]["status"] == "ACTIVE" else None
        return wait_for(f)

    def update_done(self, cluster, uid, query=""):
        def f():
            _, _, d = self.call("GET", "/clusters/%s/updates/%s" % (cluster, uid), query=query)
            return d["update"] if d["update"]["status"] == "Successful" else None
        return wait_for(f)


class VersionsEarlier(EmulatorTest):
    """--today moves the support windows: on 2025-06-01 1.35/1.36 are not released yet and 1.30
    is in standard support."""
    ARGS = ("--today", "2025-06-01")

    def test_today_pins_status(self):
        st, _, doc = self.emu.eks("GET", "/cluster-versions", query="includeAll=true")
        got = {v["clusterVersion"]: v["versionStatus"] for v in doc["clusterVersions"]}
        self.assertEqual(got, {"1.30": "STANDARD_SUPPORT", "1.31": "STANDARD_SUPPORT",
                               "1.32": "STANDARD_SUPPORT", "1.33": "STANDARD_SUPPORT"})
        # the default is then the newest version in standard support
        st, _, doc = self.emu.eks("GET", "/cluster-versions", query="defaultOnly=true")
        self.assertEqual([v["clusterVersion"] for v in doc["clusterVersions"]], ["1.33"])

    def test_bad_today_is_refused(self):
        emu = Emulator("--today", "2025-13-01")
        with self.assertRaises(RuntimeError):
            emu.start()
