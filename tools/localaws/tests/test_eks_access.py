"""EKS access entries and access policies (and the Kubernetes API authorisation they drive), and
IAM OpenID Connect providers, over real HTTP with the test signer (boto3 on Debian 12 predates the
access-entry operations)."""

import urllib.parse

from . import sigv4_signer as signer
from .harness import EmulatorTest, wait_for, x

POL = "arn:aws:eks::aws:cluster-access-policy/"


def enc(arn):
    return urllib.parse.quote(arn, safe="")


class AccessEntries(EmulatorTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = AccessEntries("run")
        cls.acct, cls.creds = t.tenant()
        cls.creator = "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % cls.acct

    def call(self, method, path, body=None, query="", creds=None):
        return self.emu.eks(method, path, body, query, creds=creds or self.creds)

    def cluster(self, name, mode="API", bootstrap=None):
        role = self.make_role(self.creds, name + "-role", "eks.amazonaws.com")
        access = {"authenticationMode": mode}
        if bootstrap is not None:
            access["bootstrapClusterCreatorAdminPermissions"] = bootstrap
        st, _, doc = self.call("POST", "/clusters", {
            "name": name, "roleArn": role, "accessConfig": access,
            "resourcesVpcConfig": {"subnetIds": ["subnet-a", "subnet-b"]}})
        self.assertEqual(st, 200, doc)
        return wait_for(lambda: self._cluster_if(self.creds, name, "ACTIVE"))

    def test_entries_policies_and_errors(self):
        c = self.cluster("ae", bootstrap=True)
        self.assertEqual(c["accessConfig"], {"authenticationMode": "API",
                                             "bootstrapClusterCreatorAdminPermissions": True})
        # the creator's entry, made by EKS, with cluster admin
        st, _, doc = self.call("GET", "/clusters/ae/access-entries")
        self.assertEqual((st, doc["accessEntries"]), (200, [self.creator]))
        st, _, doc = self.call("GET", "/clusters/ae/access-entries/%s/access-policies"
                               % enc(self.creator))
        self.assertEqual(doc["associatedAccessPolicies"][0]["policyArn"],
                         POL + "AmazonEKSClusterAdminPolicy")
        self.assertEqual(doc["associatedAccessPolicies"][0]["accessScope"],
                         {"type": "cluster", "namespaces": []})
        # a new entry for an existing role
        dev = self.make_role(self.creds, "developer", "ec2.amazonaws.com")
        st, _, doc = self.call("POST", "/clusters/ae/access-entries", {
            "principalArn": dev, "kubernetesGroups": ["devs"], "tags": {"team": "a"},
            "clientRequestToken": "t1"})
        self.assertEqual(st, 200, doc)
        e = doc["accessEntry"]
        self.assertEqual((e["principalArn"], e["type"], e["kubernetesGroups"], e["clusterName"]),
                         (dev, "STANDARD", ["devs"], "ae"))
        self.assertEqual(e["username"], "arn:aws:sts::%s:assumed-role/developer/{{SessionName}}"
                         % self.acct)
        self.assertRegex(e["accessEntryArn"], r"^arn:aws:eks:us-east-1:%s:access-entry/ae/role/"
                         r"%s/developer/" % (self.acct, self.acct))
        self.assertIsInstance(e["createdAt"], float)
        # idempotent with the same token; duplicate without it; bad principals
        st, _, again = self.call("POST", "/clusters/ae/access-entries", {
            "principalArn": dev, "kubernetesGroups": ["devs"], "tags": {"team": "a"},
            "clientRequestToken": "t1"})
        self.assertEqual((st, again["accessEntry"]["accessEntryArn"]), (200, e["accessEntryArn"]))
        st, h, _ = self.call("POST", "/clusters/ae/access-entries", {"principalArn": dev})
        self.assertEqual(st, 409)
        self.assertTrue(h["x-amzn-errortype"].startswith("ResourceInUseException"))
        for bad in ("arn:aws:iam::%s:role/missing" % self.acct, "not-an-arn",
                    "arn:aws:iam::%s:user/nobody" % self.acct):
            st, h, _ = self.call("POST", "/clusters/ae/access-entries", {"principalArn": bad})
            self.assertEqual(st, 400, bad)
            self.assertTrue(h["x-amzn-errortype"].startswith("InvalidParameterException"))
        st, h, _ = self.call("POST", "/clusters/ae/access-entries", {
            "principalArn": self.make_role(self.creds, "sys", "ec2.amazonaws.com"),
            "kubernetesGroups": ["system:masters"]})
        self.assertEqual(st, 400)
        # describe / update
        st, _, doc = self.call("GET", "/clusters/ae/access-entries/" + enc(dev))
        self.assertEqual((st, doc["accessEntry"]["tags"]), (200, {"team": "a"}))
        st, _, doc = self.call("POST", "/clusters/ae/access-entries/" + enc(dev), {
            "kubernetesGroups": ["devs", "ops"], "username": "dev-user"})
        self.assertEqual(st, 200, doc)
        self.assertEqual((doc["accessEntry"]["kubernetesGroups"], doc["accessEntry"]["username"]),
                         (["devs", "ops"], "dev-user"))
        # access policies: list, associate (namespace scope), list by policy, disassociate
        st, _, doc = self.call("GET", "/access-policies")
        names = {p["name"]: p["arn"] for p in doc["accessPolicies"]}
        for n in ("AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy",
                  "AmazonEKSViewPolicy"):
            self.assertEqual(names[n], POL + n)
        st, _, doc = self.call("GET", "/access-policies", query="maxResults=2")
        self.assertEqual(len(doc["accessPolicies"]), 2)
        self.assertIn("nextToken", doc)
        path = "/clusters/ae/access-entries/%s/access-policies" % enc(dev)
        st, _, doc = self.call("POST", path, {"policyArn": POL + "AmazonEKSEditPolicy",
                                              "accessScope": {"type": "namespace",
                                                              "namespaces": ["team-a"]}})
        self.assertEqual(st, 200, doc)
        self.assertEqual((doc["clusterName"], doc["principalArn"]), ("ae", dev))
        self.assertEqual(doc["associatedAccessPolicy"]["accessScope"],
                         {"type": "namespace", "namespaces": ["team-a"]})
        for bad in ({"policyArn": POL + "NoSuchPolicy", "accessScope": {"type": "cluster"}},
                    {"policyArn": POL + "AmazonEKSViewPolicy",
                     "accessScope": {"type": "namespace"}},
                    {"policyArn": POL + "AmazonEKSViewPolicy",
                     "accessScope": {"type": "cluster", "namespaces": ["a"]}},
                    {"policyArn": POL + "AmazonEKSViewPolicy"}):
            st, h, _ = self.call("POST", path, bad)
            self.assertEqual(st, 400, bad)
            self.assertTrue(h["x-amzn-errortype"].startswith("InvalidParameterException"))
        st, _, doc = self.call("GET", "/clusters/ae/access-entries",
                               query="associatedPolicyArn=" + enc(POL + "AmazonEKSEditPolicy"))
        self.assertEqual(doc["accessEntries"], [dev])
        st, _, doc = self.call("DELETE", path + "/" + enc(POL + "AmazonEKSEditPolicy"))
        self.assertEqual((st, doc), (200, {}))
        st, _, doc = self.call("GET", path)
        self.assertEqual(doc["associatedAccessPolicies"], [])
        st, _, _ = self.call("DELETE", path + "/" + enc(POL + "AmazonEKSEditPolicy"))
        self.assertEqual(st, 404)
        # tags through the generic EKS tag calls
        st, _, _ = self.call("POST", "/tags/" + enc(e["accessEntryArn"]), {"tags": {"b": "c"}})
        self.assertEqual(st, 200)
        _, _, doc = self.call("GET", "/tags/" + enc(e["accessEntryArn"]))
        self.assertEqual(doc["tags"], {"team": "a", "b": "c"})
        # delete; then not found
        st, _, doc = self.call("DELETE", "/clusters/ae/access-entries/" + enc(dev))
        self.assertEqual((st, doc), (200, {}))
        for method in ("GET", "DELETE"):
            st, h, _ = self.call(method, "/clusters/ae/access-entries/" + enc(dev))
            self.assertEqual(st, 404)
            self.assertTrue(h["x-amzn-errortype"].startswith("ResourceNotFoundException"))

    def test_config_map_mode_and_no_bootstrap(self):
        self.cluster("cm", mode="CONFIG_MAP")
        dev = self.make_role(self.creds, "cm-dev", "ec2.amazonaws.com")
        for method, path, body in (("POST", "/clusters/cm/access-entries", {"principalArn": dev}),
                                   ("GET", "/clusters/cm/access-entries", None)):
            st, h, doc = self.call(method, path, body)
            self.assertEqual(st, 400)
            self.assertTrue(h["x-amzn-errortype"].startswith("InvalidRequestException"))
            self.assertIn("API, API_AND_CONFIG_MAP", doc["message"])
        # switching to API_AND_CONFIG_MAP enables entries (no creator entry is made then)
        st, _, doc = self.call("POST", "/clusters/cm/update-config", {
            "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}})
        self.assertEqual((st, doc["update"]["type"]), (200, "AccessConfigUpdate"))
        wait_for(lambda: self._cluster_if(self.creds, "cm", "ACTIVE"))
        st, _, doc = self.call("GET", "/clusters/cm/access-entries")
        self.assertEqual((st, doc["accessEntries"]), (200, []))
        # bootstrap false: no creator entry
        self.cluster("nb", bootstrap=False)
        _, _, doc = self.call("GET", "/clusters/nb/access-entries")
        self.assertEqual(doc["accessEntries"], [])
        role = self.make_role(self.creds, "bad-role", "eks.amazonaws.com")
        st, _, _ = self.call("POST", "/clusters", {
            "name": "bad", "roleArn": role, "resourcesVpcConfig": {"subnetIds": ["a", "b"]},
            "accessConfig": {"authenticationMode": "CONFIG_MAP",
                             "bootstrapClusterCreatorAdminPermissions": False}})
        self.assertEqual(st, 400)

    def test_node_group_entry(self):
        self.cluster("ng")
        node = self.make_role(self.creds, "ng-node", "ec2.amazonaws.com")
        st, _, doc = self.call("POST", "/clusters/ng/node-groups", {
            "nodegroupName": "a", "subnets": ["s1"], "nodeRole": node})
        self.assertEqual(st, 200, doc)
        st, _, doc = self.call("GET", "/clusters/ng/access-entries/" + enc(node))
        self.assertEqual(st, 200, doc)
        e = doc["accessEntry"]
        self.assertEqual((e["type"], e["kubernetesGroups"], e["username"]),
                         ("EC2_LINUX", ["system:nodes"], "system:node:{{EC2PrivateDNSName}}"))
        st, h, _ = self.call("POST", "/clusters/ng/access-entries/%s/access-policies" % enc(node),
                             {"policyArn": POL + "AmazonEKSViewPolicy",
                              "accessScope": {"type": "cluster"}})
        self.assertEqual(st, 400)
        self.assertTrue(h["x-amzn-errortype"].startswith("InvalidRequestException"))
        # the entry goes with the last node group using the role
        wait_for(lambda: self.call("GET", "/clusters/ng/node-groups/a")[2]["nodegroup"]["status"]
                 == "ACTIVE")
        self.call("DELETE", "/clusters/ng/node-groups/a")
        wait_for(lambda: self.call("GET", "/clusters/ng/node-groups/a")[0] == 404)
        st, _, _ = self.call("GET", "/clusters/ng/access-entries/" + enc(node))
        self.assertEqual(st, 404)

    def test_kubernetes_authorisation_follows_entries(self):
        c = self.cluster("authz")
        viewer = self.make_role_trusting_account("viewer")
        vcreds = self.assume(self.acct, "viewer", creds=self.creds)

        def kube(creds, method, path, body=None, ctype=None):
            tok = signer.eks_token("authz", *creds)
            return self.emu.kube(c["endpoint"], c["certificateAuthority"]["data"], method, path,
                                 tok, body, ctype)
        # the creator (cluster admin through its entry) may do anything
        self.assertEqual(kube(self.creds, "GET", "/api/v1/namespaces")[0], 200)
        # API mode: a principal without an entry is not authenticated at all
        st, doc = kube(vcreds, "GET", "/api/v1/namespaces")
        self.assertEqual((st, doc["reason"]), (401, "Unauthorized"))
        # an entry without policies: authenticated, not authorised (discovery only)
        self.call("POST", "/clusters/authz/access-entries", {"principalArn": viewer})
        self.assertEqual(kube(vcreds, "GET", "/version")[0], 200)
        st, doc = kube(vcreds, "GET", "/api/v1/namespaces")
        self.assertEqual((st, doc["reason"]), (403, "Forbidden"))
        # view policy: reads only
        self.call("POST", "/clusters/authz/access-entries/%s/access-policies" % enc(viewer),
                  {"policyArn": POL + "AmazonEKSViewPolicy", "accessScope": {"type": "cluster"}})
        self.assertEqual(kube(vcreds, "GET", "/api/v1/namespaces")[0], 200)
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
        st, _ = kube(vcreds, "PATCH", "/api/v1/namespaces/default/configmaps/x?fieldManager=t",
                     cm, "application/apply-patch+yaml")
        self.assertEqual(st, 403)
        # edit policy scoped to one namespace: writes there only
        self.call("POST", "/clusters/authz/access-entries/%s/access-policies" % enc(viewer),
                  {"policyArn": POL + "AmazonEKSEditPolicy",
                   "accessScope": {"type": "namespace", "namespaces": ["default"]}})
        st, _ = kube(vcreds, "PATCH", "/api/v1/namespaces/default/configmaps/x?fieldManager=t",
                     cm, "application/apply-patch+yaml")
        self.assertEqual(st, 201)
        cm["metadata"]["namespace"] = "kube-system"
        st, _ = kube(vcreds, "PATCH", "/api/v1/namespaces/kube-system/configmaps/x"
                     "?fieldManager=t", cm, "application/apply-patch+yaml")
        self.assertEqual(st, 403)
        # removing the entry out of band takes the access away
        self.call("DELETE", "/clusters/authz/access-entries/" + enc(viewer))
        self.assertEqual(kube(vcreds, "GET", "/api/v1/namespaces")[0], 401)

    def make_role_trusting_account(self, name):
        import json
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % self.acct},
            "Action": "sts:AssumeRole"}]}
        st, _, root = self.emu.xml("iam", "CreateRole", {
            "RoleName": name, "AssumeRolePolicyDocument": json.dumps(trust)}, self.creds)
        self.assertEqual(st, 200)
        return x(root, "CreateRoleResult/Role/Arn", "iam")


class OidcProviders(EmulatorTest):
    def test_provider_lifecycle(self):
        acct, creds = self.tenant()
        url = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
        params = {"Url": url, "ClientIDList.member.1": "sts.amazonaws.com",
                  "Tags.member.1.Key": "cluster", "Tags.member.1.Value": "demo"}
        st, _, root = self.emu.xml("iam", "CreateOpenIDConnectProvider", params, creds)
        self.assertEqual(st, 200)
        arn = x(root, "CreateOpenIDConnectProviderResult/OpenIDConnectProviderArn", "iam")
        self.assertEqual(arn, "arn:aws:iam::%s:oidc-provider/%s" % (acct, url[8:]))
        st, _, root = self.emu.xml("iam", "CreateOpenIDConnectProvider", params, creds)
        self.assertEqual((st, x(root, "Error/Code", "iam")), (409, "EntityAlreadyExists"))
        st, _, root = self.emu.xml("iam", "GetOpenIDConnectProvider",
                                   {"OpenIDConnectProviderArn": arn}, creds)
        self.assertEqual(st, 200)
        self.assertEqual(x(root, "GetOpenIDConnectProviderResult/Url", "iam"), url[8:])
        self.assertEqual(x(root, "GetOpenIDConnectProviderResult/ClientIDList/member", "iam"),
                         "sts.amazonaws.com")
        st, _, root = self.emu.xml("iam", "ListOpenIDConnectProviders", {}, creds)
        self.assertEqual(x(root, "ListOpenIDConnectProvidersResult/OpenIDConnectProviderList/"
                           "member/Arn", "iam"), arn)
        # the management account does not see the tenant's provider
        st, _, root = self.emu.xml("iam", "ListOpenIDConnectProviders", {})
        self.assertIsNone(x(root, "ListOpenIDConnectProvidersResult/OpenIDConnectProviderList/"
                            "member/Arn", "iam"))
        # tags
        st, _, _ = self.emu.xml("iam", "TagOpenIDConnectProvider", {
            "OpenIDConnectProviderArn": arn, "Tags.member.1.Key": "env",
            "Tags.member.1.Value": "dev"}, creds)
        self.assertEqual(st, 200)
        st, _, _ = self.emu.xml("iam", "UntagOpenIDConnectProvider", {
            "OpenIDConnectProviderArn": arn, "TagKeys.member.1": "cluster"}, creds)
        st, _, root = self.emu.xml("iam", "ListOpenIDConnectProviderTags",
                                   {"OpenIDConnectProviderArn": arn}, creds)
        self.assertEqual(x(root, "ListOpenIDConnectProviderTagsResult/Tags/member/Key", "iam"),
                         "env")
        # bad inputs
        st, _, root = self.emu.xml("iam", "CreateOpenIDConnectProvider",
                                   {"Url": "http://insecure.example.com"}, creds)
        self.assertEqual(st, 400)
        st, _, root = self.emu.xml("iam", "CreateOpenIDConnectProvider",
                                   {"Url": "https://x.example.com",
                                    "ThumbprintList.member.1": "abc"}, creds)
        self.assertEqual(st, 400)
        # delete; then NoSuchEntity
        st, _, _ = self.emu.xml("iam", "DeleteOpenIDConnectProvider",
                                {"OpenIDConnectProviderArn": arn}, creds)
        self.assertEqual(st, 200)
        st, _, root = self.emu.xml("iam", "GetOpenIDConnectProvider",
                                   {"OpenIDConnectProviderArn": arn}, creds)
        self.assertEqual((st, x(root, "Error/Code", "iam")), (404, "NoSuchEntity"))
